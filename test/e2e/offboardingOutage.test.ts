// The API-down test of issue 14 ("Proof"): Postgres stops for 30 s in the middle of a batch of offboardings. The
// runs wait (their activities retry with backoff) and then finish, each exactly once; meanwhile the API answers
// 503 database.unavailable with Retry-After (never a 500) on the offboarding endpoints, the batch's status included.
// The suite runs its own Postgres: stopping the shared one would take every other suite down with it.
import { randomUUID } from 'node:crypto';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { seedLeavers } from '../../db/queries/offboardingBench';
import { workflowIds } from '../../workflows/shared/ids';
import type { BatchTotals } from '../../workflows/shared/offboardingContract';
import { createCompany, type Caller } from '../helpers/company';
import { checkedHttp, expectErrorShape } from '../helpers/http';
import { waitForRun } from '../helpers/offboarding';
import { batchCounts, expectOffboardedOnce, expectOneEmailPerRun, expectOneWebhookPerRun, type Leavers } from '../helpers/offboardingProof';
import { startOwnDatabase, type OwnDatabase } from '../helpers/postgresProcess';
import { startTestStack, type HttpResult, type TestStack } from '../helpers/stack';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhookReceiver';

/** The issue's outage: Postgres is down this long. */
const OUTAGE_MS = 30_000;
/** Small, and slow enough (few at once) that the batch is still running when Postgres stops and when it returns. */
const PEOPLE = 30;
const CONCURRENCY = 3;
const STOP_AT = 5;
/** How often the API is asked during the outage, and how soon it must answer. */
const PROBE_EVERY_MS = 1_000;
const ANSWER_WITHIN_MS = 3_000;
const FINISH_TIMEOUT_MS = 240_000;

let db: OwnDatabase | undefined;
let stack: TestStack | undefined;
let receiver: WebhookReceiver | undefined;


beforeAll(async () => {
  // Every activity attempt during the outage fails, as it should, and the SDK warns about each: errors only.
  // Installed before the stack's own (WARN), which then finds a runtime in place.
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  db = await startOwnDatabase('custodian-offboarding-outage-');
  stack = await startTestStack({ databaseUrl: db.url, env: { OFFBOARDING_BATCH_CONCURRENCY: String(CONCURRENCY) } });
  receiver = await startWebhookReceiver();
}, 120_000);

afterAll(async () => {
  await stack?.close();
  await receiver?.close();
  await db?.remove();
}, 60_000);

const t0 = Date.now();
const note = (msg: string) => process.stderr.write(`[offboarding outage +${((Date.now() - t0) / 1000).toFixed(1)} s] ${msg}\n`);

async function waitForCounts(batchId: string, done: (c: Record<string, number>) => boolean, what: string) {
  const deadline = Date.now() + FINISH_TIMEOUT_MS;
  for (;;) {
    const c = await batchCounts(stack!.sql, batchId);
    if (done(c)) return c;
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(c)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

function expectOutage(r: HttpResult, what: string): void {
  expect({ what, status: r.status, code: r.body?.code }).toEqual({ what, status: 503, code: 'database.unavailable' });
  expectErrorShape(r, what);
  expect({ what, retryAfter: r.headers.get('retry-after') }).toEqual({ what, retryAfter: expect.stringMatching(/^[1-9]\d*$/) });
}

test('Postgres down for 30 s during a batch: the API answers 503 database.unavailable meanwhile, and every run then finishes once', async () => {
  const s = stack!;
  const { call } = checkedHttp(s);
  const company = await createCompany(s);
  const successors: Caller[] = [company.member, await company.addMember()];
  expect((await call('PUT', `/v1/companies/${company.companyId}/webhook`, { headers: company.admin.headers, body: { url: receiver!.url } })).status).toBe(201);
  const { accountIds } = await seedLeavers(s.sql, { tag: randomUUID().slice(0, 8), companyId: company.companyId, people: PEOPLE + 1, appsEach: 2, tokensEach: 1, now: new Date() });
  // The last person is not in the batch: the API is asked to offboard them during the outage (their successor is
  // not one of the batch's, so their run's email is not counted with the batch's).
  const latecomer = accountIds.pop()!;
  const latecomerSuccessor = (await company.addMember()).accountId;
  const leavers: Leavers = { companyId: company.companyId, accountIds, successorOf: (i) => successors[i % successors.length]! };
  const base = `/v1/companies/${company.companyId}`;
  const started = await call('POST', `${base}/offboarding-batches`, {
    headers: company.admin.headers,
    body: { people: accountIds.map((uuid, i) => ({ uuid, successor: leavers.successorOf(i).accountId })) },
  });
  expect(started.status).toBe(202);
  const batchId = started.body.id as string;
  const [aRun] = await s.sql<{ offboardingId: string }[]>`select offboarding_id from offboarding_batch_items where batch_id = ${batchId} order by item_no desc limit 1`;

  const atStop = await waitForCounts(batchId, (c) => (c.completed ?? 0) >= STOP_AT, 'the first runs did not complete');
  await db!.stop();
  const down = Date.now();
  note(`Postgres stopped at ${JSON.stringify(atStop)}`);
  expect(atStop.completed).toBeLessThan(PEOPLE);

  // The whole outage long, the offboarding endpoints are asked every second, in parallel; each answers 503 as soon
  // as the database refuses it (db/client.ts caps the driver's reconnect wait at a second). The requests that would
  // create something stop a few seconds before Postgres is back, so that none of them can succeed meanwhile.
  const answers: { what: string; sent: number; at: number; r: HttpResult }[] = [];
  const pending: Promise<void>[] = [];
  const ask = (what: string, method: string, url: string, body?: unknown) => {
    const sent = Date.now();
    pending.push(s.http(method, url, { headers: company.admin.headers, body }).then((r) => {
      answers.push({ what, sent, at: Date.now(), r });
    }));
  };
  while (Date.now() - down < OUTAGE_MS) {
    ask('run status', 'GET', `${base}/offboardings/${aRun!.offboardingId}`);
    ask('batch status', 'GET', `${base}/offboarding-batches/${batchId}`);
    ask('list', 'GET', `${base}/offboardings?status=running`);
    if (Date.now() - down < OUTAGE_MS - 5_000) {
      ask('start', 'POST', `${base}/offboardings`, { uuid: latecomer, successor: latecomerSuccessor });
      ask('batch start', 'POST', `${base}/offboarding-batches`, { people: [{ uuid: latecomer, successor: latecomerSuccessor }] });
    }
    await new Promise((r) => setTimeout(r, PROBE_EVERY_MS));
  }
  const ready = await s.http('GET', '/readyz');
  expect({ status: ready.status, postgres: ready.body.checks.postgres }).toEqual({ status: 503, postgres: 'unavailable' });
  const restartAt = Date.now();
  await db!.start();
  note(`Postgres back after ${restartAt - down} ms`);
  await Promise.all(pending);

  // Every request sent while Postgres was down (but the last moment's) was answered, 503, before it came back.
  const early = answers.filter((a) => a.sent < restartAt - ANSWER_WITHIN_MS);
  for (const a of early) expect({ what: a.what, beforeRestart: a.at < restartAt }).toEqual({ what: a.what, beforeRestart: true });
  for (const a of answers.filter((x) => x.at < restartAt)) expectOutage(a.r, a.what);
  // The last moment's, answered after Postgres was back: served, or still the outage's 503; never a 500.
  for (const a of answers.filter((x) => x.at >= restartAt)) {
    expect({ what: a.what, ok: a.r.status < 500 || a.r.body?.code === 'database.unavailable' }).toEqual({ what: a.what, ok: true });
  }
  const kinds = ['run status', 'batch status', 'list', 'start', 'batch start'];
  const count = (what: string) => early.filter((a) => a.what === what).length;
  const ms = early.map((a) => a.at - a.sent).sort((a, b) => a - b);
  note(`${early.length} requests answered 503 database.unavailable while down (${kinds.map((w) => `${w} ${count(w)}`).join(', ')}); ` +
    `time to the 503: p50 ${ms[Math.floor(ms.length / 2)]} ms, max ${ms.at(-1)} ms`);
  // About one a second each (the requests that create something for the first 25 s only).
  for (const what of kinds) expect({ what, answered: count(what) >= 10 }).toEqual({ what, answered: true });

  // The runs were waiting, not failed: they all finish now, each once.
  const totals = (await s.client.workflow.getHandle(workflowIds.offboardingBatch(batchId)).result()) as BatchTotals;
  note(`batch finished: ${JSON.stringify(totals)}`);
  expect(totals).toMatchObject({ started: PEOPLE, completed: PEOPLE, failed: 0, cancelled: 0, reused: 0 });
  expect(await batchCounts(s.sql, batchId)).toEqual({ completed: PEOPLE });
  const { runIdOf } = await expectOffboardedOnce(s.sql, batchId, leavers);
  const resentMails = await expectOneEmailPerRun(s.sql, s.mail, leavers, runIdOf);
  const repeatedPosts = await expectOneWebhookPerRun(s.sql, receiver!, leavers, runIdOf);
  note(`checked: same-Message-ID resends ${resentMails}; webhook POSTs repeated as retries ${repeatedPosts}`);

  // And the API serves again: the start refused during the outage now works (200 if a request sent during the
  // outage was answered after it, and made the run).
  const late = await call('POST', `${base}/offboardings`, { headers: company.admin.headers, body: { uuid: latecomer, successor: latecomerSuccessor } });
  expect([200, 202]).toContain(late.status);
  expect(await waitForRun(call, company, late.body.id)).toMatchObject({ status: 'completed', result: 'offboarded' });
}, OUTAGE_MS + FINISH_TIMEOUT_MS + 60_000);
