/**
 * A date of birth as typed, as the YYYY-MM-DD we store, or undefined. The page asks for
 * MM/DD/YYYY (the help article's format), and a phone keypad may lack "/": dashes or dots, one-digit
 * months and days, eight digits with no separator (04121990) and ISO (1990-04-12) are the same
 * date. Anything else is malformed, which the flows refuse without counting it as an attempt.
 */
export function parseDateOfBirth(input: string): string | undefined {
  const typed = input.trim();
  const iso = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(typed);
  const us = /^(\d{1,2})\s*([/.-])\s*(\d{1,2})\s*\2\s*(\d{4})$/.exec(typed);
  const digits = /^(\d{2})(\d{2})(\d{4})$/.exec(typed);
  const [year, month, day] = iso
    ? [iso[1], iso[2], iso[3]]
    : us
      ? [us[4], us[1], us[3]]
      : digits
        ? [digits[3], digits[1], digits[2]]
        : [];
  if (!year || !month || !day) return undefined;
  return calendarDate(Number(year), Number(month), Number(day));
}

/** The YYYY-MM-DD of a real calendar day (not rolled over into the next month), from year 1800 on. */
function calendarDate(year: number, month: number, day: number): string | undefined {
  if (year < 1800) return undefined;
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return undefined;
  return date.toISOString().slice(0, 10);
}
