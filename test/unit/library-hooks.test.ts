// Which audited events the library's named hooks stand for.
import { dispatchHooks } from '../../src/library/hooks.ts';
import type { ServiceEvent } from '../../src/ports/events.ts';

function event(action: string, fields: Partial<ServiceEvent> = {}): ServiceEvent {
  return { at: new Date(0), action, outcome: 'success', subject: {}, details: {}, ...fields };
}

function heard(events: ServiceEvent[]) {
  const calls: string[] = [];
  const dispatch = dispatchHooks({
    registrationCompleted: (e) => calls.push(`registered ${e.outcome} ${e.accountId} ${e.practiceId ?? '-'}`),
    accountLinked: (e) => calls.push(`linked ${e.accountId}`),
    passwordChanged: (e) => calls.push(`password ${e.via} ${e.accountId}`),
    accountClosed: (e) => calls.push(`closed ${e.by} ${e.accountId}`),
  });
  for (const e of events) dispatch(e);
  return calls;
}

test('registration steps that completed: created, linked (also accountLinked), reset (also passwordChanged)', () => {
  const where = { subject: { accountId: 'a1', enrollmentId: 'e1', practiceId: 'p1' }, details: { state: 'completed' } };
  expect(
    heard([
      event('registration.create_account', where),
      event('registration.link_account', where),
      event('registration.reset_password', where),
    ]),
  ).toEqual([
    'registered created a1 p1',
    'registered linked a1 p1',
    'linked a1',
    'registered reset a1 p1',
    'password registration a1',
  ]);
});

test('password changes and closures, by the patient or an operator; the account from the subject or the details', () => {
  expect(
    heard([
      event('settings.change_password', { subject: { accountId: 'a2' } }),
      event('recovery.set_password', { details: { accountId: 'a3' } }),
      event('settings.closed', { subject: { accountId: 'a4' } }),
      event('operator.close', { subject: { accountId: 'a5' } }),
    ]),
  ).toEqual(['password settings a2', 'password recovery a3', 'closed patient a4', 'closed operator a5']);
});

test('failures, steps that did not complete, and events without an account are not hooks; `event` hears everything', () => {
  const all: string[] = [];
  const dispatch = dispatchHooks({ event: (e) => all.push(e.action), registrationCompleted: () => all.push('registered') });
  dispatch(
    event('registration.create_account', { outcome: 'failure', subject: { accountId: 'a' }, details: { state: 'completed' } }),
  );
  dispatch(event('registration.create_account', { subject: { accountId: 'a' }, details: { state: 'awaiting_account_choice' } }));
  dispatch(event('registration.create_account', { details: { state: 'completed' } }));
  dispatch(event('signin.login', { subject: { accountId: 'a' } }));
  expect(all).toEqual([
    'registration.create_account',
    'registration.create_account',
    'registration.create_account',
    'signin.login',
  ]);
});
