// The createAccount workflow's branches against mocked activities: the kit's code Updates on a fixed
// recipient, the create Update and its failures, the wait for the creation after verification, expiry,
// cancellation by Update and by an operator, and the record's last word. No database, mail server or API.
import { randomUUID } from 'node:crypto';
import { ApplicationFailure, WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { codeHmac } from '../../lib/verificationCode';
import type { createAccount } from '../../workflows/createAccount';
import {
  AccountCreationFailure, accountCreationCodeUpdates, accountCreationStatusQuery, cancelAccountCreationUpdate, createAccountUpdate,
  type AccountCreationOutcome, type CreateAccountInput,
} from '../../workflows/shared/accountCreationContract';
import type { ChallengePolicy } from '../../workflows/shared/codeChallenge';
import { FailureType } from '../../workflows/shared/failures';
import { updateIds } from '../../workflows/shared/ids';
import type { SendCodeInput } from '../../workflows/shared/verification';
import { updateRejection } from '../helpers/updateRejection';
import { eventually, sleepUntil } from '../helpers/waiting';
import { type Activities, type StartOptions, workflowSuite } from '../helpers/workflowSuite';

const suite = workflowSuite();

// Stands in for the `codeHmac` subkey on both sides: the mocked activity and the test.
const KEY = Buffer.from('mock-code-hmac-key');
const CODE = '424242';
const WRONG = '000000';
const POLICY: ChallengePolicy = { codeTtlMs: 60_000, resendIntervalMs: 60_000, maxAttempts: 3 };

type CreateArgs = Parameters<Activities['createAccountFromPending']>[0];
type CloseArgs = Parameters<Activities['closeAccountCreation']>[0];

/** Recorded mocks of the flow's activities, answering as a healthy system would. */
function creationActivities() {
  const accountId = randomUUID();
  const profileId = randomUUID();
  return {
    accountId,
    profileId,
    sendVerificationCode: jest.fn(async (input: SendCodeInput) => ({ codeHmac: codeHmac(KEY, input.scope, CODE) })),
    createAccountFromPending: jest.fn(async (_args: CreateArgs) => ({ accountId, profileId, alreadyCreated: false })),
    // The record holds what it was told: nothing was created behind the workflow's back.
    closeAccountCreation: jest.fn(async ({ outcome }: CloseArgs): Promise<AccountCreationOutcome> => outcome),
  };
}
type CreationActivities = ReturnType<typeof creationActivities>;

function creationInput(over: Partial<CreateAccountInput> = {}): CreateAccountInput {
  return { kind: 'sign-up', pendingAddressId: randomUUID(), ttlMs: 60_000, createWithinMs: 60_000, challenge: POLICY, ...over };
}

async function startCreation(acts: CreationActivities, over: Partial<CreateAccountInput> = {}, options?: StartOptions) {
  const input = creationInput(over);
  const { accountId: _a, profileId: _p, ...mocks } = acts;
  const w = await suite.worker(mocks satisfies Partial<Activities>);
  const handle: WorkflowHandle<typeof createAccount> = await w.start('createAccount', input, options);
  const creationId = randomUUID();
  return {
    input, handle, creationId,
    requestCode: () => handle.executeUpdate(accountCreationCodeUpdates.requestCode, { args: [{}] }),
    verify: (code: string) => handle.executeUpdate(accountCreationCodeUpdates.verifyCode, { args: [{ codeHmac: codeHmac(KEY, handle.workflowId, code) }] }),
    create: (id = creationId) => handle.executeUpdate(createAccountUpdate, { args: [{ creationId: id }], updateId: updateIds.create }),
    cancel: () => handle.executeUpdate(cancelAccountCreationUpdate),
    status: () => handle.query(accountCreationStatusQuery),
  };
}
type Creation = Awaited<ReturnType<typeof startCreation>>;

async function toVerified(c: Creation): Promise<void> {
  await c.requestCode();
  expect(await c.verify(CODE)).toMatchObject({ verdict: 'verified', status: { step: 'verified' } });
}

async function runFailure(handle: WorkflowHandle): Promise<ApplicationFailure> {
  const err = await handle.result().then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(WorkflowFailedError);
  const cause = (err as WorkflowFailedError).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  return cause as ApplicationFailure;
}

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => { open = resolve; });
  return { open, opened };
}

const EventType = temporal.api.enums.v1.EventType;
async function cancelProcessed(handle: WorkflowHandle): Promise<boolean> {
  const types = ((await handle.fetchHistory()).events ?? []).map((e) => e.eventType);
  const requested = types.indexOf(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED);
  return requested >= 0 && types.indexOf(EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED, requested) > requested;
}

describe('the code, on the kit', () => {
  test.each(['sign-up', 'account-creation'] as const)('kind %s: the code goes to the pending address, for that purpose, bound to the run', async (kind) => {
    const acts = creationActivities();
    const c = await startCreation(acts, { kind });
    expect(await c.status()).toMatchObject({ step: 'awaiting_code', codesSent: 0, attemptsLeft: POLICY.maxAttempts, creationId: null });
    const sent = await c.requestCode();
    expect(sent.status).toMatchObject({ step: 'awaiting_code', codesSent: 1 });
    expect(acts.sendVerificationCode).toHaveBeenCalledWith(expect.objectContaining({
      scope: c.handle.workflowId,
      purpose: kind,
      validForMs: POLICY.codeTtlMs,
      recipient: { kind: 'pending-address', pendingAddressId: c.input.pendingAddressId },
    }));
    // No "this was not you" action: nothing is lost by ignoring the code.
    expect(acts.sendVerificationCode.mock.calls[0]![0]).not.toHaveProperty('rejection');
  });

  test('a resend within the interval is Throttled; the code sent stays valid', async () => {
    const acts = creationActivities();
    const c = await startCreation(acts);
    await c.requestCode();
    expect((await updateRejection(c.requestCode())).type).toBe(FailureType.Throttled);
    expect(acts.sendVerificationCode).toHaveBeenCalledTimes(1);
    await c.verify(CODE);
    expect(await c.status()).toMatchObject({ step: 'verified' });
  });

  test('wrong codes spend attempts; exhausting them fails the run with AttemptsExhausted and closes it', async () => {
    const acts = creationActivities();
    const c = await startCreation(acts);
    await c.requestCode();
    expect(await c.verify(WRONG)).toMatchObject({ verdict: 'wrong', attemptsLeft: 2 });
    expect(await c.verify(WRONG)).toMatchObject({ verdict: 'wrong', attemptsLeft: 1 });
    expect(await c.verify(WRONG)).toMatchObject({ verdict: 'exhausted', attemptsLeft: 0 });
    const failure = await runFailure(c.handle);
    expect(failure.type).toBe(FailureType.AttemptsExhausted);
    expect(failure.nonRetryable).toBe(true);
    expect(acts.closeAccountCreation).toHaveBeenCalledWith(expect.objectContaining({
      workflowId: c.handle.workflowId, pendingAddressId: c.input.pendingAddressId, outcome: 'failed', failureReason: FailureType.AttemptsExhausted,
    }));
    expect(acts.createAccountFromPending).not.toHaveBeenCalled();
  });

  test('an expired code gets the verdict expired without spending an attempt', async () => {
    const c = await startCreation(creationActivities(), { challenge: { ...POLICY, codeTtlMs: 300 } });
    const sent = await c.requestCode();
    await sleepUntil(sent.codeExpiresAt + 200);
    expect(await c.verify(CODE)).toMatchObject({ verdict: 'expired', attemptsLeft: POLICY.maxAttempts });
    expect(await c.status()).toMatchObject({ step: 'awaiting_code' });
  });

  test('once verified, no code is sent or checked any more', async () => {
    const c = await startCreation(creationActivities(), { challenge: { ...POLICY, resendIntervalMs: 0 } });
    await toVerified(c);
    expect((await updateRejection(c.requestCode())).type).toBe(FailureType.InvalidStep);
    expect((await updateRejection(c.verify(CODE))).type).toBe(FailureType.InvalidStep);
  });
});

describe('create', () => {
  test('before verification it is InvalidStep; malformed arguments are InvalidArgument', async () => {
    const acts = creationActivities();
    const c = await startCreation(acts);
    const early = await updateRejection(c.create());
    expect(early.type).toBe(FailureType.InvalidStep);
    expect(early.details?.[0]).toBe('awaiting_code');
    await toVerified(c);
    for (const args of [{}, { creationId: 'not-a-uuid' }, { creationId: randomUUID(), extra: 1 }]) {
      const bad = c.handle.executeUpdate(createAccountUpdate, { args: [args as { creationId: string }] });
      expect((await updateRejection(bad)).type).toBe(FailureType.InvalidArgument);
    }
    expect(acts.createAccountFromPending).not.toHaveBeenCalled();
    expect(await c.status()).toMatchObject({ step: 'verified' });
  });

  test('creates the named request\'s account once, completes, and closes the run as completed', async () => {
    const acts = creationActivities();
    const c = await startCreation(acts);
    await toVerified(c);
    const done = await c.create();
    expect(done).toMatchObject({ step: 'completed', status: { creationId: c.creationId, accountId: acts.accountId, profileId: acts.profileId } });
    // A repeated create (same Update id) joins the first: its stored answer, no second creation.
    expect(await c.create(randomUUID())).toMatchObject({ step: 'completed', status: { creationId: c.creationId } });
    expect(await c.handle.result()).toEqual({ outcome: 'completed' });

    const { runId } = await c.handle.describe();
    expect(acts.createAccountFromPending).toHaveBeenCalledTimes(1);
    expect(acts.createAccountFromPending).toHaveBeenCalledWith({ workflowId: c.handle.workflowId, runId, creationId: c.creationId });
    expect(acts.closeAccountCreation).toHaveBeenCalledTimes(1);
    expect(acts.closeAccountCreation).toHaveBeenCalledWith({
      workflowId: c.handle.workflowId, runId, pendingAddressId: c.input.pendingAddressId, outcome: 'completed', failureReason: null,
    });
  });

  test.each([AccountCreationFailure.EmailTaken, FailureType.ProfileGone, AccountCreationFailure.PendingAccountGone])(
    'a creation that fails with %s fails the step and the run with that type, without retrying',
    async (type) => {
      const acts = creationActivities();
      acts.createAccountFromPending.mockRejectedValue(ApplicationFailure.create({ type, message: 'refused', nonRetryable: true }));
      const c = await startCreation(acts);
      await toVerified(c);
      expect(await c.create()).toMatchObject({ step: 'failed', status: { failureReason: type, accountId: null } });
      expect((await runFailure(c.handle)).type).toBe(type);
      expect(acts.createAccountFromPending).toHaveBeenCalledTimes(1);
      expect(acts.closeAccountCreation).toHaveBeenCalledWith(expect.objectContaining({ outcome: 'failed', failureReason: type }));
    },
  );
});

describe('expiry', () => {
  test('an abandoned run expires at its deadline and closes as expired', async () => {
    const acts = creationActivities();
    const c = await startCreation(acts, { ttlMs: 1_500 });
    await c.requestCode();
    expect(await c.handle.result()).toEqual({ outcome: 'expired' });
    expect(acts.closeAccountCreation).toHaveBeenCalledWith(expect.objectContaining({ outcome: 'expired', failureReason: null }));
    expect(await c.status()).toMatchObject({ step: 'expired' });
  });

  test('a verified run nobody asks to create expires after createWithinMs, long before its deadline', async () => {
    const acts = creationActivities();
    const c = await startCreation(acts, { ttlMs: 60_000, createWithinMs: 1_000 });
    await toVerified(c);
    const t0 = Date.now();
    expect(await c.handle.result()).toEqual({ outcome: 'expired' });
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect(acts.createAccountFromPending).not.toHaveBeenCalled();
    expect(acts.closeAccountCreation).toHaveBeenCalledWith(expect.objectContaining({ outcome: 'expired' }));
  });

  test('with no time to wait (createWithinMs 0) a verified run expires at once rather than waiting forever', async () => {
    const acts = creationActivities();
    const c = await startCreation(acts, { createWithinMs: 0 });
    await toVerified(c);
    expect(await c.handle.result()).toEqual({ outcome: 'expired' });
    expect(acts.createAccountFromPending).not.toHaveBeenCalled();
  });

  test('the record has the last word: a creation committed behind a lost Update makes the expired run completed', async () => {
    const acts = creationActivities();
    acts.closeAccountCreation.mockResolvedValue('completed');
    const c = await startCreation(acts, { createWithinMs: 1_000 });
    await toVerified(c);
    expect(await c.handle.result()).toEqual({ outcome: 'completed' });
    expect(acts.closeAccountCreation).toHaveBeenCalledWith(expect.objectContaining({ outcome: 'expired' }));
    expect(await c.status()).toMatchObject({ step: 'completed' });
  });
});

describe('cancel', () => {
  test.each(['awaiting_code', 'verified'] as const)('the cancel Update at %s ends the run cancelled without creating', async (at) => {
    const acts = creationActivities();
    const c = await startCreation(acts);
    if (at === 'verified') await toVerified(c);
    else await c.requestCode();
    expect(await c.cancel()).toMatchObject({ step: 'cancelled' });
    expect(await c.handle.result()).toEqual({ outcome: 'cancelled' });
    expect(acts.closeAccountCreation).toHaveBeenCalledWith(expect.objectContaining({ outcome: 'cancelled' }));
    expect(acts.createAccountFromPending).not.toHaveBeenCalled();
  });

  test('after completion the cancel Update is refused; after a cancel, create is', async () => {
    const done = await startCreation(creationActivities());
    await toVerified(done);
    await done.create();
    expect((await updateRejection(done.cancel())).type).toBe(FailureType.InvalidStep);

    const cancelled = await startCreation(creationActivities());
    await toVerified(cancelled);
    await cancelled.cancel();
    expect((await updateRejection(cancelled.create())).type).toBe(FailureType.InvalidStep);
  });

  test('an operator\'s cancel while awaiting a code ends the run cancelled and closes it', async () => {
    const acts = creationActivities();
    const c = await startCreation(acts);
    await c.requestCode();
    await c.handle.cancel();
    expect(await c.handle.result()).toEqual({ outcome: 'cancelled' });
    expect(acts.closeAccountCreation).toHaveBeenCalledWith(expect.objectContaining({ outcome: 'cancelled' }));
  });

  test('an operator\'s cancel while creating: the creation finishes and the run reports completed', async () => {
    const acts = creationActivities();
    const entered = gate();
    const release = gate();
    acts.createAccountFromPending.mockImplementation(async () => {
      entered.open();
      await release.opened;
      return { accountId: acts.accountId, profileId: acts.profileId, alreadyCreated: false };
    });
    // As in the merge's test: a short task timeout makes the worker heartbeat the task while the local
    // activity runs, so the workflow really sees the cancel at step creating.
    const c = await startCreation(acts, {}, { workflowTaskTimeout: '1s' });
    await toVerified(c);
    const creating = c.create();
    creating.catch(() => undefined);
    try {
      await entered.opened;
      await c.handle.cancel();
      await eventually(async () => expect(await cancelProcessed(c.handle)).toBe(true), 10_000);
    } finally {
      release.open();
    }
    expect(await creating).toMatchObject({ step: 'completed' });
    expect(await c.handle.result()).toEqual({ outcome: 'completed' });
    expect(acts.closeAccountCreation).toHaveBeenCalledWith(expect.objectContaining({ outcome: 'completed' }));
  });
});
