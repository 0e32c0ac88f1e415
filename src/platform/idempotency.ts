import { createHash } from 'node:crypto';
import { AppError } from '../errors/app-error.ts';
import { isDuplicateKeyError } from '../database/errors.ts';
import type { IdempotencyRecordDocument, Models } from '../models/index.ts';
import type { Secrets } from './secrets.ts';

const RETENTION_MS = 24 * 60 * 60 * 1000;
/** How long a request may hold a key before a retry may assume it crashed and take over. */
const LEASE_MS = 30 * 1000;

export interface IdempotentOutcome<T> {
  response: T;
  replayed: boolean;
}

/**
 * Idempotency-Key handling (as in the IETF httpapi draft): the first request with a key runs,
 * its response is kept (sealed: it may hold a PIN) for 24 hours, and retries with the same key
 * and body get that response again. The same key with another body is refused.
 */
export function createIdempotency(deps: { models: Models; secrets: Secrets; now: () => Date }) {
  const { IdempotencyRecord } = deps.models;

  return {
    async run<T>(
      scope: string,
      key: string,
      request: unknown,
      execute: (idempotencyId: string) => Promise<T>,
      /** After a crashed attempt: produce a response from whatever that attempt left behind, if anything. */
      recover: (idempotencyId: string) => Promise<T | undefined>,
    ): Promise<IdempotentOutcome<T>> {
      const id = `${scope}:${createHash('sha256').update(key).digest('base64url')}`;
      const requestHash = createHash('sha256').update(JSON.stringify(request)).digest('base64url');
      const at = deps.now();
      const lease = { state: 'pending' as const, leaseUntil: new Date(at.getTime() + LEASE_MS) };

      let claimed = false;
      try {
        await IdempotencyRecord.create({ _id: id, requestHash, ...lease, expiresAt: new Date(at.getTime() + RETENTION_MS) });
        claimed = true;
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
      }

      if (!claimed) {
        const existing = await IdempotencyRecord.findById(id).lean<IdempotencyRecordDocument>();
        if (!existing || existing.expiresAt.getTime() <= at.getTime()) {
          // Expired: start over with this key.
          await IdempotencyRecord.deleteOne({ _id: id, expiresAt: { $lte: at } });
          return this.run(scope, key, request, execute, recover);
        }
        if (existing.requestHash !== requestHash) throw new AppError('idempotency.key_reused');
        if (existing.state === 'done' && existing.sealedResponse) {
          let sealed: string;
          try {
            sealed = deps.secrets.open(existing.sealedResponse);
          } catch (error) {
            // Sealed under a TOKEN_SECRET that has since changed: the first response cannot be replayed.
            throw new AppError('idempotency.unreplayable', { cause: error });
          }
          return { response: JSON.parse(sealed) as T, replayed: true };
        }
        // Pending: still running elsewhere, unless its lease ran out (that request died).
        const takeover = await IdempotencyRecord.findOneAndUpdate(
          { _id: id, state: 'pending', leaseUntil: { $lte: at } },
          { $set: lease },
          { returnDocument: 'after' },
        );
        if (!takeover) throw new AppError('idempotency.in_progress');
        const recovered = await recover(id);
        if (recovered !== undefined) return { response: await this.complete(id, recovered), replayed: false };
      }

      let response: T;
      try {
        response = await execute(id);
      } catch (error) {
        // Nothing was created: free the key so the client's retry runs again.
        await IdempotencyRecord.deleteOne({ _id: id, state: 'pending' });
        throw error;
      }
      return { response: await this.complete(id, response), replayed: false };
    },

    async complete<T>(id: string, response: T): Promise<T> {
      await IdempotencyRecord.updateOne(
        { _id: id },
        { $set: { state: 'done', sealedResponse: deps.secrets.seal(JSON.stringify(response)) } },
      );
      return response;
    },
  };
}

export type Idempotency = ReturnType<typeof createIdempotency>;
