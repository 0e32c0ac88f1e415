/** The form a username is unique in: Unicode-compatibility folded, trimmed, case-folded. */
export function usernameKey(username: string): string {
  return username.normalize('NFKC').trim().toLowerCase();
}
