import type { ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client, Connection } from '@temporalio/client';
import postgres from 'postgres';
import { z } from 'zod';
import { createSql } from '../db/client';
import { migrate } from '../db/migrate';
import { insertBenchServiceAccount } from '../db/queries/companyMembersBench';
import { insertBenchCompanyWithSuccessor, seedLeavers } from '../db/queries/offboardingBench';
import { sha256 } from '../lib/crypto';
import { newSecret } from '../lib/tokenFormat';
import type { throughputProbe } from '../workflows/throughputProbe';
import { workflowIds } from '../workflows/shared/ids';
import { DEFAULT_BATCH, type BatchTotals } from '../workflows/shared/offboardingContract';
import { cpuMeter, machine, stackProcesses } from './bench/measure';
import {
  histogramDelta, scrapeHistograms, startApiProcess, startSmtpSink, startWebhookSink, startWorkerProcess, type Service,
} from './bench/services';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from './devstack/embeddedPostgres';
import { freePort } from './devstack/ports';
import { stopChild } from './devstack/processes';
import { ensureTemporalCli, startTemporalDevServer } from './devstack/temporalCli';

/**
 * `npm run bench:offboarding [-- --json] [-- --embedded-postgres] [-- --temporal-dev-server] [-- --no-webhook]`:
 * BENCH_OFFBOARDINGS (1,000) offboardings through `POST /v1/companies/{id}/offboarding-batches`, each person with
 * BENCH_OFFBOARDING_APPS (3) apps and BENCH_OFFBOARDING_TOKENS (2) tokens used lately, beside Temporal's own floor
 * measured in the same run on the same server and worker.
 *   1. creates a fresh database on DATABASE_URL's server (or, with --embedded-postgres, on a throwaway embedded one),
 *      migrates it and seeds the company, its successor, an HR service account and the leavers with set-based SQL
 *      (db/queries/offboardingBench.ts);
 *   2. uses the Temporal server of TEMPORAL_ADDRESS (`npm start`'s), or with --temporal-dev-server a throwaway dev
 *      server (a SQLite file, as `npm start` runs it); starts the API (api/server.ts) and the worker (worker/main.ts)
 *      as processes on a task queue of their own, an SMTP sink and a webhook receiver in this process;
 *   3. warms up with a small batch, and counts the activities of one offboarding in its history (A);
 *   4. the floor: the `throughputProbe` workflow (workflows/throughputProbe.ts) running as many children as
 *      offboardings, each A no-op activities, at the batch's concurrency and continue-as-new size;
 *   5. the batch: from its 202 to the parent's result (every child completed, its webhook sent), then checks every
 *      run completed, one email and one webhook event each;
 * and prints offboardings/s, the ratio batch time ÷ floor time, CPU ms per offboarding of each process (/proc) and
 * the worker's mean latencies by activity and task (its Prometheus histograms). Targets: ≥ 20/s, ratio ≤ 1.5.
 * It stops everything and drops the database at the end (also on Ctrl-C).
 */
const env = z
  .object({
    DATABASE_URL: z.string().default('postgres://postgres:postgres@localhost:5433/custodian'),
    TEMPORAL_ADDRESS: z.string().default('localhost:7233'),
    TEMPORAL_NAMESPACE: z.string().default('default'),
    BENCH_OFFBOARDINGS: z.coerce.number().int().min(10).max(10_000).default(1_000),
    BENCH_OFFBOARDING_APPS: z.coerce.number().int().min(0).max(20).default(3),
    BENCH_OFFBOARDING_TOKENS: z.coerce.number().int().min(0).max(20).default(2),
    BENCH_OFFBOARDING_WARMUP: z.coerce.number().int().min(1).max(1_000).default(40),
    BENCH_OFFBOARDING_CONCURRENCY: z.coerce.number().int().min(1).max(500).default(DEFAULT_BATCH.concurrency),
    BENCH_OFFBOARDING_CHILDREN_PER_RUN: z.coerce.number().int().min(1).max(2_000).default(DEFAULT_BATCH.childrenPerRun),
    BENCH_OFFBOARDING_TIMEOUT_SECONDS: z.coerce.number().int().min(10).max(3_600).default(600),
    // A directory: the worker's V8 CPU profile is written there when the bench stops it.
    BENCH_OFFBOARDING_WORKER_PROFILE_DIR: z.string().optional(),
  })
  .parse(process.env);
const args = new Set(process.argv.slice(2));
const asJson = args.has('--json');
const withWebhook = !args.has('--no-webhook');
const say = (msg: string) => {
  if (!asJson) process.stdout.write(`[bench:offboarding] ${msg}\n`);
};
const secs = (ms: number) => Math.round(ms / 10) / 100;
const portOf = (address: string) => Number(new URL(`x://${address}`).port);

function withTimeout<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${env.BENCH_OFFBOARDING_TIMEOUT_SECONDS} s`)), env.BENCH_OFFBOARDING_TIMEOUT_SECONDS * 1000);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

async function main(): Promise<void> {
  const tag = randomUUID().slice(0, 8);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'custodian-bench-offboarding-'));
  fs.chmodSync(dir, 0o755); // the embedded server may run as the `postgres` user
  const cleanups: (() => Promise<unknown>)[] = [];
  let cleaned = false;
  const cleanUp = async () => {
    if (cleaned) return;
    cleaned = true;
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  process.once('SIGINT', () => void cleanUp().finally(() => process.exit(130)));

  try {
    // Postgres: a fresh database.
    let serverUrl = env.DATABASE_URL;
    let embedded: EmbeddedPostgresHandle | undefined;
    if (args.has('--embedded-postgres')) {
      embedded = await startEmbeddedPostgres({ dataDir: path.join(dir, 'pg'), port: await freePort(), durable: false });
      cleanups.push(() => embedded!.stop());
      serverUrl = embedded.url('postgres');
    }
    const adminUrl = new URL(serverUrl);
    adminUrl.pathname = '/postgres';
    const dbName = `bench_offboarding_${tag}`;
    const dbUrl = new URL(serverUrl);
    dbUrl.pathname = `/${dbName}`;
    const admin = postgres(adminUrl.toString(), { max: 1, onnotice: () => undefined });
    cleanups.push(() => admin.end({ timeout: 5 }));
    say(`creating database ${dbName}${embedded ? ' on a throwaway embedded Postgres' : ''} and migrating it…`);
    await admin.unsafe(`create database ${dbName}`);
    cleanups.push(() => admin.unsafe(`drop database if exists ${dbName} with (force)`));
    await migrate(dbUrl.toString());
    const sql = createSql({ databaseUrl: dbUrl.toString(), max: 2, applicationName: 'custodian-bench-offboarding' });
    cleanups.push(() => sql.end({ timeout: 5 }));

    // Temporal.
    let temporalAddress = env.TEMPORAL_ADDRESS;
    let temporalChild: ChildProcess | undefined;
    if (args.has('--temporal-dev-server')) {
      const server = await startTemporalDevServer({ cli: ensureTemporalCli((m) => say(m)), dbFile: path.join(dir, 'temporal.db'), port: await freePort() });
      temporalChild = server.child;
      cleanups.push(() => stopChild(server.child, 'SIGTERM', 10_000));
      temporalAddress = server.address;
    }
    const connection = await Connection.connect({ address: temporalAddress });
    cleanups.push(() => connection.close());
    const client = new Client({ connection, namespace: env.TEMPORAL_NAMESPACE });

    // Data.
    const t0 = performance.now();
    const { companyId, successorAccountId } = await insertBenchCompanyWithSuccessor(sql, tag);
    const token = newSecret('pat');
    await insertBenchServiceAccount(sql, companyId, tag, sha256(token), ['offboarding:write', 'offboarding:read', 'company-users:write']);
    const people = env.BENCH_OFFBOARDINGS + env.BENCH_OFFBOARDING_WARMUP;
    const { accountIds } = await seedLeavers(sql, {
      tag, companyId, people, appsEach: env.BENCH_OFFBOARDING_APPS, tokensEach: env.BENCH_OFFBOARDING_TOKENS, now: new Date(),
    });
    say(`seeded ${people} leavers (${env.BENCH_OFFBOARDING_APPS} apps, ${env.BENCH_OFFBOARDING_TOKENS} tokens each) in ${secs(performance.now() - t0)} s`);

    // The API and the worker, on a task queue of their own.
    const smtp = await startSmtpSink();
    cleanups.push(() => smtp.close());
    const hooks = await startWebhookSink();
    cleanups.push(() => hooks.close());
    const metricsAddress = `127.0.0.1:${await freePort()}`;
    const common = {
      NODE_ENV: 'development', LOG_LEVEL: 'warn', DATABASE_URL: dbUrl.toString(), TEMPORAL_ADDRESS: temporalAddress,
      TEMPORAL_NAMESPACE: env.TEMPORAL_NAMESPACE, TEMPORAL_TASK_QUEUE: `bench-offboarding-${tag}`, HMAC_SECRET: randomBytes(32).toString('hex'),
      SMTP_URL: smtp.url, OFFBOARDING_BATCH_CONCURRENCY: String(env.BENCH_OFFBOARDING_CONCURRENCY),
      OFFBOARDING_BATCH_CHILDREN_PER_RUN: String(env.BENCH_OFFBOARDING_CHILDREN_PER_RUN), API_DOCS: 'false',
    };
    say('starting the API and the worker (it bundles the workflows)…');
    const api = await startApiProcess(await freePort(), common);
    cleanups.push(() => api.stop());
    const worker: Service = await startWorkerProcess({ ...common, WORKER_METRICS_ADDRESS: metricsAddress }, { cpuProfileDir: env.BENCH_OFFBOARDING_WORKER_PROFILE_DIR });
    cleanups.push(() => worker.stop());
    const headers = { authorization: `mxtoken ${token}`, 'content-type': 'application/json' };
    const call = async (method: string, url: string, body: unknown, status: number) => {
      const res = await fetch(`${api.url}${url}`, { method, headers, body: JSON.stringify(body) });
      const json = (await res.json()) as Record<string, unknown>;
      if (res.status !== status) throw new Error(`${method} ${url} -> ${res.status} ${JSON.stringify(json)}`);
      return json;
    };
    if (withWebhook) await call('PUT', `/v1/companies/${companyId}/webhook`, { url: hooks.url }, 201);

    const processes = {
      ...stackProcesses({ postgres: Number(new URL(serverUrl).port), ...(temporalChild ? {} : { temporal: portOf(temporalAddress) }) }),
      api: () => [api.child.pid!], worker: () => [worker.child.pid!], ...(temporalChild ? { temporal: () => [temporalChild!.pid!] } : {}),
    };

    /** One batch through the API: seconds from its 202 to the parent's result. */
    const batch = async (leavers: string[]) => {
      const body = { people: leavers.map((uuid) => ({ uuid, successor: successorAccountId })) };
      const r = await call('POST', `/v1/companies/${companyId}/offboarding-batches`, body, 202);
      const start = performance.now();
      const totals = await withTimeout(client.workflow.getHandle(workflowIds.offboardingBatch(String(r.id))).result(), 'the batch') as BatchTotals;
      const ms = performance.now() - start;
      if (totals.completed !== leavers.length) throw new Error(`the batch completed ${totals.completed} of ${leavers.length}: ${JSON.stringify(totals)}`);
      return { id: String(r.id), ms, totals };
    };
    /** The floor: as many children of no-op activities. */
    const floor = async (runs: number, activities: number, label: string) => {
      const start = performance.now();
      const handle = await client.workflow.start<typeof throughputProbe>('throughputProbe', {
        taskQueue: common.TEMPORAL_TASK_QUEUE, workflowId: `throughput-probe/${tag}/${label}`,
        args: [{ runs, activities, concurrency: env.BENCH_OFFBOARDING_CONCURRENCY, childrenPerRun: env.BENCH_OFFBOARDING_CHILDREN_PER_RUN }],
      });
      await withTimeout(handle.result(), 'the floor');
      return { ms: performance.now() - start };
    };

    say(`warming up: a batch of ${env.BENCH_OFFBOARDING_WARMUP}…`);
    const warm = await batch(accountIds.slice(env.BENCH_OFFBOARDINGS));
    const [firstRun] = await sql<{ offboardingId: string }[]>`select offboarding_id from offboarding_batch_items where batch_id = ${warm.id} order by item_no limit 1`;
    const history = await client.workflow.getHandle(workflowIds.offboarding(firstRun!.offboardingId)).fetchHistory();
    const activities = (history.events ?? []).filter((e) => e.activityTaskScheduledEventAttributes).length;
    say(`one offboarding runs ${activities} activities (its history); warming up the floor…`);
    await floor(env.BENCH_OFFBOARDING_WARMUP, activities, 'warm-up');

    // The floor before and after the batch: the box's load drifts (other processes share it), so the batch is
    // compared with the mean of the two.
    const cpu = { floor: cpuMeter(processes), batch: cpuMeter(processes) };
    const n = env.BENCH_OFFBOARDINGS;
    const loadBefore = machine();
    const floorPhase = async (label: string) => {
      say(`the floor (${label}): ${n} workflows of ${activities} no-op activities, ${env.BENCH_OFFBOARDING_CONCURRENCY} at once…`);
      const before = await scrapeHistograms(metricsAddress);
      cpu.floor.begin();
      const r = await floor(n, activities, label);
      cpu.floor.end();
      say(`  ${secs(r.ms)} s: ${Math.round(n / (r.ms / 1000))} workflows/s`);
      return { ...r, latencies: histogramDelta(before, await scrapeHistograms(metricsAddress)) };
    };
    const floorBefore = await floorPhase('before');
    say(`the batch: ${n} offboardings, ${env.BENCH_OFFBOARDING_CONCURRENCY} at once…`);
    const m1 = await scrapeHistograms(metricsAddress);
    cpu.batch.begin();
    const measured = await batch(accountIds.slice(0, n));
    cpu.batch.end();
    const m2 = await scrapeHistograms(metricsAddress);
    say(`  ${secs(measured.ms)} s: ${Math.round(n / (measured.ms / 1000))} offboardings/s`);
    const floorAfter = await floorPhase('after');
    const loadAfter = machine();
    const base = { ms: (floorBefore.ms + floorAfter.ms) / 2 };

    // Every run completed once, with one email and one webhook event each (the warm-up's included).
    const [check] = await sql<{ completed: number; deactivated: number; sent: number }[]>`
      select (select count(*)::int from offboardings where company_id = ${companyId} and status = 'completed') as completed,
             (select count(*)::int from accounts where company_id = ${companyId} and status = 'deactivated') as deactivated,
             (select count(*)::int from email_outbox where starts_with(idempotency_key, 'offboarding-successor/') and sent_at is not null) as sent`;
    const webhooks = hooks.received();
    const verified = check!.completed === people && check!.deactivated === people && check!.sent === people && smtp.received() === people &&
      (!withWebhook || webhooks.events === people);
    if (!verified) throw new Error(`not every run completed once: ${JSON.stringify({ ...check, mails: smtp.received(), webhooks, people })}`);

    const perSecond = Math.round((n / (measured.ms / 1000)) * 10) / 10;
    const ratio = Math.round((measured.ms / base.ms) * 100) / 100;
    const rate = (ms: number) => Math.round((n / (ms / 1000)) * 10) / 10;
    const result = {
      machine: { ...loadAfter, loadavgBefore: loadBefore.loadavg },
      database: embedded ? 'embedded Postgres (throwaway)' : 'a fresh database on DATABASE_URL\'s server',
      temporal: temporalChild ? 'throwaway Temporal CLI dev server (SQLite file)' : `TEMPORAL_ADDRESS ${temporalAddress}`,
      offboardings: n, appsEach: env.BENCH_OFFBOARDING_APPS, tokensEach: env.BENCH_OFFBOARDING_TOKENS, webhook: withWebhook,
      concurrency: env.BENCH_OFFBOARDING_CONCURRENCY, childrenPerRun: env.BENCH_OFFBOARDING_CHILDREN_PER_RUN, activitiesPerOffboarding: activities,
      batch: { seconds: secs(measured.ms), perSecond, totals: measured.totals, cpuMsPerOffboarding: cpu.batch.perOperation(n) },
      floor: {
        seconds: secs(base.ms), perSecond: rate(base.ms), before: { seconds: secs(floorBefore.ms), perSecond: rate(floorBefore.ms) },
        after: { seconds: secs(floorAfter.ms), perSecond: rate(floorAfter.ms) }, cpuMsPerWorkflow: cpu.floor.perOperation(2 * n),
      },
      ratio,
      workerLatencies: { floorBefore: floorBefore.latencies.slice(0, 8), batch: histogramDelta(m1, m2).slice(0, 24) },
      verified: { ...check, mailsReceived: smtp.received(), webhooks },
      targets: { perSecond: 20, perSecondMet: perSecond >= 20, ratio: 1.5, ratioMet: ratio <= 1.5 },
    };
    if (asJson) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    else {
      say(`the floor: ${result.floor.before.perSecond}/s before the batch, ${result.floor.after.perSecond}/s after`);
      say(`CPU ms per offboarding: ${JSON.stringify(result.batch.cpuMsPerOffboarding)}; per floor workflow: ${JSON.stringify(result.floor.cpuMsPerWorkflow)}`);
      say('worker mean latencies during the batch (ms):');
      for (const h of result.workerLatencies.batch) say(`  ${h.key}: ${h.meanMs} × ${h.count}`);
      say('worker mean latencies during the floor (before the batch, ms):');
      for (const h of result.workerLatencies.floorBefore) say(`  ${h.key}: ${h.meanMs} × ${h.count}`);
      say(`machine: ${result.machine.cores} cores, load average ${loadBefore.loadavg.join(' ')} before, ${loadAfter.loadavg.join(' ')} after`);
      say(`throughput ${perSecond}/s (target ≥ 20): ${result.targets.perSecondMet ? 'met' : 'NOT met'}; ` +
        `ratio to the floor ${ratio} (target ≤ 1.5): ${result.targets.ratioMet ? 'met' : 'NOT met'}`);
    }
  } finally {
    await cleanUp();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:offboarding failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
