import type { Connection } from 'mongoose';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { SmsSender } from '../ports/sms.ts';

const SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * Prometheus metrics (prom-client), served at /metrics: the process's own (CPU, memory, event-loop
 * lag, GC), HTTP requests by route, audited events by action and outcome (sign-ins and failures,
 * each registration step, recoveries, account changes), database command latency, the mail queue,
 * SMS sends and the password-hash queue. Names start with `patient_idp_`; labels are bounded sets
 * (a route pattern, never a raw path).
 */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'patient_idp_' });
  const registers = [registry];
  return {
    registry,
    httpRequests: new Histogram({
      name: 'patient_idp_http_request_duration_seconds',
      help: 'HTTP requests by method, route pattern and status, and how long they took.',
      labelNames: ['method', 'route', 'status'] as const,
      buckets: SECONDS,
      registers,
    }),
    events: new Counter({
      name: 'patient_idp_events_total',
      help: 'Audited events by action and outcome: signin.login (sign-ins and failures), registration.* (each step), recovery.*, settings.*.',
      labelNames: ['action', 'outcome'] as const,
      registers,
    }),
    databaseCommands: new Histogram({
      name: 'patient_idp_database_command_duration_seconds',
      help: 'Database commands by name and outcome, and how long they took.',
      labelNames: ['command', 'outcome'] as const,
      buckets: SECONDS,
      registers,
    }),
    smsSends: new Counter({
      name: 'patient_idp_sms_sends_total',
      help: 'Text messages handed to the SMS provider, by outcome (sent or failed).',
      labelNames: ['outcome'] as const,
      registers,
    }),
    /** A gauge read when Prometheus scrapes (a queue's depth, say). */
    gauge(name: string, help: string, read: () => number | Promise<number>): void {
      new Gauge({
        name,
        help,
        registers,
        async collect() {
          this.set(await read());
        },
      });
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

/** Every database command's duration, from the driver's command monitoring. */
export function observeDatabase(connection: Connection, metrics: Metrics): void {
  const client = connection.getClient();
  client.on('commandSucceeded', (event) =>
    metrics.databaseCommands.observe({ command: event.commandName, outcome: 'ok' }, event.duration / 1000),
  );
  client.on('commandFailed', (event) =>
    metrics.databaseCommands.observe({ command: event.commandName, outcome: 'failed' }, event.duration / 1000),
  );
}

/** The SMS sender, counting what it hands to the provider and what the provider refuses. */
export function countedSms(sender: SmsSender, metrics: Metrics): SmsSender {
  return {
    ...sender,
    async send(to, text) {
      try {
        await sender.send(to, text);
        metrics.smsSends.inc({ outcome: 'sent' });
      } catch (error) {
        metrics.smsSends.inc({ outcome: 'failed' });
        throw error;
      }
    },
  };
}
