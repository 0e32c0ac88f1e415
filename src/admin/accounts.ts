import { usernameKey } from '../domain/account/usernames.ts';
import { maskPhone } from '../domain/verification/sms-code.ts';
import { AppError } from '../errors/app-error.ts';
import type { AccountDocument } from '../models/index.ts';
import type { AccountView, AdminOperations, AdminServices } from './types.ts';

function maskEmail(email: string): string {
  const [local = '', domain = ''] = email.split('@');
  return `${local.slice(0, 1)}•••@${domain}`;
}

export function isoOf(value: unknown): string | undefined {
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

/** Patients' accounts as operators see and change them, each change audited as done by `actor`. */
export function accountOperations(services: AdminServices, actor: string): AdminOperations['accounts'] {
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

  return {
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
  };
}
