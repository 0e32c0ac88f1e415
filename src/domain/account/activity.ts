import Bowser from 'bowser';
import type { AuditEventDocument, Models } from '../../models/index.ts';

/** One line of "recent security activity" (help topic 22). */
export interface ActivityEntry {
  at: string;
  action: string;
  outcome: 'success' | 'failure';
  /** "Chrome on Android", from the user agent: approximate, as the page says. */
  device?: string;
  ip?: string;
}

/** Sign-ins, failures and changes worth showing to the account's owner. */
const SHOWN = /^(signin\.login|recovery\.|settings\.|operator\.|registration\.(link_account|create_account|reset_password))/;

/** A browser and system name for a user agent ("Firefox on Windows"), or undefined when unknown. */
export function deviceOf(userAgent: string | undefined): string | undefined {
  if (!userAgent) return undefined;
  const parsed = Bowser.parse(userAgent);
  const browser = parsed.browser.name;
  const os = parsed.os.name;
  if (!browser && !os) return undefined;
  return [browser, os].filter(Boolean).join(' on ');
}

/** The account's recent security activity from the audit trail, newest first. */
export function createActivity(deps: { models: Models }) {
  return {
    async recent(accountId: string, limit = 30): Promise<ActivityEntry[]> {
      const events = await deps.models.AuditEvent.find({
        $or: [{ 'subject.accountId': accountId }, { 'details.accountId': accountId }],
      })
        .sort({ at: -1 })
        .limit(limit * 2)
        .lean<AuditEventDocument[]>();
      return events
        .filter((event) => SHOWN.test(event.action))
        .slice(0, limit)
        .map((event) => ({
          at: new Date(event.at).toISOString(),
          action: event.action,
          outcome: event.outcome as 'success' | 'failure',
          ...(deviceOf(event.userAgent ?? undefined) ? { device: deviceOf(event.userAgent ?? undefined) } : {}),
          ...(event.ip ? { ip: event.ip } : {}),
        }));
    },

    /** The device of each recent sign-in, by the session login time it recorded (`loginTs`, seconds). */
    async devicesBySignIn(accountId: string): Promise<Map<number, string>> {
      const events = await deps.models.AuditEvent.find({
        action: 'signin.login',
        outcome: 'success',
        'details.accountId': accountId,
      })
        .sort({ at: -1 })
        .limit(50)
        .lean<AuditEventDocument[]>();
      const devices = new Map<number, string>();
      for (const event of events) {
        const loginTs = (event.details as { loginTs?: unknown }).loginTs;
        const device = deviceOf(event.userAgent ?? undefined);
        if (typeof loginTs === 'number' && device) devices.set(loginTs, device);
      }
      return devices;
    },
  };
}

export type Activity = ReturnType<typeof createActivity>;
