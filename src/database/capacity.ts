/**
 * Registered patients beyond which the embedded database's sign-in p95 passes 250 ms, measured by
 * `npm run bench` (docs/benchmarks.md, "As the store fills": 163 ms at 2,000, 260 ms at 3,000,
 * 673 ms at 10,000): FerretDB v1 on SQLite reads a whole collection for every query (its indexes go
 * unused), so each sign-in slows as patients accumulate. Beyond it, MongoDB (`MONGODB_URI`, a replica
 * set) is the store: the embedded database is for trying the project and for small practices.
 */
export const EMBEDDED_PATIENT_LIMIT = 3_000;

/** Warn from this share of the limit on, so there is time to move. */
const WARN_AT = 0.8;

/** How often a running server counts again. */
const CHECK_EVERY_MS = 10 * 60_000;

/** Collections that grow with the patients, and how many documents per patient the limit was measured with. */
const GROWING = [
  { collection: 'accounts', perPatient: 1 },
  { collection: 'patient_records', perPatient: 1 },
  { collection: 'record_links', perPatient: 1 },
  { collection: 'enrollments', perPatient: 1 },
  { collection: 'audit_events', perPatient: 4 },
] as const;

export interface CapacityWatch {
  /** What an operator should know now (empty when all is well); /readyz shows it. */
  warnings(): string[];
  /** Counts again (at start, then every 10 minutes). */
  check(): Promise<void>;
  stop(): void;
}

/**
 * Watches the embedded database's size against its measured limit: a warning in the log at start
 * and every 10 minutes while a growing collection is past 80 % of it, and in /readyz's details.
 * With MONGODB_URI there is no such limit and nothing is watched.
 */
export function createCapacityWatch(options: {
  embedded: boolean;
  count: (collection: string) => Promise<number>;
  /** Where warnings go (the server's log), with the error when counting failed. */
  warn: (message: string, error?: unknown) => void;
}): CapacityWatch {
  let current: string[] = [];

  async function count(): Promise<void> {
    const found: string[] = [];
    for (const { collection, perPatient } of GROWING) {
      const limit = EMBEDDED_PATIENT_LIMIT * perPatient;
      const documents = await options.count(collection);
      if (documents >= limit * WARN_AT) {
        found.push(
          `the embedded database's ${collection} holds ${documents} documents, ${Math.round((documents / limit) * 100)} % of what it serves quickly (${limit}): sign-ins slow down beyond it; move to MongoDB (MONGODB_URI)`,
        );
      }
    }
    current = found;
    for (const warning of found) options.warn(warning);
  }

  const watch: CapacityWatch = {
    warnings: () => [...current],
    async check() {
      if (!options.embedded) return;
      try {
        await count();
      } catch (err) {
        // Counting is advice: a database that does not answer is /readyz's to report.
        options.warn('could not count the embedded database', err);
      }
    },
    stop: () => clearInterval(timer),
  };
  const timer = options.embedded ? setInterval(() => void watch.check(), CHECK_EVERY_MS).unref() : undefined;
  return watch;
}
