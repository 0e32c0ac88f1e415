/**
 * The help article's rule: "minimum 8 characters. It should contain one UPPERCASE letter and a
 * number or symbol." Plus an upper bound so hashing cost stays bounded. Each unmet rule is
 * reported by name so a page can list them.
 */
export const PASSWORD_RULES = ['min_length', 'max_length', 'uppercase', 'number_or_symbol', 'not_username'] as const;
export type PasswordRule = (typeof PASSWORD_RULES)[number];

export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 128;

export function checkPassword(password: string, context: { username?: string | undefined; email?: string | undefined } = {}): PasswordRule[] {
  const violations: PasswordRule[] = [];
  const length = [...password].length; // code points, so an emoji counts once
  if (length < PASSWORD_MIN_LENGTH) violations.push('min_length');
  if (length > PASSWORD_MAX_LENGTH) violations.push('max_length');
  if (!/\p{Lu}/u.test(password)) violations.push('uppercase');
  if (!/[\p{N}\p{P}\p{S}]/u.test(password)) violations.push('number_or_symbol');
  const lowered = password.toLowerCase();
  if ([context.username, context.email].some((value) => value && lowered === value.toLowerCase())) violations.push('not_username');
  return violations;
}
