// The contract every store of oidc-provider's artifacts keeps (not a test file itself): the
// MongoDB adapter and the SQLite adapter both run it (mongo-oidc-adapter.test.ts,
// sqlite-oidc-adapter.test.ts). Only the Adapter interface is used, with an injected clock.
import type { Adapter, AdapterPayload } from 'oidc-provider';

export interface ContractSubject {
  /** oidc-provider's adapter class on a store whose clock is `clock()`. */
  Adapter: new (model: string) => Adapter;
  /** The same store reached through other connections (another pool, another process's handle): races are run across them. */
  others?: (new (model: string) => Adapter)[];
  /** The store's "end everything of this account" (a password reset). */
  revokeAccount: (accountId: string) => Promise<number>;
  /** The store's "this account's sessions / grants". */
  listForAccount: (accountId: string, model: string) => Promise<AdapterPayload[]>;
}

export const START = new Date('2030-01-01T00:00:00.000Z');

export function oidcAdapterContract(name: string, subject: () => ContractSubject, clock: { at: Date }) {
  const advance = (seconds: number) => {
    clock.at = new Date(clock.at.getTime() + seconds * 1000);
  };
  let seq = 0;
  const uniqueId = (prefix: string) => `${prefix}-${++seq}-${Math.random().toString(36).slice(2, 8)}`;
  const adapter = (model: string) => new (subject().Adapter)(model);

  describe(`${name}: the adapter contract`, () => {
    beforeEach(() => {
      clock.at = START;
    });

    test("revokeAccount ends every session, grant, code and token of that account, and nobody else's", async () => {
      const owner = uniqueId('account');
      const other = uniqueId('account');
      const kept: [string, string][] = [];
      const gone: [string, string][] = [];
      for (const model of ['Session', 'Grant', 'AuthorizationCode', 'AccessToken', 'RefreshToken']) {
        for (const [accountId, list] of [
          [owner, gone],
          [other, kept],
        ] as const) {
          const id = uniqueId(model);
          await adapter(model).upsert(id, { jti: id, accountId, grantId: uniqueId('g') }, 3600);
          list.push([model, id]);
        }
      }
      const client = uniqueId('client');
      await adapter('Client').upsert(client, { client_id: client }, 0);

      const sessions = await subject().listForAccount(owner, 'Session');
      expect(sessions.map((payload) => payload.jti)).toEqual(gone.filter(([model]) => model === 'Session').map(([, id]) => id));
      expect(await subject().listForAccount(owner, 'Grant')).toHaveLength(1);
      // An expired one is not listed.
      const expired = uniqueId('Session');
      await adapter('Session').upsert(expired, { jti: expired, accountId: owner }, 1);
      advance(2);
      expect(await subject().listForAccount(owner, 'Session')).toHaveLength(1);

      expect(await subject().revokeAccount(owner)).toBe(6);
      for (const [model, id] of gone) expect(await adapter(model).find(id)).toBeUndefined();
      for (const [model, id] of kept) expect(await adapter(model).find(id)).toMatchObject({ accountId: other });
      expect(await adapter('Client').find(client)).toEqual({ client_id: client });
      expect(await subject().revokeAccount(owner)).toBe(0);
      expect(await subject().listForAccount(owner, 'Session')).toEqual([]);
    });

    test('upsert and find round-trip a payload with dotted and URL keys, nested objects and arrays', async () => {
      const grants = adapter('Grant');
      const id = uniqueId('grant');
      const payload: AdapterPayload = {
        jti: id,
        kind: 'Grant',
        accountId: 'account-1',
        clientId: 'records.app.example',
        grantId: 'g-round-trip',
        iat: 1_893_456_000,
        openid: { scope: 'openid profile', claims: ['sub', 'email'] },
        resources: { 'https://api.example.com/v1.0/fhir': 'patient/*.read', 'urn:example:a.b.c': 'x' },
        rejected: [],
        nested: { 'client.with.dots': { deeper: [1, 'two', { three: 3, 'four.4': null }], flag: true } },
        $dollar: 'kept',
        unicode: 'Zoë ✓ 患者',
      };
      await grants.upsert(id, payload, 3600);
      expect(await grants.find(id)).toEqual(payload);
      expect(await adapter('AccessToken').find('no-such-id')).toBeUndefined();
    });

    test('upsert replaces the whole artifact, its lookup fields and consumption included', async () => {
      const tokens = adapter('AccessToken');
      const id = uniqueId('at');
      await tokens.upsert(id, { jti: id, grantId: 'g-replace', uid: 'u-replace', scope: 'openid email' }, 60);
      await tokens.consume(id);
      await tokens.upsert(id, { jti: id, scope: 'openid' }, 60);
      expect(await tokens.find(id)).toEqual({ jti: id, scope: 'openid' });
      expect(await tokens.findByUid('u-replace')).toBeUndefined();
      // The replaced grantId no longer links the artifact to that grant.
      await tokens.revokeByGrantId('g-replace');
      expect(await tokens.find(id)).toEqual({ jti: id, scope: 'openid' });
    });

    test('an expired artifact is never returned; expiresIn 0 never expires', async () => {
      const codes = adapter('AuthorizationCode');
      const id = uniqueId('code');
      const userCode = uniqueId('EXP');
      await codes.upsert(id, { jti: id, grantId: 'g-exp', uid: `u-${id}`, userCode }, 60);
      advance(59);
      expect(await codes.find(id)).toMatchObject({ jti: id });
      advance(1); // exactly at the expiry: expired
      expect(await codes.find(id)).toBeUndefined();
      expect(await codes.findByUid(`u-${id}`)).toBeUndefined();
      expect(await codes.findByUserCode(userCode)).toBeUndefined();

      const clients = adapter('Client');
      const client = uniqueId('client');
      await clients.upsert(client, { client_id: client }, 0);
      advance(100 * 365 * 24 * 3600);
      expect(await clients.find(client)).toEqual({ client_id: client });
    });

    test('consume marks the artifact consumed in epoch seconds, on every read; consuming a missing id is harmless', async () => {
      const tokens = adapter('RefreshToken');
      const id = uniqueId('rt');
      const uid = uniqueId('u-consume');
      await tokens.upsert(id, { jti: id, uid, grantId: 'g-consume' }, 3600);
      expect((await tokens.find(id))?.consumed).toBeUndefined();
      clock.at = new Date('2030-01-01T00:00:10.750Z');
      await tokens.consume(id);
      expect((await tokens.find(id))?.consumed).toBe(Date.UTC(2030, 0, 1) / 1000 + 10);
      expect((await tokens.findByUid(uid))?.consumed).toBe(Date.UTC(2030, 0, 1) / 1000 + 10);
      await expect(tokens.consume(uniqueId('never-stored'))).resolves.toBeUndefined();
    });

    test('findByUid and findByUserCode find by their field', async () => {
      const sessions = adapter('Session');
      const id = uniqueId('session');
      const uid = uniqueId('uid');
      await sessions.upsert(id, { jti: id, uid, accountId: 'acc', authorizations: { 'records.app': { sid: 's' } } }, 3600);
      expect(await sessions.findByUid(uid)).toEqual({
        jti: id,
        uid,
        accountId: 'acc',
        authorizations: { 'records.app': { sid: 's' } },
      });
      expect(await sessions.findByUid('other-uid')).toBeUndefined();
      const devices = adapter('DeviceCode');
      const device = uniqueId('dc');
      const userCode = uniqueId('WXYZ');
      await devices.upsert(device, { jti: device, userCode, deviceInfo: { ip: '10.0.0.1' } }, 600);
      expect(await devices.findByUserCode(userCode)).toEqual({ jti: device, userCode, deviceInfo: { ip: '10.0.0.1' } });
    });

    test("destroy removes one artifact; revokeByGrantId only that grant's, only in its model", async () => {
      const interactions = adapter('Interaction');
      const id = uniqueId('interaction');
      await interactions.upsert(id, { jti: id, uid: id }, 600);
      await interactions.destroy(id);
      expect(await interactions.find(id)).toBeUndefined();
      await expect(interactions.destroy(id)).resolves.toBeUndefined();

      const accessTokens = adapter('AccessToken');
      const refreshTokens = adapter('RefreshToken');
      const grantA = uniqueId('grant-A');
      const [a1, a2, b1, c1, r1] = ['a1', 'a2', 'b1', 'c1', 'r1'].map(uniqueId) as [string, string, string, string, string];
      await accessTokens.upsert(a1, { jti: a1, grantId: grantA }, 3600);
      await accessTokens.upsert(a2, { jti: a2, grantId: grantA }, 3600);
      await accessTokens.upsert(b1, { jti: b1, grantId: 'grant-B' }, 3600);
      await accessTokens.upsert(c1, { jti: c1 }, 3600);
      await refreshTokens.upsert(r1, { jti: r1, grantId: grantA }, 3600);
      await accessTokens.revokeByGrantId(grantA);
      expect(await accessTokens.find(a1)).toBeUndefined();
      expect(await accessTokens.find(a2)).toBeUndefined();
      expect(await accessTokens.find(b1)).toMatchObject({ grantId: 'grant-B' });
      expect(await accessTokens.find(c1)).toMatchObject({ jti: c1 });
      expect(await refreshTokens.find(r1)).toMatchObject({ grantId: grantA });
    });

    test('the same id in two models does not collide', async () => {
      const id = uniqueId('shared');
      for (const model of ['AccessToken', 'ReplayDetection', 'PushedAuthorizationRequest'])
        await adapter(model).upsert(id, { jti: id, kind: model }, 60);
      for (const model of ['AccessToken', 'ReplayDetection', 'PushedAuthorizationRequest'])
        expect(await adapter(model).find(id)).toMatchObject({ kind: model });
      await adapter('AccessToken').destroy(id);
      expect(await adapter('ReplayDetection').find(id)).toMatchObject({ kind: 'ReplayDetection' });
    });

    test.each([2, 5, 20])(
      'consumption has exactly one winner among %i concurrent consumers, over 10 rounds; a loser revokes the whole grant',
      async (consumers) => {
        const handles = [subject().Adapter, ...(subject().others ?? [])];
        for (let round = 0; round < 10; round++) {
          for (const model of ['AuthorizationCode', 'RefreshToken']) {
            const id = uniqueId(model);
            const grantId = uniqueId('grant');
            const sibling = uniqueId('sibling-at');
            await adapter(model).upsert(id, { jti: id, grantId }, 600);
            await adapter('AccessToken').upsert(sibling, { jti: sibling, grantId }, 600);
            await adapter('Grant').upsert(grantId, { jti: grantId, kind: 'Grant' }, 600);
            const outcomes = await Promise.allSettled(
              Array.from({ length: consumers }, (_, i) => new handles[i % handles.length]!(model).consume(id)),
            );
            const won = outcomes.filter((outcome) => outcome.status === 'fulfilled');
            const lost = outcomes.filter((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
            expect({ model, round, won: won.length }).toEqual({ model, round, won: 1 });
            for (const { reason } of lost) expect(reason).toMatchObject({ error: 'invalid_grant', statusCode: 400 });
            // A replay revoked the grant's artifacts, in every model of the store (the replayed one
            // may stay, consumed, so that every later consumer loses too).
            const replayed = await adapter(model).find(id);
            expect(replayed === undefined || typeof replayed.consumed === 'number').toBe(true);
            expect(await adapter('AccessToken').find(sibling)).toBeUndefined();
            expect(await adapter('Grant').find(grantId)).toBeUndefined();
            // A consumed artifact found again later is consumed: reusing it is refused too.
            const again = uniqueId(model);
            await adapter(model).upsert(again, { jti: again, grantId: uniqueId('grant') }, 600);
            await adapter(model).consume(again);
            await expect(adapter(model).consume(again)).rejects.toMatchObject({ error: 'invalid_grant' });
          }
        }
      },
    );
  });
}
