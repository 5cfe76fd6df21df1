// The merge workflow's branches against mocked activities: validators, code budget and expiry, the apply and
// its failures, operator cancellation and expiry. No database, mail server or API: what the activities
// would do is what each test makes them answer. Durations are inputs, so every wait here is short.
import { randomUUID } from 'node:crypto';
import { ApplicationFailure, WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { codeHmac } from '../../lib/verificationCode';
import type { mergeProfile } from '../../workflows/mergeProfile';
import type { ChallengePolicy } from '../../workflows/shared/codeChallenge';
import { FailureType } from '../../workflows/shared/failures';
import {
  cancelMergeUpdate, confirmMergeUpdate, mergeCodeUpdates, mergeStatusQuery,
  type MergeOutcome, type MergeProfileInput,
} from '../../workflows/shared/mergeContract';
import type { SendCodeInput } from '../../workflows/shared/verification';
import { updateRejection } from '../helpers/updateRejection';
import { eventually, sleepUntil } from '../helpers/waiting';
import { type Activities, NOT_MOCKED, type StartOptions, workflowSuite } from '../helpers/workflowSuite';

const suite = workflowSuite();

// Stands in for the `codeHmac` subkey (lib/keys.ts) on both sides: the mocked activity and the test.
const KEY = Buffer.from('mock-code-hmac-key');
const CODE = '424242';
const WRONG = '000000';
const OPTION = 'email-option-1';
const POLICY: ChallengePolicy = { codeTtlMs: 60_000, resendIntervalMs: 60_000, maxAttempts: 3 };

type ApplyArgs = Parameters<Activities['applyProfileMerge']>;
type CloseArgs = Parameters<Activities['closeProfileMerge']>;
type MailArgs = Parameters<Activities['sendMergeCompletedEmail']>;

/** Recorded mocks of the merge's activities, answering as a healthy system would. */
function mergeActivities() {
  return {
    // The code is the test's choice; the HMAC is computed as the real activity does, bound to the flow.
    sendVerificationCode: jest.fn(async (input: SendCodeInput) => ({ codeHmac: codeHmac(KEY, input.scope, CODE) })),
    applyProfileMerge: jest.fn(async (..._args: ApplyArgs) => ({ alreadyApplied: false, movedAccounts: 1 })),
    // The record holds what it was told: nothing was applied behind the workflow's back.
    closeProfileMerge: jest.fn(async ({ outcome }: CloseArgs[0]): Promise<MergeOutcome | undefined> => outcome),
    sendMergeCompletedEmail: jest.fn(async (..._args: MailArgs) => undefined),
  } satisfies Partial<Activities>;
}
type MergeActivities = ReturnType<typeof mergeActivities>;

function mergeInput(over: Partial<MergeProfileInput> = {}): MergeProfileInput {
  return {
    mergeId: randomUUID(), targetProfileId: randomUUID(), sourceProfileId: randomUUID(), accountId: randomUUID(),
    ttlMs: 60_000, challenge: POLICY, ...over,
  };
}

/** A merge workflow on a worker with `acts` for activities, and the Updates a user (or the API) sends it. */
async function startMerge(acts: MergeActivities, over: Partial<MergeProfileInput> = {}, options?: StartOptions) {
  const input = mergeInput(over);
  const w = await suite.worker(acts);
  const handle: WorkflowHandle<typeof mergeProfile> = await w.start('mergeProfile', input, options);
  const hmacOf = (code: string) => codeHmac(KEY, handle.workflowId, code);
  return {
    input, handle,
    requestCode: (args: { emailOptionId?: string } = { emailOptionId: OPTION }) =>
      handle.executeUpdate(mergeCodeUpdates.requestCode, { args: [args] }),
    verify: (code: string) => handle.executeUpdate(mergeCodeUpdates.verifyCode, { args: [{ codeHmac: hmacOf(code) }] }),
    verifyHmac: (hmac: string) => handle.executeUpdate(mergeCodeUpdates.verifyCode, { args: [{ codeHmac: hmac }] }),
    confirm: () => handle.executeUpdate(confirmMergeUpdate),
    cancel: () => handle.executeUpdate(cancelMergeUpdate),
    status: () => handle.query(mergeStatusQuery),
  };
}
type Merge = Awaited<ReturnType<typeof startMerge>>;

async function toConfirmation(m: Merge): Promise<void> {
  await m.requestCode();
  expect(await m.verify(CODE)).toMatchObject({ verdict: 'verified' });
}

/** The ApplicationFailure the run failed with. */
async function runFailure(handle: WorkflowHandle): Promise<ApplicationFailure> {
  const err = await handle.result().then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(WorkflowFailedError);
  const cause = (err as WorkflowFailedError).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  return cause as ApplicationFailure;
}

const EventType = temporal.api.enums.v1.EventType;
const eventTypes = async (handle: WorkflowHandle) => ((await handle.fetchHistory()).events ?? []).map((e) => e.eventType);
/** Whether the workflow has taken a workflow task since its cancel was requested. */
async function cancelProcessed(handle: WorkflowHandle): Promise<boolean> {
  const types = await eventTypes(handle);
  const requested = types.indexOf(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED);
  return requested >= 0 && types.indexOf(EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED, requested) > requested;
}

/** A promise the test resolves: lets a mock block until the test says so. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => { open = resolve; });
  return { open, opened };
}

describe('requestCode validator and sending', () => {
  test('a missing or empty emailOptionId is InvalidArgument and sends nothing', async () => {
    const acts = mergeActivities();
    const m = await startMerge(acts);
    expect((await updateRejection(m.requestCode({}))).type).toBe(FailureType.InvalidArgument);
    expect((await updateRejection(m.requestCode({ emailOptionId: '' }))).type).toBe(FailureType.InvalidArgument);
    expect(acts.sendVerificationCode).not.toHaveBeenCalled();
    expect(await m.status()).toMatchObject({ step: 'awaiting_email_choice', codesSent: 0 });
  });

  test('a code sent names the option, the flow and the policy\'s time to live', async () => {
    const acts = mergeActivities();
    const m = await startMerge(acts);
    const sent = await m.requestCode();
    expect(sent.status).toMatchObject({ step: 'awaiting_code', codesSent: 1 });
    expect(acts.sendVerificationCode).toHaveBeenCalledTimes(1);
    expect(acts.sendVerificationCode).toHaveBeenCalledWith(expect.objectContaining({
      scope: m.handle.workflowId,
      purpose: 'profile-merge',
      validForMs: POLICY.codeTtlMs,
      recipient: { kind: 'profile-email-option', profileId: m.input.sourceProfileId, emailOptionId: OPTION },
    }));
  });

  test('a resend within the interval is Throttled, with the milliseconds to wait in details[0]', async () => {
    const acts = mergeActivities();
    const m = await startMerge(acts, { challenge: { ...POLICY, resendIntervalMs: 30_000 } });
    await m.requestCode();
    const throttled = await updateRejection(m.requestCode());
    expect(throttled.type).toBe(FailureType.Throttled);
    const retryAfterMs = throttled.details?.[0];
    expect(typeof retryAfterMs).toBe('number');
    expect(retryAfterMs).toBeGreaterThan(0);
    expect(retryAfterMs).toBeLessThanOrEqual(30_000);
    expect(acts.sendVerificationCode).toHaveBeenCalledTimes(1);
  });

  test('UnknownRecipient from the send fails the update with that type; the flow stays at its step', async () => {
    const acts = mergeActivities();
    acts.sendVerificationCode.mockImplementationOnce(async () => {
      throw ApplicationFailure.create({ type: FailureType.UnknownRecipient, message: 'no such recipient', nonRetryable: true });
    });
    const m = await startMerge(acts);
    expect((await updateRejection(m.requestCode())).type).toBe(FailureType.UnknownRecipient);
    expect(acts.sendVerificationCode).toHaveBeenCalledTimes(1); // non-retryable: not tried again
    expect(await m.status()).toMatchObject({ step: 'awaiting_email_choice', codesSent: 0, attemptsLeft: POLICY.maxAttempts });
    // The failed send neither throttles the next request nor ends the flow.
    expect((await m.requestCode()).status).toMatchObject({ step: 'awaiting_code', codesSent: 1 });
  });

  test('a failed resend at awaiting_code leaves the step and the code already sent', async () => {
    const acts = mergeActivities();
    const m = await startMerge(acts, { challenge: { ...POLICY, resendIntervalMs: 0 } });
    await m.requestCode();
    acts.sendVerificationCode.mockImplementationOnce(async () => {
      throw ApplicationFailure.create({ type: FailureType.UnknownRecipient, message: 'no such recipient', nonRetryable: true });
    });
    expect((await updateRejection(m.requestCode({ emailOptionId: 'gone' }))).type).toBe(FailureType.UnknownRecipient);
    expect(await m.status()).toMatchObject({ step: 'awaiting_code', codesSent: 1 });
    expect(await m.verify(CODE)).toMatchObject({ verdict: 'verified', attemptsLeft: POLICY.maxAttempts });
  });

  test('any other send failure is MailUnavailable once the retries are spent; the flow stays at its step', async () => {
    const acts = mergeActivities();
    acts.sendVerificationCode.mockRejectedValue(new Error('smtp: connection refused'));
    const m = await startMerge(acts);
    expect((await updateRejection(m.requestCode())).type).toBe(FailureType.MailUnavailable);
    expect(acts.sendVerificationCode).toHaveBeenCalledTimes(3); // the kit's maximumAttempts
    expect(await m.status()).toMatchObject({ step: 'awaiting_email_choice', codesSent: 0 });
  });
});

describe('verifyCode validator', () => {
  test('a malformed codeHmac is InvalidArgument, spending nothing', async () => {
    const acts = mergeActivities();
    const m = await startMerge(acts);
    await m.requestCode();
    for (const bad of [CODE, 'A'.repeat(64), `${'0'.repeat(63)}g`, '']) {
      expect((await updateRejection(m.verifyHmac(bad))).type).toBe(FailureType.InvalidArgument);
    }
    expect(await m.status()).toMatchObject({ step: 'awaiting_code', attemptsLeft: POLICY.maxAttempts });
  });

  test('a well-formed code before any code was sent is InvalidStep', async () => {
    const m = await startMerge(mergeActivities());
    const rejected = await updateRejection(m.verify(CODE));
    expect(rejected.type).toBe(FailureType.InvalidStep);
    expect(rejected.details?.[0]).toBe('awaiting_email_choice');
    expect(await m.status()).toMatchObject({ step: 'awaiting_email_choice', attemptsLeft: POLICY.maxAttempts });
  });
});

describe('code budget and expiry', () => {
  test('wrong codes spend attempts; exhausting them fails the run with AttemptsExhausted', async () => {
    const acts = mergeActivities();
    const m = await startMerge(acts);
    await m.requestCode();
    expect(await m.verify(WRONG)).toMatchObject({ verdict: 'wrong', attemptsLeft: 2 });
    expect(await m.verify(WRONG)).toMatchObject({ verdict: 'wrong', attemptsLeft: 1 });
    expect(await m.verify(WRONG)).toMatchObject({ verdict: 'exhausted', attemptsLeft: 0 });

    const failure = await runFailure(m.handle);
    expect(failure.type).toBe(FailureType.AttemptsExhausted);
    expect(failure.nonRetryable).toBe(true);
    expect(acts.closeProfileMerge).toHaveBeenCalledWith({ mergeId: m.input.mergeId, outcome: 'failed' });
    expect(acts.applyProfileMerge).not.toHaveBeenCalled();
    expect(acts.sendMergeCompletedEmail).not.toHaveBeenCalled();
  });

  test('an expired code gets the verdict expired without spending an attempt', async () => {
    const m = await startMerge(mergeActivities(), { challenge: { ...POLICY, codeTtlMs: 300 } });
    const sent = await m.requestCode();
    await sleepUntil(sent.codeExpiresAt + 200);
    expect(await m.verify(CODE)).toMatchObject({ verdict: 'expired', attemptsLeft: POLICY.maxAttempts });
    expect(await m.status()).toMatchObject({ step: 'awaiting_code', attemptsLeft: POLICY.maxAttempts });
  });
});

describe('confirm', () => {
  test('applies once, completes, sends one completion email and leaves the record to the apply', async () => {
    const acts = mergeActivities();
    const m = await startMerge(acts);
    await toConfirmation(m);
    expect(await m.confirm()).toMatchObject({ step: 'completed' });
    expect(await m.handle.result()).toEqual({ outcome: 'completed' });

    expect(acts.applyProfileMerge).toHaveBeenCalledTimes(1);
    expect(acts.applyProfileMerge).toHaveBeenCalledWith({ mergeId: m.input.mergeId, accountId: m.input.accountId });
    expect(acts.sendMergeCompletedEmail).toHaveBeenCalledTimes(1);
    expect(acts.sendMergeCompletedEmail).toHaveBeenCalledWith({ mergeId: m.input.mergeId, accountId: m.input.accountId });
    expect(acts.closeProfileMerge).not.toHaveBeenCalled(); // the apply transaction closed it
  });

  test('an apply that fails with ProfileGone fails the step and the run with ProfileGone', async () => {
    const acts = mergeActivities();
    acts.applyProfileMerge.mockRejectedValue(
      ApplicationFailure.create({ type: FailureType.ProfileGone, message: 'profile deleted meanwhile', nonRetryable: true }),
    );
    const m = await startMerge(acts);
    await toConfirmation(m);
    const answer = await m.confirm();
    expect(answer).toMatchObject({ step: 'failed', status: { failureReason: FailureType.ProfileGone } });

    const failure = await runFailure(m.handle);
    expect(failure.type).toBe(FailureType.ProfileGone);
    expect(acts.applyProfileMerge).toHaveBeenCalledTimes(1); // non-retryable
    expect(acts.closeProfileMerge).toHaveBeenCalledWith({ mergeId: m.input.mergeId, outcome: 'failed' });
    expect(acts.sendMergeCompletedEmail).not.toHaveBeenCalled();
  });
});

describe('operator cancel (workflow cancellation)', () => {
  test('while applying: the apply finishes and the run reports completed, with its email', async () => {
    const acts = mergeActivities();
    const entered = gate();
    const release = gate();
    acts.applyProfileMerge.mockImplementation(async () => {
      entered.open();
      await release.opened;
      return { alreadyApplied: false, movedAccounts: 1 };
    });
    // A local activity holds its workflow task open, and the server hands the workflow a cancel only with
    // the next task: a short task timeout makes the worker heartbeat the task (at 80% of it) while the apply
    // still runs, so the workflow really sees the cancel at step applying.
    const m = await startMerge(acts, {}, { workflowTaskTimeout: '1s' });
    await toConfirmation(m);

    const confirming = m.confirm();
    confirming.catch(() => undefined); // awaited below; keeps an early failure from going unhandled
    try {
      await entered.opened;
      await m.handle.cancel();
      await eventually(async () => expect(await cancelProcessed(m.handle)).toBe(true), 10_000);
    } finally {
      release.open();
    }

    expect(await confirming).toMatchObject({ step: 'completed' });
    expect(await m.handle.result()).toEqual({ outcome: 'completed' });
    expect(acts.applyProfileMerge).toHaveBeenCalledTimes(1);
    expect(acts.sendMergeCompletedEmail).toHaveBeenCalledTimes(1);
    expect(acts.closeProfileMerge).not.toHaveBeenCalledWith(expect.objectContaining({ outcome: 'cancelled' }));
    // The apply's result was recorded after the workflow had taken the cancel: the branch ran.
    const types = await eventTypes(m.handle);
    expect(types.indexOf(EventType.EVENT_TYPE_MARKER_RECORDED, types.lastIndexOf(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED)))
      .toBeGreaterThan(types.indexOf(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED));
  });

  test('while awaiting a code: the run ends cancelled and closes the record as cancelled', async () => {
    const acts = mergeActivities();
    const m = await startMerge(acts);
    await m.requestCode();
    await m.handle.cancel();
    expect(await m.handle.result()).toEqual({ outcome: 'cancelled' });
    expect(acts.closeProfileMerge).toHaveBeenCalledTimes(1);
    expect(acts.closeProfileMerge).toHaveBeenCalledWith({ mergeId: m.input.mergeId, outcome: 'cancelled' });
    expect(acts.applyProfileMerge).not.toHaveBeenCalled();
    expect(acts.sendMergeCompletedEmail).not.toHaveBeenCalled();
  });
});

describe('cancel update', () => {
  test('while awaiting confirmation ends the run cancelled without applying', async () => {
    const acts = mergeActivities();
    const m = await startMerge(acts);
    await toConfirmation(m);
    expect(await m.cancel()).toMatchObject({ step: 'cancelled' });
    expect(await m.handle.result()).toEqual({ outcome: 'cancelled' });
    expect(acts.closeProfileMerge).toHaveBeenCalledWith({ mergeId: m.input.mergeId, outcome: 'cancelled' });
    expect(acts.applyProfileMerge).not.toHaveBeenCalled();
  });
});

describe('expiry asks the record', () => {
  // The merge reaches its deadline while awaiting confirmation; the record answers what it holds.
  test.each<[MergeOutcome, boolean]>([
    ['completed', true], // a confirm lost with its worker had applied the merge
    ['expired', false],
  ])('the record answers %s: the run reports it (completion email: %s)', async (recorded, emailed) => {
    const acts = mergeActivities();
    acts.closeProfileMerge.mockResolvedValue(recorded);
    const m = await startMerge(acts, { ttlMs: 1_500 });
    await toConfirmation(m);
    expect(await m.status()).toMatchObject({ step: 'awaiting_confirmation' });

    expect(await m.handle.result()).toEqual({ outcome: recorded });
    expect(acts.closeProfileMerge).toHaveBeenCalledTimes(1);
    expect(acts.closeProfileMerge).toHaveBeenCalledWith({ mergeId: m.input.mergeId, outcome: 'expired' });
    expect(acts.sendMergeCompletedEmail).toHaveBeenCalledTimes(emailed ? 1 : 0);
    expect(acts.applyProfileMerge).not.toHaveBeenCalled();
    expect(await m.status()).toMatchObject({ step: recorded });
  });
});

describe('the harness itself', () => {
  test('an activity the test did not mock fails at once with NotMocked, instead of retrying', () =>
    suite.run({ sendVerificationCode: mergeActivities().sendVerificationCode }, async ({ start }) => {
      const handle = await start('mergeProfile', mergeInput());
      await handle.executeUpdate(mergeCodeUpdates.requestCode, { args: [{ emailOptionId: OPTION }] });
      await handle.executeUpdate(mergeCodeUpdates.verifyCode, { args: [{ codeHmac: codeHmac(KEY, handle.workflowId, CODE) }] });
      // applyProfileMerge retries without limit in production; unmocked, it ends the confirm in one try.
      expect(await handle.executeUpdate(confirmMergeUpdate)).toMatchObject({ step: 'failed', status: { failureReason: NOT_MOCKED } });
    }));
});
