import type Provider from 'oidc-provider';
import type { AccountSessions, ConnectedApp } from '../ports/account-sessions.ts';
import type { OidcStore } from '../ports/oidc-store.ts';

interface SessionPayload {
  jti?: string;
  uid?: string;
  accountId?: string;
  loginTs?: number;
  exp?: number;
  iat?: number;
  authorizations?: Record<string, { sid?: string; grantId?: string }>;
}

interface GrantPayload {
  jti?: string;
  clientId?: string;
  openid?: { scope?: string };
  resources?: Record<string, string>;
}

/** What oidc-provider issues under a grant: removing an app's access revokes them all. */
const GRANT_BOUND_MODELS = [
  'AccessToken',
  'RefreshToken',
  'AuthorizationCode',
  'JwtAccessToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
];

interface BackchannelClient {
  backchannelLogoutUri?: string;
  backchannelLogout(sub: string, sid: string): Promise<void>;
}

/** Clients this service runs for itself (the account centre): not a "connected app" to remove. */
const INTERNAL_CLIENTS = new Set(['patient-idp-account']);

/**
 * The account centre's view of oidc-provider's sessions and grants. Reading who is signed in goes
 * through the provider's own Session model (its signed cookie, its store); listing and ending read
 * the store by account.
 */
export function createAccountSessions(deps: {
  provider: Provider;
  store: Pick<OidcStore, 'listForAccount' | 'revokeAccount' | 'Adapter'>;
  onNotifyFailed?: (clientId: string, error: unknown) => void;
}): AccountSessions {
  const { provider, store } = deps;

  async function sessionsOf(accountId: string): Promise<SessionPayload[]> {
    return (await store.listForAccount(accountId, 'Session')) as SessionPayload[];
  }

  /** Back-channel logout to every portal these sessions signed in to; answers how many were told. */
  async function tellPortals(accountId: string, sessions: SessionPayload[]): Promise<number> {
    let notified = 0;
    for (const session of sessions) {
      for (const [clientId, authorization] of Object.entries(session.authorizations ?? {})) {
        const client = (await provider.Client.find(clientId)) as unknown as BackchannelClient | undefined;
        if (!client?.backchannelLogoutUri) continue;
        try {
          await client.backchannelLogout(accountId, authorization.sid ?? '');
          notified += 1;
        } catch (error) {
          // A portal that does not answer still loses its tokens; the failure is reported.
          deps.onNotifyFailed?.(clientId, error);
        }
      }
    }
    return notified;
  }

  return {
    async current(req, res) {
      const ctx = provider.createContext(req, res);
      const session = await provider.Session.get(ctx);
      if (!session.accountId || !session.loginTs) return undefined;
      return { accountId: session.accountId, authTime: new Date(session.loginTs * 1000), sessionUid: session.uid };
    },

    async list(accountId) {
      return (await sessionsOf(accountId))
        .filter((session) => session.uid && session.loginTs)
        .map((session) => ({
          uid: session.uid!,
          signedInAt: new Date(session.loginTs! * 1000),
          expiresAt: new Date((session.exp ?? session.loginTs!) * 1000),
          clientIds: Object.keys(session.authorizations ?? {}).filter((clientId) => !INTERNAL_CLIENTS.has(clientId)),
        }))
        .sort((a, b) => b.signedInAt.getTime() - a.signedInAt.getTime());
    },

    async apps(accountId) {
      const grants = (await store.listForAccount(accountId, 'Grant')) as GrantPayload[];
      const byClient = new Map<string, ConnectedApp>();
      for (const grant of grants) {
        if (!grant.clientId || INTERNAL_CLIENTS.has(grant.clientId)) continue;
        const client = await provider.Client.find(grant.clientId);
        const scopes = [grant.openid?.scope ?? '', ...Object.values(grant.resources ?? {})].join(' ').split(' ').filter(Boolean);
        const known = byClient.get(grant.clientId);
        byClient.set(grant.clientId, {
          clientId: grant.clientId,
          name: client?.clientName ?? grant.clientId,
          scopes: [...new Set([...(known?.scopes ?? []), ...scopes])].sort(),
        });
      }
      return [...byClient.values()].sort((a, b) => a.name.localeCompare(b.name));
    },

    async endAll(accountId) {
      const notified = await tellPortals(accountId, await sessionsOf(accountId));
      await store.revokeAccount(accountId);
      return { notified };
    },

    async endOthers(accountId, keepSessionUid) {
      const others = (await sessionsOf(accountId)).filter((session) => session.uid !== keepSessionUid);
      const notified = await tellPortals(accountId, others);
      for (const session of others) if (session.jti) await new store.Adapter('Session').destroy(session.jti);
      const refreshTokens = (await store.listForAccount(accountId, 'RefreshToken')) as { jti?: string }[];
      for (const token of refreshTokens) if (token.jti) await new store.Adapter('RefreshToken').destroy(token.jti);
      return { notified };
    },

    async removeApp(accountId, clientId) {
      const grants = ((await store.listForAccount(accountId, 'Grant')) as GrantPayload[]).filter(
        (grant) => grant.clientId === clientId && grant.jti,
      );
      for (const grant of grants) {
        // The grant and everything issued under it, in every model.
        await new store.Adapter('Grant').destroy(grant.jti!);
        for (const model of GRANT_BOUND_MODELS) await new store.Adapter(model).revokeByGrantId(grant.jti!);
      }
      return grants.length > 0;
    },
  };
}
