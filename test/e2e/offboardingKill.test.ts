// The kill test of issue 14 ("Proof"): a batch of 200 offboardings through the API, during which the worker (a real
// process) is SIGKILLed and replaced, and then the Temporal server itself is stopped and started again on the same
// port and database file. Every run completes exactly once, every effect happens once, no email goes out twice and
// no webhook is delivered more often than its recorded retries, all with the same event id.
// The suite runs its own Temporal dev server: restarting the shared one would take every other suite down with it.
import type { ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { seedLeavers } from '../../db/queries/offboardingBench';
import { freePort } from '../../scripts/devstack/ports';
import { stopChild } from '../../scripts/devstack/processes';
import { ensureTemporalCli, startTemporalDevServer } from '../../scripts/devstack/temporalCli';
import { workflowIds } from '../../workflows/shared/ids';
import type { BatchTotals } from '../../workflows/shared/offboardingContract';
import { createCompany, type Caller } from '../helpers/company';
import { checkedHttp } from '../helpers/http';
import { batchCounts, expectOffboardedOnce, expectOneEmailPerRun, expectOneWebhookPerRun, type Leavers } from '../helpers/offboardingProof';
import { startTestStack, type TestStack } from '../helpers/stack';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhookReceiver';
import { startWorkerProcess, type WorkerProcess } from '../helpers/workerProcess';

const PEOPLE = 200;
// Small enough that the batch is still running at both disruptions on 2 busy cores; continue-as-new happens twice.
const CONCURRENCY = 20;
const CHILDREN_PER_RUN = 80;
/** The worker is killed once this many runs have completed, and Temporal restarted at the second mark. */
const KILL_AT = 40;
const RESTART_AT = 110;
/** How long Temporal stays down: long enough for every client and the worker to notice. */
const TEMPORAL_DOWN_MS = 5_000;
const BATCH_TIMEOUT_MS = 300_000;
const HMAC_SECRET = randomBytes(32).toString('hex');

let dir: string | undefined;
let port: number;
let cli: string;
let stack: TestStack | undefined;
let receiver: WebhookReceiver | undefined;
const servers: { child: ChildProcess; lines: string[] }[] = [];
const workers: WorkerProcess[] = [];
// Whatever happens to this jest worker, no process of ours may outlive it.
const killAll = () => [...servers, ...workers].forEach((p) => p.child.exitCode === null && p.child.signalCode === null && p.child.kill('SIGKILL'));
process.once('exit', killAll);

async function startServer(): Promise<string> {
  const { child, address } = await startTemporalDevServer({ cli, dbFile: path.join(dir!, 'temporal.db'), port });
  const server = { child, lines: [] as string[] };
  servers.push(server);
  for (const stream of [child.stdout, child.stderr]) if (stream) readline.createInterface({ input: stream }).on('line', (l) => server.lines.push(l));
  return address;
}

const startWorker = async () => {
  const w = await startWorkerProcess({
    DATABASE_URL: stack!.db.url, TEMPORAL_ADDRESS: stack!.config.temporal.address, TEMPORAL_TASK_QUEUE: stack!.taskQueue,
    SMTP_URL: stack!.mail.url, HMAC_SECRET,
  });
  workers.push(w);
  return w;
};

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'custodian-offboarding-kill-'));
  cli = ensureTemporalCli(() => undefined);
  port = await freePort();
  const address = await startServer();
  stack = await startTestStack({
    worker: false, temporalAddress: address,
    env: { HMAC_SECRET, OFFBOARDING_BATCH_CONCURRENCY: String(CONCURRENCY), OFFBOARDING_BATCH_CHILDREN_PER_RUN: String(CHILDREN_PER_RUN) },
  });
  receiver = await startWebhookReceiver();
}, 120_000);

afterAll(async () => {
  try {
    await Promise.allSettled(workers.map((w) => stopChild(w.child, 'SIGTERM', 5_000)));
    await stack?.close();
    await receiver?.close();
  } finally {
    await Promise.allSettled(servers.map((s) => stopChild(s.child, 'SIGTERM', 10_000)));
    process.removeListener('exit', killAll);
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  }
}, 90_000);

const t0 = Date.now();
/** One line per phase on stderr: where a slow or stuck run is, and the figures the README quotes. */
const note = (msg: string) => process.stderr.write(`[offboarding kill +${((Date.now() - t0) / 1000).toFixed(1)} s] ${msg}\n`);

/** Polls the database until `done` holds for the batch's counts; answers them. */
async function waitForCounts(batchId: string, done: (c: Record<string, number>) => boolean, timeoutMs: number, what: string) {
  const deadline = Date.now() + timeoutMs;
  let shown = Date.now();
  for (;;) {
    const c = await batchCounts(stack!.sql, batchId);
    if (done(c)) return c;
    if (Date.now() - shown > 15_000) {
      shown = Date.now();
      note(`waiting: ${JSON.stringify(c)}`);
    }
    if (Date.now() > deadline) {
      const logs = [...workers.flatMap((w) => w.lines), ...servers.flatMap((s) => s.lines)].slice(-30).join('\n');
      throw new Error(`${what}: still ${JSON.stringify(c)} after ${timeoutMs / 1000} s\n${logs}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

test('a batch of 200 survives a SIGKILLed worker and a restarted Temporal server: every run once, no email twice, no webhook beyond its retries', async () => {
  const s = stack!;
  const { call } = checkedHttp(s);
  const company = await createCompany(s);
  const successors: Caller[] = [company.member, await company.addMember(), await company.addMember(), await company.addMember()];
  const hook = await call('PUT', `/v1/companies/${company.companyId}/webhook`, { headers: company.admin.headers, body: { url: receiver!.url } });
  expect(hook.status).toBe(201);
  const { accountIds } = await seedLeavers(s.sql, { tag: randomUUID().slice(0, 8), companyId: company.companyId, people: PEOPLE, appsEach: 2, tokensEach: 1, now: new Date() });
  const leavers: Leavers = { companyId: company.companyId, accountIds, successorOf: (i) => successors[i % successors.length]! };

  const first = await startWorker();
  note('seeded; worker started');
  const started = await call('POST', `/v1/companies/${company.companyId}/offboarding-batches`, {
    headers: company.admin.headers,
    body: { people: accountIds.map((uuid, i) => ({ uuid, successor: leavers.successorOf(i).accountId })) },
  });
  expect(started.status).toBe(202);
  const batchId = started.body.id as string;
  note(`batch ${batchId} started`);

  // 1. The worker dies mid-batch, with runs in every step; a new process takes over.
  const atKill = await waitForCounts(batchId, (c) => (c.completed ?? 0) >= KILL_AT, BATCH_TIMEOUT_MS, 'the first runs did not complete');
  await first.kill();
  expect(atKill.completed).toBeLessThan(PEOPLE);
  await startWorker();
  note(`worker killed at ${JSON.stringify(atKill)}, and replaced`);

  // 2. Temporal goes away and comes back on the same port and database file; the worker and the API reconnect.
  const atRestart = await waitForCounts(batchId, (c) => (c.completed ?? 0) >= RESTART_AT, BATCH_TIMEOUT_MS, 'the batch did not go on after the kill');
  expect(atRestart.completed).toBeLessThan(PEOPLE);
  await stopChild(servers[0]!.child, 'SIGTERM');
  await new Promise((r) => setTimeout(r, TEMPORAL_DOWN_MS));
  expect(await startServer()).toBe(s.config.temporal.address);
  note(`Temporal stopped at ${JSON.stringify(atRestart)} and started again`);

  await waitForCounts(batchId, (c) => c.completed === PEOPLE, BATCH_TIMEOUT_MS, 'the batch did not finish after the restart');
  const totals = (await s.client.workflow.getHandle(workflowIds.offboardingBatch(batchId)).result()) as BatchTotals;
  note(`batch finished: ${JSON.stringify(totals)}`);
  expect(totals).toMatchObject({ started: PEOPLE, completed: PEOPLE, failed: 0, cancelled: 0, reused: 0 });
  expect(totals.runs).toBeGreaterThanOrEqual(Math.ceil(PEOPLE / CHILDREN_PER_RUN));
  expect(await batchCounts(s.sql, batchId)).toEqual({ completed: PEOPLE });
  const view = await call('GET', `/v1/companies/${company.companyId}/offboarding-batches/${batchId}`, { headers: company.admin.headers });
  expect(view.body).toMatchObject({ status: 'completed', progress: { total: PEOPLE, completed: PEOPLE, finished: PEOPLE, percent: 100 } });

  // Each run's webhook POST is its workflow's last activity: once the batch has its result, every one has been sent.
  const { runIdOf } = await expectOffboardedOnce(s.sql, batchId, leavers);
  const resentMails = await expectOneEmailPerRun(s.sql, s.mail, leavers, runIdOf);
  const repeatedPosts = await expectOneWebhookPerRun(s.sql, receiver!, leavers, runIdOf);
  note(`checked: same-Message-ID resends ${resentMails}; webhook POSTs repeated as retries ${repeatedPosts}`);
}, BATCH_TIMEOUT_MS + 120_000);
