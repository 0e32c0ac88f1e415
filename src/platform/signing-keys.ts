import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { JsonWebKey } from 'node:crypto';
import type { Models, SigningKeyDocument } from '../models/index.ts';
import { isDuplicateKeyError } from '../database/errors.ts';

export const SIGNING_ALGORITHMS = ['ES256', 'RS256'] as const;
export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number];

export interface SigningKeyInfo {
  kid: string;
  alg: string;
  status: 'active' | 'retired';
  createdAt: Date;
  publishUntil?: Date | undefined;
}

function generatePrivateJwk(alg: SigningAlgorithm): JsonWebKey {
  const { privateKey } =
    alg === 'ES256' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('rsa', { modulusLength: 2048 });
  return privateKey.export({ format: 'jwk' });
}

function newKey(alg: SigningAlgorithm, kid = `${alg.toLowerCase()}-${randomBytes(9).toString('base64url')}`) {
  return { _id: kid, alg, privateJwk: { ...generatePrivateJwk(alg), kid, alg, use: 'sig' } };
}

/**
 * Token-signing keys, persisted so tokens survive restarts and every instance signs alike.
 * Rotation retires the active keys and keeps them published until every token they signed has
 * expired (`retainSeconds`, the longest signed-token lifetime), so relying parties never see a
 * kid they cannot verify.
 */
export function createSigningKeys(deps: { models: Models; now?: () => Date }) {
  const { SigningKey } = deps.models;
  const now = deps.now ?? (() => new Date());

  async function published(): Promise<SigningKeyDocument[]> {
    const keys = await SigningKey.find({ $or: [{ publishUntil: null }, { publishUntil: { $gt: now() } }] })
      .sort({ createdAt: -1, _id: 1 })
      .lean<SigningKeyDocument[]>();
    // Active keys first: oidc-provider signs with the first key of an algorithm.
    return [...keys.filter((k) => !k.retiredAt), ...keys.filter((k) => k.retiredAt)];
  }

  return {
    /** Private JWKs for oidc-provider, creating the first ES256 and RS256 keys when none are active. */
    async loadOrCreate(): Promise<JsonWebKey[]> {
      for (const alg of SIGNING_ALGORITHMS) {
        const active = await SigningKey.exists({ alg, retiredAt: null });
        if (active) continue;
        try {
          // A fixed id for the first key of an algorithm: instances starting together create it once.
          await SigningKey.create(newKey(alg, `${alg.toLowerCase()}-initial`));
        } catch (error) {
          if (!isDuplicateKeyError(error)) throw error;
        }
      }
      return (await published()).map((key) => key.privateJwk as JsonWebKey);
    },

    async rotate(retainSeconds: number): Promise<SigningKeyInfo[]> {
      const at = now();
      const created = await SigningKey.create(SIGNING_ALGORITHMS.map((alg) => newKey(alg)));
      await SigningKey.updateMany(
        { retiredAt: null, _id: { $nin: created.map((key) => key._id) } },
        { $set: { retiredAt: at, publishUntil: new Date(at.getTime() + retainSeconds * 1000) } },
      );
      return this.list();
    },

    async list(): Promise<SigningKeyInfo[]> {
      return (await published()).map((key) => ({
        kid: key._id,
        alg: key.alg,
        status: key.retiredAt ? 'retired' : 'active',
        createdAt: key.createdAt,
        publishUntil: key.publishUntil ?? undefined,
      }));
    },
  };
}

export type SigningKeys = ReturnType<typeof createSigningKeys>;
