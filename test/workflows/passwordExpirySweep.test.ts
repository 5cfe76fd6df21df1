// The password expiry sweep's branches against mocked batch activities: paging through policy groups,
// continue-as-new with its cursor and `now`, pages retried after failed sends, and a worker that dies in
// the middle of a batch. No database or mail server: what a page holds is what each test makes it answer.
import { randomUUID } from 'node:crypto';
import { Context } from '@temporalio/activity';
import type { WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import type { passwordExpirySweep } from '../../workflows/passwordExpirySweep';
import type { SweepBatchInput, SweepBatchResult, SweepCursor, SweepTotals } from '../../workflows/shared/passwordExpirySweep';
import { infra } from '../helpers/infra';
import { mockActivities, workflowSuite, type Activities } from '../helpers/workflowSuite';

const suite = workflowSuite();
const NOW = '2026-03-01T03:00:00.000Z';

const cursor = (days: number, n: number | null): SweepCursor => ({
  days, after: n === null ? null : { changedAt: `2025-12-0${n} 03:00:00.123456+00`, accountId: `00000000-0000-4000-8000-00000000000${n}` },
});
const page = (next: SweepCursor | null, over: Partial<SweepBatchResult> = {}): SweepBatchResult => ({
  candidates: 2, sent: { d14: 1, d7: 1, d1: 0 }, alreadySent: 0, failed: 0, next, ...over,
});
const key = (c: SweepCursor | null) => JSON.stringify(c);

/**
 * A sweep over fixed pages: the answer for each cursor, in order. Policy groups 30 and 90 days; the 90-day
 * group spans three pages. Every call is recorded with its input.
 */
function pages(answers: [SweepCursor | null, SweepBatchResult][]) {
  const byCursor = new Map(answers.map(([c, r]) => [key(c), r]));
  const calls: SweepBatchInput[] = [];
  const sweepPasswordExpiryBatch = jest.fn(async (input: SweepBatchInput) => {
    calls.push(input);
    const r = byCursor.get(key(input.cursor));
    if (!r) throw new Error(`no page for ${key(input.cursor)}`);
    return r;
  });
  return { calls, acts: { sweepPasswordExpiryBatch } satisfies Partial<Activities> };
}

const FIVE_PAGES: [SweepCursor | null, SweepBatchResult][] = [
  [null, page(cursor(30, null), { candidates: 0, sent: { d14: 0, d7: 0, d1: 0 } })],
  [cursor(30, null), page(cursor(90, null), { candidates: 1, sent: { d14: 0, d7: 0, d1: 1 } })],
  [cursor(90, null), page(cursor(90, 1))],
  [cursor(90, 1), page(cursor(90, 2), { alreadySent: 1, sent: { d14: 1, d7: 0, d1: 0 } })],
  [cursor(90, 2), page(null)],
];

test('pages through every policy group by cursor, with the one `now` and batch size, and sums what each batch did', async () => {
  const { calls, acts } = pages(FIVE_PAGES);
  await suite.run(acts, async ({ start }) => {
    const handle = await start('passwordExpirySweep', { now: NOW, batchSize: 2 });
    const totals: SweepTotals = await handle.result();
    expect(calls.map((c) => c.cursor)).toEqual(FIVE_PAGES.map(([c]) => c));
    expect(new Set(calls.map((c) => `${c.now}/${c.limit}`))).toEqual(new Set([`${NOW}/2`]));
    expect(totals).toEqual({
      runs: 1, batches: 5, pageRetries: 0, candidates: 7, sent: { d14: 3, d7: 2, d1: 1 }, alreadySent: 1, failed: 0,
    });
  });
});

test('without `now`, the sweep evaluates its own start time, and keeps it for every batch', async () => {
  const { calls, acts } = pages(FIVE_PAGES);
  await suite.run(acts, async ({ start }) => {
    const before = Date.now();
    await (await start('passwordExpirySweep', {})).result();
    const nows = new Set(calls.map((c) => c.now));
    expect(nows.size).toBe(1);
    const now = Date.parse([...nows][0]!);
    expect(now).toBeGreaterThanOrEqual(before - 1_000);
    expect(now).toBeLessThanOrEqual(Date.now());
    expect(calls.map((c) => c.limit)).toEqual(Array(5).fill(500)); // the default batch size
  });
});

test('continues as new after `batchesPerRun` batches, carrying `now`, the cursor and the totals', async () => {
  const { calls, acts } = pages(FIVE_PAGES);
  await suite.run(acts, async ({ start, client }) => {
    const handle = await start('passwordExpirySweep', { now: NOW, batchSize: 2, batchesPerRun: 2 });
    const totals = await handle.result(); // follows the chain of runs
    expect(totals).toMatchObject({ runs: 3, batches: 5, candidates: 7, sent: { d14: 3, d7: 2, d1: 1 } });
    expect(calls.map((c) => c.cursor)).toEqual(FIVE_PAGES.map(([c]) => c));
    expect(new Set(calls.map((c) => c.now))).toEqual(new Set([NOW]));
    const { firstExecutionRunId } = handle as WorkflowHandleWithFirstExecutionRunId;
    const first = await client.workflow.getHandle(handle.workflowId, firstExecutionRunId).describe();
    expect(first.status.name).toBe('CONTINUED_AS_NEW');
  });
});

test('a page with failed sends is tried again after the delay, from the same cursor; only the last try\'s failures count', async () => {
  const c = cursor(90, null);
  const answers = [
    page(c, { failed: 2, sent: { d14: 0, d7: 0, d1: 0 } }), // the first page: mail server down
    page(c, { failed: 1, sent: { d14: 1, d7: 0, d1: 0 } }), // tried again: one of the two gets through
    page(c, { failed: 0, sent: { d14: 0, d7: 1, d1: 0 } }), // and the third time the other
    page(null, { failed: 0 }),
  ];
  const calls: SweepBatchInput[] = [];
  const sweepPasswordExpiryBatch = jest.fn(async (input: SweepBatchInput) => {
    calls.push(input);
    return answers[calls.length - 1]!;
  });
  await suite.run({ sweepPasswordExpiryBatch }, async ({ start }) => {
    const t0 = Date.now();
    const totals = await (await start('passwordExpirySweep', { now: NOW, retryDelayMs: 300, maxPageRetries: 3 })).result();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(600); // two waits
    expect(calls.map((x) => x.cursor)).toEqual([null, null, null, c]);
    expect(totals).toMatchObject({ batches: 4, pageRetries: 2, failed: 0, sent: { d14: 2, d7: 2, d1: 0 } });
  });
});

test('a page that still fails after `maxPageRetries` is left for the next sweep: the sweep goes on and reports it', async () => {
  const c = cursor(90, null);
  const calls: SweepBatchInput[] = [];
  const sweepPasswordExpiryBatch = jest.fn(async (input: SweepBatchInput) => {
    calls.push(input);
    return input.cursor === null ? page(c, { failed: 3, sent: { d14: 0, d7: 0, d1: 0 } }) : page(null, { failed: 0 });
  });
  await suite.run({ sweepPasswordExpiryBatch }, async ({ start }) => {
    const totals = await (await start('passwordExpirySweep', { now: NOW, retryDelayMs: 100, maxPageRetries: 2 })).result();
    expect(calls.map((x) => x.cursor)).toEqual([null, null, null, c]);
    expect(totals).toMatchObject({ batches: 4, pageRetries: 2, failed: 3 });
  });
});

test('a worker that dies in the middle of a batch: another worker runs that batch again, from the same cursor and `now`, and the sweep completes', async () => {
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch {
    /* already installed */
  }
  const connection = await NativeConnection.connect({ address: infra().temporalAddress });
  const taskQueue = `test-${randomUUID()}`;
  const newWorker = (acts: Partial<Activities>) =>
    Worker.create({
      connection, namespace: 'default', taskQueue, workflowBundle: { codePath: infra().workflowBundlePath },
      activities: mockActivities(acts), shutdownGraceTime: '500ms', shutdownForceTime: '5s',
    });
  const firstCalls: SweepBatchInput[] = [];
  let inSecondBatch!: () => void;
  const reachedSecondBatch = new Promise<void>((resolve) => { inSecondBatch = resolve; });
  const dying = await newWorker({
    sweepPasswordExpiryBatch: async (input) => {
      firstCalls.push(input);
      if (firstCalls.length === 1) return page(cursor(90, null));
      inSecondBatch();
      // The batch never finishes here: the worker goes away under it (the send in flight is cancelled).
      await Context.current().cancelled;
      throw new Error('unreachable');
    },
  });
  const dyingRun = dying.run();
  const handle = await suite.client().workflow.start<typeof passwordExpirySweep>('passwordExpirySweep', {
    taskQueue, workflowId: `test-sweep-restart-${randomUUID()}`, args: [{ now: NOW, batchSize: 2 }],
  });
  try {
    await reachedSecondBatch;
    dying.shutdown();
    await dyingRun;

    const secondCalls: { input: SweepBatchInput; attempt: number }[] = [];
    const successor = await newWorker({
      sweepPasswordExpiryBatch: async (input) => {
        secondCalls.push({ input, attempt: Context.current().info.attempt });
        return input.cursor?.after ? page(null) : page(cursor(90, 1));
      },
    });
    const totals = await successor.runUntil(handle.result());
    expect(firstCalls.map((c) => c.cursor)).toEqual([null, cursor(90, null)]);
    // The interrupted batch again (its next attempt), then the rest; the first batch is not run twice.
    expect(secondCalls.map((c) => c.input.cursor)).toEqual([cursor(90, null), cursor(90, 1)]);
    expect(secondCalls[0]!.attempt).toBeGreaterThan(1);
    expect(new Set([...firstCalls, ...secondCalls.map((c) => c.input)].map((c) => c.now))).toEqual(new Set([NOW]));
    expect(totals).toMatchObject({ runs: 1, batches: 3 });
  } finally {
    await handle.terminate('test finished').catch(() => undefined);
    await connection.close();
  }
});
