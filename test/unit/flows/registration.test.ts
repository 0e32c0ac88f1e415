// The registration flow on the flow engine, with in-memory fakes of every port and a fixed clock:
// the fast tier beside the integration suites (test/flows, test/browser), which stay. Every pair
// of the table reaches the state the diagram draws; the engine's lease, binding, CSRF and expiry.
import { createSmsCodes } from '../../../src/domain/verification/sms-code.ts';
import { createCsrf } from '../../../src/flows/engine/csrf.ts';
import { ACTION_TIMEOUT_MS, createFlowEngine } from '../../../src/flows/engine/engine.ts';
import { createSmsCodeMethod } from '../../../src/flows/methods/sms-code.ts';
import { ALLOWED_ACTIONS, type RegistrationActionName } from '../../../src/flows/registration/actions.ts';
import { createRegistration, REGISTRATION_FLOW_TTL_MS } from '../../../src/flows/registration/registration.ts';
import { REGISTRATION_STATES, type RegistrationState } from '../../../src/flows/registration/states.ts';
import type { AuditEntry } from '../../../src/platform/audit.ts';
import { english } from '../../../src/text/index.ts';
import { Clock, MINUTE, SECOND } from '../../support/clock.ts';
import { readStateDiagram } from '../../support/mermaid.ts';
import {
  fakeHasher,
  memoryAccounts,
  memoryEnrollment,
  memoryFlowStore,
  memoryRateLimits,
  memoryRecordLinks,
  recordingSmsSender,
} from '../fakes.ts';

const PIN = '123456';
const DOB = '04/12/1990';
const PHONE = '(415) 555-0123';
const PASSWORD = 'Sunny-Meadow-42';
const ISSUER = 'https://id.example.org';

function world(options: { phone?: boolean; held?: boolean } = {}) {
  const clock = new Clock();
  clock.at = Date.UTC(2026, 5, 1, 12);
  const store = memoryFlowStore();
  const audited: AuditEntry[] = [];
  const engine = createFlowEngine({
    store,
    audit: async (entry) => void audited.push(entry),
    now: clock.now,
    csrf: createCsrf('unit-test-csrf-key-0123456789abcdef'),
  });
  const enrollment = memoryEnrollment({
    now: clock.now,
    pin: PIN,
    ...(options.phone === false ? { record: { phone: undefined } } : {}),
  });
  const accounts = memoryAccounts();
  const recordLinks = memoryRecordLinks(accounts);
  const sms = recordingSmsSender();
  const registration = createRegistration({
    issuer: ISSUER,
    engine,
    enrollments: enrollment.enrollments,
    now: clock.now,
    hasher: fakeHasher,
    accounts,
    lifecycle: enrollment.lifecycle,
    recordLinks,
    resetPassword: (accountId, password) => accounts.resetPassword(accountId, password),
    secondFactor: { removeAll: async () => undefined },
    smsCode: createSmsCodeMethod({
      now: clock.now,
      codes: createSmsCodes('unit-test-sms-key'),
      sender: sms,
      rateLimits: memoryRateLimits(clock.now),
      later: (_what, work) => work().catch(() => undefined),
    }),
    portalLoginUri: async () => undefined,
  });
  // A re-enrollment: the record is already the own record of an account.
  const holder = options.held
    ? accounts.create({ username: 'holder', password: 'Holder-Pass-77' }).then(async (account) => {
        await recordLinks.link(account._id, enrollment.enrollment);
        return account;
      })
    : undefined;
  const start = async (mode: 'api' | 'browser' = 'api') => registration.create({ token: 'x'.repeat(43), mode }, english);
  const api = { mode: 'api' as const };
  const submit = (id: string, input: Record<string, unknown>, access: Parameters<typeof registration.submit>[1] = api) =>
    registration.submit(id, access, input as never, english);
  const lastCode = () => /^(\d{6}) /.exec(sms.sent.at(-1)?.body ?? '')?.[1];
  return { clock, store, audited, enrollment, accounts, recordLinks, sms, registration, start, submit, lastCode, holder };
}

type World = ReturnType<typeof world>;

/** Drives a new flow into `state` through the service only. */
async function reach(w: World, state: RegistrationState): Promise<string> {
  await w.holder;
  const { flow } = await w.start();
  const go = async (input: Record<string, unknown>) => {
    const { error } = await w.submit(flow.id, input);
    if (error && state !== 'locked') throw error;
  };
  switch (state) {
    case 'awaiting_verification_method':
      break;
    case 'awaiting_pin':
      await go({ action: 'choose_method', method: 'pin' });
      break;
    case 'awaiting_phone':
      await go({ action: 'choose_method', method: 'sms' });
      break;
    case 'awaiting_sms_code':
      await go({ action: 'choose_method', method: 'sms' });
      await go({ action: 'send_code', phone: PHONE, dateOfBirth: DOB });
      break;
    case 'locked':
      await go({ action: 'choose_method', method: 'pin' });
      for (let i = 0; i < 5; i++) await go({ action: 'verify_pin', dateOfBirth: DOB, pin: '000000' });
      break;
    default:
      await go({ action: 'choose_method', method: 'pin' });
      await go({ action: 'verify_pin', dateOfBirth: DOB, pin: PIN });
      if (state === 'awaiting_link_login') await go({ action: 'choose_account', choice: 'link' });
      if (state === 'awaiting_reset_password') await go({ action: 'choose_account', choice: 'reset' });
      if (state === 'awaiting_new_account' || state === 'completed') await go({ action: 'choose_account', choice: 'create' });
      if (state === 'completed') await go(createAccount('ada.lovelace'));
  }
  expect((await w.registration.read(flow.id, { mode: 'api' }, english)).flow.state).toBe(state);
  return flow.id;
}

const createAccount = (username: string) => ({
  action: 'create_account',
  securityQuestion: 'first_pet',
  securityAnswer: 'Whiskers',
  username,
  password: PASSWORD,
});

/** Each allowed pair with its outcomes: the input, and the state and error it leads to. */
const TABLE: {
  from: RegistrationState;
  action: RegistrationActionName;
  name: string;
  input: (w: World) => Record<string, unknown>;
  before?: (w: World) => Promise<void>;
  /** The record is already an account's own (a re-enrollment). */
  held?: boolean;
  to: RegistrationState;
  error?: string;
}[] = [
  {
    from: 'awaiting_verification_method',
    action: 'choose_method',
    name: 'pin',
    input: () => ({ method: 'pin' }),
    to: 'awaiting_pin',
  },
  {
    from: 'awaiting_verification_method',
    action: 'choose_method',
    name: 'sms',
    input: () => ({ method: 'sms' }),
    to: 'awaiting_phone',
  },
  {
    from: 'awaiting_pin',
    action: 'verify_pin',
    name: 'right',
    input: () => ({ dateOfBirth: DOB, pin: PIN }),
    to: 'awaiting_account_choice',
  },
  {
    from: 'awaiting_pin',
    action: 'verify_pin',
    name: 'wrong',
    input: () => ({ dateOfBirth: DOB, pin: '000000' }),
    to: 'awaiting_pin',
    error: 'verification.failed',
  },
  {
    from: 'awaiting_pin',
    action: 'verify_pin',
    name: 'the fifth failure',
    before: async (w) => void (w.enrollment.enrollment.failedVerifications = 4),
    input: () => ({ dateOfBirth: DOB, pin: '000000' }),
    to: 'locked',
    error: 'enrollment.locked',
  },
  { from: 'awaiting_pin', action: 'choose_method', name: 'sms', input: () => ({ method: 'sms' }), to: 'awaiting_phone' },
  {
    from: 'awaiting_phone',
    action: 'send_code',
    name: 'on file',
    input: () => ({ phone: PHONE, dateOfBirth: DOB }),
    to: 'awaiting_sms_code',
  },
  {
    from: 'awaiting_phone',
    action: 'send_code',
    name: 'not on file (pretend)',
    input: () => ({ phone: '(415) 555-0199', dateOfBirth: DOB }),
    to: 'awaiting_sms_code',
  },
  { from: 'awaiting_phone', action: 'choose_method', name: 'pin', input: () => ({ method: 'pin' }), to: 'awaiting_pin' },
  {
    from: 'awaiting_sms_code',
    action: 'verify_code',
    name: 'right',
    input: (w) => ({ code: w.lastCode()! }),
    to: 'awaiting_account_choice',
  },
  {
    from: 'awaiting_sms_code',
    action: 'verify_code',
    name: 'wrong',
    input: (w) => ({ code: w.lastCode() === '111111' ? '222222' : '111111' }),
    to: 'awaiting_sms_code',
    error: 'verification.failed',
  },
  {
    from: 'awaiting_sms_code',
    action: 'verify_code',
    name: 'the fifth failure',
    before: async (w) => void (w.enrollment.enrollment.failedVerifications = 4),
    input: (w) => ({ code: w.lastCode() === '111111' ? '222222' : '111111' }),
    to: 'locked',
    error: 'enrollment.locked',
  },
  {
    from: 'awaiting_sms_code',
    action: 'resend_code',
    name: 'after the cooldown',
    before: async (w) => w.clock.advance(31 * SECOND),
    input: () => ({}),
    to: 'awaiting_sms_code',
  },
  {
    from: 'awaiting_sms_code',
    action: 'resend_code',
    name: 'too soon',
    input: () => ({}),
    to: 'awaiting_sms_code',
    error: 'sms.too_soon',
  },
  { from: 'awaiting_sms_code', action: 'choose_method', name: 'pin', input: () => ({ method: 'pin' }), to: 'awaiting_pin' },
  {
    from: 'awaiting_sms_code',
    action: 'choose_method',
    name: 'another phone',
    input: () => ({ method: 'sms' }),
    to: 'awaiting_phone',
  },
  {
    from: 'awaiting_account_choice',
    action: 'choose_account',
    name: 'link',
    input: () => ({ choice: 'link' }),
    to: 'awaiting_link_login',
  },
  {
    from: 'awaiting_account_choice',
    action: 'choose_account',
    name: 'create',
    input: () => ({ choice: 'create' }),
    to: 'awaiting_new_account',
  },
  {
    from: 'awaiting_account_choice',
    action: 'choose_account',
    name: 'reset, on a re-enrollment',
    held: true,
    input: () => ({ choice: 'reset' }),
    to: 'awaiting_reset_password',
  },
  {
    from: 'awaiting_account_choice',
    action: 'choose_account',
    name: 'reset, with no account holding the record',
    input: () => ({ choice: 'reset' }),
    to: 'awaiting_account_choice',
    error: 'registration.nothing_to_recover',
  },
  {
    from: 'awaiting_reset_password',
    action: 'reset_password',
    name: 'valid',
    held: true,
    input: () => ({ password: PASSWORD }),
    to: 'completed',
  },
  {
    from: 'awaiting_reset_password',
    action: 'reset_password',
    name: 'weak password',
    held: true,
    input: () => ({ password: 'short' }),
    to: 'awaiting_reset_password',
    error: 'password.policy_violation',
  },
  {
    from: 'awaiting_reset_password',
    action: 'choose_account',
    name: 'create instead',
    held: true,
    input: () => ({ choice: 'create' }),
    to: 'awaiting_new_account',
  },
  {
    from: 'awaiting_link_login',
    action: 'link_account',
    name: 'right',
    before: async (w) => void (await w.accounts.create({ username: 'existing', password: 'Existing-Pass-77' })),
    input: () => ({ login: 'existing', password: 'Existing-Pass-77' }),
    to: 'completed',
  },
  {
    from: 'awaiting_link_login',
    action: 'link_account',
    name: 'wrong password',
    input: () => ({ login: 'existing', password: 'nope' }),
    to: 'awaiting_link_login',
    error: 'login.invalid_credentials',
  },
  {
    from: 'awaiting_link_login',
    action: 'choose_account',
    name: 'create',
    input: () => ({ choice: 'create' }),
    to: 'awaiting_new_account',
  },
  { from: 'awaiting_new_account', action: 'create_account', name: 'valid', input: () => createAccount('ada.l'), to: 'completed' },
  {
    from: 'awaiting_new_account',
    action: 'create_account',
    name: 'weak password',
    input: () => ({ ...createAccount('ada.l'), password: 'short' }),
    to: 'awaiting_new_account',
    error: 'password.policy_violation',
  },
  {
    from: 'awaiting_new_account',
    action: 'create_account',
    name: 'username taken',
    before: async (w) => void (await w.accounts.create({ username: 'ada.l', password: 'Other-Pass-88' })),
    input: () => createAccount('Ada.L'),
    to: 'awaiting_new_account',
    error: 'account.username_taken',
  },
  {
    from: 'awaiting_new_account',
    action: 'choose_account',
    name: 'link',
    input: () => ({ choice: 'link' }),
    to: 'awaiting_link_login',
  },
];

describe.each(TABLE)('$from --$action ($name)--> $to', (row) => {
  test('reaches the documented state', async () => {
    const w = world({ held: row.held });
    const id = await reach(w, row.from);
    await row.before?.(w);
    const { flow, error } = await w.submit(id, { action: row.action, ...row.input(w) });
    expect({ state: flow.state, error: error?.code }).toEqual({ state: row.to, error: row.error });
    if (row.error) expect(flow.messages.map((message) => message.code)).toEqual([row.error]);
  });
});

test('the table covers every allowed pair, and the diagram draws every outcome of it', () => {
  const covered = new Set(TABLE.map((row) => `${row.from} ${row.action}`));
  for (const state of REGISTRATION_STATES)
    for (const action of ALLOWED_ACTIONS[state]) expect(covered).toContain(`${state} ${action}`);
  const edges = readStateDiagram(new URL('../../../src/flows/registration/registration.mermaid', import.meta.url)).get('')!;
  for (const row of TABLE) {
    const drawn = edges.some((edge) => edge.from === row.from && edge.to === row.to && edge.label.includes(row.action));
    const locked = row.to === 'locked' && edges.some((edge) => edge.from === row.from && edge.to === 'locked');
    expect({ row: `${row.from} ${row.action} → ${row.to}`, drawn: drawn || locked }).toEqual({
      row: `${row.from} ${row.action} → ${row.to}`,
      drawn: true,
    });
  }
  // And every edge of the diagram between states is an allowed action (or the lock).
  for (const edge of edges.filter((e) => e.from !== '[*]' && e.to !== '[*]')) {
    const actions = ALLOWED_ACTIONS[edge.from as RegistrationState];
    expect({ edge, allowed: actions.some((action) => edge.label.includes(action)) || edge.to === 'locked' }).toEqual({
      edge,
      allowed: true,
    });
  }
});

test('every pair not in the table is flow.invalid_transition and changes nothing', async () => {
  const all = new Set(REGISTRATION_STATES.flatMap((state) => ALLOWED_ACTIONS[state]));
  for (const state of REGISTRATION_STATES) {
    const w = world({ held: state === 'awaiting_reset_password' });
    const id = await reach(w, state);
    const before = structuredClone(w.store.docs.get(id));
    for (const action of [...all].filter((a) => !ALLOWED_ACTIONS[state].includes(a))) {
      await expect(w.submit(id, { action })).rejects.toMatchObject({ code: 'flow.invalid_transition', data: { state, action } });
    }
    expect(w.store.docs.get(id)).toEqual(before);
  }
});

test('a record without a phone offers only the PIN, and switching method is hidden there', async () => {
  const w = world({ phone: false });
  const { flow } = await w.start();
  expect(flow.verificationMethods).toEqual(['pin']);
  const { flow: pin } = await w.submit(flow.id, { action: 'choose_method', method: 'pin' });
  expect(pin.actions.map((action) => action.action)).toEqual(['verify_pin']);
  await expect(w.submit(flow.id, { action: 'choose_method', method: 'sms' })).rejects.toMatchObject({
    code: 'flow.invalid_transition',
  });
});

test('a code is single use and bound to the flow; a pretend send sends nothing', async () => {
  const w = world();
  const id = await reach(w, 'awaiting_phone');
  await w.submit(id, { action: 'send_code', phone: '(415) 555-0199', dateOfBirth: DOB });
  expect(w.sms.sent).toEqual([]);
  const other = await reach(w, 'awaiting_sms_code');
  const code = w.lastCode()!;
  expect(w.sms.sent.at(-1)!.body).toBe(english('sms.registration_code', { code, practice: 'Riverside Family Medicine' }));
  // Another flow's code fails here, and is counted.
  expect((await w.submit(id, { action: 'verify_code', code })).error?.code).toBe('verification.failed');
  expect((await w.submit(other, { action: 'verify_code', code })).flow.state).toBe('awaiting_account_choice');
});

test('the text is sent after the answer: a provider failure answers like a success (nothing tells a match), and a new code can be asked for', async () => {
  const w = world();
  const id = await reach(w, 'awaiting_phone');
  w.sms.failing = true;
  const failed = await w.submit(id, { action: 'send_code', phone: PHONE, dateOfBirth: DOB });
  const pretend = await w.submit(await reach(w, 'awaiting_phone'), {
    action: 'send_code',
    phone: '(415) 555-0199',
    dateOfBirth: DOB,
  });
  expect({ state: failed.flow.state, error: failed.error }).toEqual({ state: 'awaiting_sms_code', error: undefined });
  expect({ state: pretend.flow.state, error: pretend.error }).toEqual({ state: 'awaiting_sms_code', error: undefined });
  expect(w.sms.sent).toEqual([]);
  w.sms.failing = false;
  w.clock.advance(31_000);
  expect((await w.submit(id, { action: 'resend_code' })).flow.state).toBe('awaiting_sms_code');
  expect((await w.submit(id, { action: 'verify_code', code: w.lastCode() })).flow.state).toBe('awaiting_account_choice');
});

describe('the engine under the flow', () => {
  test('an action in progress is not run twice; one abandoned past the timeout is taken over', async () => {
    const w = world();
    const id = await reach(w, 'awaiting_pin');
    const doc = w.store.docs.get(id)!;
    // Another process took the flow (odd version) and is still within its time.
    Object.assign(doc, { version: doc.version + 1, actionStartedAt: w.clock.now() });
    await expect(w.submit(id, { action: 'verify_pin', dateOfBirth: DOB, pin: PIN })).rejects.toMatchObject({
      code: 'flow.conflict',
    });
    w.clock.advance(ACTION_TIMEOUT_MS + 1);
    const { flow } = await w.submit(id, { action: 'verify_pin', dateOfBirth: DOB, pin: PIN });
    expect(flow.state).toBe('awaiting_account_choice');
    expect(w.store.docs.get(id)!.version % 2).toBe(0);
  });

  test('anything thrown puts the flow back as it was, not left in progress', async () => {
    const w = world();
    const id = await reach(w, 'awaiting_new_account');
    const before = structuredClone(w.store.docs.get(id)!);
    w.accounts.create = async () => {
      throw new Error('database down');
    };
    await expect(w.submit(id, createAccount('someone'))).rejects.toThrow('database down');
    const after = w.store.docs.get(id)!;
    expect({ state: after.state, even: after.version % 2 === 0 }).toEqual({ state: before.state, even: true });
    // The claim was given back: another attempt may take it.
    expect(w.enrollment.claim()).toBeUndefined();
  });

  test('an action cut by the database going away is put back when it answers again, not after the action timeout', async () => {
    const w = world();
    const id = await reach(w, 'awaiting_new_account');
    const before = structuredClone(w.store.docs.get(id)!);
    const unavailable = () => Object.assign(new Error('connection reset'), { name: 'MongoNetworkError' });
    // The database goes away during the account step, and the flow cannot be put back at once either.
    const create = w.accounts.create;
    w.accounts.create = async () => {
      throw unavailable();
    };
    const save = w.store.save;
    let refusedSaves = 2;
    w.store.save = async (...args) => {
      if (refusedSaves > 0) {
        refusedSaves -= 1;
        throw unavailable();
      }
      return save(...args);
    };
    await expect(w.submit(id, createAccount('someone'))).rejects.toMatchObject({ name: 'MongoNetworkError' });
    expect(w.store.docs.get(id)!.version % 2).toBe(1);
    // It answers again: the flow is put back in the background, with no clock moving.
    w.accounts.create = create;
    while (w.store.docs.get(id)!.version % 2 !== 0) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(w.store.docs.get(id)!.state).toBe(before.state);
    const { flow } = await w.submit(id, createAccount('someone'));
    expect(flow.state).toBe('completed');
  });

  test('a browser flow needs its binding secret, and its forms the CSRF token', async () => {
    const w = world();
    const { flow, bindingSecret } = await w.start('browser');
    expect(bindingSecret).toEqual(expect.any(String));
    const browser = { mode: 'browser' as const, bindingSecret, form: true };
    await expect(w.registration.read(flow.id, { mode: 'browser', bindingSecret: 'other' }, english)).rejects.toMatchObject({
      code: 'flow.not_found',
    });
    await expect(w.registration.read(flow.id, { mode: 'api' }, english)).rejects.toMatchObject({ code: 'flow.not_found' });
    await expect(w.submit(flow.id, { action: 'choose_method', method: 'pin', csrf: 'forged' }, browser)).rejects.toMatchObject({
      code: 'csrf.invalid',
    });
    const { flow: next } = await w.submit(flow.id, { action: 'choose_method', method: 'pin', csrf: flow.csrf }, browser);
    expect(next.state).toBe('awaiting_pin');
    // The stored flow keeps only the hash of the binding secret.
    expect(JSON.stringify(w.store.docs.get(flow.id))).not.toContain(bindingSecret!);
  });

  test('a flow expires an hour after its last step', async () => {
    const w = world();
    const id = await reach(w, 'awaiting_pin');
    w.clock.advance(REGISTRATION_FLOW_TTL_MS - 1);
    await w.registration.read(id, { mode: 'api' }, english);
    w.clock.advance(1);
    await expect(w.registration.read(id, { mode: 'api' }, english)).rejects.toMatchObject({ code: 'flow.expired' });
  });

  test('every step is audited with its outcome, never a secret', async () => {
    const w = world();
    const id = await reach(w, 'completed');
    const actions = w.audited.map((entry) => `${entry.action} ${entry.outcome}`);
    expect(actions).toEqual([
      'registration.started success',
      'registration.choose_method success',
      'registration.verify_pin success',
      'registration.choose_account success',
      'registration.create_account success',
    ]);
    const text = JSON.stringify(w.audited);
    for (const secret of [PIN, PASSWORD, 'Whiskers']) expect(text).not.toContain(secret);
    expect(w.audited.at(-1)!.subject).toMatchObject({ flowId: id, enrollmentId: 'enrollment-1', accountId: expect.any(String) });
  });

  test('the hand-off: once, within ten minutes of completion', async () => {
    const w = world();
    const id = await reach(w, 'completed');
    w.clock.advance(9 * MINUTE);
    const accountId = await w.registration.takeHandoff(id, undefined, undefined);
    expect(accountId).toEqual(expect.any(String));
    expect(await w.registration.takeHandoff(id, undefined, undefined)).toBeUndefined();
    const later = world();
    const late = await reach(later, 'completed');
    later.clock.advance(10 * MINUTE + 1);
    expect(await later.registration.takeHandoff(late, undefined, undefined)).toBeUndefined();
  });
});
