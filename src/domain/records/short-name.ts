/**
 * A person as a registration email and its pages name them: the first name and the family name's
 * initial ("María G."). Enough for a family to tell its members' invitations apart, and no more
 * of the record than that.
 */
export function shortName(record: { givenName: string; familyName: string }): string {
  const initial = [...record.familyName.trim()][0];
  return initial ? `${record.givenName.trim()} ${initial.toLocaleUpperCase()}.` : record.givenName.trim();
}

/** `self` when the records are the reader's own, `other` for a child's, a dependent's…: the catalogue's select. */
export function whoseRecords(relationship: string | undefined): 'self' | 'other' {
  return !relationship || relationship === 'self' ? 'self' : 'other';
}
