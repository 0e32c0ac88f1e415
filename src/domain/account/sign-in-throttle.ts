import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { isDuplicateKeyError } from '../../database/errors.ts';
import type { Models, SignInThrottleDocument } from '../../models/index.ts';
import type { RateLimits } from '../../platform/rate-limits.ts';

export interface SignInThrottlePolicy {
  /** Consecutive failures before each further attempt must wait. */
  delayAfterFailures: number;
  /** Consecutive failures that lock the username for `lockSeconds` (and each further one again). */
  lockAfterFailures: number;
  lockSeconds: number;
  failuresPerIpPerMinute: number;
}

/** NIST SP 800-63B-4 §3.2.2: never more than 100 consecutive failures; then locked until a recovery or an operator's unlock. */
export const MAX_CONSECUTIVE_FAILURES = 100;
/** Consecutive failures are remembered this long after the last one. */
const FAILURE_MEMORY_MS = 24 * 60 * 60 * 1000;
const UNTIL_RECOVERED_MS = 365 * 24 * 60 * 60 * 1000;
const MAX_DELAY_SECONDS = 60;
const IP_WINDOW_MS = 60_000;
/** One password check per username at a time; a lease outlives a crashed holder by at most this. */
const LEASE_MS = 10_000;
/** How long a second attempt on a username waits for the first (a double click) before it is refused. */
const LEASE_WAIT_MS = 3_000;
const LEASE_POLL_MS = 10;

/** The documents of one username's throttle; usernames as typed are personal data, so only their hash names them. */
export function throttleDocumentIds(usernameKey: string): { state: string; lease: string } {
  const hashed = createHash('sha256').update(usernameKey).digest('base64url').slice(0, 32);
  return { state: `signin:${hashed}`, lease: `attempt:${hashed}` };
}

/** Why an attempt is refused before its password is even checked. */
export type Refusal =
  | { by: 'username'; locked: boolean }
  | { by: 'address'; retryAfterSeconds: number }
  /** Other sign-ins to this username held its lease for the whole wait: try again in a moment. */
  | { by: 'busy' };

/** One password check in progress: it holds its username's lease until `release`. */
export interface Attempt {
  usernameKey: string;
  ip: string | undefined;
  /** Consecutive failures before this attempt. */
  failures: number;
  lease: string;
}

/**
 * Password guessing, throttled (ASVS 5 V6.3, NIST SP 800-63B-4 §3.2.2), shared through the
 * database so several instances enforce one limit:
 * - per username (folded; unknown ones alike, so the throttle reveals nothing about which exist):
 *   after `delayAfterFailures` consecutive failures each attempt waits 2 s, doubling to a minute;
 *   after `lockAfterFailures` the username is locked for `lockSeconds` (again after each further
 *   failure); after 100 it stays locked until a recovery or an operator's unlock. A success ends the run.
 * - per client address: wrong passwords per minute (a fixed window), whatever the usernames.
 * Races are decided by a unique-key insert: each attempt first takes its username's lease, so the
 * checks of one username run one at a time on every instance and the count is exact however many
 * guesses arrive at once. A refused attempt never costs a password hash.
 */
export function createSignInThrottle(deps: {
  models: Models;
  rateLimits: RateLimits;
  now: () => Date;
  policy: SignInThrottlePolicy;
}) {
  const { SignInThrottle } = deps.models;
  const { policy, now } = deps;
  const stateId = (usernameKey: string) => throttleDocumentIds(usernameKey).state;
  const leaseId = (usernameKey: string) => throttleDocumentIds(usernameKey).lease;
  const ipKey = (ip: string) => `signin-ip:${ip}`;

  /** How long after the `n`th consecutive failure the next attempt may come. */
  function waitAfter(n: number): { ms: number; locked: boolean } {
    if (n >= MAX_CONSECUTIVE_FAILURES) return { ms: UNTIL_RECOVERED_MS, locked: true };
    if (n >= policy.lockAfterFailures) return { ms: policy.lockSeconds * 1000, locked: true };
    if (n < policy.delayAfterFailures) return { ms: 0, locked: false };
    return { ms: Math.min(2 ** (n - policy.delayAfterFailures + 1), MAX_DELAY_SECONDS) * 1000, locked: false };
  }

  const waiting = (state: SignInThrottleDocument | null): { refusal: Refusal } | undefined =>
    state?.notBefore && state.notBefore.getTime() > now().getTime()
      ? { refusal: { by: 'username', locked: (state.failures ?? 0) >= policy.lockAfterFailures } }
      : undefined;
  const readState = (usernameKey: string) => SignInThrottle.findById(stateId(usernameKey)).lean<SignInThrottleDocument>();

  /**
   * Takes the username's lease by inserting it. While another attempt holds it, waits (backing off)
   * and gives up as soon as that attempt's failure makes this one wait anyway; takes over a lease
   * whose holder died.
   */
  async function takeLease(usernameKey: string): Promise<{ refusal: Refusal } | undefined> {
    const _id = leaseId(usernameKey);
    // Real time, not the domain clock: this is how long a request may wait, not a policy period.
    const deadline = Date.now() + LEASE_WAIT_MS;
    for (let pause = LEASE_POLL_MS; Date.now() < deadline; pause = Math.min(pause * 2, 200)) {
      try {
        await SignInThrottle.create({ _id, expiresAt: new Date(now().getTime() + LEASE_MS) });
        return undefined;
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
      }
      const [held, state] = await Promise.all([
        SignInThrottle.findById(_id).lean<SignInThrottleDocument>(),
        readState(usernameKey),
      ]);
      const refused = waiting(state);
      if (refused) return refused;
      if (held && held.expiresAt.getTime() <= now().getTime()) {
        // Its holder died: remove exactly that lease (a newer one stays) and try again at once.
        await SignInThrottle.deleteOne({ _id, expiresAt: held.expiresAt });
        continue;
      }
      await sleep(pause * (0.5 + Math.random()));
    }
    return { refusal: { by: 'busy' } };
  }

  return {
    /** Before checking a password: the attempt (holding the username's lease), or why it is refused. */
    async begin(usernameKey: string, ip: string | undefined): Promise<{ refusal: Refusal } | { attempt: Attempt }> {
      const [stored, address] = await Promise.all([
        readState(usernameKey),
        ip ? deps.rateLimits.peek(ipKey(ip), IP_WINDOW_MS) : undefined,
      ]);
      if (address && address.count >= policy.failuresPerIpPerMinute) {
        const retryAfterSeconds = Math.max(1, Math.ceil((address.resetsAt.getTime() - now().getTime()) / 1000));
        return { refusal: { by: 'address', retryAfterSeconds } };
      }
      // Most refusals are decided without a write; the lease is taken only by an attempt that may go on.
      const early = waiting(stored);
      if (early) return early;
      const notTaken = await takeLease(usernameKey);
      if (notTaken) return notTaken;
      // Read again under the lease: an attempt that held it before may have failed meanwhile.
      const current = await readState(usernameKey);
      const refused = waiting(current);
      if (refused) {
        await this.release({ usernameKey, ip, failures: 0, lease: leaseId(usernameKey) });
        return refused;
      }
      return { attempt: { usernameKey, ip, failures: current?.failures ?? 0, lease: leaseId(usernameKey) } };
    },

    /** A wrong password: counts it; answers how many in a row and whether the username is now locked. */
    async failed(attempt: Attempt): Promise<{ failures: number; locked: boolean }> {
      const failures = attempt.failures + 1;
      const wait = waitAfter(failures);
      const at = now().getTime();
      await Promise.all([
        SignInThrottle.updateOne(
          { _id: stateId(attempt.usernameKey) },
          {
            $set: {
              failures,
              ...(wait.ms > 0 ? { notBefore: new Date(at + wait.ms) } : {}),
              expiresAt: new Date(at + Math.max(wait.ms, FAILURE_MEMORY_MS)),
            },
          },
          { upsert: true },
        ),
        attempt.ip ? deps.rateLimits.take(ipKey(attempt.ip), policy.failuresPerIpPerMinute, IP_WINDOW_MS) : undefined,
      ]);
      return { failures, locked: wait.locked };
    },

    /** A success: the run of failures (if any) ends. */
    async succeeded(attempt: Attempt): Promise<void> {
      if (attempt.failures > 0) await this.reset(attempt.usernameKey);
    },

    /** Ends the attempt: the next attempt on this username may start. */
    async release(attempt: Attempt): Promise<void> {
      await SignInThrottle.deleteOne({ _id: attempt.lease });
    },

    /** A recovery or an operator's unlock: the run of failures ends, and any wait or lock with it. */
    async reset(usernameKey: string): Promise<void> {
      await SignInThrottle.deleteOne({ _id: stateId(usernameKey) });
    },

    /**
     * One throttled check of another secret (a second-factor code, under its own `key`): the same
     * waits, locks and per-address limit as passwords, and a refused check never runs `check`.
     */
    async guard(
      key: string,
      ip: string | undefined,
      check: () => Promise<boolean>,
    ): Promise<{ ok: true } | { ok: false; refusal?: Refusal; failures?: number }> {
      const begun = await this.begin(key, ip);
      if ('refusal' in begun) return { ok: false, refusal: begun.refusal };
      const { attempt } = begun;
      try {
        if (await check()) {
          await this.succeeded(attempt);
          return { ok: true };
        }
        const { failures } = await this.failed(attempt);
        return { ok: false, failures };
      } finally {
        await this.release(attempt);
      }
    },

    /** What an operator sees: consecutive failures and until when attempts are refused. */
    async status(usernameKey: string): Promise<{ failures: number; notBefore?: Date }> {
      const state = await SignInThrottle.findById(stateId(usernameKey)).lean<SignInThrottleDocument>();
      return { failures: state?.failures ?? 0, ...(state?.notBefore ? { notBefore: state.notBefore } : {}) };
    },
  };
}

export type SignInThrottle = ReturnType<typeof createSignInThrottle>;
