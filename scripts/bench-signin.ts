import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import { createSql } from '../db/client';
import { insertAccount, insertProfile } from '../db/queries/people';
import { ARGON2_PARAMS, hashPassword } from '../lib/passwords';

/**
 * `npm run bench:signin [-- --json] [-- --demo]`: sign-in throughput and latency against a running stack
 * (`npm start`), side by side with `/healthz` in the same run:
 *   1. /healthz alone, BENCH_SIGNIN_CONCURRENCY requests at a time: what the API answers when nothing is hashed;
 *   2. POST /v1/sessions, the same concurrency, round-robin over the bench accounts, while one probe calls
 *      /healthz every 20 ms: the sign-in figures, and what another client waits meanwhile (does argon2 work
 *      starve everything else?).
 * Each phase stops at BENCH_SIGNIN_SECONDS or BENCH_SIGNIN_MAX_REQUESTS, whichever comes first.
 * The accounts are created directly in DATABASE_URL (BENCH_SIGNIN_ACCOUNTS of them, tagged `bench-signin-<run>`,
 * left in place like bench:merge's); `--demo` signs in as the three demo accounts instead, without the database.
 * Successful sign-ins spend no throttle budget, so the run is never throttled.
 */
const env = z
  .object({
    API_URL: z.url().default('http://localhost:3000'),
    DATABASE_URL: z.string().default('postgres://postgres:postgres@localhost:5433/custodian'),
    BENCH_SIGNIN_ACCOUNTS: z.coerce.number().int().min(1).max(200).default(20),
    BENCH_SIGNIN_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(8),
    BENCH_SIGNIN_SECONDS: z.coerce.number().min(1).max(120).default(10),
    BENCH_SIGNIN_MAX_REQUESTS: z.coerce.number().int().min(10).max(20_000).default(2_000),
  })
  .parse(process.env);
const args = new Set(process.argv.slice(2));
const asJson = args.has('--json');
const demo = args.has('--demo');

const PASSWORD = 'Bench-signin-2026!';
const PROBE_PAUSE_MS = 20;
const DEMO = { password: 'Merge-me-2026!', emails: ['ada@demo.custodian.test', 'ada.lovelace@demo.custodian.test', 'grace@demo.custodian.test'] };

interface Stats {
  requests: number;
  errors: number;
  seconds: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Statuses other than the expected one, with their counts. */
  unexpected: Record<string, number>;
}

const percentile = (xs: number[], p: number) => {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};
const round = (n: number) => Math.round(n * 10) / 10;

function stats(latencies: number[], errors: number, seconds: number, unexpected: Record<string, number>): Stats {
  return {
    requests: latencies.length + errors,
    errors,
    seconds: round(seconds),
    perSecond: round(latencies.length / seconds),
    p50Ms: round(percentile(latencies, 50)),
    p99Ms: round(percentile(latencies, 99)),
    maxMs: round(latencies.length ? Math.max(...latencies) : 0),
    unexpected,
  };
}

/**
 * Runs `workers` loops of `request` until the deadline or the request budget, timing each answer.
 * Only answers with `expected` status count as latencies; everything else is an error.
 */
async function load(
  workers: number,
  budget: { deadline: number; maxRequests: number; pauseMs?: number },
  expected: number,
  request: (i: number) => Promise<Response>,
  stop?: () => boolean,
): Promise<Stats> {
  const latencies: number[] = [];
  const unexpected: Record<string, number> = {};
  let errors = 0;
  let issued = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (issued < budget.maxRequests && performance.now() < budget.deadline && !stop?.()) {
        const i = issued++;
        const t0 = performance.now();
        try {
          const res = await request(i);
          await res.arrayBuffer();
          if (res.status === expected) latencies.push(performance.now() - t0);
          else {
            errors++;
            unexpected[res.status] = (unexpected[res.status] ?? 0) + 1;
          }
        } catch {
          errors++;
          unexpected.network = (unexpected.network ?? 0) + 1;
        }
        if (budget.pauseMs) await new Promise((resolve) => setTimeout(resolve, budget.pauseMs));
      }
    }),
  );
  return stats(latencies, errors, (performance.now() - started) / 1000, unexpected);
}

async function benchAccounts(): Promise<{ emails: string[]; password: string }> {
  if (demo) return DEMO;
  const sql = createSql({ databaseUrl: env.DATABASE_URL, max: 2, applicationName: 'custodian-bench' });
  const hash = await hashPassword(PASSWORD);
  const run = randomUUID().slice(0, 8);
  const emails: string[] = [];
  try {
    for (let i = 0; i < env.BENCH_SIGNIN_ACCOUNTS; i++) {
      const profileId = randomUUID();
      const email = `bench-signin-${run}-${i}@bench.custodian.test`;
      await insertProfile(sql, { id: profileId, displayName: `Bench sign-in ${i}` });
      await insertAccount(sql, { id: randomUUID(), profileId, email, passwordHash: hash });
      emails.push(email);
    }
  } finally {
    await sql.end();
  }
  return { emails, password: PASSWORD };
}

/** Median of a few hashes in this process: the cost of one argon2id hash on this machine, at the server's parameters. */
async function localHashMs(): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    await hashPassword(`${PASSWORD}-${i}`);
    times.push(performance.now() - t0);
  }
  return round(percentile(times, 50));
}

async function main(): Promise<void> {
  const health = await fetch(`${env.API_URL}/healthz`).catch((err: unknown) => {
    throw new Error(`the API at ${env.API_URL} does not answer (${err instanceof Error ? err.message : String(err)}); start it with npm start`);
  });
  if (!health.ok) throw new Error(`GET /healthz -> ${health.status}`);
  const argon2 = { algorithm: 'argon2id', memoryKiB: ARGON2_PARAMS.memoryCost, iterations: ARGON2_PARAMS.timeCost, parallelism: ARGON2_PARAMS.parallelism, hashMsHere: await localHashMs() };
  const { emails, password } = await benchAccounts();
  const concurrency = env.BENCH_SIGNIN_CONCURRENCY;
  const ms = env.BENCH_SIGNIN_SECONDS * 1000;
  const healthz = () => fetch(`${env.API_URL}/healthz`);
  const signIn = (i: number) =>
    fetch(`${env.API_URL}/v1/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: emails[i % emails.length], password }),
    });

  // Warm-up: connections, the API's dummy hash and the JIT, outside the figures. It must sign in, or
  // the run stops here rather than hammering the throttle with wrong passwords.
  const warm = await load(Math.min(concurrency, emails.length), { deadline: performance.now() + 10_000, maxRequests: Math.min(concurrency, emails.length) }, 201, signIn);
  if (warm.errors > 0) {
    throw new Error(`warm-up sign-ins failed ${JSON.stringify(warm.unexpected)}${demo ? ': are the demo accounts seeded (npm run seed:demo)?' : ''}`);
  }

  const healthzAlone = await load(concurrency, { deadline: performance.now() + ms / 2, maxRequests: env.BENCH_SIGNIN_MAX_REQUESTS }, 200, healthz);
  let signingIn = true;
  const deadline = performance.now() + ms;
  const [signInStats, healthzDuring] = await Promise.all([
    load(concurrency, { deadline, maxRequests: env.BENCH_SIGNIN_MAX_REQUESTS }, 201, signIn).finally(() => {
      signingIn = false;
    }),
    // One probe every PROBE_PAUSE_MS: it measures what another client waits, without adding load of its own.
    load(1, { deadline, maxRequests: Number.MAX_SAFE_INTEGER, pauseMs: PROBE_PAUSE_MS }, 200, healthz, () => !signingIn),
  ]);

  const result = {
    apiUrl: env.API_URL,
    accounts: demo ? 'demo' : emails.length,
    concurrency,
    argon2,
    signIn: signInStats,
    healthzAlone,
    healthzDuringSignIn: healthzDuring,
  };
  if (asJson) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } else {
    const row = (name: string, s: Stats) =>
      `  ${name.padEnd(40)} ${String(s.requests).padStart(6)} ${s.perSecond.toFixed(1).padStart(9)} ${s.p50Ms.toFixed(1).padStart(8)} ${s.p99Ms.toFixed(1).padStart(8)} ${s.maxMs.toFixed(1).padStart(8)} ${String(s.errors).padStart(6)}`;
    process.stdout.write(
      `argon2id m=${argon2.memoryKiB} KiB (${(argon2.memoryKiB / 1024).toFixed(0)} MiB), t=${argon2.iterations}, p=${argon2.parallelism}; one hash here: ${argon2.hashMsHere} ms\n` +
        `${env.API_URL}, ${result.accounts} accounts, ${concurrency} concurrent, up to ${env.BENCH_SIGNIN_SECONDS} s / ${env.BENCH_SIGNIN_MAX_REQUESTS} requests per phase\n` +
        `  ${'phase'.padEnd(40)} ${'reqs'.padStart(6)} ${'req/s'.padStart(9)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'max ms'.padStart(8)} ${'errors'.padStart(6)}\n` +
        `${row(`GET /healthz alone (${concurrency})`, healthzAlone)}\n` +
        `${row(`POST /v1/sessions (${concurrency})`, signInStats)}\n` +
        `${row(`GET /healthz during sign-ins (1 per ${PROBE_PAUSE_MS} ms)`, healthzDuring)}\n`,
    );
    for (const [name, s] of [['sign-in', signInStats], ['healthz alone', healthzAlone], ['healthz during sign-ins', healthzDuring]] as const) {
      if (s.errors) process.stdout.write(`  ${name}: unexpected answers ${JSON.stringify(s.unexpected)}\n`);
    }
  }
  if (signInStats.errors > signInStats.requests / 2) throw new Error(`most sign-ins failed: ${JSON.stringify(signInStats.unexpected)}`);
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
