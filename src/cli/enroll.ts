import { InvalidArgumentError, Option, type Command } from 'commander';
import { z } from 'zod';
import { AppError } from '../errors/app-error.ts';
import { RELATIONSHIPS, type EnrollmentInput, type EnrollmentView } from '../domain/enrollment/enrollments.ts';
import { dateOfBirth, e164Phone, externalId, personName } from '../api/schemas.ts';
import { formatFields, type CliContext } from './context.ts';

/**
 * The body of POST /api/enrollments (src/api/enrollments-api.ts), built from the same guards,
 * so the CLI accepts and refuses exactly what the API does.
 */
export function enrollmentInputSchema(today: () => Date) {
  return z.object({
    record: z.object({
      id: externalId,
      givenName: personName,
      familyName: personName,
      dateOfBirth: dateOfBirth(today),
      email: z.email().max(254).optional(),
      phone: e164Phone.optional(),
    }),
    relationship: z.enum(RELATIONSHIPS).default('self'),
    expiresInDays: z.number().int().min(1).max(90).default(30),
  });
}

/** The option each input field came from, to name it in error messages. */
const FLAGS: Record<string, string> = {
  'record.id': '--record-id',
  'record.givenName': '--given-name',
  'record.familyName': '--family-name',
  'record.dateOfBirth': '--dob',
  'record.email': '--email',
  'record.phone': '--phone',
  relationship: '--relationship',
  expiresInDays: '--expires-in-days',
};

export interface EnrollOptions {
  practice: string;
  recordId: string;
  givenName: string;
  familyName: string;
  dob: string;
  email?: string;
  phone?: string;
  relationship?: string;
  expiresInDays?: number;
  showLink?: boolean;
  json?: boolean;
}

/** Validates the options like the API validates its body; throws `cli.invalid_input` naming every bad option. */
export function parseEnrollOptions(options: EnrollOptions, today: () => Date = () => new Date()): EnrollmentInput {
  const parsed = enrollmentInputSchema(today).safeParse({
    record: {
      id: options.recordId,
      givenName: options.givenName,
      familyName: options.familyName,
      dateOfBirth: options.dob,
      email: options.email,
      phone: options.phone,
    },
    relationship: options.relationship,
    expiresInDays: options.expiresInDays,
  });
  if (parsed.success) return parsed.data;
  const fields = parsed.error.issues.map((issue) => ({
    field: FLAGS[issue.path.join('.')] ?? issue.path.join('.'),
    message: issue.message,
  }));
  // Every problem in `data`; in the one-line message, the first problem of each option.
  const firstPerOption = fields.filter((entry, i) => fields.findIndex((other) => other.field === entry.field) === i);
  throw new AppError('cli.invalid_input', {
    data: { fields },
    message: firstPerOption.map(({ field, message }) => `${field}: ${message}`).join('; '),
  });
}

function wholeNumber(value: string): number {
  if (!/^\d{1,4}$/.test(value)) throw new InvalidArgumentError('give a whole number of days.');
  return Number(value);
}

function describeDelivery(view: EnrollmentView, email: string | undefined): string {
  const { delivery } = view;
  switch (delivery.state) {
    case 'none':
      return 'none (no email: hand the link over yourself)';
    case 'sent':
      return `sent to ${email}`;
    case 'queued':
      return `queued for ${email}; a running server retries it${delivery.lastError ? ` (last error: ${delivery.lastError})` : ''}`;
    default:
      return `${delivery.state}${delivery.lastError ? ` (${delivery.lastError})` : ''}`;
  }
}

export function registerEnrollCommand(program: Command, ctx: CliContext): void {
  program
    .command('enroll')
    .description('enroll a patient record at a practice: email the registration link and print the PIN (shown once)')
    .requiredOption('--practice <practice_id>', 'the practice granting access (see `practice add`)')
    .requiredOption('--record-id <id>', "the patient record's id in the practice's system")
    .requiredOption('--given-name <name>', 'given name on the record')
    .requiredOption('--family-name <name>', 'family name on the record')
    .requiredOption('--dob <YYYY-MM-DD>', 'date of birth on the record')
    .option('--email <email>', 'where the registration email goes; without it, hand over the link yourself')
    .option('--phone <E.164>', 'phone number, e.g. +14155550123')
    .addOption(
      new Option('--relationship <relationship>', 'who will register for the record').choices(RELATIONSHIPS).default('self'),
    )
    .option('--expires-in-days <days>', 'how long the link and PIN stay valid (1 to 90)', wholeNumber, 30)
    .option('--show-link', 'also print the registration link (always printed when there is no --email)')
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      '\nExample:\n  patient-idp enroll --practice demo-practice --record-id MRN-1001 --given-name Alex --family-name Rivera \\\n' +
        '    --dob 1985-07-14 --email alex@example.org --show-link',
    )
    .action(async (options: EnrollOptions) => {
      const input = parseEnrollOptions(options);
      // Throws practice.not_found before anything is written; the email is sent before it answers.
      const issued = await (await ctx.operations()).practices.enroll(options.practice, input, { showLink: options.showLink });
      const { practice, enrollment: view, registrationUrl: link } = issued;

      if (options.json) {
        ctx.printJson({ ...view, practiceId: practice.id, pin: issued.pin, ...(link ? { registrationUrl: link } : {}) });
        ctx.note('The PIN is shown only now: hand it to the patient.');
        return;
      }
      ctx.print(`enrolled record ${input.record.id} at ${practice.name} (${practice.id})`);
      const fields = formatFields([
        ['id', view.id],
        ['status', view.status],
        ['expires', view.expiresAt],
        ['email', describeDelivery(view, input.record.email)],
        ['link', link],
        ['PIN', issued.pin],
      ]);
      for (const line of fields) ctx.print(`  ${line}`);
      ctx.print();
      ctx.print('The PIN is shown only now: hand it to the patient (it is never emailed).');
    });
}
