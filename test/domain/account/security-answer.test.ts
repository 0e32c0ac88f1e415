// normaliseAnswer: security answers are compared in a form that ignores what people vary
// without meaning to (case, Unicode form, spaces, punctuation).
import { normaliseAnswer, securityQuestions } from '../../../src/domain/account/security-questions.ts';
import { english } from '../../../src/text/index.ts';

const SECURITY_QUESTIONS = securityQuestions(english);

test.each([
  ['  Mr. Whiskers ', 'mr whiskers'],
  ['MR WHISKERS', 'mr whiskers'],
  ['mr.whiskers', 'mr whiskers'],
  ['Mr\tWhiskers\n', 'mr whiskers'],
  ['Mr.   Whiskers!!!', 'mr whiskers'],
  ["O'Hara", 'o hara'],
  ['O’Hara', 'o hara'],
  ['São Paulo', 'são paulo'],
  ['Sa\u0303o Paulo', 'são paulo'], // decomposed ã composes (NFKC)
  ['ＲＥＸ', 'rex'], // fullwidth letters
  ['\uFB01do', 'fido'], // the "fi" ligature
  ['Main St. #4', 'main st 4'],
  ['$pot', 'pot'],
])('%j becomes %j', (input, expected) => {
  expect(normaliseAnswer(input)).toBe(expected);
});

test('answers that differ in meaning stay different', () => {
  expect(normaliseAnswer('Rex')).not.toBe(normaliseAnswer('Rexy'));
  expect(normaliseAnswer('Sao Paulo')).not.toBe(normaliseAnswer('São Paulo'));
  expect(normaliseAnswer('1st Street')).not.toBe(normaliseAnswer('First Street'));
});

test('only punctuation or spaces normalise to nothing (refused as an answer)', () => {
  for (const input of ['', '   ', '?!', '...', '— –']) expect(normaliseAnswer(input)).toBe('');
});

test('normalising is idempotent', () => {
  for (const input of ['  Mr. Whiskers ', 'São Paulo', 'ＲＥＸ', "O'Hara"])
    expect(normaliseAnswer(normaliseAnswer(input))).toBe(normaliseAnswer(input));
});

test('the security questions have unique ids and texts', () => {
  expect(new Set(SECURITY_QUESTIONS.map((question) => question.id)).size).toBe(SECURITY_QUESTIONS.length);
  expect(new Set(SECURITY_QUESTIONS.map((question) => question.text)).size).toBe(SECURITY_QUESTIONS.length);
});
