import { isIP } from 'node:net';
import { z } from 'zod';
import { DEV_HMAC_SECRET, deriveKeys, isPlaceholderSecret } from './keys';

/** Digits only: `1e3`, `0x10` or ` ` are mistakes, not numbers. */
const int = (min: number, max: number, fallback: number) =>
  z
    .string()
    .regex(/^\d+$/, 'must be a whole number')
    .default(String(fallback))
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

const seconds = (fallback: number) => int(1, 10 * 365 * 24 * 3600, fallback);

const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0'])
    .default(String(fallback) as 'true' | 'false')
    .transform((v) => v === 'true' || v === '1');

/**
 * What Express's `trust proxy` takes, minus `true`: `false`, a hop count (`1` behind one load balancer), or
 * a comma-separated list of addresses, CIDRs and Express's names (`loopback`, `linklocal`, `uniquelocal`).
 * `true` would make the left-most X-Forwarded-For the client, which any caller can forge.
 */
const proxyEntry = (e: string) => {
  const [ip, bits, extra] = e.trim().split('/');
  if (['loopback', 'linklocal', 'uniquelocal'].includes(e.trim())) return true;
  const family = isIP(ip ?? '');
  return family !== 0 && extra === undefined && (bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128)));
};
const trustProxy = z
  .string()
  .default('false')
  .refine((v) => v !== 'true', 'TRUST_PROXY=true would trust a forged X-Forwarded-For: give a hop count such as 1, or the proxies\' addresses')
  .refine((v) => v === 'false' || /^\d{1,2}$/.test(v) || v.split(',').every(proxyEntry), 'must be false, a hop count, or a list of addresses and CIDRs')
  .transform((v): false | number | string[] => (v === 'false' || v === '0' ? false : /^\d+$/.test(v) ? Number(v) : v.split(',').map((e) => e.trim())));

const isTimeZone = (name: string) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch {
    return false;
  }
};

const envSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    PORT: int(0, 65535, 3000),
    TRUST_PROXY: trustProxy,
    // Serve /docs and /openapi.json (default); `false` turns both off (404).
    API_DOCS: bool(true),
    DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).default('postgres://postgres:postgres@localhost:5433/custodian'),
    DATABASE_POOL_MAX: int(1, 100, 10),
    TEMPORAL_ADDRESS: z.string().min(1).default('localhost:7233'),
    TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
    TEMPORAL_TASK_QUEUE: z.string().min(1).default('custodian'),
    TEMPORAL_DEADLINE_SECONDS: int(1, 300, 10),
    WORKER_METRICS_ADDRESS: z.string().regex(/^[\w.:[\]-]+:\d{1,5}$/, 'must be host:port').optional(),
    SMTP_URL: z.url({ protocol: /^smtps?$/ }).default('smtp://localhost:1025'),
    MAIL_FROM: z.string().min(3).default('Custodian <no-reply@custodian.test>'),
    // Length first and alone (abort): one reason per value. Neither message may quote the value.
    HMAC_SECRET: z
      .string()
      .min(32, { error: 'HMAC_SECRET must be at least 32 characters', abort: true })
      .refine((v) => !isPlaceholderSecret(v), 'HMAC_SECRET is a known placeholder or too guessable; generate one with `openssl rand -hex 32`')
      .optional(),
    // The secret before a rotation: its keys only open what was sealed under them (2FA secrets), which is
    // sealed again under the current one at its next use (README "Secrets").
    HMAC_SECRET_PREVIOUS: z
      .string()
      .min(32, { error: 'HMAC_SECRET_PREVIOUS must be at least 32 characters', abort: true })
      .refine((v) => !isPlaceholderSecret(v), 'HMAC_SECRET_PREVIOUS is a known placeholder or too guessable')
      .optional(),
    SESSION_TTL_SECONDS: seconds(12 * 3600),
    SESSION_IDLE_SECONDS: seconds(30 * 60),
    MERGE_TTL_SECONDS: seconds(24 * 3600),
    // A password reset expires this long after its latest request (its codes live 10 minutes each).
    PASSWORD_RESET_TTL_SECONDS: seconds(3600),
    // An abandoned sign-up or account creation expires (and its pending password hash is deleted) after this.
    ACCOUNT_CREATION_TTL_SECONDS: seconds(3600),
    // A company member's invitation expires this long after it was sent or last resent (7 days); its account then goes.
    INVITATION_TTL_SECONDS: seconds(7 * 24 * 3600),
    // The least time between two emails of one invitation (its first and a resend, or two resends).
    INVITATION_RESEND_INTERVAL_SECONDS: seconds(60),
    // When the daily password expiry sweep runs: HH:MM, in PASSWORD_EXPIRY_SWEEP_TIMEZONE (an IANA name).
    PASSWORD_EXPIRY_SWEEP_AT: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (24-hour)').default('03:00'),
    PASSWORD_EXPIRY_SWEEP_TIMEZONE: z.string().min(1).default('UTC').refine(isTimeZone, 'must be an IANA time zone name, such as UTC or Europe/Amsterdam'),
    SIGNIN_MAX_FAILURES_PER_ACCOUNT: int(1, 1000, 5),
    SIGNIN_MAX_FAILURES_PER_ADDRESS: int(1, 100_000, 50),
    SIGNIN_BLOCK_SECONDS: seconds(15 * 60),
    // One company webhook delivery attempt (connect, send, response headers) ends by then; Temporal retries it.
    WEBHOOK_TIMEOUT_SECONDS: int(1, 60, 10),
    // An offboarding batch runs this many people's offboardings at once, and continues as new after this many.
    OFFBOARDING_BATCH_CONCURRENCY: int(1, 500, 20),
    OFFBOARDING_BATCH_CHILDREN_PER_RUN: int(1, 2000, 500),
    // A streamed reply (a CSV export) whose client takes nothing for this long is cut off, giving back its connection.
    EXPORT_STALL_TIMEOUT_SECONDS: int(1, 3600, 30),
    // Streamed replies one API process runs at once (each holds a connection); unset: a quarter of DATABASE_POOL_MAX, at least 1.
    EXPORT_MAX_CONCURRENT: z.string().regex(/^\d+$/, 'must be a whole number').transform(Number).pipe(z.number().int().min(1).max(100)).optional(),
    // The API's per-process cache of personal access token lookups, kept right by LISTEN/NOTIFY (README "The
    // token cache"); `false`: one Postgres read per token request. Off on every API process or on none.
    AUTH_CACHE: bool(true),
  })
  .superRefine((env, ctx) => {
    if (env.EXPORT_MAX_CONCURRENT !== undefined && env.EXPORT_MAX_CONCURRENT > env.DATABASE_POOL_MAX) {
      ctx.addIssue({ code: 'custom', path: ['EXPORT_MAX_CONCURRENT'], message: 'must not exceed DATABASE_POOL_MAX: exports would hold every connection' });
    }
    // An allowlist, not `=== 'production'`: any NODE_ENV added later is strict until someone decides otherwise.
    if (!env.HMAC_SECRET && env.NODE_ENV !== 'development' && env.NODE_ENV !== 'test') {
      ctx.addIssue({ code: 'custom', path: ['HMAC_SECRET'], message: 'HMAC_SECRET is required unless NODE_ENV is development or test' });
    }
  });

export type Config = ReturnType<typeof toConfig>;

function toConfig(env: z.infer<typeof envSchema>) {
  return {
    env: env.NODE_ENV,
    logLevel: env.LOG_LEVEL,
    port: env.PORT,
    trustProxy: env.TRUST_PROXY,
    apiDocs: env.API_DOCS,
    databaseUrl: env.DATABASE_URL,
    databasePoolMax: env.DATABASE_POOL_MAX,
    temporal: {
      address: env.TEMPORAL_ADDRESS,
      namespace: env.TEMPORAL_NAMESPACE,
      taskQueue: env.TEMPORAL_TASK_QUEUE,
      /** Every call the API makes to Temporal ends by then, answering 503 rather than hanging. */
      deadlineMs: env.TEMPORAL_DEADLINE_SECONDS * 1000,
    },
    /** Where the worker serves Core's Prometheus metrics (`/metrics`); unset: not served. */
    workerMetrics: {
      address: env.WORKER_METRICS_ADDRESS,
    },
    smtpUrl: env.SMTP_URL,
    mailFrom: env.MAIL_FROM,
    // Subkeys derived once here; the raw secret goes no further (lib/keys.ts). Nothing is printed
    // about the development fallback: config stays silent, and the key id tells which secret is in use.
    keys: deriveKeys(env.HMAC_SECRET ?? DEV_HMAC_SECRET),
    /** The keys of HMAC_SECRET_PREVIOUS, if set: they open, never seal (lib/secretBox.ts). */
    previousKeys: env.HMAC_SECRET_PREVIOUS ? deriveKeys(env.HMAC_SECRET_PREVIOUS) : undefined,
    sessionTtlMs: env.SESSION_TTL_SECONDS * 1000,
    sessionIdleSeconds: env.SESSION_IDLE_SECONDS,
    mergeTtlMs: env.MERGE_TTL_SECONDS * 1000,
    passwordResetTtlMs: env.PASSWORD_RESET_TTL_SECONDS * 1000,
    accountCreationTtlMs: env.ACCOUNT_CREATION_TTL_SECONDS * 1000,
    invitationTtlMs: env.INVITATION_TTL_SECONDS * 1000,
    invitationResendIntervalMs: env.INVITATION_RESEND_INTERVAL_SECONDS * 1000,
    /** The daily sweep's time of day (its Schedule's calendar spec): README "Password expiry". */
    passwordExpirySweep: {
      hour: Number(env.PASSWORD_EXPIRY_SWEEP_AT.slice(0, 2)),
      minute: Number(env.PASSWORD_EXPIRY_SWEEP_AT.slice(3, 5)),
      timezone: env.PASSWORD_EXPIRY_SWEEP_TIMEZONE,
    },
    signInThrottle: {
      maxFailuresPerAccount: env.SIGNIN_MAX_FAILURES_PER_ACCOUNT,
      maxFailuresPerAddress: env.SIGNIN_MAX_FAILURES_PER_ADDRESS,
      blockSeconds: env.SIGNIN_BLOCK_SECONDS,
    },
    /** Company webhooks (README "Webhooks"). Loopback receivers are allowed in development and test only. */
    /** Offboarding batches (README "Offboarding"): people run at once, and children per parent run before continue-as-new. */
    offboardingBatch: { concurrency: env.OFFBOARDING_BATCH_CONCURRENCY, childrenPerRun: env.OFFBOARDING_BATCH_CHILDREN_PER_RUN },
    /** The API's token cache (libraries/credentialCache): on unless AUTH_CACHE=false. */
    authCache: env.AUTH_CACHE,
    /** Streamed replies (README "API conventions" › "Streamed replies"): the stall deadline and the per-process cap. */
    streams: {
      stallTimeoutMs: env.EXPORT_STALL_TIMEOUT_SECONDS * 1000,
      maxConcurrent: env.EXPORT_MAX_CONCURRENT ?? Math.max(1, Math.floor(env.DATABASE_POOL_MAX / 4)),
    },
    webhooks: {
      timeoutMs: env.WEBHOOK_TIMEOUT_SECONDS * 1000,
      allowLoopback: env.NODE_ENV === 'development' || env.NODE_ENV === 'test',
    },
  };
}

export class ConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`Invalid configuration:\n  ${issues.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment once; callers pass the result down instead of reading process.env. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Empty strings come from compose files and shells as "unset"; treat them so.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ''));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    // Only names and reasons: never echo a value, which may be a secret.
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`));
  }
  return toConfig(parsed.data);
}

/** Entry points call this: a bad value ends the process at once with a readable reason. */
export function loadConfigOrExit(env: NodeJS.ProcessEnv = process.env): Config {
  try {
    return loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
}
