// The Kubernetes manifests (deploy/kubernetes), checked offline: every object validates against
// the Kubernetes API schema (kubernetes-models), and they fit together and fit the server: the
// Service, PodDisruptionBudget and Deployment select the same pods, the probes ask /readyz and
// /healthz on the port the server listens on, every setting is a variable the server reads, and
// the shutdown grace outlasts the server's own.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import { ConfigMap, Secret, Service } from 'kubernetes-models/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { configVariables } from '../../src/config/schema.ts';
import { routes } from '../../src/paths.ts';
import { ROOT, SHUTDOWN_LIMIT_MS } from '../support/server-process.ts';

const DIR = path.join(ROOT, 'deploy', 'kubernetes');

const MODELS = {
  'apps/v1 Deployment': Deployment,
  'apps/v1 StatefulSet': StatefulSet,
  'v1 ConfigMap': ConfigMap,
  'v1 Secret': Secret,
  'v1 Service': Service,
  'policy/v1 PodDisruptionBudget': PodDisruptionBudget,
} as const;

type Manifest = { apiVersion: string; kind: string; metadata: { name: string }; [field: string]: unknown };

async function manifestsIn(file: string): Promise<Manifest[]> {
  const documents = parseAllDocuments(await readFile(path.join(DIR, file), 'utf8'));
  return documents.map((document) => {
    expect(document.errors).toEqual([]);
    return document.toJS() as Manifest;
  });
}

let kustomization: { resources: string[] };
let objects: Manifest[];

beforeAll(async () => {
  [kustomization] = (await manifestsIn('kustomization.yaml')) as unknown as [{ resources: string[] }];
  objects = (await Promise.all([...kustomization.resources, 'secret.example.yaml'].map(manifestsIn))).flat();
});

const find = (kind: string, name: string) => {
  const found = objects.find((object) => object.kind === kind && object.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name}`);
  return found as Manifest & Record<string, any>;
};

test('every object is a Kubernetes object that validates against its API schema', () => {
  expect(objects.length).toBeGreaterThanOrEqual(8);
  for (const object of objects) {
    const Model = MODELS[`${object.apiVersion} ${object.kind}` as keyof typeof MODELS];
    expect(Model).toBeDefined();
    expect(() => new Model(object as never).validate()).not.toThrow();
  }
});

test('the schema check bites: a wrong type or a missing required field is refused', () => {
  const deployment = structuredClone(find('Deployment', 'patient-idp'));
  deployment.spec.replicas = 'three';
  expect(() => new Deployment(deployment as never).validate()).toThrow(/replicas must be integer/);
  const nameless = structuredClone(find('Deployment', 'patient-idp'));
  delete nameless.spec.template.spec.containers[0].name;
  expect(() => new Deployment(nameless as never).validate()).toThrow(/containers\/0 must have required property name/);
});

test('the Service and the disruption budget select exactly the Deployment’s pods, by its port name', () => {
  const deployment = find('Deployment', 'patient-idp');
  const labels = deployment.spec.template.metadata.labels as Record<string, string>;
  expect(deployment.spec.selector.matchLabels).toEqual(labels);
  expect(find('Service', 'patient-idp').spec.selector).toEqual(labels);
  expect(find('PodDisruptionBudget', 'patient-idp').spec.selector.matchLabels).toEqual(labels);
  const ports = deployment.spec.template.spec.containers[0].ports as Array<{ name: string; containerPort: number }>;
  expect(find('Service', 'patient-idp').spec.ports[0].targetPort).toBe(ports[0]!.name);
  // Several instances, and a drain never takes more than one away.
  expect(deployment.spec.replicas).toBeGreaterThanOrEqual(2);
  expect(find('PodDisruptionBudget', 'patient-idp').spec.maxUnavailable).toBe(1);
  expect(deployment.spec.strategy.rollingUpdate.maxUnavailable).toBe(0);
});

test('readiness asks /readyz, liveness /healthz, on the port the server listens on (PORT)', () => {
  const container = find('Deployment', 'patient-idp').spec.template.spec.containers[0];
  const port = container.ports[0];
  expect(port.containerPort).toBe(configVariables.PORT.schema.parse(undefined));
  expect(container.readinessProbe.httpGet).toEqual({ path: routes.readyz, port: port.name });
  expect(container.livenessProbe.httpGet).toEqual({ path: routes.healthz, port: port.name });
  expect(container.startupProbe.httpGet).toEqual({ path: routes.healthz, port: port.name });
});

test('every setting is a variable the server reads; secrets come from the Secret, the rest from the ConfigMap', () => {
  const container = find('Deployment', 'patient-idp').spec.template.spec.containers[0];
  expect(container.envFrom).toEqual([{ configMapRef: { name: 'patient-idp' } }, { secretRef: { name: 'patient-idp' } }]);
  const known = new Set(Object.keys(configVariables));
  const settings = Object.keys(find('ConfigMap', 'patient-idp').data as object);
  const secrets = Object.keys(find('Secret', 'patient-idp').stringData as object);
  for (const name of [...settings, ...secrets]) expect([name, known.has(name)]).toEqual([name, true]);
  expect(secrets.sort()).toEqual([
    'COOKIE_KEYS',
    'MONGODB_URI',
    'OPERATOR_CLIENT_ID',
    'OPERATOR_CLIENT_SECRET',
    'SMTP_URL',
    'TOKEN_SECRET',
  ]);
  expect(find('ConfigMap', 'patient-idp').data.NODE_ENV).toBe('production');
  // The example Secret is an example: never applied with the rest.
  expect(kustomization.resources).not.toContain('secret.example.yaml');
});

test('the instances share a MongoDB replica set, and a terminating pod has time to finish its requests', () => {
  const uri = find('Secret', 'patient-idp').stringData.MONGODB_URI as string;
  const mongodb = find('StatefulSet', 'mongodb');
  expect(uri).toContain(`replicaSet=${mongodb.spec.template.spec.containers[0].args[1]}`);
  for (let member = 0; member < mongodb.spec.replicas; member++) expect(uri).toContain(`mongodb-${member}.mongodb`);
  const pod = find('Deployment', 'patient-idp').spec.template.spec;
  const preStopSeconds = pod.containers[0].lifecycle.preStop.sleep.seconds as number;
  expect(pod.terminationGracePeriodSeconds * 1000).toBeGreaterThan(preStopSeconds * 1000 + SHUTDOWN_LIMIT_MS);
});
