/** The form a username is unique in: Unicode-compatibility folded, trimmed, case-folded. */
export function usernameKey(username: string): string {
  return username.normalize('NFKC').trim().toLowerCase();
}

/** 3 to 64 letters, digits and . _ @ + - (so an email address is a valid username). */
const USERNAME_PATTERN = /^[\p{L}\p{N}._@+-]{3,64}$/u;

export function isValidUsername(username: string): boolean {
  return USERNAME_PATTERN.test(username.normalize('NFKC').trim());
}
