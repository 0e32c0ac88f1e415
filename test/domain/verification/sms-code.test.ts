// Phone numbers as typed, their masked form, and SMS codes stored only as an HMAC bound to the
// flow and the number.
import {
  createSmsCodes,
  maskPhone,
  normalisePhone,
  SMS_CODE_TTL_MS,
  SMS_RESEND_COOLDOWN_MS,
  SMS_SENDS_PER_FLOW,
  SMS_SENDS_PER_PHONE,
} from '../../../src/domain/verification/sms-code.ts';

describe('normalisePhone', () => {
  test.each([
    ['+14155550123', '+14155550123'],
    ['(415) 555-0123', '+14155550123'],
    ['415-555-0123', '+14155550123'],
    ['415.555.0123', '+14155550123'],
    ['4155550123', '+14155550123'],
    ['1 415 555 0123', '+14155550123'],
    ['+1 (415) 555-0123', '+14155550123'],
    ['  (415) 555-0123\t', '+14155550123'],
    ['+44 20 7183 8750', '+442071838750'],
  ])('%j is %s', (input, expected) => {
    expect(normalisePhone(input)).toBe(expected);
  });

  test.each([
    '',
    '   ',
    'not a phone',
    '555-0123',
    '415555012',
    '41555501234567',
    '+1 123 456 7890',
    '(000) 555-0123',
    '+999 1234 5678',
  ])('%j is not a phone number', (input) => {
    expect(normalisePhone(input)).toBeUndefined();
  });
});

describe('maskPhone', () => {
  test('shows the last four digits only', () => {
    expect(maskPhone('+14155550123')).toBe('•••• 0123');
    expect(maskPhone('+442071838750')).toBe('•••• 8750');
    // No other digit of the number survives.
    expect(maskPhone('+14155550123').replace('0123', '')).not.toMatch(/\d/);
  });
});

describe('SMS codes', () => {
  const codes = createSmsCodes('test-secret-0123456789abcdef0123456789');
  const flowA = 'A'.repeat(43);
  const flowB = 'B'.repeat(43);
  const phone = '+14155550123';

  test('six digits from a CSPRNG, different each time', () => {
    const issued = Array.from({ length: 300 }, () => codes.issue(flowA, phone).code);
    for (const code of issued) expect(code).toMatch(/^\d{6}$/);
    expect(new Set(issued).size).toBeGreaterThan(290);
    // Zero-padded: codes below 100000 keep six digits (about 10% of them start with 0).
    expect(issued.some((code) => code.startsWith('0'))).toBe(true);
  });

  test('the stored hash verifies the code, for this flow and this number only', () => {
    const { code, hash } = codes.issue(flowA, phone);
    expect(hash).not.toContain(code);
    expect(codes.matches(flowA, phone, code, hash)).toBe(true);
    // Typed with spaces.
    expect(codes.matches(flowA, phone, ` ${code.slice(0, 3)} ${code.slice(3)} `, hash)).toBe(true);
    // Another flow, another number, another code.
    expect(codes.matches(flowB, phone, code, hash)).toBe(false);
    expect(codes.matches(flowA, '+14155550124', code, hash)).toBe(false);
    const other = code === '999999' ? '000000' : String(Number(code) + 1).padStart(6, '0');
    expect(codes.matches(flowA, phone, other, hash)).toBe(false);
    expect(codes.matches(flowA, phone, '', hash)).toBe(false);
  });

  test('a code issued for another flow or number does not verify here', () => {
    const mine = codes.issue(flowA, phone);
    const theirs = codes.issue(flowB, '+14155550199');
    expect(codes.matches(flowA, phone, theirs.code, mine.hash)).toBe(mine.code === theirs.code);
    // Even the same digits give different hashes in different flows or for different numbers.
    expect(codes.matches(flowB, '+14155550199', mine.code, theirs.hash)).toBe(mine.code === theirs.code);
    expect(codes.matches(flowB, phone, mine.code, mine.hash)).toBe(false);
  });

  test('the hash depends on the server secret', () => {
    const { code, hash } = codes.issue(flowA, phone);
    expect(createSmsCodes('another-secret-0123456789abcdef012345').matches(flowA, phone, code, hash)).toBe(false);
  });

  test('a malformed stored hash is a mismatch, not an error', () => {
    expect(codes.matches(flowA, phone, '123456', '')).toBe(false);
    expect(codes.matches(flowA, phone, '123456', 'short')).toBe(false);
  });

  test('the limits of the requirement', () => {
    expect(SMS_CODE_TTL_MS).toBe(10 * 60 * 1000);
    expect(SMS_RESEND_COOLDOWN_MS).toBe(30 * 1000);
    expect(SMS_SENDS_PER_FLOW).toEqual({ limit: 5, windowMs: 10 * 60 * 1000 });
    expect(SMS_SENDS_PER_PHONE).toEqual({ limit: 10, windowMs: 24 * 60 * 60 * 1000 });
  });
});
