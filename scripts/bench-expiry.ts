import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { z } from 'zod';
import { createSql } from '../db/client';
import { countExpiryBench, deleteExpiryBench, seedExpiryBench } from '../db/queries/passwordExpiryBench';
import { loadConfigOrExit } from '../lib/config';
import { createMailer } from '../lib/mailer';
import { createWorker } from '../worker/createWorker';
import { startSmtpSink } from './bench/services';
import type { passwordExpirySweep } from '../workflows/passwordExpirySweep';
import { DEFAULT_PASSWORD_MAX_AGE_DAYS } from '../workflows/shared/passwordExpiry';
import { DEFAULT_SWEEP, REMINDER_DAYS, type SweepTotals } from '../workflows/shared/passwordExpirySweep';

/**
 * `npm run bench:expiry [-- --json] [-- --smtp-sink]`: one day of the password expiry sweep at scale.
 *   1. inserts BENCH_EXPIRY_ACCOUNTS accounts (100,000) with expiry dates spread evenly over 90 days, half in a
 *      company, half on the platform default, and marks sent every reminder earlier days' sweeps would have
 *      sent (the steady state): generate_series in SQL (db/queries/passwordExpiryBench.ts);
 *   2. starts a worker in this process on a task queue of its own, against DATABASE_URL, TEMPORAL_ADDRESS and
 *      SMTP_URL (the `npm start` stack by default; `--smtp-sink` sends to an SMTP server in this process that
 *      accepts and drops, to measure the sweep without MailDev's inbox);
 *   3. runs one day's sweep (`now` = the seed's instant) and times it: the day's cohort of reminders;
 *   4. runs the same day's sweep again: it must send nothing, and shows what an idle sweep costs;
 *   5. reports the worker's memory (RSS, sampled), open workflows and the rows the bench holds, then deletes
 *      every row it made. Bounded: at most 1,000,000 accounts, and BENCH_EXPIRY_TIMEOUT_SECONDS per sweep.
 */
const env = z
  .object({
    BENCH_EXPIRY_ACCOUNTS: z.coerce.number().int().min(90).max(1_000_000).default(100_000),
    BENCH_EXPIRY_BATCH: z.coerce.number().int().min(1).max(5_000).default(DEFAULT_SWEEP.batchSize),
    BENCH_EXPIRY_TIMEOUT_SECONDS: z.coerce.number().int().min(10).max(3_600).default(300),
  })
  .parse(process.env);
const args = new Set(process.argv.slice(2));
const asJson = args.has('--json');
const useSink = args.has('--smtp-sink');
const config = loadConfigOrExit();
const say = (msg: string) => {
  if (!asJson) process.stdout.write(`[bench:expiry] ${msg}\n`);
};
const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);
const secs = (ms: number) => Math.round(ms / 100) / 10;

function withTimeout<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${env.BENCH_EXPIRY_TIMEOUT_SECONDS} s`)), env.BENCH_EXPIRY_TIMEOUT_SECONDS * 1000);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const tag = randomUUID().slice(0, 8);
  const taskQueue = `bench-expiry-${tag}`;
  const sql = createSql({ databaseUrl: config.databaseUrl, max: config.databasePoolMax, applicationName: 'custodian-bench-expiry' });
  const sink = useSink ? await startSmtpSink() : undefined;
  const mailer = createMailer({ smtpUrl: sink?.url ?? config.smtpUrl, mailFrom: config.mailFrom });
  const now = new Date(Math.floor(Date.now() / 1000) * 1000);
  let cleaned = false;
  const cleanUp = async () => {
    if (cleaned) return;
    cleaned = true;
    say('removing the bench rows…');
    await deleteExpiryBench(sql, tag);
  };
  process.once('SIGINT', () => {
    void cleanUp().finally(() => process.exit(130));
  });

  try {
    say(`seeding ${env.BENCH_EXPIRY_ACCOUNTS} accounts (tag ${tag}), expiring over the 90 days after ${now.toISOString()}…`);
    const t0 = performance.now();
    const seeded = await seedExpiryBench(sql, {
      tag, count: env.BENCH_EXPIRY_ACCOUNTS, now, maxAgeDays: DEFAULT_PASSWORD_MAX_AGE_DAYS, spreadDays: 90, reminderDays: REMINDER_DAYS,
    });
    const seedMs = performance.now() - t0;
    say(`seeded in ${secs(seedMs)} s; ${seeded.markedSent} earlier reminders marked sent`);

    const rssBefore = process.memoryUsage().rss;
    const t1 = performance.now();
    const nativeConnection = await NativeConnection.connect({ address: config.temporal.address });
    const worker = await createWorker({
      connection: nativeConnection, namespace: config.temporal.namespace, taskQueue, sql, mailer, keys: config.keys, shutdownGraceTime: '5s',
    });
    const workerStartMs = performance.now() - t1;
    const connection = await Connection.connect({ address: config.temporal.address });
    const client = new Client({ connection, namespace: config.temporal.namespace });
    let rssPeak = process.memoryUsage().rss;
    const sampler = setInterval(() => {
      rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
    }, 100);
    const rssIdle = process.memoryUsage().rss;

    const sweep = async (label: string) => {
      const start = performance.now();
      const handle = await client.workflow.start<typeof passwordExpirySweep>('passwordExpirySweep', {
        taskQueue, workflowId: `bench-password-expiry-sweep-${tag}-${label}`, args: [{ now: now.toISOString(), batchSize: env.BENCH_EXPIRY_BATCH }],
      });
      const totals: SweepTotals = await withTimeout(handle.result(), `the ${label} sweep`);
      return { ms: performance.now() - start, totals };
    };

    let day!: Awaited<ReturnType<typeof sweep>>;
    let again!: Awaited<ReturnType<typeof sweep>>;
    let openWorkflows = -1;
    await worker.runUntil(async () => {
      say(`worker started in ${secs(workerStartMs)} s (task queue ${taskQueue}); sweeping one day…`);
      day = await sweep('day');
      say(`one day's cohort: ${sent(day.totals)} reminders in ${secs(day.ms)} s`);
      again = await sweep('again');
      say(`the same day again: ${sent(again.totals)} reminders in ${secs(again.ms)} s`);
      openWorkflows = (await client.workflow.count(`TaskQueue = "${taskQueue}" AND ExecutionStatus = "Running"`)).count;
    });
    clearInterval(sampler);
    const rows = await countExpiryBench(sql, tag);
    await connection.close();
    await nativeConnection.close();

    const result = {
      accounts: env.BENCH_EXPIRY_ACCOUNTS,
      batchSize: env.BENCH_EXPIRY_BATCH,
      smtp: sink ? 'in-process sink' : 'SMTP_URL',
      seed: { seconds: secs(seedMs), earlierRemindersMarkedSent: seeded.markedSent },
      day: {
        seconds: secs(day.ms),
        reminders: { ...day.totals.sent, total: sent(day.totals) },
        perSecond: Math.round(sent(day.totals) / (day.ms / 1000)),
        batches: day.totals.batches, runs: day.totals.runs, failed: day.totals.failed, alreadySent: day.totals.alreadySent,
        targetSeconds: 60,
      },
      sameDayAgain: { seconds: secs(again.ms), reminders: sent(again.totals), candidates: again.totals.candidates, batches: again.totals.batches },
      worker: { startSeconds: secs(workerStartMs), rssBeforeWorkerMb: mb(rssBefore), rssIdleMb: mb(rssIdle), rssPeakMb: mb(rssPeak) },
      steadyState: {
        openWorkflowsAfter: openWorkflows,
        rowsPerAccount: 'none (expiry is computed from password_changed_at and the policy)',
        benchAccounts: rows.accounts,
        outboxRows: rows.outboxRows,
        outboxRowsAddedByTheDay: sent(day.totals),
        mailsReceivedBySink: sink?.received(),
      },
    };
    if (asJson) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    else {
      say(`done: ${JSON.stringify(result.day)}`);
      say(`worker RSS: ${result.worker.rssIdleMb} MB idle, ${result.worker.rssPeakMb} MB peak (${result.worker.rssBeforeWorkerMb} MB before the worker)`);
      say(`steady state: ${openWorkflows} open sweep workflows, ${rows.outboxRows} outbox rows for ${rows.accounts} accounts`);
    }
  } finally {
    await cleanUp();
    mailer.close();
    await sink?.close();
    await sql.end({ timeout: 5 });
  }
}

const sent = (t: SweepTotals) => t.sent.d14 + t.sent.d7 + t.sent.d1;

main().catch((err) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
