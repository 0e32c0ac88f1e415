// The registration state machine, through the JSON API against FerretDB, the SMTP server and the
// Twilio stand-in: every allowed (state, action) pair of ALLOWED_ACTIONS reaches its documented next
// state(s) (registration.mermaid), and every other pair, the terminal states' included, fails with
// flow.invalid_transition and changes nothing.
import { ALLOWED_ACTIONS, type RegistrationActionName } from '../../src/flows/registration/actions.ts';
import { REGISTRATION_STATES, type RegistrationState } from '../../src/flows/registration/states.ts';
import {
  PASSWORD,
  SECOND,
  apiFlowAwaitingCode,
  createAccountInput,
  enroll,
  flowApi,
  otherCode,
  patient,
  practiceView,
  startApiFlow,
  startHarness,
  step,
  wrongPin,
  type Enrolled,
  type FlowJson,
  type Harness,
} from '../support/registration.ts';

let h: Harness;
const EXISTING = { username: 'Existing.Patient', password: 'Existing-Pass-77' };

beforeAll(async () => {
  h = await startHarness();
  await h.server.services.domain.accounts.create({
    username: EXISTING.username,
    password: EXISTING.password,
    email: 'existing@example.org',
  });
});
afterAll(async () => {
  await h?.close();
});

interface Reached {
  enrolled: Enrolled;
  flow: FlowJson;
}

let usernames = 0;
const freshUsername = () => `new.user.${Date.now().toString(36)}.${++usernames}`;

/** Drives a new flow (new enrollment) into `state` through the API only. */
async function reach(state: RegistrationState, options: { phone?: boolean; held?: boolean } = {}): Promise<Reached> {
  const held = options.held ?? state === 'awaiting_reset_password';
  const enrolled = held ? await reenrolled() : await enroll(h, patient(options.phone === false ? { phone: undefined } : {}));
  let flow = await startApiFlow(h, enrolled);
  const go = async (body: Record<string, unknown>) => {
    flow = await step(h, flow.id, body);
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
      await go({ action: 'send_code', phone: enrolled.patient.phone, dateOfBirth: enrolled.dob });
      break;
    case 'locked': {
      await go({ action: 'choose_method', method: 'pin' });
      for (let i = 0; i < 5; i++)
        await flowApi(h).submit(flow.id, { action: 'verify_pin', dateOfBirth: enrolled.dob, pin: wrongPin(enrolled.pin) });
      flow = (await flowApi(h).read(flow.id)).body;
      break;
    }
    default: {
      await go({ action: 'choose_method', method: 'pin' });
      await go({ action: 'verify_pin', dateOfBirth: enrolled.dob, pin: enrolled.pin });
      if (state === 'awaiting_link_login') await go({ action: 'choose_account', choice: 'link' });
      if (state === 'awaiting_reset_password') await go({ action: 'choose_account', choice: 'reset' });
      if (state === 'awaiting_new_account' || state === 'completed') await go({ action: 'choose_account', choice: 'create' });
      if (state === 'completed') await go(createAccountInput(freshUsername()));
    }
  }
  expect(flow.state).toBe(state);
  return { enrolled, flow };
}

/** A second enrollment of a record whose first one made an account (no email: the link comes from the answer). */
async function reenrolled(): Promise<Enrolled> {
  const p = patient({ email: undefined });
  const first = await enroll(h, p);
  let flow = await startApiFlow(h, first);
  flow = await step(h, flow.id, { action: 'choose_method', method: 'pin' });
  flow = await step(h, flow.id, { action: 'verify_pin', dateOfBirth: first.dob, pin: first.pin });
  flow = await step(h, flow.id, { action: 'choose_account', choice: 'create' });
  flow = await step(h, flow.id, createAccountInput(freshUsername()));
  expect(flow.state).toBe('completed');
  return enroll(h, p);
}

interface Row {
  name: string;
  from: RegistrationState;
  action: RegistrationActionName;
  /** The flow in `from` (default: reach(from)). */
  setup?: () => Promise<Reached>;
  /** Runs after setup, before the action (e.g. earlier failures, time passing). */
  before?: (reached: Reached) => Promise<void>;
  input: (reached: Reached) => Record<string, unknown>;
  to: RegistrationState;
  status: number;
  error?: string;
}

/** The transition table: each allowed pair with each of its documented outcomes. */
const TABLE: Row[] = [
  {
    name: 'pin',
    from: 'awaiting_verification_method',
    action: 'choose_method',
    input: () => ({ method: 'pin' }),
    to: 'awaiting_pin',
    status: 200,
  },
  {
    name: 'sms',
    from: 'awaiting_verification_method',
    action: 'choose_method',
    input: () => ({ method: 'sms' }),
    to: 'awaiting_phone',
    status: 200,
  },
  {
    name: 'sms without a phone on file',
    from: 'awaiting_verification_method',
    action: 'choose_method',
    setup: () => reach('awaiting_verification_method', { phone: false }),
    input: () => ({ method: 'sms' }),
    to: 'awaiting_verification_method',
    status: 400,
    error: 'verification.method_unavailable',
  },

  {
    name: 'right DOB and PIN',
    from: 'awaiting_pin',
    action: 'verify_pin',
    input: ({ enrolled }) => ({ dateOfBirth: enrolled.dob, pin: enrolled.pin }),
    to: 'awaiting_account_choice',
    status: 200,
  },
  {
    name: 'wrong PIN',
    from: 'awaiting_pin',
    action: 'verify_pin',
    input: ({ enrolled }) => ({ dateOfBirth: enrolled.dob, pin: wrongPin(enrolled.pin) }),
    to: 'awaiting_pin',
    status: 400,
    error: 'verification.failed',
  },
  {
    name: 'fifth failure locks',
    from: 'awaiting_pin',
    action: 'verify_pin',
    before: async ({ enrolled, flow }) => {
      for (let i = 0; i < 4; i++)
        await flowApi(h).submit(flow.id, { action: 'verify_pin', dateOfBirth: '01/01/1901', pin: enrolled.pin });
    },
    input: ({ enrolled }) => ({ dateOfBirth: enrolled.dob, pin: wrongPin(enrolled.pin) }),
    to: 'locked',
    status: 423,
    error: 'enrollment.locked',
  },
  {
    name: 'switch to sms',
    from: 'awaiting_pin',
    action: 'choose_method',
    input: () => ({ method: 'sms' }),
    to: 'awaiting_phone',
    status: 200,
  },
  {
    name: 'pin again',
    from: 'awaiting_pin',
    action: 'choose_method',
    input: () => ({ method: 'pin' }),
    to: 'awaiting_pin',
    status: 200,
  },

  {
    name: 'details on file',
    from: 'awaiting_phone',
    action: 'send_code',
    input: ({ enrolled }) => ({ phone: enrolled.patient.phone, dateOfBirth: enrolled.dob }),
    to: 'awaiting_sms_code',
    status: 200,
  },
  {
    name: 'details not on file (pretend)',
    from: 'awaiting_phone',
    action: 'send_code',
    input: ({ enrolled }) => ({ phone: '+12125550199', dateOfBirth: enrolled.dob }),
    to: 'awaiting_sms_code',
    status: 200,
  },
  {
    name: 'Twilio down',
    from: 'awaiting_phone',
    action: 'send_code',
    before: async () => {
      h.twilio.behaviour = { kind: 'error', status: 500, code: 20500, message: 'Internal Server Error' };
    },
    // The text goes after the answer: the answer is a sent code's, whatever the provider does.
    input: ({ enrolled }) => ({ phone: enrolled.patient.phone, dateOfBirth: enrolled.dob }),
    to: 'awaiting_sms_code',
    status: 200,
  },
  {
    // Not counted at send_code (that would reveal a match); every pretend code then fails at verify_code.
    name: 'details not on file after four failures: still a pretend send, no lock',
    from: 'awaiting_phone',
    action: 'send_code',
    setup: async () => {
      const reached = await reach('awaiting_pin');
      for (let i = 0; i < 4; i++)
        await flowApi(h).submit(reached.flow.id, {
          action: 'verify_pin',
          dateOfBirth: reached.enrolled.dob,
          pin: wrongPin(reached.enrolled.pin),
        });
      await step(h, reached.flow.id, { action: 'choose_method', method: 'sms' });
      return reached;
    },
    input: ({ enrolled }) => ({ phone: '+12125550199', dateOfBirth: enrolled.dob }),
    to: 'awaiting_sms_code',
    status: 200,
  },
  {
    name: 'switch to pin',
    from: 'awaiting_phone',
    action: 'choose_method',
    input: () => ({ method: 'pin' }),
    to: 'awaiting_pin',
    status: 200,
  },
  {
    name: 'sms again',
    from: 'awaiting_phone',
    action: 'choose_method',
    input: () => ({ method: 'sms' }),
    to: 'awaiting_phone',
    status: 200,
  },

  {
    name: 'right code',
    from: 'awaiting_sms_code',
    action: 'verify_code',
    input: ({ enrolled }) => ({ code: h.twilio.lastCodeFor(enrolled.patient.phone!) }),
    to: 'awaiting_account_choice',
    status: 200,
  },
  {
    name: 'wrong code',
    from: 'awaiting_sms_code',
    action: 'verify_code',
    input: ({ enrolled }) => ({ code: otherCode(h.twilio.lastCodeFor(enrolled.patient.phone!)) }),
    to: 'awaiting_sms_code',
    status: 400,
    error: 'verification.failed',
  },
  {
    name: 'fifth wrong code locks',
    from: 'awaiting_sms_code',
    action: 'verify_code',
    before: async ({ enrolled, flow }) => {
      const wrong = otherCode(h.twilio.lastCodeFor(enrolled.patient.phone!));
      for (let i = 0; i < 4; i++) await flowApi(h).submit(flow.id, { action: 'verify_code', code: wrong });
    },
    input: ({ enrolled }) => ({ code: otherCode(h.twilio.lastCodeFor(enrolled.patient.phone!)) }),
    to: 'locked',
    status: 423,
    error: 'enrollment.locked',
  },
  {
    name: 'after the cooldown',
    from: 'awaiting_sms_code',
    action: 'resend_code',
    before: async () => h.clock.advance(31 * SECOND),
    input: () => ({}),
    to: 'awaiting_sms_code',
    status: 200,
  },
  {
    name: 'within the cooldown',
    from: 'awaiting_sms_code',
    action: 'resend_code',
    input: () => ({}),
    to: 'awaiting_sms_code',
    status: 429,
    error: 'sms.too_soon',
  },
  {
    name: 'use the PIN instead',
    from: 'awaiting_sms_code',
    action: 'choose_method',
    input: () => ({ method: 'pin' }),
    to: 'awaiting_pin',
    status: 200,
  },
  {
    name: 'use a different number',
    from: 'awaiting_sms_code',
    action: 'choose_method',
    input: () => ({ method: 'sms' }),
    to: 'awaiting_phone',
    status: 200,
  },

  {
    name: 'link',
    from: 'awaiting_account_choice',
    action: 'choose_account',
    input: () => ({ choice: 'link' }),
    to: 'awaiting_link_login',
    status: 200,
  },
  {
    name: 'create',
    from: 'awaiting_account_choice',
    action: 'choose_account',
    input: () => ({ choice: 'create' }),
    to: 'awaiting_new_account',
    status: 200,
  },

  {
    name: 'right credentials',
    from: 'awaiting_link_login',
    action: 'link_account',
    input: () => ({ login: EXISTING.username.toUpperCase(), password: EXISTING.password }),
    to: 'completed',
    status: 200,
  },
  {
    name: 'reset, on a re-enrollment',
    from: 'awaiting_account_choice',
    action: 'choose_account',
    setup: () => reach('awaiting_account_choice', { held: true }),
    input: () => ({ choice: 'reset' }),
    to: 'awaiting_reset_password',
    status: 200,
  },
  {
    name: 'reset, with no account holding the record',
    from: 'awaiting_account_choice',
    action: 'choose_account',
    input: () => ({ choice: 'reset' }),
    to: 'awaiting_account_choice',
    status: 400,
    error: 'registration.nothing_to_recover',
  },
  {
    name: 'new password',
    from: 'awaiting_reset_password',
    action: 'reset_password',
    input: () => ({ password: 'Brand-New-Pass-42' }),
    to: 'completed',
    status: 200,
  },
  {
    name: 'weak password',
    from: 'awaiting_reset_password',
    action: 'reset_password',
    input: () => ({ password: 'password' }),
    to: 'awaiting_reset_password',
    status: 400,
    error: 'password.policy_violation',
  },
  {
    name: 'create instead',
    from: 'awaiting_reset_password',
    action: 'choose_account',
    input: () => ({ choice: 'create' }),
    to: 'awaiting_new_account',
    status: 200,
  },
  {
    name: 'wrong credentials',
    from: 'awaiting_link_login',
    action: 'link_account',
    input: () => ({ login: EXISTING.username, password: 'Not-The-Password-1' }),
    to: 'awaiting_link_login',
    status: 401,
    error: 'login.invalid_credentials',
  },
  {
    name: 'create instead',
    from: 'awaiting_link_login',
    action: 'choose_account',
    input: () => ({ choice: 'create' }),
    to: 'awaiting_new_account',
    status: 200,
  },
  {
    name: 'link again',
    from: 'awaiting_link_login',
    action: 'choose_account',
    input: () => ({ choice: 'link' }),
    to: 'awaiting_link_login',
    status: 200,
  },

  {
    name: 'valid account',
    from: 'awaiting_new_account',
    action: 'create_account',
    input: () => createAccountInput(freshUsername()),
    to: 'completed',
    status: 200,
  },
  {
    name: 'username taken',
    from: 'awaiting_new_account',
    action: 'create_account',
    input: () => createAccountInput('existing.patient'),
    to: 'awaiting_new_account',
    status: 409,
    error: 'account.username_taken',
  },
  {
    name: 'weak password',
    from: 'awaiting_new_account',
    action: 'create_account',
    input: () => createAccountInput(freshUsername(), 'password'),
    to: 'awaiting_new_account',
    status: 400,
    error: 'password.policy_violation',
  },
  {
    name: 'link instead',
    from: 'awaiting_new_account',
    action: 'choose_account',
    input: () => ({ choice: 'link' }),
    to: 'awaiting_link_login',
    status: 200,
  },
  {
    name: 'create again',
    from: 'awaiting_new_account',
    action: 'choose_account',
    input: () => ({ choice: 'create' }),
    to: 'awaiting_new_account',
    status: 200,
  },
];

/** A valid input for every action, so only the state can refuse it. */
const SAMPLE_INPUT: Record<RegistrationActionName, Record<string, unknown>> = {
  choose_method: { method: 'pin' },
  verify_pin: { dateOfBirth: '04/12/1990', pin: '123456' },
  send_code: { phone: '+14155550123', dateOfBirth: '04/12/1990' },
  resend_code: {},
  verify_code: { code: '123456' },
  choose_account: { choice: 'create' },
  reset_password: { password: PASSWORD },
  link_account: { login: EXISTING.username, password: EXISTING.password },
  create_account: createAccountInput('never.created', PASSWORD),
};
const ACTIONS = Object.keys(SAMPLE_INPUT) as RegistrationActionName[];

afterEach(() => {
  h.twilio.behaviour = { kind: 'ok' };
});

test('the table covers every allowed (state, action) pair and only those', () => {
  const allowed = REGISTRATION_STATES.flatMap((state) => ALLOWED_ACTIONS[state].map((action) => `${state} ${action}`)).sort();
  const covered = [...new Set(TABLE.map((row) => `${row.from} ${row.action}`))].sort();
  expect(covered).toEqual(allowed);
  expect(ALLOWED_ACTIONS.completed).toEqual([]);
  expect(ALLOWED_ACTIONS.locked).toEqual([]);
  // Every action is known, and the sample inputs cover them all.
  expect(new Set(ACTIONS)).toEqual(new Set(REGISTRATION_STATES.flatMap((state) => ALLOWED_ACTIONS[state])));
});

describe.each(TABLE.map((row) => [`${row.from} --${row.action}(${row.name})--> ${row.to}`, row] as const))(
  '%s',
  (_title, row) => {
    test('reaches the documented state', async () => {
      const reached = await (row.setup ?? (() => reach(row.from)))();
      await row.before?.(reached);
      expect(((await flowApi(h).read(reached.flow.id)).body as FlowJson).state).toBe(row.from);

      const res = await flowApi(h).submit(reached.flow.id, { action: row.action, ...row.input(reached) });
      expect(res.status).toBe(row.status);
      const flow = (res.status === 200 ? res.body : res.body.flow) as FlowJson;
      expect(flow.state).toBe(row.to);
      if (row.error) {
        expect(res.body.error.code).toBe(row.error);
        expect(flow.messages.map((message) => message.code)).toEqual([row.error]);
      } else {
        expect(flow.messages).toEqual([]);
      }
      // The answer is what is stored, and the actions offered are the new state's.
      const read = (await flowApi(h).read(reached.flow.id)).body as FlowJson;
      expect(read.state).toBe(row.to);
      const offered = read.actions.map((entry) => entry.action);
      expect(ALLOWED_ACTIONS[row.to]).toEqual(expect.arrayContaining(offered));
      if (row.to === 'completed' || row.to === 'locked') expect(offered).toEqual([]);
      if (row.to === 'locked') expect((await practiceView(h, reached.enrolled.id)).status).toBe('locked');
      if (row.to === 'completed') expect((await practiceView(h, reached.enrolled.id)).status).toBe('claimed');
    });
  },
);

test('every pair not in the table fails with flow.invalid_transition and changes nothing', async () => {
  const refused: string[] = [];
  for (const state of REGISTRATION_STATES) {
    const { flow } = await reach(state);
    const before = await h.server.services.stores.models.Flow.findById(flow.id).lean();
    const disallowed = ACTIONS.filter((action) => !ALLOWED_ACTIONS[state].includes(action));
    if (state === 'completed' || state === 'locked') expect(disallowed).toEqual(ACTIONS);
    for (const action of disallowed) {
      const res = await flowApi(h).submit(flow.id, { action, ...SAMPLE_INPUT[action] });
      expect({ state, action, status: res.status, code: res.body.error?.code }).toEqual({
        state,
        action,
        status: 400,
        code: 'flow.invalid_transition',
      });
      expect(res.body.error.data).toEqual({ state, action });
      refused.push(`${state} ${action}`);
    }
    const after = await h.server.services.stores.models.Flow.findById(flow.id).lean();
    expect(after?.state).toBe(state);
    expect(after?.version).toBe(before?.version);
  }
  // Every state × every action, less the allowed pairs.
  const allowedCount = REGISTRATION_STATES.reduce((sum, state) => sum + ALLOWED_ACTIONS[state].length, 0);
  expect(refused).toHaveLength(REGISTRATION_STATES.length * ACTIONS.length - allowedCount);
  // No account was created and no code was sent by a refused action.
  expect(await h.server.services.stores.models.Account.countDocuments({ usernameKey: 'never.created' })).toBe(0);
});

test('a flow offers only the actions of its state (and no method switch when only the PIN is possible)', async () => {
  const withPhone = await reach('awaiting_pin');
  expect(withPhone.flow.actions.map((entry) => entry.action)).toEqual(['verify_pin', 'choose_method']);
  const withoutPhone = await reach('awaiting_verification_method', { phone: false });
  expect(withoutPhone.flow.verificationMethods).toEqual(['pin']);
  const pin = await step(h, withoutPhone.flow.id, { action: 'choose_method', method: 'pin' });
  expect(pin.actions.map((entry) => entry.action)).toEqual(['verify_pin']);
  const code = await apiFlowAwaitingCode(h, await enroll(h));
  expect(code.actions.map((entry) => entry.action)).toEqual(['verify_code', 'resend_code', 'choose_method']);
});
