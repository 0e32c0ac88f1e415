import type { Accounts } from '../domain/account/accounts.ts';
import type { Profile } from '../domain/account/profile.ts';
import type { SignInThrottle } from '../domain/account/sign-in-throttle.ts';
import type { EnrollmentInput, Enrollments, EnrollmentView } from '../domain/enrollment/enrollments.ts';
import type { InvitationQueue } from '../domain/enrollment/invitation-queue.ts';
import type { PracticeContact, Practices } from '../domain/practices.ts';
import type { RecordLinks } from '../domain/records/record-links.ts';
import type { Recovery } from '../flows/recovery/recovery.ts';
import type { Closure } from '../flows/settings/closure.ts';
import type { AccountDocument, Models } from '../models/index.ts';
import type { ClientMetadata, ClientRegistry } from '../oidc/clients.ts';
import type { Audit } from '../platform/audit.ts';
import type { SigningKeys } from '../platform/signing-keys.ts';
import type { AccountSessions } from '../ports/account-sessions.ts';

/**
 * What an operator may do, in one place: the management API (/api/admin) answers with it and the
 * CLI calls it, either directly on the database or through that API when a server runs
 * (src/cli/remote-operations.ts implements the same interface over HTTP). Every answer is plain
 * JSON (dates as ISO strings) so that both ways print the same thing.
 */
export interface AdminOperations {
  clients: {
    /** Registers a client; a confidential client given no secret gets a generated one, answered once. */
    add(metadata: ClientMetadata): Promise<{ client: ClientMetadata; client_secret?: string }>;
    list(): Promise<ClientMetadata[]>;
    get(clientId: string): Promise<ClientMetadata>;
    update(clientId: string, changes: ClientChanges): Promise<ClientMetadata>;
    remove(clientId: string): Promise<void>;
  };
  practices: {
    add(input: { id: string; name: string } & PracticeContact): Promise<PracticeView>;
    /**
     * Enrolls a record at the practice (as its EHR would) and sends the registration email now;
     * answers the PIN (shown this once) and, without an email or with `showLink`, the link.
     */
    enroll(practiceId: string, input: EnrollmentInput, options: { showLink?: boolean | undefined }): Promise<OperatorEnrollment>;
    update(id: string, changes: PracticeChanges): Promise<PracticeView>;
    list(): Promise<PracticeView[]>;
    get(id: string): Promise<PracticeView>;
  };
  accounts: {
    list(filter: { status?: AccountDocument['status'] | undefined; limit: number }): Promise<AccountView[]>;
    show(username: string): Promise<AccountView>;
    add(input: {
      username: string;
      password: string;
      email?: string | undefined;
      name?: string | undefined;
    }): Promise<{ id: string }>;
    disable(username: string): Promise<AccountView>;
    enable(username: string): Promise<AccountView>;
    close(username: string): Promise<{ id: string }>;
    merge(from: string, into: string): Promise<{ moved: number; from: string; into: string }>;
    /** Mails a one-time reset link (30 minutes), or answers it when `printLink`. */
    resetPassword(username: string, options: { printLink?: boolean | undefined }): Promise<{ link?: string }>;
    unlock(username: string): Promise<void>;
  };
  keys: {
    list(): Promise<SigningKeyView[]>;
    rotate(): Promise<SigningKeyView[]>;
  };
  audit: {
    /** Newest first, at most `limit`. */
    list(filter: AuditFilter & { limit: number }): Promise<AuditEventView[]>;
    /** Every matching event, oldest first (an export for an archive or a SIEM). */
    export(filter: AuditFilter): AsyncIterable<AuditEventView>;
  };
}

/** What `client set` and `PATCH /api/admin/clients/{id}` may change; `null` removes an optional value. */
export interface ClientChanges {
  client_name?: string | null | undefined;
  redirect_uris?: string[] | undefined;
  post_logout_redirect_uris?: string[] | undefined;
  initiate_login_uri?: string | null | undefined;
  require_mfa?: boolean | undefined;
}

export interface OperatorEnrollment {
  practice: { id: string; name: string };
  enrollment: EnrollmentView;
  pin: string;
  registrationUrl?: string;
}

export interface PracticeChanges extends PracticeContact {
  name?: string | undefined;
  /** Its patient portal (a client with an initiate_login_uri); `null` unsets. */
  portalClientId?: string | null | undefined;
}

/** An account as operators see it: contacts masked (an operator's screen is seen by others). */
export interface AccountView {
  id: string;
  username: string;
  status: string;
  email?: string;
  emailVerified: boolean;
  phone?: string;
  createdAt?: string;
  records?: { practice: string; recordId: string; relationship: string; since: string }[];
  sessions?: number;
}

export interface PracticeView {
  id: string;
  name: string;
  phone?: string;
  hours?: string;
  /** The practice's portal: where patients who register from the email land. */
  portalClientId?: string;
  createdAt?: string;
  /** The EHR clients acting for the practice (`client add --practice`). */
  clients?: string[];
}

export interface SigningKeyView {
  kid: string;
  alg: string;
  status: 'active' | 'retired';
  createdAt: string;
  publishUntil?: string;
}

export interface AuditFilter {
  accountId?: string | undefined;
  practiceId?: string | undefined;
  /** An action (`signin.login`) or every action of a kind (`signin`, `operator`). */
  action?: string | undefined;
  since?: string | undefined;
  until?: string | undefined;
}

export interface AuditEventView {
  id: string;
  at: string;
  action: string;
  outcome: string;
  subject: Record<string, unknown>;
  details: Record<string, unknown>;
  ip?: string;
  userAgent?: string;
}

/** The parts of the container (src/container.ts) the operations use. */
export interface AdminServices {
  stores: { models: Models };
  platform: { audit: Audit; signingKeys: Pick<SigningKeys, 'list' | 'rotate'> };
  domain: {
    practices: Practices;
    enrollments: Pick<Enrollments, 'create' | 'get' | 'linkFor' | 'tokenOf'>;
    invitations: Pick<InvitationQueue, 'kick' | 'drainOnce'>;
    accounts: Pick<Accounts, 'create'>;
    recordLinks: Pick<RecordLinks, 'describeActive'>;
    profile: Pick<Profile, 'reactivate'>;
    signInThrottle: Pick<SignInThrottle, 'reset'>;
  };
  oidc: { clients: ClientRegistry; accountSessions: Pick<AccountSessions, 'list'> };
  flows: { closure: Closure; recovery: Pick<Recovery, 'startForAccount'> };
}
