import { dictionary } from '@zxcvbn-ts/language-common';
import type { Translate } from '../../text/index.ts';
import { usernameKey } from './usernames.ts';

/**
 * The help article's rule: "minimum 8 characters. It should contain one UPPERCASE letter and a
 * number or symbol." Plus an upper bound so hashing cost stays bounded. Each unmet rule is
 * reported by name so a page can list them.
 */
export const PASSWORD_RULES = [
  'min_length',
  'max_length',
  'uppercase',
  'number_or_symbol',
  'not_username',
  'not_common',
] as const;
export type PasswordRule = (typeof PASSWORD_RULES)[number];

export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 128;

/** How a rule reads to a person (pages list unmet rules by these words): `password_rule.<rule>` in src/text. */
export function passwordRuleText(rule: PasswordRule, t: Translate): string {
  return t(`password_rule.${rule}`, { min: PASSWORD_MIN_LENGTH, max: PASSWORD_MAX_LENGTH });
}

/** zxcvbn-ts's list of ~49,000 commonly used passwords, compared case-insensitively. */
const COMMON_PASSWORDS = new Set((dictionary['passwords-common'] as string[]).map((password) => password.toLowerCase()));

export function checkPassword(
  password: string,
  context: { username?: string | undefined; email?: string | undefined } = {},
): PasswordRule[] {
  const violations: PasswordRule[] = [];
  const length = [...password].length; // code points, so an emoji counts once
  if (length < PASSWORD_MIN_LENGTH) violations.push('min_length');
  if (length > PASSWORD_MAX_LENGTH) violations.push('max_length');
  if (!/\p{Lu}/u.test(password)) violations.push('uppercase');
  if (!/[\p{N}\p{P}\p{S}]/u.test(password)) violations.push('number_or_symbol');
  // Compared in the folded form usernames are unique in, so 'Ａｌｉｃｅ-1' or ' alice-1 ' is still the username.
  const folded = usernameKey(password);
  if ([context.username, context.email].some((value) => value && folded === usernameKey(value))) violations.push('not_username');
  if (COMMON_PASSWORDS.has(folded)) violations.push('not_common');
  return violations;
}
