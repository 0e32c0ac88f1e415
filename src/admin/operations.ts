import { randomBytes } from 'node:crypto';
import { usernameKey } from '../domain/account/usernames.ts';
import { maskPhone } from '../domain/verification/sms-code.ts';
import type { Accounts } from '../domain/account/accounts.ts';
import type { Profile } from '../domain/account/profile.ts';
import type { SignInThrottle } from '../domain/account/sign-in-throttle.ts';
import type { EnrollmentInput, Enrollments, EnrollmentView } from '../domain/enrollment/enrollments.ts';
import type { InvitationQueue } from '../domain/enrollment/invitation-queue.ts';
import type { PracticeContact, Practices } from '../domain/practices.ts';
import type { RecordLinks } from '../domain/records/record-links.ts';
import type { Recovery } from '../flows/recovery/recovery.ts';
import type { Closure } from '../flows/settings/closure.ts';
import type { ClientRegistry } from '../oidc/clients.ts';
import type { Audit } from '../platform/audit.ts';
import type { SigningKeys } from '../platform/signing-keys.ts';
import type { AccountSessions } from '../ports/account-sessions.ts';
import { AppError } from '../errors/app-error.ts';
import type { AccountDocument, AuditEventDocument, EnrollmentDocument, Models, PracticeDocument } from '../models/index.ts';
import { ACCOUNT_CLIENT_ID } from '../oidc/account-client.ts';
import type { ClientMetadata } from '../oidc/clients.ts';
import { ADMIN_SCOPES, API_SCOPES } from '../oidc/resources.ts';
import { MAX_SIGNED_TOKEN_LIFETIME } from '../oidc/ttl.ts';

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

function maskEmail(email: string): string {
  const [local = '', domain = ''] = email.split('@');
  return `${local.slice(0, 1)}•••@${domain}`;
}

function isoOf(value: unknown): string | undefined {
  return value instanceof Date || typeof value === 'string' ? new Date(value).toISOString() : undefined;
}

function accountView(account: AccountDocument): AccountView {
  const createdAt = isoOf((account as { createdAt?: Date }).createdAt);
  return {
    id: account._id,
    username: account.username,
    status: account.status,
    ...(account.email ? { email: maskEmail(account.email) } : {}),
    emailVerified: account.emailVerified ?? false,
    ...(account.phoneNumber ? { phone: maskPhone(account.phoneNumber) } : {}),
    ...(createdAt ? { createdAt } : {}),
  };
}

function practiceView(practice: PracticeDocument, clients?: string[]): PracticeView {
  const createdAt = isoOf((practice as { createdAt?: Date }).createdAt);
  return {
    id: practice._id,
    name: practice.name,
    ...(practice.phone ? { phone: practice.phone } : {}),
    ...(practice.hours ? { hours: practice.hours } : {}),
    ...(practice.portalClientId ? { portalClientId: practice.portalClientId } : {}),
    ...(createdAt ? { createdAt } : {}),
    ...(clients ? { clients } : {}),
  };
}

function auditView(event: AuditEventDocument): AuditEventView {
  return {
    id: event._id,
    at: new Date(event.at).toISOString(),
    action: event.action,
    outcome: event.outcome,
    subject: (event.subject ?? {}) as Record<string, unknown>,
    details: (event.details ?? {}) as Record<string, unknown>,
    ...(event.ip ? { ip: event.ip } : {}),
    ...(event.userAgent ? { userAgent: event.userAgent } : {}),
  };
}

/** Client metadata without its secret: what is ever shown after the secret was first given. */
export function withoutSecret(client: ClientMetadata): ClientMetadata {
  const { client_id, client_secret: _secret, ...rest } = client;
  return { client_id, ...rest };
}

function auditQuery(filter: AuditFilter): Record<string, unknown> {
  const at = {
    ...(filter.since ? { $gte: new Date(filter.since) } : {}),
    ...(filter.until ? { $lt: new Date(filter.until) } : {}),
  };
  const kind = filter.action && !filter.action.includes('.') ? filter.action : undefined;
  return {
    ...(filter.accountId ? { 'subject.accountId': filter.accountId } : {}),
    ...(filter.practiceId ? { 'subject.practiceId': filter.practiceId } : {}),
    // A kind (`signin`) matches each of its actions (`signin.login`, `signin.passkey`, …).
    ...(kind ? { action: { $regex: `^${kind}\\.` } } : filter.action ? { action: filter.action } : {}),
    ...(Object.keys(at).length > 0 ? { at } : {}),
  };
}

function scopesOf(metadata: ClientMetadata): string[] {
  return typeof metadata.scope === 'string' ? metadata.scope.split(' ') : [];
}

/**
 * The rules oidc-provider's own validation cannot know: an EHR client acts for a practice that
 * exists and gets only the practice API's scopes; an operator's client gets only the admin scopes
 * and no practice; both use client credentials alone.
 */
async function checkApiClient(services: AdminServices, metadata: ClientMetadata): Promise<void> {
  const scopes = scopesOf(metadata);
  const admin = scopes.filter((scope) => ADMIN_SCOPES.split(' ').includes(scope));
  const practice = scopes.filter((scope) => API_SCOPES.split(' ').includes(scope));
  const refuse = (message: string) => {
    throw new AppError('client.invalid_metadata', { message, data: { reason: message } });
  };
  if (admin.length > 0 && (practice.length > 0 || metadata.practice_id !== undefined))
    refuse('an operator client (admin scopes) acts for no practice and has no practice scopes');
  if (practice.length > 0 && metadata.practice_id === undefined) refuse('the practice API scopes need a practice_id');
  if (admin.length > 0 || metadata.practice_id !== undefined) {
    const grants = Array.isArray(metadata.grant_types) ? metadata.grant_types : [];
    if (grants.join(' ') !== 'client_credentials') refuse('an API client uses only the client_credentials grant');
  }
  if (typeof metadata.practice_id === 'string') {
    const practiceId = metadata.practice_id;
    await services.domain.practices.get(practiceId).catch((error: unknown) => {
      if (error instanceof AppError && error.code === 'practice.not_found')
        throw new AppError('practice.not_found', { message: `no practice has the id "${practiceId}"`, cause: error });
      throw error;
    });
  }
}

/** The operations acting on the container's stores, audited as done by `actor` (a client id, or `cli`). */
export function createAdminOperations(services: AdminServices, actor: string): AdminOperations {
  // Looked up when used: the CLI's tests inject services that have only the parts a command touches.
  const models = () => services.stores.models;

  /** The account with this username (as typed, in any case) in one of `statuses`, or `account.not_found`. */
  async function accountNamed(username: string, statuses: AccountDocument['status'][] = ['active']): Promise<AccountDocument> {
    const account = await models()
      .Account.findOne({ usernameKey: usernameKey(username), status: { $in: statuses } })
      .lean<AccountDocument>();
    if (!account) throw new AppError('account.not_found', { message: `no ${statuses.join(' or ')} account "${username}"` });
    return account;
  }

  async function operatorAudit(action: string, accountId: string, details: Record<string, unknown> = {}) {
    await services.platform.audit({
      action: `operator.${action}`,
      outcome: 'success',
      subject: { accountId },
      details: { ...details, by: actor },
    });
  }

  async function freshAccount(id: string): Promise<AccountView> {
    const account = await models().Account.findById(id).lean<AccountDocument>();
    if (!account) throw new AppError('account.not_found');
    return accountView(account);
  }

  /** The practice, or `practice.not_found` naming the id the operator gave. */
  async function practiceNamed(id: string): Promise<PracticeDocument> {
    try {
      return await services.domain.practices.get(id);
    } catch (error) {
      if (error instanceof AppError && error.code === 'practice.not_found')
        throw new AppError('practice.not_found', {
          message: `no practice has the id "${id}" (see \`practice list\`)`,
          cause: error,
        });
      throw error;
    }
  }

  async function storedClient(clientId: string): Promise<ClientMetadata> {
    // The account centre's own client is registered at every start, not managed by operators.
    const client = clientId === ACCOUNT_CLIENT_ID ? undefined : await services.oidc.clients.get(clientId);
    if (!client) throw new AppError('client.not_found', { message: `no client has the id "${clientId}"` });
    return client;
  }

  return {
    clients: {
      async add(metadata) {
        await checkApiClient(services, metadata);
        const confidential = metadata.token_endpoint_auth_method !== 'none';
        const generated =
          confidential && metadata.client_secret === undefined ? randomBytes(32).toString('base64url') : undefined;
        const stored = await services.oidc.clients.add(generated ? { ...metadata, client_secret: generated } : metadata);
        // As the provider reads it back: with the defaults it filled in (token_endpoint_auth_method, …).
        const client = withoutSecret((await services.oidc.clients.get(stored.client_id)) ?? stored);
        return { client, ...(generated ? { client_secret: generated } : {}) };
      },
      async list() {
        return (await services.oidc.clients.list()).map(withoutSecret);
      },
      async get(clientId) {
        return withoutSecret(await storedClient(clientId));
      },
      async update(clientId, changes) {
        const current = await storedClient(clientId);
        const next: ClientMetadata = { ...current };
        for (const [key, value] of Object.entries(changes)) {
          if (value === undefined) continue;
          if (value === null) delete next[key];
          else next[key] = value;
        }
        await services.oidc.clients.replace(next);
        return withoutSecret(next);
      },
      async remove(clientId) {
        await services.oidc.clients.remove(clientId);
      },
    },
    practices: {
      async add(input) {
        return practiceView(await services.domain.practices.create(input));
      },
      async enroll(practiceId, input, options) {
        const practice = await practiceNamed(practiceId);
        const issued = await services.domain.enrollments.create({ id: practice._id, clientId: actor }, input);
        // Sent now (a CLI exits right after): the answer tells whether the email went.
        await services.domain.invitations.kick();
        await services.domain.invitations.drainOnce();
        const stored = await models().Enrollment.findById(issued.enrollment.id).lean<EnrollmentDocument>();
        if (!stored) throw new AppError('enrollment.not_found');
        const { enrollments } = services.domain;
        const link = issued.registrationUrl ?? (options.showLink ? enrollments.linkFor(enrollments.tokenOf(stored)) : undefined);
        return {
          practice: { id: practice._id, name: practice.name },
          enrollment: await enrollments.get(practice._id, issued.enrollment.id),
          pin: issued.pin,
          ...(link ? { registrationUrl: link } : {}),
        };
      },
      async update(id, changes) {
        await practiceNamed(id);
        return practiceView(await services.domain.practices.update(id, changes));
      },
      async list() {
        const [practices, clients] = await Promise.all([services.domain.practices.list(), services.oidc.clients.list()]);
        const clientsOf = (id: string) => clients.filter((client) => client.practice_id === id).map((client) => client.client_id);
        return practices.map((practice) => practiceView(practice, clientsOf(practice._id)));
      },
      async get(id) {
        const [practice, clients] = await Promise.all([services.domain.practices.get(id), services.oidc.clients.list()]);
        return practiceView(
          practice,
          clients.filter((client) => client.practice_id === id).map((client) => client.client_id),
        );
      },
    },
    accounts: {
      async list({ status, limit }) {
        const accounts = await models()
          .Account.find(status ? { status } : {})
          .sort({ createdAt: -1 })
          .limit(limit)
          .lean<AccountDocument[]>();
        return accounts.map(accountView);
      },
      async show(username) {
        const account = await accountNamed(username, ['active', 'deactivated']);
        const [records, sessions] = await Promise.all([
          services.domain.recordLinks.describeActive(account._id),
          services.oidc.accountSessions.list(account._id),
        ]);
        return {
          ...accountView(account),
          records: records.map((record) => ({
            practice: record.practiceName,
            recordId: record.recordId,
            relationship: record.relationship,
            since: record.linkedAt,
          })),
          sessions: sessions.length,
        };
      },
      async add(input) {
        const account = await services.domain.accounts.create(input);
        await operatorAudit('add_account', account._id);
        return { id: account._id };
      },
      async disable(username) {
        const account = await accountNamed(username);
        await services.flows.closure.deactivate(account);
        await operatorAudit('disable', account._id);
        return freshAccount(account._id);
      },
      async enable(username) {
        const account = await accountNamed(username, ['deactivated']);
        await services.domain.profile.reactivate(account._id);
        await operatorAudit('enable', account._id);
        return freshAccount(account._id);
      },
      async close(username) {
        const account = await accountNamed(username, ['active', 'deactivated']);
        await services.flows.closure.close(account);
        await operatorAudit('close', account._id);
        return { id: account._id };
      },
      async merge(fromName, intoName) {
        const from = await accountNamed(fromName, ['active', 'deactivated']);
        const into = await accountNamed(intoName);
        if (from._id === into._id) throw new AppError('settings.merge_same_account', { message: 'give two different accounts' });
        const { moved } = await services.flows.closure.merge(from, into);
        await operatorAudit('merge', from._id, { intoAccountId: into._id, recordsMoved: moved });
        return { moved, from: from._id, into: into.username };
      },
      async resetPassword(username, options) {
        const account = await accountNamed(username);
        const print = options.printLink === true;
        const { link } = await services.flows.recovery.startForAccount(account._id, { print });
        await operatorAudit('reset_password', account._id, { delivery: print ? 'printed' : 'email' });
        return print && link ? { link } : {};
      },
      async unlock(username) {
        const account = await accountNamed(username);
        await services.domain.signInThrottle.reset(account.usernameKey);
        await operatorAudit('unlock', account._id);
      },
    },
    keys: {
      async list() {
        return (await services.platform.signingKeys.list()).map(signingKeyView);
      },
      async rotate() {
        return (await services.platform.signingKeys.rotate(MAX_SIGNED_TOKEN_LIFETIME)).map(signingKeyView);
      },
    },
    audit: {
      async list(filter) {
        const events = await models()
          .AuditEvent.find(auditQuery(filter))
          .sort({ at: -1 })
          .limit(filter.limit)
          .lean<AuditEventDocument[]>();
        return events.map(auditView);
      },
      async *export(filter) {
        const cursor = models().AuditEvent.find(auditQuery(filter)).sort({ at: 1 }).lean<AuditEventDocument[]>().cursor();
        for await (const event of cursor) yield auditView(event as AuditEventDocument);
      },
    },
  };
}

function signingKeyView(key: {
  kid: string;
  alg: string;
  status: 'active' | 'retired';
  createdAt: Date;
  publishUntil?: Date | undefined;
}) {
  return {
    kid: key.kid,
    alg: key.alg,
    status: key.status,
    createdAt: key.createdAt.toISOString(),
    ...(key.publishUntil ? { publishUntil: key.publishUntil.toISOString() } : {}),
  };
}
