// Messages between the bench runner (bench/run.ts) and the server processes it forks
// (bench/server-process.ts). The servers run in their own processes so the load generator does
// not share an event loop with the code it measures.

/** What the patient-idp server set up for the scenarios. */
export interface AppFixtures {
  kind: 'app';
  issuer: string;
  /** `<issuer>/api`, the resource indicator of the practice API. */
  apiResource: string;
  database: string;
  /** The practice's EHR client (client credentials on the practice API). */
  practiceClient: { id: string; secret: string };
  /** A confidential web client for the authorization code flow. */
  webClient: { id: string; secret: string; redirectUri: string };
  /**
   * Accounts to sign in with, one per concurrent client: sign-ins to one username are checked one
   * at a time (the guessing protection), so a single shared account would measure that queue.
   */
  accounts: { login: string; password: string }[];
  passwordHashConcurrency: number;
  passwordHashNice: number;
}

/** The bare oidc-provider: two static clients, in-memory adapter, its development sign-in pages. */
export interface BareFixtures {
  kind: 'bare';
  issuer: string;
  /** Client credentials. */
  client: { id: string; secret: string };
  /** A confidential web client for the authorization code flow (the same shape as ours). */
  webClient: { id: string; secret: string; redirectUri: string };
  version: string;
}

export type Fixtures = AppFixtures | BareFixtures;

export type ParentMessage =
  | { type: 'rss-start'; id: number; intervalMs: number }
  | { type: 'rss-stop'; id: number }
  | { type: 'count-start'; id: number }
  | { type: 'count-stop'; id: number }
  /** Fills the database up to `accounts` registered patients (each with a record, a link and a few audit events). */
  | { type: 'seed'; id: number; accounts: number }
  | { type: 'stop'; id: number };

export type ChildMessage =
  | { type: 'ready'; fixtures: Fixtures }
  | { type: 'failed'; error: string }
  | {
      type: 'reply';
      id: number;
      memory?: MemorySample[];
      afterGc?: { rss: number; heapUsed: number };
      /** CPU time over the sampling window, ms: the server process's (all threads) and its embedded database's. */
      cpu?: CpuTime;
      /** Database commands the server sent since count-start, by command name (MongoDB wire protocol). */
      commands?: Record<string, number>;
      /** After a seed: documents per collection. */
      sizes?: Record<string, number>;
      /** What went wrong, when the request failed. */
      error?: string;
    };

export interface CpuTime {
  serverMs: number;
  /** Of `serverMs`, the time the kernel spent for the server (page faults, system calls). */
  serverSystemMs: number;
  databaseMs?: number;
}

/** One process.memoryUsage() reading, bytes. */
export interface MemorySample {
  rss: number;
  /** V8's heap as reserved (grows with garbage not yet collected; argon2's blocks are outside it). */
  heapTotal: number;
}
