// What the consent page says for each scope: plain words, never "patient/*.rs".
import { describeScope } from '../../src/web/scope-text.ts';
import { english, textIn } from '../../src/text/index.ts';

test.each([
  ['patient/*.rs', 'Read your health records'],
  ['patient/*.read', 'Read your health records'],
  ['patient/Observation.rs', 'Read your test results and vital signs'],
  ['patient/MedicationRequest.r', 'Read your medications'],
  ['patient/Condition.cruds', 'Read, add to and change your health problems and diagnoses'],
  ['patient/*.write', 'Add to and change your health records'],
  ['patient/*.*', 'Read, add to and change your health records'],
  ['patient/CarePlan.rs', 'Read your health records of type CarePlan'],
  ['launch/patient', 'Know which patient’s records you chose to open'],
  ['email', 'See your email address'],
])('%s: %s', (scope, text) => {
  expect(describeScope(scope, english)).toBe(text);
});

test('in Spanish too', () => {
  expect(describeScope('patient/Observation.rs', textIn('es'))).toBe('Leer sus resultados de pruebas y signos vitales');
});

test('a scope that is neither ours nor SMART’s is shown as it is (the relying party chose its name)', () => {
  expect(describeScope('user/*.rs', english)).toBe('user/*.rs');
  expect(describeScope('patient/Observation.xyz', english)).toBe('patient/Observation.xyz');
});

test('a SMART launch names whose records they are, in both languages', () => {
  expect(describeScope('patient/*.rs', english, 'Leo D.')).toBe('Read Leo D.’s health records');
  expect(describeScope('patient/Condition.cruds', english, 'Leo D.')).toBe(
    'Read, add to and change Leo D.’s health problems and diagnoses',
  );
  expect(describeScope('patient/*.write', english, 'Leo D.')).toBe('Add to and change Leo D.’s health records');
  expect(describeScope('patient/Observation.rs', textIn('es'), 'Leo D.')).toBe(
    'Leer resultados de pruebas y signos vitales de Leo D.',
  );
  // Our own scopes are not about one patient's records.
  expect(describeScope('email', english, 'Leo D.')).toBe('See your email address');
});
