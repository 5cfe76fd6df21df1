// The password reset workflow's branches against mocked activities: the three kinds (reset, SSO notice,
// decoy), requests and the resend interval, the deadline a request extends, the code budget, the complete
// Update's validator, the apply and its failures, and operator cancellation. No database, mail server or
// API: what the activities would do is what each test makes them answer. Durations are inputs.
import { randomUUID } from 'node:crypto';
import { ApplicationFailure, WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { codeHmac } from '../../lib/verificationCode';
import type { resetPassword } from '../../workflows/resetPassword';
import type { ChallengePolicy } from '../../workflows/shared/codeChallenge';
import { FailureType } from '../../workflows/shared/failures';
import { completeResetUpdateId } from '../../workflows/shared/ids';
import {
  ResetFailure, completeResetUpdate, resetCodeUpdates, resetRequestedSignal, resetStatusQuery,
  type ApplyResetInput, type ResetKind, type ResetOutcome, type ResetPasswordInput,
} from '../../workflows/shared/passwordResetContract';
import type { SendCodeInput } from '../../workflows/shared/verification';
import { updateRejection } from '../helpers/updateRejection';
import { eventually, sleep } from '../helpers/waiting';
import { type Activities, type StartOptions, workflowSuite } from '../helpers/workflowSuite';

const suite = workflowSuite();

// Stands in for the `codeHmac` subkey (lib/keys.ts) on both sides: the mocked activity and the test.
const KEY = Buffer.from('mock-code-hmac-key');
const CODES = ['424242', '535353', '646464'];
const WRONG = '000000';
const POLICY: ChallengePolicy = { codeTtlMs: 60_000, resendIntervalMs: 60_000, maxAttempts: 3 };

/** Recorded mocks of the reset's activities, answering as a healthy system would; the n-th code issued is CODES[n]. */
function resetActivities() {
  let issued = 0;
  return {
    passwordResetCodeHmac: jest.fn(async ({ scope }: { scope: string; challengeId: string }) => ({ codeHmac: codeHmac(KEY, scope, CODES[issued++]!) })),
    // The real activity emails the code of the same challenge id, and answers the same HMAC; the workflow needs only the email.
    sendVerificationCode: jest.fn(async (input: SendCodeInput) => ({ codeHmac: codeHmac(KEY, input.scope, 'unused') })),
    sendPasswordResetSsoNotice: jest.fn(async (_input: { accountId: string; noticeId: string }) => undefined),
    applyPasswordReset: jest.fn(async (_input: ApplyResetInput) => ({ alreadyApplied: false, sessionsEnded: 2 })),
    closePasswordReset: jest.fn(async (_input: { runId: string; outcome: ResetOutcome }) => undefined),
    sendPasswordChangedEmail: jest.fn(async (_input: { accountId: string; runId: string }) => undefined),
  } satisfies Partial<Activities>;
}
type ResetActivities = ReturnType<typeof resetActivities>;

/** A reset run on a worker with `acts` for activities, and what the API (or a user) sends it. */
async function startReset(acts: ResetActivities, over: Partial<ResetPasswordInput> = {}, options?: StartOptions) {
  const input: ResetPasswordInput = { kind: 'reset', accountId: randomUUID(), expiresAt: Date.now() + 60_000, challenge: POLICY, ...over };
  const w = await suite.worker(acts);
  const handle: WorkflowHandle<typeof resetPassword> = await w.start('resetPassword', input, options);
  const hmacOf = (code: string) => codeHmac(KEY, handle.workflowId, code);
  return {
    input, handle, hmacOf,
    runId: async () => (await handle.describe()).runId,
    request: (expiresAt = input.expiresAt, kind: ResetKind = input.kind) => handle.signal(resetRequestedSignal, { expiresAt, kind }),
    verify: (code: string) => handle.executeUpdate(resetCodeUpdates.verifyCode, { args: [{ codeHmac: hmacOf(code) }] }),
    complete: (code: string) =>
      handle.executeUpdate(completeResetUpdate, { updateId: completeResetUpdateId(hmacOf(code)), args: [{ codeHmac: hmacOf(code) }] }),
    status: () => handle.query(resetStatusQuery),
  };
}
type Reset = Awaited<ReturnType<typeof startReset>>;

/** Requests a reset and waits for its n-th code email (1-based) to have gone. */
async function requested(r: Reset, acts: ResetActivities, n = 1): Promise<void> {
  await r.request();
  await eventually(() => expect(acts.sendVerificationCode).toHaveBeenCalledTimes(n));
  // The blank challenge of the start, then one per email.
  await eventually(async () => expect(await r.status()).toMatchObject({ codesSent: n + 1 }));
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

describe('reset: an account with a password', () => {
  test('a request emails a code to its login; the right code sets the password once, every email after', async () => {
    const acts = resetActivities();
    const r = await startReset(acts);
    await requested(r, acts);
    expect(acts.sendVerificationCode).toHaveBeenCalledWith(expect.objectContaining({
      scope: r.handle.workflowId, purpose: 'password-reset', validForMs: POLICY.codeTtlMs,
      recipient: { kind: 'account-login', accountId: r.input.accountId },
    }));
    expect(await r.verify(WRONG)).toMatchObject({ verdict: 'wrong', attemptsLeft: 2 });
    expect(await r.verify(CODES[0]!)).toMatchObject({ verdict: 'verified', status: { step: 'applying' } });
    expect(await r.complete(CODES[0]!)).toMatchObject({ step: 'completed' });
    expect(await r.handle.result()).toEqual({ outcome: 'completed' });

    const runId = await r.runId();
    expect(acts.applyPasswordReset).toHaveBeenCalledTimes(1);
    expect(acts.applyPasswordReset).toHaveBeenCalledWith({ accountId: r.input.accountId, runId, codeHmacs: [r.hmacOf(CODES[0]!)] });
    expect(acts.closePasswordReset).toHaveBeenCalledWith({ runId, outcome: 'completed' });
    expect(acts.sendPasswordChangedEmail).toHaveBeenCalledWith({ accountId: r.input.accountId, runId });
    expect(acts.sendPasswordResetSsoNotice).not.toHaveBeenCalled();
  });

  test('the apply runs without the complete Update: a lost answer loses no reset; complete then gets the outcome', async () => {
    const acts = resetActivities();
    const r = await startReset(acts);
    await requested(r, acts);
    await r.verify(CODES[0]!);
    expect(await r.handle.result()).toEqual({ outcome: 'completed' });
    expect(acts.applyPasswordReset).toHaveBeenCalledTimes(1);
  });

  test('the run knows a code before its email goes: typed the moment it arrives, it verifies', async () => {
    const acts = resetActivities();
    const sending = gate();
    acts.sendVerificationCode.mockImplementationOnce(async (input: SendCodeInput) => {
      await sending.opened;
      return { codeHmac: codeHmac(KEY, input.scope, CODES[0]!) };
    });
    const r = await startReset(acts);
    await r.request();
    await eventually(() => expect(acts.sendVerificationCode).toHaveBeenCalledTimes(1));
    expect(acts.passwordResetCodeHmac).toHaveBeenCalledWith({ scope: r.handle.workflowId, challengeId: acts.sendVerificationCode.mock.calls[0]![0].challengeId });
    try {
      expect(await r.verify(CODES[0]!)).toMatchObject({ verdict: 'verified' });
    } finally {
      sending.open();
    }
  });

  test('a code typed before the run has issued one meets the blank challenge: wrong, as for a decoy', async () => {
    const acts = resetActivities();
    const r = await startReset(acts);
    // No request yet: the run holds only its blank challenge.
    await eventually(async () => expect(await r.status()).toMatchObject({ codesSent: 1 }));
    expect(await r.verify(CODES[0]!)).toMatchObject({ verdict: 'wrong', attemptsLeft: 2 });
    await requested(r, acts);
    expect(await r.verify(CODES[0]!)).toMatchObject({ verdict: 'verified' });
  });

  test('a request within the resend interval sends nothing but moves the deadline', async () => {
    const acts = resetActivities();
    const r = await startReset(acts);
    await requested(r, acts);
    const later = r.input.expiresAt + 30_000;
    await r.request(later);
    await eventually(async () => expect((await r.status()).expiresAt).toBe(later));
    await sleep(300);
    expect(acts.sendVerificationCode).toHaveBeenCalledTimes(1);
    // An earlier deadline never shortens the run.
    await r.request(r.input.expiresAt);
    await sleep(300);
    expect((await r.status()).expiresAt).toBe(later);
  });

  test('after the interval a request sends a new code that replaces the old; the apply knows both', async () => {
    const acts = resetActivities();
    const r = await startReset(acts, { challenge: { ...POLICY, resendIntervalMs: 300 } });
    await requested(r, acts);
    await sleep(400);
    await requested(r, acts, 2);
    expect(await r.verify(CODES[0]!)).toMatchObject({ verdict: 'wrong' });
    expect(await r.verify(CODES[1]!)).toMatchObject({ verdict: 'verified' });
    expect(await r.complete(CODES[1]!)).toMatchObject({ step: 'completed' });
    expect(acts.applyPasswordReset).toHaveBeenCalledWith(expect.objectContaining({ codeHmacs: [r.hmacOf(CODES[0]!), r.hmacOf(CODES[1]!)] }));
  });

  test('an email that fails leaves a code nobody received; a later request sends a new one', async () => {
    const acts = resetActivities();
    acts.sendVerificationCode.mockRejectedValueOnce(
      ApplicationFailure.create({ type: FailureType.CodeQuotaExhausted, message: 'too many codes', nonRetryable: true }),
    );
    const r = await startReset(acts, { challenge: { ...POLICY, resendIntervalMs: 300 } });
    await requested(r, acts);
    expect(await r.status()).toMatchObject({ step: 'awaiting_code' });
    await sleep(400);
    await requested(r, acts, 2);
    expect(await r.verify(CODES[1]!)).toMatchObject({ verdict: 'verified' });
  });

  test('an apply that fails with AccountUnavailable fails the run; complete answers failed; no change email', async () => {
    const acts = resetActivities();
    acts.applyPasswordReset.mockRejectedValue(
      ApplicationFailure.create({ type: ResetFailure.AccountUnavailable, message: 'deactivated meanwhile', nonRetryable: true }),
    );
    const r = await startReset(acts);
    await requested(r, acts);
    await r.verify(CODES[0]!);
    expect(await r.complete(CODES[0]!)).toMatchObject({ step: 'failed', status: { failureReason: ResetFailure.AccountUnavailable } });
    expect((await runFailure(r.handle)).type).toBe(ResetFailure.AccountUnavailable);
    expect(acts.closePasswordReset).toHaveBeenCalledWith({ runId: await r.runId(), outcome: 'failed' });
    expect(acts.sendPasswordChangedEmail).not.toHaveBeenCalled();
  });
});

describe('the complete Update and the kit\'s requestCode', () => {
  test('complete is refused before a code is verified, and for a code the run never emailed; repeated, it answers again', async () => {
    const acts = resetActivities();
    const r = await startReset(acts);
    await requested(r, acts);
    expect((await updateRejection(r.complete(CODES[0]!))).type).toBe(FailureType.InvalidStep);
    await r.verify(CODES[0]!);
    expect((await updateRejection(r.complete(WRONG))).type).toBe(FailureType.InvalidStep);
    expect(await r.complete(CODES[0]!)).toMatchObject({ step: 'completed' });
    expect(await r.complete(CODES[0]!)).toMatchObject({ step: 'completed' });
    expect(acts.applyPasswordReset).toHaveBeenCalledTimes(1);
  });

  test('requestCode is always refused: codes follow requests, which nobody waits for', async () => {
    const acts = resetActivities();
    const r = await startReset(acts);
    const rejected = await updateRejection(r.handle.executeUpdate(resetCodeUpdates.requestCode, { args: [{}] }));
    expect(rejected.type).toBe(FailureType.InvalidStep);
    expect(acts.sendVerificationCode).not.toHaveBeenCalled();
  });
});

describe('decoy and SSO runs answer like a reset', () => {
  test('decoy: nothing is sent; every code is wrong; the attempts run out and the run fails like a real one', async () => {
    const acts = resetActivities();
    const r = await startReset(acts, { kind: 'decoy', accountId: null });
    await r.request();
    await eventually(async () => expect(await r.status()).toMatchObject({ codesSent: 2 }));
    expect(await r.verify(CODES[0]!)).toMatchObject({ verdict: 'wrong', attemptsLeft: 2 });
    expect(await r.verify(WRONG)).toMatchObject({ verdict: 'wrong', attemptsLeft: 1 });
    expect(await r.verify(WRONG)).toMatchObject({ verdict: 'exhausted', attemptsLeft: 0 });
    expect((await runFailure(r.handle)).type).toBe(FailureType.AttemptsExhausted);
    expect(acts.passwordResetCodeHmac).not.toHaveBeenCalled();
    expect(acts.sendVerificationCode).not.toHaveBeenCalled();
    expect(acts.sendPasswordResetSsoNotice).not.toHaveBeenCalled();
    expect(acts.applyPasswordReset).not.toHaveBeenCalled();
    expect(acts.closePasswordReset).toHaveBeenCalledWith({ runId: await r.runId(), outcome: 'failed' });
  });

  test('decoy: its blank code expires after the code time to live, as a real code does', async () => {
    const acts = resetActivities();
    const r = await startReset(acts, { kind: 'decoy', accountId: null, challenge: { ...POLICY, codeTtlMs: 300 } });
    await r.request();
    await sleep(500);
    expect(await r.verify(WRONG)).toMatchObject({ verdict: 'expired', attemptsLeft: POLICY.maxAttempts });
  });

  test('sso-notice: each request (at most one per interval) emails the notice, never a code; codes are wrong', async () => {
    const acts = resetActivities();
    const r = await startReset(acts, { kind: 'sso-notice' });
    await r.request();
    await eventually(() => expect(acts.sendPasswordResetSsoNotice).toHaveBeenCalledTimes(1));
    expect(acts.sendPasswordResetSsoNotice).toHaveBeenCalledWith({ accountId: r.input.accountId, noticeId: expect.any(String) });
    await r.request();
    await sleep(300);
    expect(acts.sendPasswordResetSsoNotice).toHaveBeenCalledTimes(1);
    expect(await r.verify(CODES[0]!)).toMatchObject({ verdict: 'wrong', attemptsLeft: 2 });
    expect(acts.sendVerificationCode).not.toHaveBeenCalled();
  });
});

describe('the kind follows the latest request', () => {
  test('a deactivated account\'s decoy run sends codes once a request finds the account active again, and stops when not', async () => {
    const acts = resetActivities();
    const r = await startReset(acts, { kind: 'decoy', challenge: { ...POLICY, resendIntervalMs: 300 } });
    await r.request();
    await sleep(400);
    expect(acts.passwordResetCodeHmac).not.toHaveBeenCalled();
    await r.request(undefined, 'reset');
    await eventually(() => expect(acts.sendVerificationCode).toHaveBeenCalledTimes(1));
    await eventually(async () => expect(await r.status()).toMatchObject({ codesSent: 3 }));
    // Deactivated again: the next request replaces the code by a blank one.
    await sleep(400);
    await r.request(undefined, 'decoy');
    await eventually(async () => expect(await r.status()).toMatchObject({ codesSent: 4 }));
    expect(await r.verify(CODES[0]!)).toMatchObject({ verdict: 'wrong' });
    expect(acts.sendVerificationCode).toHaveBeenCalledTimes(1);
  });

  test('a run with no account stays a decoy whatever a request says', async () => {
    const acts = resetActivities();
    const r = await startReset(acts, { kind: 'decoy', accountId: null });
    await r.request(undefined, 'reset');
    await eventually(async () => expect(await r.status()).toMatchObject({ codesSent: 2 }));
    expect(acts.passwordResetCodeHmac).not.toHaveBeenCalled();
    expect(acts.sendVerificationCode).not.toHaveBeenCalled();
  });
});

describe('deadline and operator cancel', () => {
  test('the run expires at its deadline, later if a request moved it; nothing is applied', async () => {
    const acts = resetActivities();
    const start = Date.now();
    // Margins of seconds: on a loaded 2-core machine the request may take a second to reach the run.
    const r = await startReset(acts, { expiresAt: start + 3_000 });
    await r.request(start + 7_000);
    await sleep(Math.max(0, start + 4_500 - Date.now()));
    expect(await r.status()).toMatchObject({ step: 'awaiting_code' });
    expect(await r.handle.result()).toEqual({ outcome: 'expired' });
    expect(Date.now()).toBeGreaterThanOrEqual(start + 7_000);
    expect(acts.closePasswordReset).toHaveBeenCalledWith({ runId: await r.runId(), outcome: 'expired' });
    expect(acts.applyPasswordReset).not.toHaveBeenCalled();
  });

  test('while awaiting a code: the run ends cancelled', async () => {
    const acts = resetActivities();
    const r = await startReset(acts);
    await requested(r, acts);
    await r.handle.cancel();
    expect(await r.handle.result()).toEqual({ outcome: 'cancelled' });
    expect(acts.closePasswordReset).toHaveBeenCalledWith({ runId: await r.runId(), outcome: 'cancelled' });
    expect(acts.applyPasswordReset).not.toHaveBeenCalled();
  });

  test('while applying: the apply finishes and the run reports completed, with its email', async () => {
    const acts = resetActivities();
    const entered = gate();
    const release = gate();
    acts.applyPasswordReset.mockImplementation(async () => {
      entered.open();
      await release.opened;
      return { alreadyApplied: false, sessionsEnded: 1 };
    });
    const r = await startReset(acts);
    await requested(r, acts);
    await r.verify(CODES[0]!);
    try {
      await entered.opened;
      await r.handle.cancel();
      await sleep(300);
    } finally {
      release.open();
    }
    expect(await r.handle.result()).toEqual({ outcome: 'completed' });
    expect(acts.applyPasswordReset).toHaveBeenCalledTimes(1);
    expect(acts.sendPasswordChangedEmail).toHaveBeenCalledTimes(1);
  });
});
