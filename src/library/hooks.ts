import type { ServiceEvent } from '../ports/events.ts';

/** What a host may react to (the library's `on` option). Handlers run as events happen; one that throws is logged. */
export interface PatientIdpHooks {
  /** A patient finished registering: a new account, records linked to an account they had, or a reset one. */
  registrationCompleted?(event: {
    accountId: string;
    enrollmentId?: string | undefined;
    practiceId?: string | undefined;
    outcome: 'created' | 'linked' | 'reset';
  }): void;
  /** A practice's record was linked to an account the patient already had. */
  accountLinked?(event: { accountId: string; enrollmentId?: string | undefined; practiceId?: string | undefined }): void;
  /** An account's password changed: in the account centre, by recovery, or by registering again. */
  passwordChanged?(event: { accountId: string; via: 'settings' | 'recovery' | 'registration' }): void;
  /** An account was closed for good (by its patient, or by an operator). */
  accountClosed?(event: { accountId: string; by: 'patient' | 'operator' }): void;
  /** Every audited event (sign-ins, failures, each registration and recovery step, operators' actions). */
  event?(event: ServiceEvent): void;
}

const REGISTERED: Record<string, 'created' | 'linked' | 'reset'> = {
  'registration.create_account': 'created',
  'registration.link_account': 'linked',
  'registration.reset_password': 'reset',
};

function accountOf(event: ServiceEvent): string | undefined {
  const fromDetails = event.details.accountId;
  return event.subject.accountId ?? (typeof fromDetails === 'string' ? fromDetails : undefined);
}

/** Turns the audit trail's events into the named hooks (one place that knows which event means what). */
export function dispatchHooks(hooks: PatientIdpHooks): (event: ServiceEvent) => void {
  return (event) => {
    hooks.event?.(event);
    if (event.outcome !== 'success') return;
    const accountId = accountOf(event);
    if (!accountId) return;
    const registered = REGISTERED[event.action];
    if (registered && event.details.state === 'completed') {
      const where = { enrollmentId: event.subject.enrollmentId, practiceId: event.subject.practiceId };
      hooks.registrationCompleted?.({ accountId, ...where, outcome: registered });
      if (registered === 'linked') hooks.accountLinked?.({ accountId, ...where });
      if (registered === 'reset') hooks.passwordChanged?.({ accountId, via: 'registration' });
    }
    if (event.action === 'settings.change_password') hooks.passwordChanged?.({ accountId, via: 'settings' });
    if (event.action === 'recovery.set_password') hooks.passwordChanged?.({ accountId, via: 'recovery' });
    if (event.action === 'settings.closed') hooks.accountClosed?.({ accountId, by: 'patient' });
    if (event.action === 'operator.close') hooks.accountClosed?.({ accountId, by: 'operator' });
  };
}
