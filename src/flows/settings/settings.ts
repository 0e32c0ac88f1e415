import { createHash } from 'node:crypto';
import QRCode from 'qrcode';
import { secondFactorsOf } from '../../domain/account/second-factor.ts';
import { passkeysOf, type PasskeyView } from '../../domain/account/passkeys.ts';
import { AppError } from '../../errors/app-error.ts';
import type { Activity, ActivityEntry } from '../../domain/account/activity.ts';
import { notificationsOf, type NotificationPreferences } from '../../domain/account/profile.ts';
import { passwordRuleText, PASSWORD_RULES } from '../../domain/account/password-policy.ts';
import { securityQuestions } from '../../domain/account/security-questions.ts';
import type { RecordLinks } from '../../domain/records/record-links.ts';
import { maskPhone } from '../../domain/verification/sms-code.ts';
import type { Audit, AuditContext } from '../../platform/audit.ts';
import type { RecoveryTickets } from '../../domain/account/recovery-tickets.ts';
import type { AccountSessions, SignedIn } from '../../ports/account-sessions.ts';
import { textIn, type Translate } from '../../text/index.ts';
import type { FlowAccess, FlowDefinition, FlowRecord } from '../engine/definition.ts';
import type { FlowEngine, FlowViewBase } from '../engine/engine.ts';
import { SETTINGS_ACTIONS, SETTINGS_FIELDS, type SettingsAction } from './actions.ts';
import {
  SETTINGS_STATES,
  settingsInternal,
  settingsPublic,
  type SettingsInternal,
  type SettingsPublic,
  type SettingsState,
} from './states.ts';
import { settingsTransitions, type SettingsContext, type SettingsTransitionDeps } from './transitions.ts';

/** The account centre's flow lives an hour from its last step (its session may last longer: a new one opens). */
export const SETTINGS_FLOW_TTL_MS = 60 * 60 * 1000;

export type SettingsDefinition = FlowDefinition<SettingsState, SettingsAction, SettingsPublic, SettingsInternal, SettingsContext>;
type SettingsFlow = FlowRecord<SettingsState, SettingsPublic, SettingsInternal>;

export interface SettingsView extends FlowViewBase<SettingsState>, SettingsPublic {
  passwordRules: { rule: string; text: string }[];
  /** Setting up an authenticator app: its key as text, the otpauth URI, and the URI as a QR code image (PNG data URL). */
  totp?: { secret: string; uri: string; qrCode: string };
  /** New recovery codes, shown this once. */
  recoveryCodes?: string[];
}

/** Everything the account centre shows (help topics 8, 11, 19, 21, 22): the account, its records, sessions, apps, activity. */
export interface AccountOverview {
  id: string;
  username: string;
  name?: string;
  email?: string;
  emailVerified: boolean;
  phone?: string;
  phoneVerified: boolean;
  securityQuestion?: { id: string; text: string };
  /** Two-step verification: an authenticator app, passkeys, and how many recovery codes are left. */
  secondFactors: { totp: boolean; passkeys: number; recoveryCodesLeft: number };
  passkeys: PasskeyView[];
  notifications: NotificationPreferences;
  /** The language the patient chose for pages, emails and texts (unset: the browser's). */
  language?: string;
  /** Linked records, grouped by practice, each with whose record it is and when the practice gave access. */
  practices: { practiceName: string; records: { displayName: string; relationship: string; linkedAt: string }[] }[];
  sessions: { id: string; signedInAt: string; expiresAt: string; current: boolean; device?: string; apps: string[] }[];
  apps: { clientId: string; name: string; scopes: string[] }[];
  activity: ActivityEntry[];
  /** When the password was last entered in this browser (sensitive changes need it recent). */
  signedInAt: string;
}

export interface SettingsDeps extends SettingsTransitionDeps {
  engine: FlowEngine;
  redeem: RecoveryTickets['redeem'];
  audit: Audit;
  sessions: AccountSessions;
  recordLinks: SettingsTransitionDeps['recordLinks'] & Pick<RecordLinks, 'describeActive'>;
  activity: Activity;
}

/**
 * The account centre (help topics 7, 8, 11, 16, 18, 19, 21, 22, 23) as a flow of the engine, like
 * Ory Kratos' settings flow: one flow per sign-in session (bound to it, as the interaction flow
 * is bound to its interaction), served as JSON and as pages. Sensitive actions need a password
 * entered in the last five minutes; the web layer sends the patient to sign in again for them.
 */
export function createSettings(deps: SettingsDeps) {
  const { engine } = deps;
  const definition: SettingsDefinition = {
    kind: 'settings',
    ttlMs: SETTINGS_FLOW_TTL_MS,
    states: SETTINGS_STATES,
    terminal: ['signed_out', 'deactivated', 'closed', 'merged'],
    allowed: SETTINGS_ACTIONS,
    fields: SETTINGS_FIELDS,
    publicSchema: settingsPublic,
    internalSchema: settingsInternal,
    errors: {
      notFound: 'flow.not_found',
      expired: 'flow.expired',
      invalidTransition: 'flow.invalid_transition',
      conflict: 'flow.conflict',
    },
    // Replaced per request by the signed-in account (see `bound`).
    context: () => Promise.reject(new AppError('account.signin_required')),
    transitions: settingsTransitions(deps),
  };

  /** One flow per session, named by a hash of the session's uid (the uid itself stays secret). */
  const flowIdOf = (signedIn: SignedIn) => createHash('sha256').update(`settings:${signedIn.sessionUid}`).digest('base64url');
  const access = (signedIn: SignedIn, form: boolean): FlowAccess => ({
    mode: 'browser',
    bindingSecret: signedIn.sessionUid,
    form,
  });

  async function contextOf(signedIn: SignedIn): Promise<SettingsContext> {
    const account = await deps.accounts.findById(signedIn.accountId);
    if (!account || account.status !== 'active') throw new AppError('account.signin_required');
    return { account, signedIn };
  }

  const current = (signedIn: SignedIn) =>
    engine.openOrTransient(definition, flowIdOf(signedIn), access(signedIn, false), {
      mode: 'browser',
      state: 'ready',
      public: {},
      internal: {},
      subject: { accountId: signedIn.accountId },
      bindingSecret: signedIn.sessionUid,
    });

  async function view(flow: SettingsFlow, t: Translate, username: string): Promise<SettingsView> {
    const { totpSecretSealed, recoveryCodesSealed } = flow.internal;
    const enrolment =
      flow.state === 'confirming_totp' && totpSecretSealed ? deps.secondFactor.enrolment(totpSecretSealed, username) : undefined;
    return {
      ...engine.view(definition, flow, t),
      ...flow.public,
      passwordRules: PASSWORD_RULES.map((rule) => ({ rule, text: passwordRuleText(rule, t) })),
      ...(enrolment ? { totp: { ...enrolment, qrCode: await QRCode.toDataURL(enrolment.uri, { margin: 1, width: 240 }) } } : {}),
      ...(flow.state === 'showing_recovery_codes' && recoveryCodesSealed
        ? { recoveryCodes: deps.secondFactor.openCodes(recoveryCodesSealed) }
        : {}),
    };
  }

  async function overview(ctx: SettingsContext, t: Translate): Promise<AccountOverview> {
    const { account, signedIn } = ctx;
    const [records, sessions, apps, activity, devices] = await Promise.all([
      deps.recordLinks.describeActive(account._id),
      deps.sessions.list(account._id),
      deps.sessions.apps(account._id),
      deps.activity.recent(account._id),
      deps.activity.devicesBySignIn(account._id),
    ]);
    const practices = new Map<string, AccountOverview['practices'][number]>();
    for (const record of records) {
      const group = practices.get(record.practiceName) ?? { practiceName: record.practiceName, records: [] };
      group.records.push({ displayName: record.displayName, relationship: record.relationship, linkedAt: record.linkedAt });
      practices.set(record.practiceName, group);
    }
    const question = securityQuestions(t).find((candidate) => candidate.id === account.securityQuestion?.questionId);
    return {
      id: account._id,
      username: account.username,
      ...(account.name ? { name: account.name } : {}),
      ...(account.email ? { email: account.email } : {}),
      emailVerified: account.emailVerified ?? false,
      ...(account.phoneNumber ? { phone: maskPhone(account.phoneNumber) } : {}),
      phoneVerified: account.phoneVerified ?? false,
      ...(question ? { securityQuestion: question } : {}),
      secondFactors: secondFactorsOf(account),
      passkeys: passkeysOf(account),
      notifications: notificationsOf(account),
      ...(account.locale ? { language: account.locale } : {}),
      practices: [...practices.values()],
      sessions: sessions.map((session) => {
        // The device of the sign-in that started it (approximate: the audit trail's user agent).
        const device = devices.get(Math.floor(session.signedInAt.getTime() / 1000));
        return {
          id: createHash('sha256').update(session.uid).digest('base64url').slice(0, 16),
          signedInAt: session.signedInAt.toISOString(),
          expiresAt: session.expiresAt.toISOString(),
          current: session.uid === signedIn.sessionUid,
          ...(device ? { device } : {}),
          apps: session.clientIds,
        };
      }),
      apps,
      activity,
      signedInAt: signedIn.authTime.toISOString(),
    };
  }

  return {
    definition,

    /** The language the signed-in patient chose, if any (the pages then use it). */
    async languageOf(signedIn: SignedIn): Promise<string | undefined> {
      return (await deps.accounts.findById(signedIn.accountId))?.locale ?? undefined;
    },

    /** The account and its settings flow, for the signed-in session. */
    async describe(signedIn: SignedIn, t: Translate): Promise<{ account: AccountOverview; flow: SettingsView }> {
      const ctx = await contextOf(signedIn);
      return { account: await overview(ctx, t), flow: await view(await current(signedIn), t, ctx.account.username) };
    },

    /** Runs one action of the session's settings flow; a handled failure comes back as `error`. */
    async submit(
      signedIn: SignedIn,
      input: SettingsAction & { csrf?: string | undefined },
      options: { form: boolean; t: Translate; context?: AuditContext },
    ) {
      const ctx = await contextOf(signedIn);
      const bound: SettingsDefinition = { ...definition, context: async () => ctx };
      const flow = await current(signedIn);
      const { flow: saved, error } = await engine.submit(
        bound,
        flow,
        access(signedIn, options.form),
        input,
        options.context ?? {},
      );
      return { flow: await view(saved, options.t, ctx.account.username), ...(error ? { error } : {}) };
    },

    /**
     * Opens an email confirmation link: the address becomes the account's, verified, and the old
     * address hears of it. The link's secret proves the mailbox; no sign-in is needed (it is often
     * opened on a phone). Answers false when the link was already used or has expired.
     */
    async confirmEmail(token: string, context: AuditContext = {}): Promise<boolean> {
      const ticket = await deps.redeem(token, 'email');
      if (!ticket?.email) return false;
      const before = await deps.accounts.findById(ticket.accountId);
      if (!before || before.status !== 'active') return false;
      await deps.profile.setEmail(ticket.accountId, ticket.email);
      await deps.later('email notice', () => deps.notices.changed('email', { email: before.email }, textIn(before.locale)));
      await deps.audit(
        { action: 'settings.confirm_email', outcome: 'success', subject: { accountId: ticket.accountId } },
        context,
      );
      return true;
    },

    /** The question list a page offers (in the reader's language). */
    questions: (t: Translate) => securityQuestions(t),
  };
}

export type Settings = ReturnType<typeof createSettings>;
