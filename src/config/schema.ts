import { z } from 'zod';

/**
 * Every environment variable the server reads, with its default and meaning.
 * The README's configuration table is tested against `configVariables` below, so a variable
 * documented here is documented there.
 */
const bool = z.enum(['true', 'false', '1', '0']).transform((value) => value === 'true' || value === '1');

const port = z.coerce.number().int().min(0).max(65535);

export const configVariables = {
  NODE_ENV: {
    schema: z.enum(['development', 'production', 'test']).default('development'),
    description:
      '`production` refuses insecure settings (missing `COOKIE_KEYS`, `TOKEN_SECRET` or `SMTP_URL`; a secret that is the public development value, looks typed rather than generated (under 32 random bytes: use `openssl rand -hex 32`), or serves as both cookie key and token secret; an `ISSUER` that is not https, except on localhost; an https `ISSUER` without `TRUST_PROXY`) and hides development pages.',
  },
  PORT: { schema: port.default(3000), description: 'TCP port the HTTP server listens on.' },
  HOST: { schema: z.string().min(1).default('0.0.0.0'), description: 'Address the HTTP server binds to.' },
  ISSUER: {
    schema: z.url().optional(),
    description: 'The OpenID Provider issuer URL (no trailing slash). Default `http://localhost:PORT`.',
  },
  MONGODB_URI: {
    schema: z
      .string()
      .regex(/^mongodb(\+srv)?:\/\//, 'must be a mongodb:// or mongodb+srv:// URI')
      .optional(),
    description: 'MongoDB connection string. When unset, the embedded FerretDB (SQLite) store under `DATA_DIR` is started.',
  },
  DATABASE_TIMEOUT_MS: {
    schema: z.coerce.number().int().min(200).max(60000).default(1500),
    description:
      'Deadline of each database call (connecting, choosing a server, waiting for a reply). A database that is down or frozen makes requests answer 503 `database.unavailable` with `Retry-After` within about this time, instead of hanging.',
  },
  CLIENT_CACHE_SECONDS: {
    schema: z.coerce.number().int().min(0).max(3600).default(30),
    description:
      'How long a registered client is served from memory instead of the database (0: never). A change made through this server applies at once; one made through another instance on the same database, within this time.',
  },
  DATA_DIR: {
    schema: z.string().min(1).default('./.data'),
    description: 'Directory for the embedded database when `MONGODB_URI` is unset.',
  },
  COOKIE_KEYS: {
    schema: z
      .string()
      .transform((value) =>
        value
          .split(',')
          .map((key) => key.trim())
          .filter(Boolean),
      )
      .pipe(z.array(z.string().min(32, 'each cookie key needs at least 32 characters')).min(1))
      .optional(),
    description:
      'Comma-separated secrets that sign cookies, newest first (older ones still verify, for rotation). Required in production.',
  },
  TOKEN_SECRET: {
    schema: z.string().min(32, 'needs at least 32 characters').optional(),
    description:
      'Secret from which registration-link tokens are derived and short-lived sensitive values are sealed. Required in production; changing it invalidates open links.',
  },
  SMTP_URL: {
    schema: z
      .string()
      .regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL')
      .optional(),
    description:
      'SMTP server for outgoing mail, e.g. `smtp://user:pass@mail.example.org:587`. Required in production; in development, mail without it only reaches the outbox page.',
  },
  MAIL_FROM: {
    schema: z.string().min(3).default('Patient Portal <no-reply@localhost>'),
    description: 'The From address of outgoing mail.',
  },
  MAIL_POLL_INTERVAL_MS: {
    schema: z.coerce.number().int().min(50).max(600_000).default(2000),
    description: 'How often the mail queue looks for messages to send or retry.',
  },
  TWILIO_ACCOUNT_SID: {
    schema: z
      .string()
      .regex(/^AC[0-9a-fA-F]{32}$/, 'must look like AC followed by 32 hex digits')
      .optional(),
    description:
      'Twilio account for SMS security codes. Without Twilio settings, development sends SMS only to the outbox page and production offers only the date of birth + PIN method.',
  },
  TWILIO_AUTH_TOKEN: { schema: z.string().min(16).optional(), description: 'Twilio auth token.' },
  TWILIO_FROM_NUMBER: {
    schema: z
      .string()
      .regex(/^\+[1-9]\d{6,14}$/, 'must be E.164, e.g. +14155550100')
      .optional(),
    description: 'The E.164 number SMS are sent from.',
  },
  TWILIO_API_URL: {
    schema: z.url().optional(),
    description: "Base URL for Twilio's REST API instead of https://api.twilio.com (a proxy, or the test stand-in).",
  },
  FHIR_BASE_URLS: {
    schema: z
      .string()
      .transform((value) =>
        value
          .split(',')
          .map((url) => url.trim().replace(/\/+$/, ''))
          .filter(Boolean),
      )
      .pipe(z.array(z.url()))
      .default([]),
    description:
      'Comma-separated base URLs of the FHIR servers / records APIs that accept our access tokens (SMART `aud`). Tokens for them are JWTs carrying the scopes and the chosen patient.',
  },
  ID_TOKEN_INCLUDES_SCOPE_CLAIMS: {
    schema: bool.default(false),
    description:
      'Also put scope claims (`records`, `email`, `profile`…) in ID tokens. By default they are released from userinfo (or in the ID token when asked with the `claims` parameter).',
  },
  TRUST_PROXY: {
    schema: z
      .string()
      .regex(/^(true|false|\d{1,2})$/, 'must be true, false or a number of proxies')
      .transform((value) => (value === 'true' ? 1 : value === 'false' ? 0 : Number(value)))
      .default(0),
    description:
      'How many proxies in front append to `X-Forwarded-For` (`true` is 1, `false` or 0 trusts none). The client address (audit trail, per-address limits) is the right-most address those proxies did not add; `X-Forwarded-Proto`/`-Host` are trusted only when this is set.',
  },
  OPERATOR_CLIENT_ID: {
    schema: z
      .string()
      .regex(/^[A-Za-z0-9._-]{3,64}$/, 'must be 3 to 64 letters, digits, dots, dashes or underscores')
      .optional(),
    description:
      'With `OPERATOR_CLIENT_SECRET`: the operator client every instance makes sure exists at start, and writes to `DATA_DIR/admin-credential.json` for the CLI beside it, instead of a new random one per data directory (several instances, pods with an empty `DATA_DIR`).',
  },
  OPERATOR_CLIENT_SECRET: {
    schema: z.string().min(32, 'needs at least 32 characters').optional(),
    description: "The secret of `OPERATOR_CLIENT_ID`'s client (generate it: `openssl rand -hex 32`).",
  },
  METRICS_TOKEN: {
    schema: z.string().min(32, 'needs at least 32 characters').optional(),
    description:
      'When set, `/metrics` (Prometheus) answers only requests with `Authorization: Bearer <METRICS_TOKEN>`; unset, it is open (keep it off the public network).',
  },
  LOG_LEVEL: {
    schema: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
    description: 'Minimum level of log lines written to stderr.',
  },
  SESSION_IDLE_MINUTES: {
    schema: z.coerce.number().int().min(1).max(720).default(30),
    description:
      'A sign-in session ends after this many minutes without an authorization request (ASVS 5 7.3.1), and in any case 12 hours after sign-in.',
  },
  SIGNIN_DELAY_AFTER_FAILURES: {
    schema: z.coerce.number().int().min(1).max(50).default(5),
    description:
      'Consecutive failed sign-ins to one username before each further attempt waits (2 s, then doubling up to a minute). Unknown usernames are throttled alike.',
  },
  SIGNIN_LOCK_AFTER_FAILURES: {
    schema: z.coerce.number().int().min(2).max(99).default(30),
    description:
      'Consecutive failed sign-ins to one username that lock it for `SIGNIN_LOCK_MINUTES`, and again after each further failure; after 100 (NIST SP 800-63B-4) it stays locked until a password reset or `patient-idp account unlock`. A success ends the run.',
  },
  SIGNIN_LOCK_MINUTES: {
    schema: z.coerce.number().int().min(1).max(1440).default(15),
    description: 'How long a username stays locked once `SIGNIN_LOCK_AFTER_FAILURES` is reached.',
  },
  SIGNIN_FAILURES_PER_IP_PER_MINUTE: {
    schema: z.coerce.number().int().min(1).max(100000).default(30),
    description:
      'Wrong passwords (sign-in and account linking, any usernames) one client address may send per minute; beyond it attempts answer 429 until the minute ends.',
  },
  PASSWORD_HASH_QUEUE: {
    schema: z.coerce.number().int().min(1).max(100000).default(64),
    description:
      'Password checks that may wait for a hashing slot; beyond it an attempt answers 429 `server.busy` with `Retry-After` instead of queueing, so a flood of guesses cannot slow honest sign-ins without limit.',
  },
  PASSWORD_HASH_CONCURRENCY: {
    schema: z.coerce.number().int().min(1).max(64).optional(),
    description:
      'How many argon2 hashes may run at once; the rest wait (bounds memory: 19 MiB each). Default: the number of cores this process may use, since each hash keeps one core busy.',
  },
  PASSWORD_HASH_NICE: {
    schema: z.coerce.number().int().min(0).max(19).default(10),
    description:
      "How much lower than the event loop's the priority (Linux nice value) of the threads that hash passwords is: when the cores are busy, requests that hash nothing (tokens, pages, APIs) go first and sign-ins wait. 0 leaves them alike. They are Node's libuv pool, so in a host application its file and DNS work is lowered too.",
  },
} as const;

type Variables = typeof configVariables;
type Parsed = { [K in keyof Variables]: z.output<Variables[K]['schema']> };

export const environmentSchema = z.object(
  Object.fromEntries(Object.entries(configVariables).map(([name, v]) => [name, v.schema])) as {
    [K in keyof Variables]: Variables[K]['schema'];
  },
);

export type Environment = Parsed;
