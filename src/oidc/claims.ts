import type { Configuration } from 'oidc-provider';
import type { Accounts } from '../domain/account/accounts.ts';
import type { RecordLinks } from '../domain/records/record-links.ts';
import { notificationsOf } from '../domain/account/profile.ts';

/** Which claims each scope releases (README: "Scopes and claims"). */
export const SCOPE_CLAIMS = {
  openid: ['sub'],
  profile: ['name', 'preferred_username', 'locale', 'updated_at'],
  email: ['email', 'email_verified'],
  /** Offered because relying parties ask for it (OpenID Connect Core 5.4); no postal address is kept, so it releases nothing. */
  address: ['address'],
  phone: ['phone_number', 'phone_number_verified'],
  records: ['records'],
  fhirUser: ['fhirUser'],
  /** What the patient agreed to receive besides security notices (the account centre's "Notifications"). */
  notifications: ['notification_preferences'],
} as const;

/**
 * oidc-provider's `findAccount`: an active account and its claims. `records` lists every record
 * the account may see (its own and family members'); `fhirUser` is the account's own record.
 * Records are read only when a scope asks for them.
 */
export function createFindAccount(deps: {
  accounts: Pick<Accounts, 'findById'>;
  recordLinks: Pick<RecordLinks, 'describeActive'>;
}): NonNullable<Configuration['findAccount']> {
  return async function findAccount(_ctx, sub) {
    const account = await deps.accounts.findById(sub);
    if (!account || account.status !== 'active') return undefined;
    return {
      accountId: account._id,
      async claims(_use, scope) {
        const wanted = new Set(String(scope ?? '').split(' '));
        const linked = wanted.has('records') || wanted.has('fhirUser') ? await deps.recordLinks.describeActive(account._id) : [];
        const own = linked.find((record) => record.relationship === 'self');
        return {
          sub: account._id,
          ...(wanted.has('records')
            ? {
                records: linked.map((record) => ({
                  id: record.patientRecordId,
                  record_id: record.recordId,
                  practice_id: record.practiceId,
                  practice_name: record.practiceName,
                  relationship: record.relationship,
                  display_name: record.displayName,
                })),
              }
            : {}),
          ...(own ? { fhirUser: `Patient/${own.patientRecordId}` } : {}),
          preferred_username: account.username,
          name: account.name ?? undefined,
          email: account.email ?? undefined,
          email_verified: account.email ? account.emailVerified : undefined,
          phone_number: account.phoneNumber ?? undefined,
          phone_number_verified: account.phoneNumber ? (account.phoneVerified ?? false) : undefined,
          notification_preferences: notificationsOf(account),
          // The language the patient chose or registered in (BCP 47), when we know it.
          locale: account.locale ?? undefined,
          updated_at: account.updatedAt ? Math.floor(new Date(account.updatedAt).getTime() / 1000) : undefined,
        };
      },
    };
  };
}
