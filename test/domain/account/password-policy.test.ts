// The password policy (src/libraries/password-policy.ts): each rule by name, lengths in code
// points, Unicode letters, digits and symbols.
import {
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_LENGTH,
  PASSWORD_RULES,
  checkPassword,
  type PasswordRule,
} from '../../../src/domain/account/password-policy.ts';

/** The rules this file is about; others (e.g. a common-password list) are left to their own tests. */
const TESTED: readonly PasswordRule[] = ['min_length', 'max_length', 'uppercase', 'number_or_symbol', 'not_username'];

/** checkPassword's answer restricted to TESTED, order kept. */
function violations(password: string, context?: Parameters<typeof checkPassword>[1]): PasswordRule[] {
  return checkPassword(password, context).filter((rule) => TESTED.includes(rule));
}

test('the rules and bounds', () => {
  expect(PASSWORD_RULES.slice(0, TESTED.length)).toEqual(TESTED);
  expect(PASSWORD_MIN_LENGTH).toBe(8);
  expect(PASSWORD_MAX_LENGTH).toBe(128);
});

test('a password meeting every rule has no violations', () => {
  expect(checkPassword('Tq7!mZ-ward-Lumen')).toEqual([]);
  expect(checkPassword('Tq7!mZ-ward-Lumen', { username: 'patient.one', email: 'one@example.org' })).toEqual([]);
  expect(violations('Abcdefg1', { username: 'patient.one', email: 'one@example.org' })).toEqual([]);
});

describe('min_length', () => {
  test.each([
    ['7 ASCII characters', 'Abcdef1', ['min_length']],
    ['8 ASCII characters', 'Abcdefg1', []],
    ['empty', '', ['min_length', 'uppercase', 'number_or_symbol']],
    // 😀 is one code point (two UTF-16 units): 7 code points are too short even though .length is 8.
    ['7 code points incl. an emoji', 'Abcdef😀', ['min_length']],
    ['8 code points incl. an emoji', 'Abcdefg😀', []],
    ['CJK characters with an uppercase Latin letter and a digit', 'A患者のパスワー1', []],
  ])('%s', (_name, password, expected) => {
    expect(violations(password)).toEqual(expected);
  });

  test('the emoji case really is 8 UTF-16 units long', () => {
    expect('Abcdef😀'.length).toBe(8);
    expect([...'Abcdef😀']).toHaveLength(7);
  });
});

describe('max_length', () => {
  test('128 code points are allowed, 129 are not', () => {
    expect(violations(`A1${'a'.repeat(126)}`)).toEqual([]);
    expect(violations(`A1${'a'.repeat(127)}`)).toEqual(['max_length']);
  });

  test('counts code points, not UTF-16 units', () => {
    const emoji128 = `A${'😀'.repeat(127)}`; // 128 code points, 255 UTF-16 units
    expect(emoji128.length).toBe(255);
    expect(violations(emoji128)).toEqual([]);
    expect(violations(`${emoji128}😀`)).toEqual(['max_length']);
  });
});

describe('uppercase', () => {
  test.each([
    ['ASCII lowercase only', 'abcdefg1', ['uppercase']],
    ['ASCII uppercase', 'abcdefG1', []],
    ['Spanish Ñ', 'ñandú-Ñandú', []],
    ['lowercase accented only', 'ñandú-ñandú', ['uppercase']],
    ['Greek capital', 'Ωμέγα-2024', []],
    ['Cyrillic capital', 'Пароль-2024', []],
    ['Cyrillic lowercase only', 'пароль-2024', ['uppercase']],
    ['a script without case', 'パスワード-2024', ['uppercase']],
    ['uppercase digits are not letters', '12345678!', ['uppercase']],
  ])('%s', (_name, password, expected) => {
    expect(violations(password)).toEqual(expected);
  });
});

describe('number_or_symbol', () => {
  test.each([
    ['letters only', 'Abcdefgh', ['number_or_symbol']],
    ['an ASCII digit', 'Abcdefg1', []],
    ['ASCII punctuation', 'Abcdefg!', []],
    ['an ASCII symbol', 'Abcdefg+', []],
    ['an Arabic-Indic digit', 'Abcdefg٣', []],
    ['a fullwidth digit', 'Abcdefg１', []],
    ['inverted question mark', '¿Abcdefg', []],
    ['currency symbol', 'Abcdefg€', []],
    ['an emoji', 'Abcdefg😀', []],
    ['a space is neither', 'Abc defgh', ['number_or_symbol']],
    ['accented letters are letters', 'Ábcdéfgh', ['number_or_symbol']],
  ])('%s', (_name, password, expected) => {
    expect(violations(password)).toEqual(expected);
  });
});

describe('not_username', () => {
  test('the username itself, in any case, is refused', () => {
    expect(violations('Patient.One1', { username: 'Patient.One1' })).toEqual(['not_username']);
    expect(violations('PATIENT.ONE1', { username: 'patient.one1' })).toEqual(['not_username']);
  });

  test('the email address is refused too', () => {
    expect(violations('Pat.One1@Example.org', { email: 'pat.one1@example.org' })).toEqual(['not_username']);
  });

  test('unicode case folding applies', () => {
    expect(violations('ÉLODIE-2024', { username: 'élodie-2024' })).toEqual(['not_username']);
    expect(violations('Σοφία-2024', { username: 'σοφία-2024' })).toEqual(['not_username']);
  });

  test('compared in the folded form usernames are unique in (width, surrounding spaces)', () => {
    expect(violations('Alice-2024', { username: 'Ａｌｉｃｅ-２０２４' })).toEqual(['not_username']);
    expect(violations('Ａｌｉｃｅ-2024', { username: 'alice-2024' })).toEqual(['not_username']);
    expect(violations('Alice-2024', { username: '  alice-2024 ' })).toEqual(['not_username']);
  });

  test('merely containing the username is allowed; missing context never matches', () => {
    expect(violations('Patient.One1-extra', { username: 'Patient.One1' })).toEqual([]);
    expect(violations('Patient.One1', {})).toEqual([]);
    expect(violations('Patient.One1', { username: '', email: undefined })).toEqual([]);
  });

  test('reported once even when username and email both match', () => {
    expect(violations('Same-Value1', { username: 'same-value1', email: 'SAME-VALUE1' })).toEqual(['not_username']);
  });
});

test('several violations are all reported, in rule order', () => {
  expect(violations('abc')).toEqual(['min_length', 'uppercase', 'number_or_symbol']);
  expect(violations('alice', { username: 'Alice' })).toEqual(['min_length', 'uppercase', 'number_or_symbol', 'not_username']);
  expect(violations('a'.repeat(200))).toEqual(['max_length', 'uppercase', 'number_or_symbol']);
});
