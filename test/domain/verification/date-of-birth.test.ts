// parseDateOfBirth: the date of birth a patient types (MM/DD/YYYY and the obvious variants), as the
// YYYY-MM-DD on file, or undefined.
import { parseDateOfBirth } from '../../../src/domain/verification/date-of-birth.ts';

test.each([
  ['04/12/1990', '1990-04-12'],
  ['4/2/1990', '1990-04-02'],
  ['12/31/1999', '1999-12-31'],
  ['01/01/2000', '2000-01-01'],
  // A keypad without "/": dashes, dots, or the eight digits alone; and ISO.
  ['04-12-1990', '1990-04-12'],
  ['4-2-1990', '1990-04-02'],
  ['04.12.1990', '1990-04-12'],
  ['04121990', '1990-04-12'],
  ['1990-04-12', '1990-04-12'],
  ['1990-4-2', '1990-04-02'],
])('%s is %s', (input, expected) => {
  expect(parseDateOfBirth(input)).toBe(expected);
});

describe('leap years', () => {
  test.each([
    ['02/29/2000', '2000-02-29'], // divisible by 400
    ['02/29/2024', '2024-02-29'], // divisible by 4
    ['02/29/1996', '1996-02-29'],
  ])('%s exists', (input, expected) => {
    expect(parseDateOfBirth(input)).toBe(expected);
  });

  test.each(['02/29/1900', '02/29/2100', '02/29/2023', '02/29/2001'])('%s does not (not a leap year)', (input) => {
    expect(parseDateOfBirth(input)).toBeUndefined();
  });
});

test.each([
  '02/30/2000',
  '02/31/2024',
  '04/31/1990',
  '06/31/1990',
  '09/31/1990',
  '11/31/1990',
  '01/32/1990',
  '13/01/1990',
  '00/10/1990',
  '01/00/1990',
])('an impossible date %s is refused (not rolled over into the next month)', (input) => {
  expect(parseDateOfBirth(input)).toBeUndefined();
});

describe('whitespace', () => {
  test.each([' 04/12/1990 ', '\t04/12/1990\n', '04 / 12 / 1990', '  4 /2/ 1990'])(
    'around the date and its parts is forgiven: %j',
    (input) => {
      expect(parseDateOfBirth(input)).toMatch(/^1990-04-(12|02)$/);
    },
  );

  test.each(['04 12 1990', '0 4/12/1990', '04/1 2/1990', '04/12/19 90'])(
    'inside a number or instead of a slash is not: %j',
    (input) => {
      expect(parseDateOfBirth(input)).toBeUndefined();
    },
  );
});

test.each([
  '',
  '   ',
  '04/12-1990', // two different separators
  '4121990', // seven digits: which is the month?
  '1990/04/12', // year first is ISO's, with dashes
  '04/12/90', // two-digit year
  '04/12/19900',
  '004/12/1990',
  '04/012/1990',
  '0099/12/1990',
  '04/12/0099', // years below 100 would be read as 19xx by Date.UTC
  '04/12/0000',
  'April 12, 1990',
  '04/12/1990x',
  'x04/12/1990',
  '٠٤/١٢/١٩٩٠', // other scripts' digits
  '０４/１２/１９９０', // fullwidth digits
])('a malformed date %j is refused', (input) => {
  expect(parseDateOfBirth(input)).toBeUndefined();
});
