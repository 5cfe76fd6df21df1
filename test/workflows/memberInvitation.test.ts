// The member invitation workflow's branches against mocked activities: the first email, wrong and right codes,
// the acceptance bound to the verified code, resends (a new code, the full time again, a limit), revocation,
// expiry, exhausted attempts, a row that never shows, a failed apply and an operator's cancel. Durations are inputs.
import { randomUUID } from 'node:crypto';
import { ApplicationFailure, WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { codeHmac } from '../../lib/verificationCode';
import { FailureType } from '../../workflows/shared/failures';
import { acceptInvitationUpdateId } from '../../workflows/shared/ids';
import {
  InvitationFailure, acceptInvitationUpdate, invitationCodeUpdates, invitationStatusQuery, revokeInvitationUpdate,
  type AcceptInvitationInput, type CloseInvitationInput, type MemberInvitationInput,
} from '../../workflows/shared/memberInvitationContract';
import type { memberInvitation } from '../../workflows/memberInvitation';
import type { SendCodeInput } from '../../workflows/shared/verification';
import { updateRejection } from '../helpers/updateRejection';
import { type Activities, workflowSuite } from '../helpers/workflowSuite';

const suite = workflowSuite();
const KEY = Buffer.from('mock-code-hmac-key');
/** The n-th code the mock emails (1-based). */
const codeNo = (n: number) => String(100000 + n * 11111).slice(-6);
const WRONG = '000000';

function invitationActivities() {
  // Codes derive from challenge ids, as the real ones do: the n-th challenge has codeNo(n).
  const challenges = new Map<string, number>();
  const codeOf = (challengeId: string) => {
    if (!challenges.has(challengeId)) challenges.set(challengeId, challenges.size + 1);
    return codeNo(challenges.get(challengeId)!);
  };
  return {
    openMemberInvitation: jest.fn(async (_input: { invitationId: string }) => undefined),
    passwordResetCodeHmac: jest.fn(async ({ scope, challengeId }: { scope: string; challengeId: string }) => ({ codeHmac: codeHmac(KEY, scope, codeOf(challengeId)) })),
    sendVerificationCode: jest.fn(async (input: SendCodeInput) => ({ codeHmac: codeHmac(KEY, input.scope, codeOf(input.challengeId)) })),
    applyInvitationAcceptance: jest.fn(async (_input: AcceptInvitationInput) => ({ alreadyApplied: false })),
    closeMemberInvitation: jest.fn(async (_input: CloseInvitationInput) => ({ memberRemoved: true })),
  } satisfies Partial<Activities>;
}
type InvitationActivities = ReturnType<typeof invitationActivities>;

async function start(acts: InvitationActivities, over: Partial<MemberInvitationInput> = {}) {
  const input: MemberInvitationInput = {
    invitationId: randomUUID(), accountId: randomUUID(), companyId: randomUUID(), expiresAt: Date.now() + 60_000, ttlMs: 60_000,
    maxResends: 2, challenge: { resendIntervalMs: 0, maxAttempts: 3 }, ...over,
  };
  const w = await suite.worker(acts);
  const handle: WorkflowHandle<typeof memberInvitation> = await w.start('memberInvitation', input);
  const hmac = (code: string) => codeHmac(KEY, handle.workflowId, code);
  return {
    input, handle, hmac,
    /** Waits for the n-th email. */
    sent: async (n = 1) => {
      for (let i = 0; i < 100 && acts.sendVerificationCode.mock.calls.length < n; i++) await new Promise((r) => setTimeout(r, 50));
      expect(acts.sendVerificationCode.mock.calls.length).toBeGreaterThanOrEqual(n);
    },
    resend: () => handle.executeUpdate(invitationCodeUpdates.requestCode, { args: [{}] }),
    verify: (code: string) => handle.executeUpdate(invitationCodeUpdates.verifyCode, { args: [{ codeHmac: hmac(code) }] }),
    accept: (code: string) => handle.executeUpdate(acceptInvitationUpdate, { updateId: acceptInvitationUpdateId(hmac(code)), args: [{ codeHmac: hmac(code) }] }),
    revoke: () => handle.executeUpdate(revokeInvitationUpdate),
    status: () => handle.query(invitationStatusQuery),
  };
}

async function failure(handle: WorkflowHandle): Promise<ApplicationFailure> {
  const err = await handle.result().then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(WorkflowFailedError);
  return (err as WorkflowFailedError).cause as ApplicationFailure;
}

describe('memberInvitation', () => {
  test('emails a code at once (its HMAC taken first); the verified code, and only it, accepts; the run closes accepted', async () => {
    const acts = invitationActivities();
    const f = await start(acts);
    await f.sent();
    expect(acts.openMemberInvitation).toHaveBeenCalledWith({ invitationId: f.input.invitationId });
    expect(acts.passwordResetCodeHmac).toHaveBeenCalledWith({ scope: f.handle.workflowId, challengeId: acts.sendVerificationCode.mock.calls[0]![0].challengeId });
    expect(acts.sendVerificationCode).toHaveBeenCalledWith(expect.objectContaining({
      scope: f.handle.workflowId, purpose: 'member-invitation', validForMs: f.input.ttlMs,
      recipient: { kind: 'invited-member', invitationId: f.input.invitationId },
    }));
    // No code was verified yet: nothing to accept.
    expect((await updateRejection(f.accept(codeNo(1)))).type).toBe(FailureType.InvalidStep);
    expect(await f.verify(WRONG)).toMatchObject({ verdict: 'wrong', attemptsLeft: 2 });
    expect(await f.verify(codeNo(1))).toMatchObject({ verdict: 'verified' });
    expect((await updateRejection(f.accept(WRONG))).type).toBe(FailureType.InvalidStep);
    expect(await f.accept(codeNo(1))).toMatchObject({ step: 'accepted' });
    expect(await f.handle.result()).toEqual({ outcome: 'accepted' });
    expect(acts.applyInvitationAcceptance).toHaveBeenCalledWith({ invitationId: f.input.invitationId, workflowId: f.handle.workflowId, codeHmac: f.hmac(codeNo(1)) });
    expect(acts.closeMemberInvitation).toHaveBeenCalledWith({ invitationId: f.input.invitationId, workflowId: f.handle.workflowId, outcome: 'accepted', failureReason: null });
  });

  test('a resend replaces the code, gives the full time again and counts against the limit', async () => {
    const acts = invitationActivities();
    const f = await start(acts, { expiresAt: Date.now() + 30_000, maxResends: 1 });
    await f.sent();
    const before = await f.status();
    expect(before).toMatchObject({ step: 'pending', resendsLeft: 1, codesSent: 1 });
    const resent = await f.resend();
    expect(resent.status).toMatchObject({ resendsLeft: 0, codesSent: 2 });
    expect(resent.status.expiresAt).toBeGreaterThan(before.expiresAt);
    expect(acts.sendVerificationCode).toHaveBeenLastCalledWith(expect.objectContaining({ recipient: { kind: 'invited-member', invitationId: f.input.invitationId } }));
    // The limit is spent: InvalidStep, and nothing is sent.
    expect((await updateRejection(f.resend())).type).toBe(FailureType.InvalidStep);
    expect(acts.sendVerificationCode).toHaveBeenCalledTimes(2);
    expect(await f.verify(codeNo(1))).toMatchObject({ verdict: 'wrong' });
    expect(await f.verify(codeNo(2))).toMatchObject({ verdict: 'verified' });
    expect(await f.accept(codeNo(2))).toMatchObject({ step: 'accepted' });
    expect(acts.applyInvitationAcceptance).toHaveBeenCalledWith(expect.objectContaining({ codeHmac: f.hmac(codeNo(2)) }));
  });

  test('revoke ends it, answering once the run has closed it', async () => {
    const acts = invitationActivities();
    const f = await start(acts);
    await f.sent();
    expect(await f.revoke()).toMatchObject({ step: 'revoked' });
    // The Update answered after the close.
    expect(acts.closeMemberInvitation).toHaveBeenCalledWith(expect.objectContaining({ outcome: 'revoked' }));
    expect(await f.handle.result()).toEqual({ outcome: 'revoked' });
    expect(acts.applyInvitationAcceptance).not.toHaveBeenCalled();
  });

  test('the deadline expires it; a resend moves the deadline', async () => {
    const acts = invitationActivities();
    const started = Date.now();
    const f = await start(acts, { expiresAt: started + 1_500, ttlMs: 3_000 });
    await f.sent();
    await f.resend();
    expect(await f.handle.result()).toEqual({ outcome: 'expired' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(3_000);
    expect(acts.closeMemberInvitation).toHaveBeenCalledWith(expect.objectContaining({ outcome: 'expired', failureReason: null }));
  });

  test('too many wrong codes fail it with AttemptsExhausted', async () => {
    const acts = invitationActivities();
    const f = await start(acts);
    await f.sent();
    for (const attemptsLeft of [2, 1]) expect(await f.verify(WRONG)).toMatchObject({ verdict: 'wrong', attemptsLeft });
    expect(await f.verify(WRONG)).toMatchObject({ verdict: 'exhausted' });
    expect((await failure(f.handle)).type).toBe(FailureType.AttemptsExhausted);
    expect(acts.closeMemberInvitation).toHaveBeenCalledWith(expect.objectContaining({ outcome: 'failed', failureReason: FailureType.AttemptsExhausted }));
  });

  test('an invitation whose row never shows (its creation rolled back) fails with InvitationGone, sending nothing', async () => {
    const acts = invitationActivities();
    acts.openMemberInvitation.mockImplementation(async () => {
      throw ApplicationFailure.create({ type: InvitationFailure.InvitationGone, message: 'gone', nonRetryable: true });
    });
    const f = await start(acts);
    expect((await failure(f.handle)).type).toBe(InvitationFailure.InvitationGone);
    expect(acts.passwordResetCodeHmac).not.toHaveBeenCalled();
    expect(acts.sendVerificationCode).not.toHaveBeenCalled();
    expect(acts.closeMemberInvitation).toHaveBeenCalledWith(expect.objectContaining({ outcome: 'failed', failureReason: InvitationFailure.InvitationGone }));
  });

  test('an acceptance the account no longer allows fails the run with its type', async () => {
    const acts = invitationActivities();
    acts.applyInvitationAcceptance.mockImplementation(async () => {
      throw ApplicationFailure.create({ type: InvitationFailure.AccountUnavailable, message: 'deactivated', nonRetryable: true });
    });
    const f = await start(acts);
    await f.sent();
    await f.verify(codeNo(1));
    expect(await f.accept(codeNo(1))).toMatchObject({ step: 'failed', status: { failureReason: InvitationFailure.AccountUnavailable } });
    expect((await failure(f.handle)).type).toBe(InvitationFailure.AccountUnavailable);
  });

  test('a first email that cannot go leaves it pending for a resend; an operator\'s cancel revokes it', async () => {
    const acts = invitationActivities();
    acts.sendVerificationCode.mockImplementationOnce(async () => {
      throw ApplicationFailure.create({ type: FailureType.CodeQuotaExhausted, message: 'quota', nonRetryable: true });
    });
    const f = await start(acts);
    await f.sent();
    expect(await f.status()).toMatchObject({ step: 'pending', codesSent: 1 });
    await f.resend();
    expect(await f.status()).toMatchObject({ step: 'pending', codesSent: 2 });
    await f.handle.cancel();
    expect(await f.handle.result()).toEqual({ outcome: 'revoked' });
    expect(acts.closeMemberInvitation).toHaveBeenCalledWith(expect.objectContaining({ outcome: 'revoked' }));
  });
});
