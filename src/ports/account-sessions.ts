import type { IncomingMessage, ServerResponse } from 'node:http';

/** Who is signed in to this browser (our own session with oidc-provider), and since when. */
export interface SignedIn {
  accountId: string;
  /** When the person last entered their password (the session's login time). */
  authTime: Date;
  /** The session's uid: binds the account centre's flow to this browser's session. */
  sessionUid: string;
}

/** One sign-in session of an account, as the account centre lists it. */
export interface AccountSession {
  /** Not the session's secret id: a stable handle to name it. */
  uid: string;
  signedInAt: Date;
  expiresAt: Date;
  /** The clients (portals, apps) this session signed in to. */
  clientIds: string[];
}

/** A client the account gave access to (an oidc-provider grant). */
export interface ConnectedApp {
  clientId: string;
  name: string;
  scopes: string[];
}

/**
 * The account's sessions and apps (implemented by src/oidc/account-sessions.ts): whoever is
 * signed in here, every session and grant of an account, and the ways to end them.
 */
export interface AccountSessions {
  current(req: IncomingMessage, res: ServerResponse): Promise<SignedIn | undefined>;
  list(accountId: string): Promise<AccountSession[]>;
  apps(accountId: string): Promise<ConnectedApp[]>;
  /**
   * Ends every session and revokes every grant and token of the account, after telling each portal
   * that signed in through a session (back-channel logout). Answers how many portals were told.
   */
  endAll(accountId: string): Promise<{ notified: number }>;
  /** Ends every other session of the account (telling their portals) and revokes its refresh tokens; this one stays. */
  endOthers(accountId: string, keepSessionUid: string): Promise<{ notified: number }>;
  /** Revokes one client's grant and every token issued under it. */
  removeApp(accountId: string, clientId: string): Promise<boolean>;
}
