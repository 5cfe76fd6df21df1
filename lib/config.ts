import { z } from 'zod';

const DEV_HMAC_SECRET = 'dev-only-hmac-secret-change-me-in-production-0123456789';

/** Digits only: `1e3`, `0x10` or ` ` are mistakes, not numbers. */
const int = (min: number, max: number, fallback: number) =>
  z
    .string()
    .regex(/^\d+$/, 'must be a whole number')
    .default(String(fallback))
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

const seconds = (fallback: number) => int(1, 10 * 365 * 24 * 3600, fallback);

const bool = z
  .enum(['true', 'false', '1', '0'])
  .default('false')
  .transform((v) => v === 'true' || v === '1');

const envSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    PORT: int(0, 65535, 3000),
    TRUST_PROXY: bool,
    DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).default('postgres://postgres:postgres@localhost:5433/custodian'),
    DATABASE_POOL_MAX: int(1, 100, 10),
    TEMPORAL_ADDRESS: z.string().min(1).default('localhost:7233'),
    TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
    TEMPORAL_TASK_QUEUE: z.string().min(1).default('custodian'),
    TEMPORAL_DEADLINE_SECONDS: int(1, 300, 10),
    SMTP_URL: z.url({ protocol: /^smtps?$/ }).default('smtp://localhost:1025'),
    MAIL_FROM: z.string().min(3).default('Custodian <no-reply@custodian.test>'),
    HMAC_SECRET: z.string().min(32, 'HMAC_SECRET must be at least 32 characters').optional(),
    SESSION_TTL_SECONDS: seconds(12 * 3600),
    MERGE_TTL_SECONDS: seconds(24 * 3600),
    SIGNIN_MAX_FAILURES_PER_ACCOUNT: int(1, 1000, 5),
    SIGNIN_MAX_FAILURES_PER_ADDRESS: int(1, 100_000, 50),
    SIGNIN_BLOCK_SECONDS: seconds(15 * 60),
  })
  .superRefine((env, ctx) => {
    if (env.NODE_ENV === 'production' && !env.HMAC_SECRET) {
      ctx.addIssue({ code: 'custom', path: ['HMAC_SECRET'], message: 'HMAC_SECRET is required when NODE_ENV=production' });
    }
  });

export type Config = ReturnType<typeof toConfig>;

function toConfig(env: z.infer<typeof envSchema>) {
  return {
    env: env.NODE_ENV,
    logLevel: env.LOG_LEVEL,
    port: env.PORT,
    trustProxy: env.TRUST_PROXY,
    databaseUrl: env.DATABASE_URL,
    databasePoolMax: env.DATABASE_POOL_MAX,
    temporal: {
      address: env.TEMPORAL_ADDRESS,
      namespace: env.TEMPORAL_NAMESPACE,
      taskQueue: env.TEMPORAL_TASK_QUEUE,
      /** Every call the API makes to Temporal ends by then, answering 503 rather than hanging. */
      deadlineMs: env.TEMPORAL_DEADLINE_SECONDS * 1000,
    },
    smtpUrl: env.SMTP_URL,
    mailFrom: env.MAIL_FROM,
    hmacSecret: env.HMAC_SECRET ?? DEV_HMAC_SECRET,
    sessionTtlMs: env.SESSION_TTL_SECONDS * 1000,
    mergeTtlMs: env.MERGE_TTL_SECONDS * 1000,
    signInThrottle: {
      maxFailuresPerAccount: env.SIGNIN_MAX_FAILURES_PER_ACCOUNT,
      maxFailuresPerAddress: env.SIGNIN_MAX_FAILURES_PER_ADDRESS,
      blockSeconds: env.SIGNIN_BLOCK_SECONDS,
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
