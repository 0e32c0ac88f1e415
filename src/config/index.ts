import os from 'node:os';
import { environmentSchema } from './schema.ts';
import { AppError } from '../errors/app-error.ts';

/**
 * What `openssl rand -hex 32` or `-base64 32` (32 random bytes) always scores by the estimate
 * below (hex about 300, base64 above 205 in 2,000 tries), and typed phrases do not (180 to 190).
 */
const MIN_SECRET_BITS = 200;

/**
 * A rough, conservative estimate of a secret's entropy in bits, to refuse what was typed rather
 * than generated: per character, the smaller of the alphabet its character classes span and the
 * string's own Shannon entropy plus half a bit (a repeated or patterned value scores low whatever
 * its classes; a short sample understates a random one, hence the margin).
 */
export function estimatedSecretBits(secret: string): number {
  const chars = [...secret];
  if (chars.length === 0) return 0;
  const alphabet =
    (/[a-z]/.test(secret) ? 26 : 0) +
    (/[A-Z]/.test(secret) ? 26 : 0) +
    (/\d/.test(secret) ? 10 : 0) +
    (/[^a-zA-Z\d]/.test(secret) ? 33 : 0);
  const counts = new Map<string, number>();
  for (const char of chars) counts.set(char, (counts.get(char) ?? 0) + 1);
  const shannon = [...counts.values()].reduce((sum, count) => {
    const p = count / chars.length;
    return sum - p * Math.log2(p);
  }, 0);
  return chars.length * Math.min(Math.log2(Math.max(alphabet, 2)), shannon + 0.5);
}

/** Why these production secrets are unsafe: public, guessable, or the same secret used twice. */
function weakSecrets(cookieKeys: readonly string[], tokenSecret: string | undefined): string[] {
  const problems: string[] = [];
  const check = (name: string, secret: string) => {
    if (secret === DEVELOPMENT_COOKIE_KEY || secret === DEVELOPMENT_TOKEN_SECRET) {
      problems.push(`${name}: is the public development value; generate one (openssl rand -hex 32)`);
    } else if (estimatedSecretBits(secret) < MIN_SECRET_BITS) {
      problems.push(`${name}: looks typed, not generated (under 32 random bytes); generate one (openssl rand -hex 32)`);
    }
  };
  cookieKeys.forEach((key) => check('COOKIE_KEYS', key));
  if (tokenSecret !== undefined) check('TOKEN_SECRET', tokenSecret);
  if (tokenSecret !== undefined && cookieKeys.includes(tokenSecret)) {
    problems.push('TOKEN_SECRET: must differ from every COOKIE_KEYS key (one secret, one purpose)');
  }
  return [...new Set(problems)];
}

/** Placeholder cookie key for development only; production refuses to start without COOKIE_KEYS. */
const DEVELOPMENT_COOKIE_KEY = 'development-only-cookie-key-change-me-0000';
const DEVELOPMENT_TOKEN_SECRET = 'development-only-token-secret-change-me-000';

export interface Config {
  readonly env: 'development' | 'production' | 'test';
  readonly port: number;
  readonly host: string;
  readonly issuer: string;
  readonly mongodbUri: string | undefined;
  /** Deadline of each database call, in milliseconds (src/database/connect.ts). */
  readonly databaseTimeoutMs: number;
  /** How long a registered client is served from memory (src/oidc/client-cache.ts); 0: never. */
  readonly clientCacheSeconds: number;
  readonly dataDir: string;
  readonly cookieKeys: readonly string[];
  /** Proxies in front that append to X-Forwarded-For (0: trust no forwarded header). */
  readonly trustProxy: number;
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  /** Bearer token `/metrics` requires, if any. */
  readonly metricsToken: string | undefined;
  /** The operator client the settings name (OPERATOR_CLIENT_ID/SECRET), if any. */
  readonly operatorClient: Readonly<{ clientId: string; clientSecret: string }> | undefined;
  readonly passwordHashConcurrency: number;
  /** How much lower the hashing threads' priority is (src/platform/thread-pool-priority.ts). */
  readonly passwordHashNice: number;
  readonly passwordHashQueue: number;
  /** Sign-in throttling (src/domain/account/sign-in-throttle.ts). */
  readonly signIn: { delayAfterFailures: number; lockAfterFailures: number; lockSeconds: number; failuresPerIpPerMinute: number };
  /** Seconds without an authorization request after which a sign-in session ends. */
  readonly sessionIdleSeconds: number;
  readonly tokenSecret: string;
  readonly smtpUrl: string | undefined;
  readonly mailFrom: string;
  readonly mailPollIntervalMs: number;
  readonly twilio: { accountSid: string; authToken: string; fromNumber: string; apiUrl: string | undefined } | undefined;
  readonly fhirBaseUrls: readonly string[];
  readonly idTokenIncludesScopeClaims: boolean;
  /** The audience (resource indicator) of access tokens for this server's own API. */
  readonly apiResource: string;
  /** Human-readable warnings about insecure settings, logged at start-up. */
  readonly warnings: readonly string[];
}

/**
 * Parses the environment into one frozen, typed object. The only reader of process.env
 * (callers pass it in). Throws AppError `config.invalid` listing every bad variable.
 */
export function loadConfig(env: Record<string, string | undefined>): Config {
  // Empty strings mean "unset", as in most shells' `VAR= command`.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const parsed = environmentSchema.safeParse(cleaned);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new AppError('config.invalid', { data: { problems }, message: `Invalid configuration: ${problems.join('; ')}` });
  }
  const e = parsed.data;
  const issuer = (e.ISSUER ?? `http://localhost:${e.PORT}`).replace(/\/+$/, '');
  const warnings: string[] = [];
  const production = e.NODE_ENV === 'production';
  const problems: string[] = [];

  if (!e.COOKIE_KEYS) {
    if (production) problems.push('COOKIE_KEYS: required in production');
    else warnings.push('COOKIE_KEYS is unset: using a public development key. Never do this in production.');
  }
  if (!e.TOKEN_SECRET) {
    if (production) problems.push('TOKEN_SECRET: required in production');
    else warnings.push('TOKEN_SECRET is unset: using a public development secret. Never do this in production.');
  }
  if (production) problems.push(...weakSecrets(e.COOKIE_KEYS ?? [], e.TOKEN_SECRET));
  if (!e.SMTP_URL) {
    if (production) problems.push('SMTP_URL: required in production');
    else warnings.push('SMTP_URL is unset: mail is not sent, only listed on the development outbox page.');
  }
  const twilioParts = [e.TWILIO_ACCOUNT_SID, e.TWILIO_AUTH_TOKEN, e.TWILIO_FROM_NUMBER];
  if (twilioParts.some(Boolean) && !twilioParts.every(Boolean)) {
    problems.push('TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_FROM_NUMBER: set all three or none');
  } else if (!twilioParts.some(Boolean)) {
    if (production) warnings.push('Twilio is not configured: patients can verify only with date of birth and PIN.');
    else warnings.push('Twilio is not configured: SMS security codes only reach the development outbox page.');
  }
  const loopback = /^http:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/.test(issuer);
  // This server speaks plain HTTP: an https issuer means a TLS proxy in front, whose
  // X-Forwarded-Proto must be trusted, or no Secure cookie can be set (every sign-in would fail).
  if (production && issuer.startsWith('https://') && e.TRUST_PROXY === 0) {
    problems.push(
      'TRUST_PROXY: an https ISSUER is served through a TLS proxy; set TRUST_PROXY to the number of proxies (usually 1)',
    );
  }
  if (!issuer.startsWith('https://')) {
    // Production-like runs on one machine (docker compose) may use a loopback http issuer.
    if (production && !loopback) problems.push('ISSUER: must be an https URL in production (http only on localhost)');
    else warnings.push(`ISSUER ${issuer} is not https: cookies are not marked Secure.`);
  }
  if (Boolean(e.OPERATOR_CLIENT_ID) !== Boolean(e.OPERATOR_CLIENT_SECRET)) {
    problems.push('OPERATOR_CLIENT_ID, OPERATOR_CLIENT_SECRET: set both or neither');
  }
  if (e.SIGNIN_LOCK_AFTER_FAILURES <= e.SIGNIN_DELAY_AFTER_FAILURES) {
    problems.push('SIGNIN_LOCK_AFTER_FAILURES: must be more than SIGNIN_DELAY_AFTER_FAILURES');
  }
  if (problems.length > 0) {
    throw new AppError('config.invalid', { data: { problems }, message: `Invalid configuration: ${problems.join('; ')}` });
  }

  return Object.freeze({
    env: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    issuer,
    mongodbUri: e.MONGODB_URI,
    databaseTimeoutMs: e.DATABASE_TIMEOUT_MS,
    clientCacheSeconds: e.CLIENT_CACHE_SECONDS,
    dataDir: e.DATA_DIR,
    cookieKeys: Object.freeze(e.COOKIE_KEYS ?? [DEVELOPMENT_COOKIE_KEY]),
    trustProxy: e.TRUST_PROXY,
    logLevel: e.LOG_LEVEL,
    metricsToken: e.METRICS_TOKEN,
    operatorClient:
      e.OPERATOR_CLIENT_ID && e.OPERATOR_CLIENT_SECRET
        ? Object.freeze({ clientId: e.OPERATOR_CLIENT_ID, clientSecret: e.OPERATOR_CLIENT_SECRET })
        : undefined,
    passwordHashConcurrency: e.PASSWORD_HASH_CONCURRENCY ?? Math.min(64, os.availableParallelism()),
    passwordHashNice: e.PASSWORD_HASH_NICE,
    sessionIdleSeconds: e.SESSION_IDLE_MINUTES * 60,
    passwordHashQueue: e.PASSWORD_HASH_QUEUE,
    signIn: Object.freeze({
      delayAfterFailures: e.SIGNIN_DELAY_AFTER_FAILURES,
      lockAfterFailures: e.SIGNIN_LOCK_AFTER_FAILURES,
      lockSeconds: e.SIGNIN_LOCK_MINUTES * 60,
      failuresPerIpPerMinute: e.SIGNIN_FAILURES_PER_IP_PER_MINUTE,
    }),
    tokenSecret: e.TOKEN_SECRET ?? DEVELOPMENT_TOKEN_SECRET,
    smtpUrl: e.SMTP_URL,
    mailFrom: e.MAIL_FROM,
    mailPollIntervalMs: e.MAIL_POLL_INTERVAL_MS,
    apiResource: `${issuer}/api`,
    fhirBaseUrls: Object.freeze(e.FHIR_BASE_URLS),
    idTokenIncludesScopeClaims: e.ID_TOKEN_INCLUDES_SCOPE_CLAIMS,
    twilio:
      e.TWILIO_ACCOUNT_SID && e.TWILIO_AUTH_TOKEN && e.TWILIO_FROM_NUMBER
        ? {
            accountSid: e.TWILIO_ACCOUNT_SID,
            authToken: e.TWILIO_AUTH_TOKEN,
            fromNumber: e.TWILIO_FROM_NUMBER,
            apiUrl: e.TWILIO_API_URL,
          }
        : undefined,
    warnings: Object.freeze(warnings),
  });
}
