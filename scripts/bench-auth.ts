import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import { createSql } from '../db/client';
import { insertAccount, insertProfile } from '../db/queries/people';
import { hashPassword } from '../lib/passwords';
import { machine, percentile } from './bench/measure';

/**
 * `npm run bench:auth [-- --json]`: what each credential costs, side by side in one run against one running API
 * (API_URL, by default the `npm start` one). The same endpoint, `GET /v1/credentials/current` (authentication and a
 * small JSON answer, nothing else), authenticated by:
 *   - a personal access token (`Authorization: mxtoken`): checksum, then the process's token cache (one indexed read on a miss);
 *   - a session (`Authorization: Bearer`): one read, and the password-expiry check;
 *   - an API key (`Mendix-Username` + `Mendix-ApiKey`): one indexed read;
 * and `GET /healthz`, which authenticates nothing, as the ceiling. BENCH_AUTH_CONCURRENCY requests at a time. The
 * phases are interleaved over BENCH_AUTH_ROUNDS rounds of BENCH_AUTH_SECONDS / rounds each, so a machine whose
 * load drifts during the run treats every phase alike. Target: PAT throughput at least 0.8 of /healthz.
 * Last, a token is deleted and the very next request with it must be refused (403).
 * The account is created directly in DATABASE_URL (tagged `bench-auth-<run>`, left in place like the other
 * benches'), then signs in, creates its token and key over HTTP, as a user would.
 */
const env = z
  .object({
    API_URL: z.url().default('http://localhost:3000'),
    DATABASE_URL: z.string().default('postgres://postgres:postgres@localhost:5433/custodian'),
    BENCH_AUTH_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(8),
    BENCH_AUTH_SECONDS: z.coerce.number().min(1).max(600).default(20),
    BENCH_AUTH_ROUNDS: z.coerce.number().int().min(1).max(20).default(4),
    BENCH_AUTH_MAX_REQUESTS: z.coerce.number().int().min(10).max(1_000_000).default(200_000),
  })
  .parse(process.env);
const asJson = process.argv.slice(2).includes('--json');

const PASSWORD = 'Bench-auth-2026!x';
const ENDPOINT = '/v1/credentials/current';
const round1 = (n: number) => Math.round(n * 10) / 10;

interface Sample {
  latencies: number[];
  errors: number;
  unexpected: Record<string, number>;
  seconds: number;
}

/** `workers` loops of `request` for `ms`, timing every answer; only `expected` counts as a latency. */
async function load(workers: number, ms: number, maxRequests: number, expected: number, request: () => Promise<Response>): Promise<Sample> {
  const latencies: number[] = [];
  const unexpected: Record<string, number> = {};
  let errors = 0;
  let issued = 0;
  const started = performance.now();
  const deadline = started + ms;
  await Promise.all(Array.from({ length: workers }, async () => {
    while (issued < maxRequests && performance.now() < deadline) {
      issued++;
      const t0 = performance.now();
      try {
        const res = await request();
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
    }
  }));
  return { latencies, errors, unexpected, seconds: (performance.now() - started) / 1000 };
}

function merge(samples: Sample[]): Sample {
  const unexpected: Record<string, number> = {};
  for (const s of samples) for (const [k, v] of Object.entries(s.unexpected)) unexpected[k] = (unexpected[k] ?? 0) + v;
  return {
    latencies: samples.flatMap((s) => s.latencies),
    errors: samples.reduce((a, s) => a + s.errors, 0),
    unexpected,
    seconds: samples.reduce((a, s) => a + s.seconds, 0),
  };
}

const stats = (s: Sample) => ({
  requests: s.latencies.length + s.errors,
  errors: s.errors,
  seconds: round1(s.seconds),
  perSecond: round1(s.latencies.length / s.seconds),
  p50Ms: round1(percentile(s.latencies, 50) || 0),
  p99Ms: round1(percentile(s.latencies, 99) || 0),
  maxMs: round1(s.latencies.length ? Math.max(...s.latencies) : 0),
  unexpected: s.unexpected,
});

async function http(method: string, path: string, headers: Record<string, string>, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(env.API_URL + path, {
    method, headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

async function expectStatus(what: string, r: Promise<{ status: number; body: Record<string, unknown> }>, status: number) {
  const got = await r;
  if (got.status !== status) throw new Error(`${what}: expected ${status}, got ${got.status} ${JSON.stringify(got.body)}`);
  return got.body;
}

/** A fresh account in the database, then a session, a token and a key over HTTP. */
async function credentials() {
  const sql = createSql({ databaseUrl: env.DATABASE_URL, max: 1, applicationName: 'custodian-bench' });
  const run = randomUUID().slice(0, 8);
  const email = `bench-auth-${run}@bench.custodian.test`;
  try {
    const profileId = randomUUID();
    await insertProfile(sql, { id: profileId, displayName: `Bench auth ${run}` });
    await insertAccount(sql, { id: randomUUID(), profileId, email, passwordHash: await hashPassword(PASSWORD) });
  } finally {
    await sql.end();
  }
  const session = await expectStatus('sign-in', http('POST', '/v1/sessions', {}, { email, password: PASSWORD }), 201);
  const bearer = { authorization: `Bearer ${String(session.token)}` };
  const pat = await expectStatus('token creation', http('POST', '/v1/developer-settings/personal-access-tokens', bearer, { name: `bench-auth-${run}`, scopes: ['profile:read'] }), 201);
  const key = await expectStatus('key creation', http('POST', '/v1/developer-settings/api-keys', bearer, { name: `bench-auth-${run}` }), 201);
  return {
    run,
    bearer,
    pat: { id: String(pat.id), headers: { authorization: `mxtoken ${String(pat.token)}` } },
    apiKey: { 'mendix-username': String(key.username), 'mendix-apikey': String(key.key) },
  };
}

async function main(): Promise<void> {
  const health = await fetch(`${env.API_URL}/healthz`).catch((err: unknown) => {
    throw new Error(`the API at ${env.API_URL} does not answer (${err instanceof Error ? err.message : String(err)}); start it with npm start`);
  });
  if (!health.ok) throw new Error(`GET /healthz -> ${health.status}`);
  const c = await credentials();

  const phases = {
    healthz: { label: 'GET /healthz (no credential)', expected: 200, request: () => fetch(`${env.API_URL}/healthz`) },
    pat: { label: `GET ${ENDPOINT}, personal access token`, expected: 200, request: () => fetch(env.API_URL + ENDPOINT, { headers: c.pat.headers }) },
    session: { label: `GET ${ENDPOINT}, session`, expected: 200, request: () => fetch(env.API_URL + ENDPOINT, { headers: c.bearer }) },
    apiKey: { label: `GET ${ENDPOINT}, API key`, expected: 200, request: () => fetch(env.API_URL + ENDPOINT, { headers: c.apiKey }) },
  } as const;
  type Phase = keyof typeof phases;
  const order = Object.keys(phases) as Phase[];
  const concurrency = env.BENCH_AUTH_CONCURRENCY;

  // Warm-up: connections, prepared statements and the JIT, outside the figures. Each credential must work.
  for (const name of order) {
    const warm = await load(concurrency, 1000, 2000, phases[name].expected, phases[name].request);
    if (warm.errors > 0) throw new Error(`warm-up of ${name} failed: ${JSON.stringify(warm.unexpected)}`);
  }

  const sliceMs = (env.BENCH_AUTH_SECONDS * 1000) / env.BENCH_AUTH_ROUNDS;
  const samples: Record<Phase, Sample[]> = { healthz: [], pat: [], session: [], apiKey: [] };
  for (let r = 0; r < env.BENCH_AUTH_ROUNDS; r++) {
    // Each round starts with another phase, so none always follows the same one.
    for (let i = 0; i < order.length; i++) {
      const name = order[(i + r) % order.length]!;
      samples[name].push(await load(concurrency, sliceMs, env.BENCH_AUTH_MAX_REQUESTS, phases[name].expected, phases[name].request));
    }
  }
  const figures = Object.fromEntries(order.map((name) => [name, stats(merge(samples[name]))])) as Record<Phase, ReturnType<typeof stats>>;
  const ratio = (name: Phase) => round1((figures[name].perSecond / figures.healthz.perSecond) * 100) / 100;

  // A deleted token is refused on the very next request.
  const deleted = await http('DELETE', `/v1/developer-settings/personal-access-tokens/${c.pat.id}`, c.bearer);
  const next = await http('GET', ENDPOINT, c.pat.headers);

  const result = {
    apiUrl: env.API_URL,
    machine: machine(),
    endpoint: ENDPOINT,
    concurrency,
    rounds: env.BENCH_AUTH_ROUNDS,
    secondsPerPhase: env.BENCH_AUTH_SECONDS,
    ...figures,
    ratioToHealthz: { pat: ratio('pat'), session: ratio('session'), apiKey: ratio('apiKey') },
    target: { patAtLeast: 0.8, met: ratio('pat') >= 0.8 },
    deletedTokenNextRequest: { deleteStatus: deleted.status, nextStatus: next.status, code: next.body.code ?? null, refused: next.status === 403 },
  };
  if (asJson) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return;
  }
  const row = (label: string, s: ReturnType<typeof stats>, r?: number) =>
    `  ${label.padEnd(48)} ${String(s.requests).padStart(7)} ${s.perSecond.toFixed(1).padStart(9)} ${s.p50Ms.toFixed(1).padStart(7)} ${s.p99Ms.toFixed(1).padStart(7)} ${s.maxMs.toFixed(1).padStart(7)} ${String(s.errors).padStart(6)} ${r === undefined ? '' : r.toFixed(2).padStart(6)}`;
  process.stdout.write(
    `${env.API_URL}, ${concurrency} concurrent, ${env.BENCH_AUTH_ROUNDS} interleaved rounds, ${env.BENCH_AUTH_SECONDS} s per phase in all; ` +
    `${result.machine.cores} cores, load average ${result.machine.loadavg.join(' ')} at the end\n` +
    `  ${'phase'.padEnd(48)} ${'reqs'.padStart(7)} ${'req/s'.padStart(9)} ${'p50 ms'.padStart(7)} ${'p99 ms'.padStart(7)} ${'max ms'.padStart(7)} ${'errors'.padStart(6)} ${'×healthz'.padStart(6)}\n` +
    `${row(phases.healthz.label, figures.healthz, 1)}\n` +
    `${row(phases.pat.label, figures.pat, ratio('pat'))}\n` +
    `${row(phases.session.label, figures.session, ratio('session'))}\n` +
    `${row(phases.apiKey.label, figures.apiKey, ratio('apiKey'))}\n` +
    `PAT throughput ${ratio('pat').toFixed(2)} × /healthz (target ≥ 0.8): ${result.target.met ? 'met' : 'NOT met'}\n` +
    `deleted token, next request: ${next.status} ${String(next.body.code ?? '')} (${result.deletedTokenNextRequest.refused ? 'refused' : 'NOT refused'})\n`,
  );
  for (const name of order) if (figures[name].errors) process.stdout.write(`  ${name}: unexpected answers ${JSON.stringify(figures[name].unexpected)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:auth failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
