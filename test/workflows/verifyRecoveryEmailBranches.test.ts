// The recovery email workflow's branches against mocked activities: code, wrong codes to exhaustion,
// expiry, the cancel Update (a newer request), the apply with and without a notice to the old address,
// apply failures, and operator cancellation before and after a verified code. Durations are inputs.
import { randomUUID } from 'node:crypto';
import { ApplicationFailure, WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { codeHmac } from '../../lib/verificationCode';
import type { ChallengePolicy } from '../../workflows/shared/codeChallenge';
import { FailureType } from '../../workflows/shared/failures';
import {
  RecoveryEmailFailure, cancelRecoveryEmailUpdate, recoveryEmailCodeUpdates, recoveryEmailStatusQuery, settledRecoveryEmailUpdate,
  type ApplyRecoveryEmailInput, type RecoveryEmailOutcome, type VerifyRecoveryEmailInput,
} from '../../workflows/shared/recoveryEmailContract';
import type { SendCodeInput } from '../../workflows/shared/verification';
import type { verifyRecoveryEmail } from '../../workflows/verifyRecoveryEmail';
import { updateRejection } from '../helpers/updateRejection';
import { type Activities, workflowSuite } from '../helpers/workflowSuite';

const suite = workflowSuite();
const KEY = Buffer.from('mock-code-hmac-key');
const CODE = '424242';
const WRONG = '000000';
const POLICY: ChallengePolicy = { codeTtlMs: 60_000, resendIntervalMs: 60_000, maxAttempts: 3 };

function recoveryActivities({ notify = true }: { notify?: boolean } = {}) {
  return {
    sendVerificationCode: jest.fn(async (input: SendCodeInput) => ({ codeHmac: codeHmac(KEY, input.scope, CODE) })),
    applyRecoveryEmail: jest.fn(async (_input: ApplyRecoveryEmailInput) => ({ notify })),
    closeRecoveryEmailChange: jest.fn(async (_input: { changeId: string; outcome: RecoveryEmailOutcome; failureReason: string | null }) => undefined),
    sendRecoveryEmailChangedNotice: jest.fn(async (_input: { changeId: string; noticeAddressId: string }) => 'sent' as const),
  } satisfies Partial<Activities>;
}
type RecoveryActivities = ReturnType<typeof recoveryActivities>;

async function start(acts: RecoveryActivities, over: Partial<VerifyRecoveryEmailInput> = {}) {
  const input: VerifyRecoveryEmailInput = {
    profileId: randomUUID(), changeId: randomUUID(), pendingAddressId: randomUUID(), expiresAt: Date.now() + 60_000, challenge: POLICY, ...over,
  };
  const w = await suite.worker(acts);
  const handle: WorkflowHandle<typeof verifyRecoveryEmail> = await w.start('verifyRecoveryEmail', input);
  return {
    input, handle,
    requestCode: () => handle.executeUpdate(recoveryEmailCodeUpdates.requestCode, { args: [{}] }),
    verify: (code: string) => handle.executeUpdate(recoveryEmailCodeUpdates.verifyCode, { args: [{ codeHmac: codeHmac(KEY, handle.workflowId, code) }] }),
    settled: () => handle.executeUpdate(settledRecoveryEmailUpdate),
    status: () => handle.query(recoveryEmailStatusQuery),
  };
}

async function failure(handle: WorkflowHandle): Promise<ApplicationFailure> {
  const err = await handle.result().then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(WorkflowFailedError);
  return (err as WorkflowFailedError).cause as ApplicationFailure;
}

describe('verifyRecoveryEmail', () => {
  test('a verified code applies the address, tells the old one, and closes completed', async () => {
    const acts = recoveryActivities();
    const f = await start(acts);
    await f.requestCode();
    expect(acts.sendVerificationCode).toHaveBeenCalledWith(expect.objectContaining({
      purpose: 'recovery-email', recipient: { kind: 'pending-address', pendingAddressId: f.input.pendingAddressId },
    }));
    expect((await f.verify(WRONG)).verdict).toBe('wrong');
    expect((await f.verify(CODE)).verdict).toBe('verified');
    expect((await f.settled()).step).toBe('completed');
    expect(await f.handle.result()).toEqual({ outcome: 'completed' });
    const applied = acts.applyRecoveryEmail.mock.calls[0]![0];
    expect(applied).toMatchObject({ profileId: f.input.profileId, changeId: f.input.changeId, pendingAddressId: f.input.pendingAddressId });
    expect(acts.sendRecoveryEmailChangedNotice).toHaveBeenCalledWith({ changeId: f.input.changeId, noticeAddressId: applied.noticeAddressId });
    expect(acts.closeRecoveryEmailChange).toHaveBeenCalledWith({ changeId: f.input.changeId, outcome: 'completed', failureReason: null });
  });

  test('a first recovery email has no old address to tell', async () => {
    const acts = recoveryActivities({ notify: false });
    const f = await start(acts);
    await f.requestCode();
    await f.verify(CODE);
    expect(await f.handle.result()).toEqual({ outcome: 'completed' });
    expect(acts.sendRecoveryEmailChangedNotice).not.toHaveBeenCalled();
  });

  test('too many wrong codes fail the run with AttemptsExhausted; nothing is applied', async () => {
    const acts = recoveryActivities();
    const f = await start(acts);
    await f.requestCode();
    for (let i = 0; i < POLICY.maxAttempts - 1; i++) expect((await f.verify(WRONG)).verdict).toBe('wrong');
    expect((await f.verify(WRONG)).verdict).toBe('exhausted');
    expect((await failure(f.handle)).type).toBe(FailureType.AttemptsExhausted);
    expect(acts.applyRecoveryEmail).not.toHaveBeenCalled();
    expect(acts.closeRecoveryEmailChange).toHaveBeenCalledWith(expect.objectContaining({ outcome: 'failed', failureReason: FailureType.AttemptsExhausted }));
  });

  test('the deadline expires the run', async () => {
    const acts = recoveryActivities();
    const f = await start(acts, { expiresAt: Date.now() + 1_000 });
    expect(await f.handle.result()).toEqual({ outcome: 'expired' });
    expect(acts.closeRecoveryEmailChange).toHaveBeenCalledWith(expect.objectContaining({ outcome: 'expired' }));
  });

  test('the cancel Update (a newer request) closes it cancelled; afterwards codes are refused', async () => {
    const acts = recoveryActivities();
    const f = await start(acts);
    await f.requestCode();
    expect((await f.handle.executeUpdate(cancelRecoveryEmailUpdate)).step).toBe('cancelled');
    expect(await f.handle.result()).toEqual({ outcome: 'cancelled' });
    expect(acts.applyRecoveryEmail).not.toHaveBeenCalled();
  });

  test('a verify after the run stopped waiting is refused as InvalidStep', async () => {
    const acts = recoveryActivities();
    const f = await start(acts);
    await f.requestCode();
    await f.verify(CODE);
    await f.settled();
    expect((await updateRejection(f.verify(CODE))).type).toBe(FailureType.InvalidStep);
  });

  test('an apply that finds the profile gone fails the run with its type', async () => {
    const acts = recoveryActivities();
    acts.applyRecoveryEmail.mockImplementation(async () => {
      throw ApplicationFailure.nonRetryable('gone', RecoveryEmailFailure.ProfileGone);
    });
    const f = await start(acts);
    await f.requestCode();
    await f.verify(CODE);
    expect((await f.settled())).toMatchObject({ step: 'failed', failureReason: RecoveryEmailFailure.ProfileGone });
    expect((await failure(f.handle)).type).toBe(RecoveryEmailFailure.ProfileGone);
    expect(acts.sendRecoveryEmailChangedNotice).not.toHaveBeenCalled();
  });

  test('an operator\'s cancel before any code closes it cancelled', async () => {
    const acts = recoveryActivities();
    const f = await start(acts);
    await f.handle.cancel();
    expect(await f.handle.result()).toEqual({ outcome: 'cancelled' });
    expect(acts.closeRecoveryEmailChange).toHaveBeenCalledWith(expect.objectContaining({ outcome: 'cancelled' }));
  });
});
