import { z } from 'zod';
import { normalisePhone } from '../../domain/verification/sms-code.ts';
import { personName } from '../schemas.ts';

/** The same rule as client registration (src/oidc/clients.ts). */
export const clientId = z.string().regex(/^[A-Za-z0-9_~-]{3,128}$/, 'Use 3 to 128 letters, digits, "-", "_" or "~"');
/** The same rule as the `practice_id` client metadata. */
export const practiceId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'Use 1 to 64 letters, digits, "-" or "_"');
export const username = z.string().trim().min(1).max(200);
const uri = z.url().max(2000);

/** RFC 7591 client metadata as operators register it; oidc-provider then validates the whole. */
export const clientInput = z
  .object({
    client_id: clientId,
    client_name: z.string().trim().min(1).max(200).optional(),
    client_secret: z.string().min(32, 'At least 32 characters (omit it to have one generated)').max(512).optional(),
    token_endpoint_auth_method: z.enum(['client_secret_basic', 'client_secret_post', 'none']).optional(),
    grant_types: z
      .array(z.enum(['authorization_code', 'refresh_token', 'client_credentials']))
      .min(1)
      .optional(),
    response_types: z.array(z.literal('code')).optional(),
    redirect_uris: z.array(uri).max(20).optional(),
    post_logout_redirect_uris: z.array(uri).max(20).optional(),
    backchannel_logout_uri: uri.optional(),
    initiate_login_uri: uri.optional(),
    scope: z.string().max(2000).optional(),
    practice_id: practiceId.optional(),
    first_party: z.boolean().optional(),
    require_mfa: z.boolean().optional(),
  })
  .strict();

export const clientChanges = z
  .object({
    client_name: z.string().trim().min(1).max(200).nullable().optional(),
    redirect_uris: z.array(uri).max(20).optional(),
    post_logout_redirect_uris: z.array(uri).max(20).optional(),
    initiate_login_uri: uri
      .nullable()
      .optional()
      .describe('Where a patient who registered from the email lands; null removes it.'),
    require_mfa: z.boolean().optional(),
  })
  .strict();

/** Stored client metadata, never with its secret. */
export const clientView = z.object({ client_id: z.string() }).catchall(z.unknown());

/** The office's phone as patients may type it; stored as E.164. */
const officePhone = z
  .string()
  .max(40)
  .transform((value, ctx) => {
    const phone = normalisePhone(value);
    if (!phone) ctx.addIssue({ code: 'custom', message: 'Not a phone number' });
    return phone ?? z.NEVER;
  });
const officeHours = z.string().trim().min(1).max(120);

export const practiceInput = z
  .object({
    id: practiceId,
    name: z.string().trim().min(1).max(200),
    phone: officePhone.optional(),
    hours: officeHours.optional(),
  })
  .strict();

export const practiceChanges = z
  .object({
    name: z.string().trim().min(1).max(200).optional(),
    phone: officePhone.optional(),
    hours: officeHours.optional(),
    portalClientId: clientId
      .nullable()
      .optional()
      .describe('Its patient portal (a client with an initiate_login_uri); null unsets.'),
  })
  .strict();

export const practiceView = z.object({
  id: z.string(),
  name: z.string(),
  phone: z.string().optional(),
  hours: z.string().optional(),
  portalClientId: z.string().optional(),
  createdAt: z.string().optional(),
  clients: z.array(z.string()).optional(),
});

export const accountInput = z
  .object({
    username,
    password: z.string().min(1).max(1000),
    email: z.email().optional(),
    name: personName.optional(),
  })
  .strict();

export const accountView = z.object({
  id: z.string(),
  username: z.string(),
  status: z.string(),
  email: z.string().optional().describe('Masked'),
  emailVerified: z.boolean(),
  phone: z.string().optional().describe('Masked'),
  createdAt: z.string().optional(),
  records: z
    .array(z.object({ practice: z.string(), recordId: z.string(), relationship: z.string(), since: z.string() }))
    .optional(),
  sessions: z.number().optional(),
});

export const signingKeyView = z.object({
  kid: z.string(),
  alg: z.string(),
  status: z.enum(['active', 'retired']),
  createdAt: z.string(),
  publishUntil: z.string().optional(),
});

export const auditFilter = z
  .object({
    accountId: z.string().min(1).max(100).optional(),
    practiceId: practiceId.optional(),
    action: z
      .string()
      .regex(/^[a-z_]+(\.[a-z_]+)*$/, 'An action (signin.login) or a kind (signin)')
      .max(100)
      .optional(),
    since: z.iso.datetime({ offset: true }).optional(),
    until: z.iso.datetime({ offset: true }).optional(),
  })
  .strict();

export const auditEventView = z.object({
  id: z.string(),
  at: z.string(),
  action: z.string(),
  outcome: z.string(),
  subject: z.record(z.string(), z.unknown()),
  details: z.record(z.string(), z.unknown()),
  ip: z.string().optional(),
  userAgent: z.string().optional(),
});
