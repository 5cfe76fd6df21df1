import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import v8 from 'node:v8';
import vm from 'node:vm';
import { Client, Connection } from '@temporalio/client';
import postgres from 'postgres';
import { z } from 'zod';
import { createApp } from '../api/app';
import { createSql } from '../db/client';
import { migrate } from '../db/migrate';
import { countBenchMembers, insertBenchServiceAccount, seedMembersBench } from '../db/queries/companyMembersBench';
import { loadConfig } from '../lib/config';
import { sha256 } from '../lib/crypto';
import { createLogger } from '../lib/logger';
import { newSecret } from '../lib/tokenFormat';
import { machine, summary } from './bench/measure';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from './devstack/embeddedPostgres';
import { freePort, waitFor } from './devstack/ports';

/**
 * `npm run bench:members [-- --json] [-- --embedded-postgres]`: the member listing at 100,000 members, over HTTP
 * against the real API app.
 *   1. creates a fresh database on the Postgres server of DATABASE_URL (the `npm start` one by default; with
 *      `--embedded-postgres`, a throwaway embedded server in a temporary directory), migrates it, and seeds two
 *      companies with set-based SQL (db/queries/companyMembersBench.ts): BENCH_MEMBERS_SMALL (10,000) and
 *      BENCH_MEMBERS (100,000) members, with apps, memberships, certifications and external members; each gets a
 *      service account whose token has `company-users:read`;
 *   2. starts the API (`api/server.ts`, NODE_ENV=production) as a child process on that database;
 *   3. pages through the large company's whole listing by cursor, BENCH_MEMBERS_PAGE (100) a page, one request
 *      at a time, with a filter (status=active, then lastActivityBefore), and reports p50/p99 per page as the
 *      client sees it (request sent → JSON parsed), checking that every member was listed once;
 *   4. exports each company's whole listing as CSV, reading the stream without keeping it, and reports the time
 *      to the last byte and the API process's resident memory (VmRSS from /proc, sampled every 20 ms): before the
 *      export and its peak during it. RSS counts garbage not yet collected too, so:
 *   5. exports both again from the same app run in this process, forcing a garbage collection every 100 ms and
 *      reading the V8 heap then: the live memory of the export (the reading client, in the same process, included);
 *   6. stops the API and drops the database (also on Ctrl-C).
 * Targets: p99 ≤ 20 ms per page; CSV ≤ 5 s at 100,000, with memory that does not grow with the member count.
 */
const env = z
  .object({
    DATABASE_URL: z.string().default('postgres://postgres:postgres@localhost:5433/custodian'),
    BENCH_MEMBERS: z.coerce.number().int().min(1000).max(1_000_000).default(100_000),
    BENCH_MEMBERS_SMALL: z.coerce.number().int().min(100).max(1_000_000).default(10_000),
    BENCH_MEMBERS_EXTERNALS: z.coerce.number().int().min(0).max(100_000).default(1_000),
    BENCH_MEMBERS_PAGE: z.coerce.number().int().min(1).max(500).default(100),
  })
  .parse(process.env);
const args = new Set(process.argv.slice(2));
const asJson = args.has('--json');
const say = (msg: string) => {
  if (!asJson) process.stdout.write(`[bench:members] ${msg}\n`);
};
const ms1 = (n: number) => Math.round(n * 10) / 10;
const mb = (kb: number) => Math.round(kb / 1024);
const ROOT = path.resolve(__dirname, '..');

/** The API process's resident set (kB), from /proc; 0 once it has gone. */
function rssKb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

async function startApi(databaseUrl: string): Promise<{ url: string; child: ChildProcess; stop(): Promise<void> }> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'api', 'server.ts')], {
    cwd: ROOT,
    env: {
      ...process.env, NODE_ENV: 'production', LOG_LEVEL: 'warn', PORT: String(port), DATABASE_URL: databaseUrl,
      HMAC_SECRET: randomBytes(32).toString('hex'), TEMPORAL_ADDRESS: '127.0.0.1:7233', API_DOCS: 'false',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  await waitFor('the API', async () => (await fetch(`${url}/healthz`)).ok, 60_000);
  return { url, child, stop: async () => { if (child.exitCode === null) child.kill('SIGTERM'); await exited; } };
}

/** Every page of the listing, one request at a time: each page's latency and every member's uuid. */
async function pageThrough(api: string, companyId: string, headers: Record<string, string>, filter: string) {
  const latencies: number[] = [];
  const seen = new Set<string>();
  let cursor: string | null = null;
  let rows = 0;
  do {
    const t0 = performance.now();
    const res = await fetch(`${api}/v1/companies/${companyId}/members?${filter}&limit=${env.BENCH_MEMBERS_PAGE}${cursor ? `&cursor=${cursor}` : ''}`, { headers });
    const body = (await res.json()) as { items: { uuid: string }[]; nextCursor: string | null };
    latencies.push(performance.now() - t0);
    if (res.status !== 200) throw new Error(`page ${latencies.length}: ${res.status} ${JSON.stringify(body)}`);
    for (const m of body.items) seen.add(m.uuid);
    rows += body.items.length;
    cursor = body.nextCursor;
  } while (cursor);
  const s = summary(latencies);
  return { filter, pages: latencies.length, rows, distinct: seen.size, p50Ms: ms1(s.p50), p99Ms: ms1(s.p99), maxMs: ms1(s.max), totalSeconds: ms1(latencies.reduce((a, b) => a + b, 0) / 1000) };
}

/** The whole listing as CSV, read and dropped chunk by chunk, while the API's RSS is sampled. */
async function exportCsv(api: string, pid: number, companyId: string, headers: Record<string, string>) {
  const before = rssKb(pid);
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, rssKb(pid))), 20);
  const t0 = performance.now();
  const res = await fetch(`${api}/v1/companies/${companyId}/members?format=csv`, { headers });
  if (res.status !== 200 || !res.body) throw new Error(`CSV export: ${res.status} ${await res.text()}`);
  let bytes = 0;
  let lines = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    bytes += chunk.length;
    for (const b of chunk) if (b === 10) lines++;
  }
  const seconds = (performance.now() - t0) / 1000;
  clearInterval(sampler);
  peak = Math.max(peak, rssKb(pid));
  return { seconds: ms1(seconds), rows: lines - 1, megabytes: ms1(bytes / 1024 / 1024), apiRssBeforeMb: mb(before), apiRssPeakMb: mb(peak), apiRssGrowthMb: mb(peak - before) };
}

/**
 * The live heap during an export: the app in this process on the same database, a forced collection every 100 ms
 * (which slows the export: its time is not reported), the heap used read right after each.
 */
async function liveHeap(databaseUrl: string, exports: { companyId: string; members: number; headers: Record<string, string> }[]) {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  const config = loadConfig({ NODE_ENV: 'production', LOG_LEVEL: 'warn', DATABASE_URL: databaseUrl, HMAC_SECRET: randomBytes(32).toString('hex'), API_DOCS: 'false' });
  const sql = createSql({ databaseUrl, max: 2, applicationName: 'custodian-bench-members-heap' });
  const temporal = new Client({ connection: Connection.lazy({ address: config.temporal.address }) });
  const server = createApp({ config, sql, temporal, logger: createLogger(config, 'api') }).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const out = [];
  try {
    for (const e of exports) {
      gc();
      const before = process.memoryUsage().heapUsed;
      let peak = before;
      const sampler = setInterval(() => {
        gc();
        peak = Math.max(peak, process.memoryUsage().heapUsed);
      }, 100);
      const res = await fetch(`${base}/v1/companies/${e.companyId}/members?format=csv`, { headers: e.headers });
      let bytes = 0;
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) bytes += chunk.length;
      clearInterval(sampler);
      out.push({ members: e.members, megabytes: ms1(bytes / 1024 / 1024), liveHeapBeforeMb: ms1(before / 1048576), liveHeapPeakMb: ms1(peak / 1048576), liveHeapGrowthMb: ms1((peak - before) / 1048576) });
    }
  } finally {
    server.close();
    await sql.end({ timeout: 5 });
  }
  return out;
}

async function main(): Promise<void> {
  const tag = randomUUID().slice(0, 8);
  let pgDir: string | undefined;
  let embedded: EmbeddedPostgresHandle | undefined;
  let serverUrl = env.DATABASE_URL;
  if (args.has('--embedded-postgres')) {
    pgDir = fs.mkdtempSync(path.join(os.tmpdir(), 'custodian-bench-members-'));
    fs.chmodSync(pgDir, 0o755); // the embedded server may run as the `postgres` user
    embedded = await startEmbeddedPostgres({ dataDir: path.join(pgDir, 'pg'), port: await freePort(), durable: false });
    serverUrl = embedded.url('postgres');
  }
  const adminUrl = new URL(serverUrl);
  adminUrl.pathname = '/postgres';
  const dbName = `bench_members_${tag}`;
  const dbUrl = new URL(serverUrl);
  dbUrl.pathname = `/${dbName}`;
  const admin = postgres(adminUrl.toString(), { max: 1, onnotice: () => undefined });
  let api: Awaited<ReturnType<typeof startApi>> | undefined;
  let sql: ReturnType<typeof createSql> | undefined;
  let cleaned = false;
  const cleanUp = async () => {
    if (cleaned) return;
    cleaned = true;
    await api?.stop();
    await sql?.end({ timeout: 5 });
    await admin.unsafe(`drop database if exists ${dbName} with (force)`).catch(() => undefined);
    await admin.end({ timeout: 5 });
    await embedded?.stop();
    if (pgDir) fs.rmSync(pgDir, { recursive: true, force: true });
  };
  process.once('SIGINT', () => void cleanUp().finally(() => process.exit(130)));

  try {
    say(`creating database ${dbName}${embedded ? ' on a throwaway embedded Postgres' : ''} and migrating it…`);
    await admin.unsafe(`create database ${dbName}`);
    await migrate(dbUrl.toString());
    sql = createSql({ databaseUrl: dbUrl.toString(), max: 2, applicationName: 'custodian-bench-members' });
    const now = new Date();
    const companies: Record<'small' | 'large', { id: string; members: number; active: number; headers: Record<string, string>; seedSeconds: number }> = {} as never;
    for (const [key, members] of [['small', env.BENCH_MEMBERS_SMALL], ['large', env.BENCH_MEMBERS]] as const) {
      const t0 = performance.now();
      const seeded = await seedMembersBench(sql, { tag: `${tag}${key[0]}`, members, externals: Math.round(env.BENCH_MEMBERS_EXTERNALS * members / env.BENCH_MEMBERS), appsEvery: 50, now });
      const token = newSecret('pat');
      await insertBenchServiceAccount(sql, seeded.companyId, `${tag}${key[0]}`, sha256(token), ['company-users:read']);
      const seedSeconds = ms1((performance.now() - t0) / 1000);
      companies[key] = { id: seeded.companyId, members, active: await countBenchMembers(sql, seeded.companyId, 'active'), headers: { authorization: `mxtoken ${token}` }, seedSeconds };
      say(`seeded ${members} members (${seeded.apps} apps, ${seeded.memberships} memberships) in ${seedSeconds} s`);
    }
    api = await startApi(dbUrl.toString());
    const pid = api.child.pid!;
    say(`API on ${api.url} (pid ${pid}); warming up…`);
    const large = companies.large;
    for (let i = 0; i < 20; i++) await fetch(`${api.url}/v1/companies/${large.id}/members?status=active&limit=${env.BENCH_MEMBERS_PAGE}`, { headers: large.headers }).then((r) => r.arrayBuffer());

    const before = new Date(now.getTime() - 180 * 86_400_000).toISOString();
    const paging = [];
    for (const filter of ['status=active', `lastActivityBefore=${encodeURIComponent(before)}`]) {
      say(`paging through ${large.members} members with ${decodeURIComponent(filter)}…`);
      const r = await pageThrough(api.url, large.id, large.headers, filter);
      paging.push(r);
      say(`  ${r.pages} pages, ${r.rows} rows (${r.distinct} distinct): p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms, max ${r.maxMs} ms per page`);
    }
    if (paging[0]!.distinct !== large.active || paging[0]!.rows !== large.active) {
      throw new Error(`status=active listed ${paging[0]!.rows} rows (${paging[0]!.distinct} distinct), expected ${large.active}`);
    }

    const csv: Record<string, Awaited<ReturnType<typeof exportCsv>> & { members: number }> = {};
    for (const key of ['small', 'large'] as const) {
      const c = companies[key];
      say(`exporting ${c.members} members as CSV…`);
      csv[key] = { members: c.members, ...(await exportCsv(api.url, pid, c.id, c.headers)) };
      if (csv[key].rows !== c.members) throw new Error(`the CSV has ${csv[key].rows} rows, expected ${c.members}`);
      say(`  ${csv[key].rows} rows, ${csv[key].megabytes} MB in ${csv[key].seconds} s; API RSS ${csv[key].apiRssBeforeMb} → ${csv[key].apiRssPeakMb} MB`);
    }

    await api.stop();
    say('the same exports in this process, with a forced garbage collection every 100 ms…');
    const heap = await liveHeap(dbUrl.toString(), (['small', 'large'] as const).map((k) => ({ companyId: companies[k].id, members: companies[k].members, headers: companies[k].headers })));
    for (const h of heap) say(`  ${h.members} members: live heap ${h.liveHeapBeforeMb} → ${h.liveHeapPeakMb} MB (+${h.liveHeapGrowthMb})`);

    const p99 = Math.max(...paging.map((p) => p.p99Ms));
    const result = {
      machine: machine(),
      database: embedded ? 'embedded Postgres (throwaway)' : 'a fresh database on DATABASE_URL\'s server',
      seedSeconds: { [companies.small.members]: companies.small.seedSeconds, [companies.large.members]: companies.large.seedSeconds },
      pageSize: env.BENCH_MEMBERS_PAGE,
      paging,
      csv: Object.values(csv),
      csvLiveHeap: heap,
      measured: 'page latency at the client (request → JSON parsed), one request at a time; CSV time to the last byte; memory: VmRSS of the API process, sampled every 20 ms (garbage included), and the live V8 heap of an in-process app after a forced collection every 100 ms (the reading client included)',
      targets: {
        pageP99Ms: 20, pageP99Met: p99 <= 20,
        csvSeconds: 5, csvSecondsMet: csv.large!.seconds <= 5,
      },
    };
    if (asJson) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    else {
      say(`machine: ${result.machine.cores} cores, load average ${result.machine.loadavg.join(' ')}`);
      say(`page p99 ${p99} ms (target ≤ 20): ${result.targets.pageP99Met ? 'met' : 'NOT met'}; CSV of ${companies.large.members} in ${csv.large!.seconds} s (target ≤ 5): ${result.targets.csvSecondsMet ? 'met' : 'NOT met'}`);
    }
  } finally {
    await cleanUp();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:members failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
