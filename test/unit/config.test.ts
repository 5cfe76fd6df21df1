import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { inspect } from 'node:util';
import { ConfigError, loadConfig, loadConfigOrExit } from '../../lib/config';
import { deriveKeys } from '../../lib/keys';

const ROOT = path.resolve(__dirname, '../..');
const SECRET = 'hunter2-TOP-SECRET-value';
/** A secret that passes every check (what `openssl rand -hex 24` might print). */
const STRONG = 'f3a9c1e07b5d4c2a98e6b1d0a7c4e2f19b8d3c5e7a6f4b2d';
/** The public development secret, written out here so the tests do not trust lib/keys.ts for it. */
const DEV_SECRET = 'dev-only-hmac-secret-change-me-in-production-0123456789';

/** The ConfigError thrown for `env`, so a test can look at both its issues and its message. */
function configError(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error(`expected ${JSON.stringify(Object.keys(env))} to be rejected`);
}

describe('loadConfig defaults', () => {
  test('an empty environment gives the development defaults', () => {
    expect(loadConfig({})).toEqual({
      env: 'development',
      logLevel: 'info',
      port: 3000,
      trustProxy: false,
      apiDocs: true,
      databaseUrl: 'postgres://postgres:postgres@localhost:5433/custodian',
      databasePoolMax: 10,
      temporal: { address: 'localhost:7233', namespace: 'default', taskQueue: 'custodian', deadlineMs: 10_000 },
      smtpUrl: 'smtp://localhost:1025',
      mailFrom: 'Custodian <no-reply@custodian.test>',
      keys: deriveKeys(DEV_SECRET),
      previousKeys: undefined,
      workerMetrics: { address: undefined },
      sessionTtlMs: 12 * 3600 * 1000,
      sessionIdleSeconds: 1800,
      mergeTtlMs: 24 * 3600 * 1000,
      accountCreationTtlMs: 3600 * 1000,
      invitationTtlMs: 7 * 24 * 3600 * 1000,
      invitationResendIntervalMs: 60_000,
      passwordResetTtlMs: 3600 * 1000,
      passwordExpirySweep: { hour: 3, minute: 0, timezone: 'UTC' },
      signInThrottle: { maxFailuresPerAccount: 5, maxFailuresPerAddress: 50, blockSeconds: 900 },
      webhooks: { timeoutMs: 10_000, allowLoopback: true },
      offboardingBatch: { concurrency: 20, childrenPerRun: 500 },
      streams: { stallTimeoutMs: 30_000, maxConcurrent: 2 },
      authCache: true,
    });
  });

  test('empty strings count as unset, so defaults apply', () => {
    const blank = Object.fromEntries(
      ['NODE_ENV', 'LOG_LEVEL', 'PORT', 'TRUST_PROXY', 'DATABASE_URL', 'DATABASE_POOL_MAX', 'TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE',
        'TEMPORAL_TASK_QUEUE', 'SMTP_URL', 'MAIL_FROM', 'HMAC_SECRET', 'SESSION_TTL_SECONDS', 'MERGE_TTL_SECONDS', 'ACCOUNT_CREATION_TTL_SECONDS', 'PASSWORD_RESET_TTL_SECONDS',
        'INVITATION_TTL_SECONDS', 'INVITATION_RESEND_INTERVAL_SECONDS',
        'SIGNIN_MAX_FAILURES_PER_ACCOUNT', 'SIGNIN_MAX_FAILURES_PER_ADDRESS', 'SIGNIN_BLOCK_SECONDS', 'WEBHOOK_TIMEOUT_SECONDS',
        'OFFBOARDING_BATCH_CONCURRENCY', 'OFFBOARDING_BATCH_CHILDREN_PER_RUN', 'EXPORT_STALL_TIMEOUT_SECONDS', 'EXPORT_MAX_CONCURRENT', 'AUTH_CACHE'].map((k) => [k, '']),
    );
    expect(loadConfig(blank)).toEqual(loadConfig({}));
  });

  test('whitespace-only values count as unset too (PORT="  " must not become port 0)', () => {
    expect(loadConfig({ PORT: '  ', DATABASE_URL: ' ' })).toEqual(loadConfig({}));
  });

  test('the export cap defaults to a quarter of DATABASE_POOL_MAX, at least one', () => {
    expect([1, 3, 4, 10, 40].map((n) => loadConfig({ DATABASE_POOL_MAX: String(n) }).streams.maxConcurrent)).toEqual([1, 1, 1, 2, 10]);
  });

  test('unrelated variables are ignored', () => {
    expect(loadConfig({ PATH: '/usr/bin', HOME: '/root', SOMETHING_ELSE: 'x' })).toEqual(loadConfig({}));
  });
});

describe('loadConfig parses every variable', () => {
  test('all variables set', () => {
    const hmac = STRONG;
    const previous = 'prev-Qw8kLmZr4TxNb2VhJc9FsYd6PgUe3Ha';
    expect(
      loadConfig({
        NODE_ENV: 'production',
        LOG_LEVEL: 'warn',
        PORT: '8080',
        TRUST_PROXY: '10.0.0.0/8, 192.0.2.1',
        API_DOCS: 'false',
        SESSION_IDLE_SECONDS: '600',
        DATABASE_URL: 'postgresql://app:pw@db.internal:5432/custodian',
        DATABASE_POOL_MAX: '25',
        TEMPORAL_ADDRESS: 'temporal.internal:7233',
        TEMPORAL_NAMESPACE: 'prod',
        TEMPORAL_TASK_QUEUE: 'custodian-prod',
        TEMPORAL_DEADLINE_SECONDS: '30',
        WORKER_METRICS_ADDRESS: '0.0.0.0:9464',
        HMAC_SECRET_PREVIOUS: previous,
        SMTP_URL: 'smtps://mailer:pw@smtp.internal:465',
        MAIL_FROM: 'Ops <ops@example.com>',
        HMAC_SECRET: hmac,
        SESSION_TTL_SECONDS: '60',
        MERGE_TTL_SECONDS: '120',
        ACCOUNT_CREATION_TTL_SECONDS: '300',
        PASSWORD_RESET_TTL_SECONDS: '900',
        INVITATION_TTL_SECONDS: '86400',
        INVITATION_RESEND_INTERVAL_SECONDS: '30',
        PASSWORD_EXPIRY_SWEEP_AT: '23:45',
        PASSWORD_EXPIRY_SWEEP_TIMEZONE: 'Europe/Amsterdam',
        SIGNIN_MAX_FAILURES_PER_ACCOUNT: '3',
        SIGNIN_MAX_FAILURES_PER_ADDRESS: '7',
        SIGNIN_BLOCK_SECONDS: '30',
        WEBHOOK_TIMEOUT_SECONDS: '5',
        OFFBOARDING_BATCH_CONCURRENCY: '50',
        OFFBOARDING_BATCH_CHILDREN_PER_RUN: '100',
        EXPORT_STALL_TIMEOUT_SECONDS: '45',
        EXPORT_MAX_CONCURRENT: '4',
        AUTH_CACHE: 'false',
      }),
    ).toEqual({
      env: 'production',
      logLevel: 'warn',
      port: 8080,
      trustProxy: ['10.0.0.0/8', '192.0.2.1'],
      apiDocs: false,
      databaseUrl: 'postgresql://app:pw@db.internal:5432/custodian',
      databasePoolMax: 25,
      temporal: { address: 'temporal.internal:7233', namespace: 'prod', taskQueue: 'custodian-prod', deadlineMs: 30_000 },
      smtpUrl: 'smtps://mailer:pw@smtp.internal:465',
      mailFrom: 'Ops <ops@example.com>',
      keys: deriveKeys(hmac),
      previousKeys: deriveKeys(previous),
      workerMetrics: { address: '0.0.0.0:9464' },
      sessionTtlMs: 60_000,
      sessionIdleSeconds: 600,
      mergeTtlMs: 120_000,
      accountCreationTtlMs: 300_000,
      invitationTtlMs: 86_400_000,
      invitationResendIntervalMs: 30_000,
      passwordResetTtlMs: 900_000,
      passwordExpirySweep: { hour: 23, minute: 45, timezone: 'Europe/Amsterdam' },
      signInThrottle: { maxFailuresPerAccount: 3, maxFailuresPerAddress: 7, blockSeconds: 30 },
      // Production: a webhook may not point at loopback.
      webhooks: { timeoutMs: 5000, allowLoopback: false },
      offboardingBatch: { concurrency: 50, childrenPerRun: 100 },
      streams: { stallTimeoutMs: 45_000, maxConcurrent: 4 },
      authCache: false,
    });
  });

  test.each([['true', true], ['1', true], ['false', false], ['0', false]])('AUTH_CACHE=%s turns the token cache %j', (value, expected) => {
    expect(loadConfig({ AUTH_CACHE: value }).authCache).toBe(expected);
  });

  test.each([
    ['false', false], ['0', false], ['1', 1], ['2', 2], ['loopback', ['loopback']], ['10.0.0.0/8,fd00::/8', ['10.0.0.0/8', 'fd00::/8']],
  ])('TRUST_PROXY=%s is %j, as Express takes it', (value, expected) => {
    expect(loadConfig({ TRUST_PROXY: value }).trustProxy).toEqual(expected);
  });

  test.each(['true', 'yes', '10.0.0.0/8; rm -rf', '1e3'])('TRUST_PROXY=%s is refused: true would trust a forged X-Forwarded-For', (value) => {
    expect(() => loadConfig({ TRUST_PROXY: value })).toThrow(/TRUST_PROXY/);
  });

  test.each(['0', '1', '65535'])('PORT=%s is accepted', (value) => {
    expect(loadConfig({ PORT: value }).port).toBe(Number(value));
  });

  test.each(['postgres://h/db', 'postgresql://u:p@h:1/db'])('DATABASE_URL %s is accepted', (url) => {
    expect(loadConfig({ DATABASE_URL: url }).databaseUrl).toBe(url);
  });

  test.each(['smtp://h:25', 'smtps://u:p@h:465'])('SMTP_URL %s is accepted', (url) => {
    expect(loadConfig({ SMTP_URL: url }).smtpUrl).toBe(url);
  });

  test.each(['development', 'test', 'production'])('NODE_ENV=%s is accepted (with a secret)', (value) => {
    expect(loadConfig({ NODE_ENV: value, HMAC_SECRET: STRONG }).env).toBe(value);
  });
});

describe('loadConfig rejects bad values, naming the variable and never echoing the value', () => {
  test.each<[string, string]>([
    ['PORT', 'abc'],
    ['PORT', '65536'],
    ['PORT', '-1'],
    ['PORT', '80.5'],
    ['PORT', '1e3'],
    ['PORT', '0x10'],
    ['SESSION_TTL_SECONDS', '0'],
    ['DATABASE_URL', `mysql://root:${SECRET}@db/custodian`],
    ['DATABASE_URL', `not a url ${SECRET}`],
    ['DATABASE_URL', `http://user:${SECRET}@db/custodian`],
    ['SMTP_URL', `http://user:${SECRET}@mail`],
    ['SMTP_URL', `imap://user:${SECRET}@mail`],
    ['SMTP_URL', SECRET],
    ['DATABASE_POOL_MAX', '0'],
    ['DATABASE_POOL_MAX', '101'],
    ['DATABASE_POOL_MAX', 'many'],
    ['SESSION_TTL_SECONDS', '0'],
    ['SESSION_TTL_SECONDS', '-5'],
    ['SESSION_TTL_SECONDS', '1.5'],
    ['SESSION_TTL_SECONDS', String(11 * 365 * 24 * 3600)],
    ['MERGE_TTL_SECONDS', 'forever'],
    ['ACCOUNT_CREATION_TTL_SECONDS', '0'],
    ['PASSWORD_RESET_TTL_SECONDS', '1h'],
    ['INVITATION_TTL_SECONDS', '0'],
    ['INVITATION_TTL_SECONDS', '7d'],
    ['INVITATION_RESEND_INTERVAL_SECONDS', '-1'],
    ['PASSWORD_EXPIRY_SWEEP_AT', '24:00'],
    ['PASSWORD_EXPIRY_SWEEP_AT', '3:00'],
    ['PASSWORD_EXPIRY_SWEEP_TIMEZONE', 'Mars/Olympus_Mons'],
    ['SIGNIN_MAX_FAILURES_PER_ACCOUNT', '0'],
    ['SIGNIN_MAX_FAILURES_PER_ADDRESS', 'lots'],
    ['SIGNIN_BLOCK_SECONDS', '-1'],
    ['WEBHOOK_TIMEOUT_SECONDS', '0'],
    ['WEBHOOK_TIMEOUT_SECONDS', '61'],
    ['OFFBOARDING_BATCH_CONCURRENCY', '0'],
    ['OFFBOARDING_BATCH_CONCURRENCY', '501'],
    ['OFFBOARDING_BATCH_CHILDREN_PER_RUN', '0'],
    ['EXPORT_STALL_TIMEOUT_SECONDS', '0'],
    ['EXPORT_STALL_TIMEOUT_SECONDS', '3601'],
    ['EXPORT_MAX_CONCURRENT', '0'],
    ['EXPORT_MAX_CONCURRENT', 'half'],
    ['EXPORT_MAX_CONCURRENT', '11'],
    ['AUTH_CACHE', 'no'],
    ['NODE_ENV', SECRET],
    ['LOG_LEVEL', SECRET],
    ['TRUST_PROXY', SECRET],
    ['MAIL_FROM', 'q!'],
    ['HMAC_SECRET', 'too-short-S3CRET'],
  ])('%s=%s', (name, value) => {
    const err = configError({ [name]: value });
    expect(err.name).toBe('ConfigError');
    expect(err.issues).toEqual([expect.stringMatching(new RegExp(`^${name}: `))]);
    expect(err.message).toContain(name);
    // Short numbers may legitimately appear in a reason ("expected >0"); longer values must never.
    if (value.length >= 6) expect(err.message).not.toContain(value);
    expect(err.message).not.toContain(SECRET);
  });

  test('every bad variable is reported at once', () => {
    const err = configError({ PORT: 'abc', SMTP_URL: 'ftp://x', DATABASE_POOL_MAX: '0' });
    expect(err.issues.map((i) => i.split(':')[0]).sort()).toEqual(['DATABASE_POOL_MAX', 'PORT', 'SMTP_URL']);
  });

  test('a short HMAC_SECRET fails, without echoing it', () => {
    const short = `S3CRET-${STRONG}`.slice(0, 31);
    const err = configError({ HMAC_SECRET: short });
    expect(err.issues).toEqual([expect.stringMatching(/^HMAC_SECRET: .*32/)]);
    expect(err.message).not.toContain(short);
    expect(loadConfig({ HMAC_SECRET: short + 'x' }).keys).toEqual(deriveKeys(short + 'x'));
  });

  test('NODE_ENV=production requires HMAC_SECRET; the reason states the rule: required unless development or test', () => {
    expect(configError({ NODE_ENV: 'production' }).issues).toEqual([
      expect.stringMatching(/^HMAC_SECRET: .*required unless NODE_ENV is development or test/),
    ]);
    // An empty HMAC_SECRET is "unset", so it does not satisfy production either.
    expect(configError({ NODE_ENV: 'production', HMAC_SECRET: '' }).issues).toEqual([expect.stringMatching(/^HMAC_SECRET: /)]);
  });

  test('in development and test, without a secret, the development keys stand in', () => {
    expect(loadConfig({ NODE_ENV: 'test' }).keys).toEqual(deriveKeys(DEV_SECRET));
    expect(loadConfig({ NODE_ENV: 'development' }).keys).toEqual(deriveKeys(DEV_SECRET));
  });
});

describe('HMAC_SECRET: placeholders are refused and the secret itself goes no further than config', () => {
  const COMPOSE = readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8');
  // Every default docker-compose.yml gives HMAC_SECRET (`${HMAC_SECRET:-…}`); it should give none now.
  const composeDefaults = [...COMPOSE.matchAll(/\$\{HMAC_SECRET:-([^}]*)\}/g)].map((m) => m[1]);

  test.each([
    ['the development secret', DEV_SECRET],
    ['the value docker-compose.yml used to ship', 'change-me-to-a-random-secret-of-32-chars-or-more'],
    ...composeDefaults.map((v) => ['a default in docker-compose.yml', v]),
    ['a change-me', 'please-Change_Me-before-deploying-9f8e7d'],
    ['a CHANGEME', 'CHANGEME-9f8e7d6c5b4a-CHANGEME-31ab'],
    ['a placeholder', 'placeholder-for-the-real-hmac-key-2024'],
    ['an example', 'an-example-hmac-secret-for-the-docs-42'],
    ['"secret" repeated', 'secretsecretsecretsecretsecretsecret'],
    ['one character repeated', 'x'.repeat(40)],
    ['nine distinct characters', 'qzxwvkjmy'.repeat(4)],
  ])('%s is refused, in production and in development, without echoing it', (_what, value) => {
    for (const NODE_ENV of ['production', 'development']) {
      const err = configError({ NODE_ENV, HMAC_SECRET: value });
      expect(err.issues).toEqual([expect.stringMatching(/^HMAC_SECRET: .*placeholder/)]);
      expect(err.message).not.toContain(value);
    }
  });

  test('docker-compose.yml ships no working HMAC_SECRET: compose fails when it is unset', () => {
    expect(composeDefaults).toEqual([]);
    expect(COMPOSE).toMatch(/HMAC_SECRET: \$\{HMAC_SECRET:\?[^}]+\}/);
  });

  test('random secrets pass, ten distinct characters being enough', () => {
    for (let i = 0; i < 50; i++) {
      expect(() => loadConfig({ NODE_ENV: 'production', HMAC_SECRET: randomBytes(32).toString('hex') })).not.toThrow();
      expect(() => loadConfig({ NODE_ENV: 'production', HMAC_SECRET: randomBytes(32).toString('base64url') })).not.toThrow();
    }
    expect(loadConfig({ NODE_ENV: 'production', HMAC_SECRET: 'qzxwvkjmyp'.repeat(4) }).keys.keyId).toMatch(/^[0-9a-f]{8}$/);
  });

  test('development and test run without a secret and config prints nothing about it', () => {
    const out = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const err = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(loadConfig({ NODE_ENV: 'development' }).keys.keyId).toBe(deriveKeys(DEV_SECRET).keyId);
      expect(loadConfig({ NODE_ENV: 'test' }).keys.keyId).toBe(deriveKeys(DEV_SECRET).keyId);
      expect(out).not.toHaveBeenCalled();
      expect(err).not.toHaveBeenCalled();
    } finally {
      out.mockRestore();
      err.mockRestore();
    }
  });

  test('the config holds the derived keys, never the secret, and serialises to the key id only', () => {
    const config = loadConfig({ NODE_ENV: 'production', HMAC_SECRET: STRONG });
    expect(Object.values(config)).not.toContain(STRONG);
    const json = JSON.stringify(config);
    const shown = inspect(config, { depth: 10 });
    for (const text of [json, shown]) {
      expect(text).not.toContain(STRONG);
      expect(text).not.toContain(config.keys.codeHmac.toString('hex'));
      expect(text).toContain(config.keys.keyId);
    }
  });
});

describe('loadConfigOrExit', () => {
  test('returns the config when the environment is valid', () => {
    expect(loadConfigOrExit({ PORT: '4000' }).port).toBe(4000);
  });

  test('writes the reasons to stderr and exits with 78 (EX_CONFIG)', () => {
    const exit = jest.spyOn(process, 'exit').mockImplementation(((code?: number) => {
      throw new Error(`exit ${code}`);
    }) as never);
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(() => loadConfigOrExit({ PORT: 'abc', DATABASE_URL: `mysql://root:${SECRET}@db/x` })).toThrow('exit 78');
      expect(exit).toHaveBeenCalledWith(78);
      const written = stderr.mock.calls.map((c) => String(c[0])).join('');
      expect(written).toContain('PORT');
      expect(written).toContain('DATABASE_URL');
      expect(written).not.toContain(SECRET);
    } finally {
      exit.mockRestore();
      stderr.mockRestore();
    }
  });

  test('the real API entry fails fast: exit code 78 and PORT named on stderr', () => {
    // A minimal environment, so nothing from the test run (or a developer's shell) leaks into the child.
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'api/server.ts'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PORT: 'abc', HMAC_SECRET: `short-${SECRET}` },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(r.error).toBeUndefined();
    expect(r.status).toBe(78);
    expect(r.stderr).toContain('PORT');
    expect(r.stderr).toContain('HMAC_SECRET');
    expect(r.stderr).not.toContain(SECRET);
    expect(r.stdout).toBe('');
  }, 35_000);

  test('the real API entry refuses the old compose placeholder in production: exit 78, value not echoed', () => {
    const placeholder = 'change-me-to-a-random-secret-of-32-chars-or-more';
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'api/server.ts'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NODE_ENV: 'production', HMAC_SECRET: placeholder },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(r.status).toBe(78);
    expect(r.stderr).toMatch(/HMAC_SECRET: .*placeholder/);
    expect(r.stderr + r.stdout).not.toContain(placeholder);
  }, 35_000);
});
