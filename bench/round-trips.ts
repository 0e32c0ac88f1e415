// Database round trips per operation: each operation runs a few times, one at a time, while the
// server counts the commands its driver sends (command monitoring, whatever the store). On the
// embedded default oidc-provider's short-lived artifacts are in a local SQLite file, not behind
// the wire: those reads and writes are not round trips and are not counted; with MONGODB_URI
// everything is.
import type { ServerChild } from './children.ts';
import { exchangeCode, signInForCode, startFlow } from './code-flow.ts';
import { basicAuth, createHttpClient, type HttpClient } from './http-client.ts';
import type { AppFixtures } from './protocol.ts';

export interface RoundTripRow {
  operation: string;
  /** The ceiling for it. */
  goal: number;
  /** Commands per operation (mean over the runs). */
  perOperation: number;
  /** All commands of all runs, by name. */
  commands: Record<string, number>;
}

const RUNS = 10;

async function counted(server: ServerChild, operation: string, goal: number, once: () => Promise<void>): Promise<RoundTripRow> {
  await once(); // warm: caches filled, as on a server that has been running
  await server.startCounting();
  for (let run = 0; run < RUNS; run++) await once();
  const commands = await server.stopCounting();
  const total = Object.values(commands).reduce((sum, n) => sum + n, 0);
  return { operation, goal, perOperation: Math.round((total / RUNS) * 10) / 10, commands };
}

async function ok(client: HttpClient, path: string): Promise<void> {
  const res = await client.request({ method: 'GET', path });
  if (res.status !== 200) throw new Error(`GET ${path}: HTTP ${res.status}`);
}

export async function countRoundTrips(app: AppFixtures, server: ServerChild): Promise<RoundTripRow[]> {
  const client = createHttpClient(app.issuer, 1);
  try {
    const account = app.accounts[0]!;
    const rows = [
      await counted(server, 'GET /.well-known/openid-configuration', 0, () => ok(client, '/.well-known/openid-configuration')),
      await counted(server, 'GET /jwks', 0, () => ok(client, '/jwks')),
      await counted(server, 'POST /token (client_credentials, warm client cache)', 0, async () => {
        const res = await client.request({
          method: 'POST',
          path: '/token',
          headers: {
            authorization: basicAuth(app.practiceClient.id, app.practiceClient.secret),
            'content-type': 'application/x-www-form-urlencoded',
          },
          body: new URLSearchParams({
            grant_type: 'client_credentials',
            resource: app.apiResource,
            scope: 'enrollments:read',
          }).toString(),
        });
        if (res.status !== 200) throw new Error(`client_credentials: HTTP ${res.status} ${res.body.slice(0, 200)}`);
      }),
    ];
    // The exchange alone: codes obtained first (not counted), then only their exchanges counted.
    const codes: { code: string; verifier: string }[] = [];
    for (let run = 0; run < RUNS + 1; run++) {
      const flow = await startFlow(client, app);
      codes.push({ code: await signInForCode(client, app, flow, account), verifier: flow.verifier });
    }
    rows.push(
      await counted(server, 'POST /token (code for tokens)', 4, async () => {
        const next = codes.shift()!;
        const problem = await exchangeCode(client, app, next.code, next.verifier);
        if (problem) throw new Error(problem);
      }),
    );
    rows.push(
      await counted(server, 'whole code flow with sign-in', 15, async () => {
        const flow = await startFlow(client, app);
        const code = await signInForCode(client, app, flow, account);
        const problem = await exchangeCode(client, app, code, flow.verifier);
        if (problem) throw new Error(problem);
      }),
    );
    return rows;
  } finally {
    client.close();
  }
}

export function roundTripTable(rows: readonly RoundTripRow[]): string {
  const lines = ['| Operation | Database commands per operation | Goal | Commands (all runs) |', '|---|--:|--:|---|'];
  for (const row of rows) {
    const names = Object.entries(row.commands)
      .sort(([, a], [, b]) => b - a)
      .map(([name, count]) => `${name} ${count}`)
      .join(', ');
    lines.push(`| ${row.operation} | ${row.perOperation} | ≤ ${row.goal} | ${names || '–'} |`);
  }
  return lines.join('\n');
}
