// verifyDobAndPin: both must match; the answer never says which one did not.
import { createPasswordHasher } from '../../../src/platform/password-hasher.ts';
import { verifyDobAndPin } from '../../../src/domain/verification/dob-and-pin.ts';

const hasher = createPasswordHasher({ concurrency: 2 });
let onFile: { dateOfBirth: string; pinHash: string };

beforeAll(async () => {
  onFile = { dateOfBirth: '1990-04-12', pinHash: await hasher.hash('042917') };
});

test.each([
  ['04/12/1990', '042917'],
  [' 4/12/1990 ', ' 042917 '],
  ['04 / 12 / 1990', '042917'],
  ['04-12-1990', '042917'],
  ['1990-04-12', '042917'], // ISO, as a phone's date picker fills it
])('the right date %j and PIN %j verify', async (dateOfBirth, pin) => {
  expect(await verifyDobAndPin(hasher, onFile, { dateOfBirth, pin })).toBe(true);
});

test.each([
  ['a wrong PIN', '04/12/1990', '042918'],
  ['a PIN without its leading zero', '04/12/1990', '42917'],
  ['a wrong date', '04/13/1990', '042917'],
  ['the right date in the wrong order (DD/MM/YYYY)', '12/04/1990', '042917'],
  ['an impossible date', '02/30/1990', '042917'],
  ['both wrong', '01/01/1970', '000000'],
  ['nothing', '', ''],
])('%s does not', async (_name, dateOfBirth, pin) => {
  expect(await verifyDobAndPin(hasher, onFile, { dateOfBirth, pin })).toBe(false);
});
