// The offboarding workflow's branches against mocked activities: the steps in order with the workflow's "now", a
// person with no account, the wait and a cancel, a wake-up too early, a successor who is gone, a rejected batch row,
// a webhook receiver that never answers, and a batch's bounded concurrency and continue-as-new. No database, mail
// server or API: what the activities would do is what each test makes them answer.
import { randomUUID } from 'node:crypto';
import { ApplicationFailure, WorkflowFailedError } from '@temporalio/client';
import {
  OffboardingFailure, offboardingCancelledSignal, offboardingProgressQuery, type BeginVerdict, type OffboardPersonInput, type OffboardingResult, type StepSummary,
} from '../../workflows/shared/offboardingContract';
import { sleep } from '../helpers/waiting';
import { type Activities, workflowSuite } from '../helpers/workflowSuite';

const suite = workflowSuite();
type Args<K extends keyof Activities> = Parameters<Activities[K]>;

const STEP_ACTIVITIES = [
  'findOffboardingAccounts', 'listOffboardingAutomations', 'reassignOffboardingApps', 'deleteOffboardingTrainingApps',
  'revokeOffboardingAccess', 'deactivateOffboardingAccounts', 'notifyOffboardingSuccessor',
] as const;

/** Recorded mocks answering as a healthy system would for a person with two accounts. */
function offboardingActivities(begin: () => BeginVerdict = () => ({ state: 'running' })) {
  const calls: string[] = [];
  const step = (name: string, count = 2) => jest.fn(async (_i: { offboardingId: string; now: string }): Promise<StepSummary> => {
    calls.push(name);
    return { outcome: 'done', count };
  });
  const acts = {
    beginOffboarding: jest.fn(async (..._a: Args<'beginOffboarding'>) => (calls.push('begin'), begin())),
    ...(Object.fromEntries(STEP_ACTIVITIES.map((n) => [n, step(n)])) as Record<(typeof STEP_ACTIVITIES)[number], ReturnType<typeof step>>),
    writeOffboardingReport: jest.fn(async (..._a: Args<'writeOffboardingReport'>): Promise<{ result: OffboardingResult | null }> =>
      (calls.push('writeOffboardingReport'), { result: 'offboarded' })),
    failOffboarding: jest.fn(async (..._a: Args<'failOffboarding'>) => void calls.push('failOffboarding')),
    deliverWebhook: jest.fn(async (..._a: Args<'deliverWebhook'>) => (calls.push('deliverWebhook'), { delivered: true })),
  } satisfies Partial<Activities>;
  return { acts, calls };
}

const input = (over: Partial<OffboardPersonInput> = {}): OffboardPersonInput => ({
  offboardingId: randomUUID(), companyId: randomUUID(), effectiveAt: new Date().toISOString(), ...over,
});

test('every step once, in order, with the workflow\'s now; the report, then the webhook, last', async () => {
  const { acts, calls } = offboardingActivities();
  const i = input();
  const w = await suite.worker(acts);
  const handle = await w.start('offboardPerson', i);
  expect(await handle.result()).toEqual({ offboardingId: i.offboardingId, status: 'completed', result: 'offboarded' });
  expect(calls).toEqual(['begin', ...STEP_ACTIVITIES, 'writeOffboardingReport', 'deliverWebhook']);
  for (const name of STEP_ACTIVITIES) expect(acts[name]).toHaveBeenCalledWith({ offboardingId: i.offboardingId, now: expect.any(String) });
  expect(acts.deliverWebhook).toHaveBeenCalledWith({
    companyId: i.companyId, eventId: expect.stringMatching(/^[0-9a-f-]{36}$/), type: 'offboarding.completed',
    data: { offboardingId: i.offboardingId, status: 'completed', result: 'offboarded' },
  });
  expect(await handle.query(offboardingProgressQuery)).toEqual({ offboardingId: i.offboardingId, status: 'completed', step: null, stepsDone: 8, stepsTotal: 8 });
});

test('no account: straight to the report, completed with result no_account', async () => {
  const { acts, calls } = offboardingActivities();
  acts.findOffboardingAccounts.mockImplementation(async () => (calls.push('findOffboardingAccounts'), { outcome: 'done', count: 0 }));
  acts.writeOffboardingReport.mockImplementation(async () => (calls.push('writeOffboardingReport'), { result: 'no_account' as const }));
  const i = input();
  const handle = await (await suite.worker(acts)).start('offboardPerson', i);
  expect(await handle.result()).toEqual({ offboardingId: i.offboardingId, status: 'completed', result: 'no_account' });
  expect(calls).toEqual(['begin', 'findOffboardingAccounts', 'writeOffboardingReport', 'deliverWebhook']);
});

test('a future effectiveAt waits on a timer; the cancel signal wakes it, and the row\'s verdict ends it cancelled', async () => {
  let cancelled = false;
  const { acts, calls } = offboardingActivities(() => (cancelled ? { state: 'cancelled' } : { state: 'not_yet', effectiveAt: i.effectiveAt }));
  const i = input({ effectiveAt: new Date(Date.now() + 3_600_000).toISOString() });
  const handle = await (await suite.worker(acts)).start('offboardPerson', i);
  await sleep(300);
  expect(calls).toEqual([]); // asleep: nothing asked yet
  expect(await handle.query(offboardingProgressQuery)).toMatchObject({ status: 'scheduled', stepsDone: 0 });
  cancelled = true; // the API's DELETE commits, then signals
  await handle.signal(offboardingCancelledSignal);
  expect(await handle.result()).toEqual({ offboardingId: i.offboardingId, status: 'cancelled', result: null });
  expect(calls).toEqual(['begin']);
  expect(acts.deliverWebhook).not.toHaveBeenCalled();
});

test('woken before its time (a stray signal), the run asks the row, and sleeps again until the row\'s effectiveAt', async () => {
  const due = new Date(Date.now() + 1_500).toISOString();
  const { acts, calls } = offboardingActivities(() => (Date.now() < Date.parse(due) ? { state: 'not_yet', effectiveAt: due } : { state: 'running' }));
  const i = input({ effectiveAt: new Date(Date.now() + 3_600_000).toISOString() });
  const handle = await (await suite.worker(acts)).start('offboardPerson', i);
  await handle.signal(offboardingCancelledSignal);
  expect(await handle.result()).toMatchObject({ status: 'completed' });
  expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(due));
  expect(calls.filter((c) => c === 'begin')).toHaveLength(2);
});

test('a successor who is gone fails the run at reassign_apps: recorded, told to the webhook, nothing after it', async () => {
  const { acts, calls } = offboardingActivities();
  acts.reassignOffboardingApps.mockImplementation(async () => {
    calls.push('reassignOffboardingApps');
    throw ApplicationFailure.create({ type: OffboardingFailure.SuccessorUnavailable, message: 'no', nonRetryable: true, details: ['offboarding.successor_deactivated'] });
  });
  const i = input();
  const handle = await (await suite.worker(acts)).start('offboardPerson', i);
  const err = await handle.result().then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(WorkflowFailedError);
  expect(((err as WorkflowFailedError).cause as ApplicationFailure).type).toBe(OffboardingFailure.SuccessorUnavailable);
  expect(calls).toEqual(['begin', 'findOffboardingAccounts', 'listOffboardingAutomations', 'reassignOffboardingApps', 'failOffboarding', 'deliverWebhook']);
  expect(acts.failOffboarding).toHaveBeenCalledWith({ offboardingId: i.offboardingId, step: 'reassign_apps', code: 'offboarding.successor_deactivated' });
  expect(acts.deliverWebhook).toHaveBeenCalledWith(expect.objectContaining({ type: 'offboarding.failed', data: expect.objectContaining({ failure: 'offboarding.successor_deactivated' }) }));
});

test('a batch row the API could not accept fails at once, before any step', async () => {
  const { acts, calls } = offboardingActivities(() => ({ state: 'rejected', code: 'offboarding.successor_not_member' }));
  const handle = await (await suite.worker(acts)).start('offboardPerson', input());
  await expect(handle.result()).rejects.toBeInstanceOf(WorkflowFailedError);
  expect(calls).toEqual(['begin', 'failOffboarding', 'deliverWebhook']);
});

test('a webhook receiver that never answers holds the run only until the webhook deadline; the run completes', async () => {
  const { acts } = offboardingActivities();
  acts.deliverWebhook.mockImplementation(async () => {
    throw ApplicationFailure.retryable('the receiver answered 503', 'WebhookDeliveryFailed');
  });
  const handle = await (await suite.worker(acts)).start('offboardPerson', input({ webhookDeadlineMs: 2_000 }));
  expect(await handle.result()).toMatchObject({ status: 'completed', result: 'offboarded' });
  expect(acts.deliverWebhook.mock.calls.length).toBeGreaterThan(1);
});

test('a batch: at most `concurrency` people at once, continue-as-new every few, a failure counted and the rest done', async () => {
  const { acts } = offboardingActivities();
  const ids = Array.from({ length: 9 }, () => randomUUID());
  let active = 0;
  let most = 0;
  acts.beginOffboarding.mockImplementation(async () => {
    most = Math.max(most, ++active);
    await sleep(50);
    return { state: 'running' };
  });
  acts.reassignOffboardingApps.mockImplementation(async ({ offboardingId }) => {
    if (offboardingId === ids[4]) {
      active--;
      throw ApplicationFailure.create({ type: OffboardingFailure.SuccessorUnavailable, message: 'no', nonRetryable: true, details: ['x'] });
    }
    return { outcome: 'done', count: 1 };
  });
  acts.writeOffboardingReport.mockImplementation(async () => (active--, { result: 'offboarded' as const }));
  const pages = jest.fn(async ({ afterItemNo, limit }: Args<'loadOffboardingBatchPage'>[0]) => {
    const items = ids.map((offboardingId, n) => ({ itemNo: n + 1, offboardingId, action: n === 6 ? 'reused' as const : 'start' as const }))
      .filter((it) => it.itemNo > afterItemNo).slice(0, limit);
    return { items, last: items.length < limit || items.at(-1)!.itemNo === ids.length };
  });
  const marks: string[] = [];
  const w = await suite.worker({
    ...acts, loadOffboardingBatchPage: pages,
    beginOffboardingBatch: async () => void marks.push('begin'), finishOffboardingBatch: async () => void marks.push('finish'),
  });
  const handle = await w.start('offboardingBatch', {
    batchId: randomUUID(), companyId: randomUUID(), effectiveAt: new Date().toISOString(), concurrency: 2, childrenPerRun: 3,
  });
  expect(await handle.result()).toEqual({ started: 8, completed: 7, failed: 1, cancelled: 0, reused: 1, runs: 3 });
  expect(most).toBeLessThanOrEqual(2);
  expect(marks).toEqual(['begin', 'finish']);
});
