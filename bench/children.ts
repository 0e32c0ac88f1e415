// Forks bench/server-process.ts and talks to it over IPC (bench/protocol.ts).
import { fork, type ChildProcess } from 'node:child_process';
import { startCommand } from './start-command.ts';
import type { ChildMessage, CpuTime, Fixtures, MemorySample, ParentMessage } from './protocol.ts';

export interface ServerChild<F extends Fixtures = Fixtures> {
  fixtures: F;
  pid: number | undefined;
  /** Starts sampling the server process's RSS every `intervalMs`. */
  startRss(intervalMs: number): Promise<void>;
  /** Stops sampling; answers the samples, the RSS and heap used after a full collection, and the CPU time meanwhile. */
  stopRss(): Promise<{
    samples: MemorySample[];
    afterGc: { rss: number; heapUsed: number } | undefined;
    cpu: CpuTime | undefined;
  }>;
  /** Counts the database commands the server sends from now on. */
  startCounting(): Promise<void>;
  /** Stops counting; answers the commands sent meanwhile, by name. */
  stopCounting(): Promise<Record<string, number>>;
  /** Fills the server's database up to this many accounts; answers the documents per collection. */
  seed(accounts: number): Promise<Record<string, number>>;
  /** Asks the process to clean up and exit; SIGKILLs it after a grace period. Safe to call twice. */
  stop(): Promise<void>;
}

const STDERR_TAIL_LINES = 40;
const CALL_TIMEOUT_MS = 10_000;
/** Filling the embedded database with 50,000 patients takes minutes. */
const SEED_TIMEOUT_MS = 10 * 60_000;
const STOP_GRACE_MS = 15_000;

type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;

export async function startServerChild<K extends Fixtures['kind']>(
  kind: K,
  options: { readyTimeoutMs: number; verbose: boolean },
): Promise<ServerChild<Extract<Fixtures, { kind: K }>>> {
  const child: ChildProcess = fork(new URL('./server-process.ts', import.meta.url), [kind], {
    env: { ...process.env, ...startCommand.env, NODE_ENV: 'test' },
    execArgv: [...process.execArgv, ...startCommand.nodeFlags, '--expose-gc'],
    stdio: ['ignore', options.verbose ? 'inherit' : 'ignore', 'pipe', 'ipc'],
  });
  const stderr: string[] = [];
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    if (options.verbose) process.stderr.write(chunk);
    stderr.push(...chunk.split('\n').filter(Boolean));
    if (stderr.length > STDERR_TAIL_LINES) stderr.splice(0, stderr.length - STDERR_TAIL_LINES);
  });
  const tail = () => (stderr.length ? `\n--- ${kind} server stderr (tail) ---\n${stderr.join('\n')}` : '');

  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  // If the runner dies without stop(), the child sees its IPC channel close and cleans up by itself.

  const pending = new Map<number, { resolve: (message: ChildMessage) => void; reject: (error: Error) => void }>();
  let nextId = 1;

  const fixtures = await new Promise<Fixtures>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${kind} server not ready within ${options.readyTimeoutMs} ms${tail()}`));
    }, options.readyTimeoutMs);
    child.on('message', (message: ChildMessage) => {
      if (message.type === 'ready') {
        clearTimeout(timer);
        resolve(message.fixtures);
      } else if (message.type === 'failed') {
        clearTimeout(timer);
        reject(new Error(`${kind} server failed to start: ${message.error}${tail()}`));
      } else {
        const call = pending.get(message.id);
        pending.delete(message.id);
        call?.resolve(message);
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      const error = new Error(`${kind} server exited (code ${code}, signal ${signal})${tail()}`);
      reject(error);
      for (const call of pending.values()) call.reject(error);
      pending.clear();
    });
  });
  if (fixtures.kind !== kind) throw new Error(`expected a ${kind} server, got ${fixtures.kind}`);

  function call(message: WithoutId<ParentMessage>, timeoutMs = CALL_TIMEOUT_MS): Promise<ChildMessage> {
    const id = nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`${kind} server did not answer ${message.type} within ${timeoutMs} ms`));
      }, timeoutMs);
      pending.set(id, {
        resolve: (answer) => {
          clearTimeout(timer);
          resolve(answer);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      child.send({ ...message, id } as ParentMessage);
    });
  }

  let stopping: Promise<void> | undefined;
  return {
    fixtures: fixtures as Extract<Fixtures, { kind: K }>,
    pid: child.pid,
    async startRss(intervalMs) {
      await call({ type: 'rss-start', intervalMs });
    },
    async stopRss() {
      const answer = await call({ type: 'rss-stop' });
      return answer.type === 'reply'
        ? { samples: answer.memory ?? [], afterGc: answer.afterGc, cpu: answer.cpu }
        : { samples: [], afterGc: undefined, cpu: undefined };
    },
    async startCounting() {
      await call({ type: 'count-start' });
    },
    async stopCounting() {
      const answer = await call({ type: 'count-stop' });
      return answer.type === 'reply' ? (answer.commands ?? {}) : {};
    },
    async seed(accounts) {
      const answer = await call({ type: 'seed', accounts }, SEED_TIMEOUT_MS);
      if (answer.type !== 'reply' || answer.error)
        throw new Error(`seeding failed: ${answer.type === 'reply' ? answer.error : answer.type}`);
      return answer.sizes ?? {};
    },
    stop() {
      stopping ??= (async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        if (child.connected) child.send({ type: 'stop', id: nextId++ } satisfies ParentMessage);
        let timer: NodeJS.Timeout | undefined;
        const grace = new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(true), STOP_GRACE_MS);
        });
        const timedOut = await Promise.race([exited.then(() => false), grace]);
        clearTimeout(timer);
        if (timedOut) {
          child.kill('SIGKILL');
          await exited;
        }
      })();
      return stopping;
    },
  };
}
