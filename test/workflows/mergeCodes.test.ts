// The verification code: wrong codes, expiry, resending, and sending it to an option or a mail server
// that does not take it.
import { ApplicationFailure, WorkflowFailedError } from '@temporalio/client';
import { listEmailOptions } from '../../db/queries/profiles';
import { FailureType } from '../../workflows/shared/failures';
import { LONG, mergeSuite, toConfirmation, wrong } from '../helpers/mergeHarness';
import { updateRejection } from '../helpers/updateRejection';
import { sleepUntil } from '../helpers/waiting';

const { stack, startMerge, expectNothingMerged } = mergeSuite();

describe('wrong codes', () => {
  test('four wrong codes count down, the fifth exhausts: the workflow fails with AttemptsExhausted', async () => {
    const m = await startMerge();
    await m.requestCode();
    const bad = wrong(await m.code(1));
    for (const attemptsLeft of [4, 3, 2, 1]) {
      expect(await m.verify(bad)).toMatchObject({ verdict: 'wrong', attemptsLeft });
    }
    expect(await m.verify(bad)).toMatchObject({ verdict: 'exhausted', attemptsLeft: 0 });

    const err = await m.handle.result().then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const cause = (err as WorkflowFailedError).cause;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    expect((cause as ApplicationFailure).type).toBe(FailureType.AttemptsExhausted);
    expect((cause as ApplicationFailure).nonRetryable).toBe(true);

    expect(await m.record()).toMatchObject({ outcome: 'failed', appliedAt: null, closedAt: expect.any(Date) });
    expect(await m.status()).toMatchObject({ step: 'failed', failureReason: FailureType.AttemptsExhausted, attemptsLeft: 0 });
    await expectNothingMerged(m.me, m.other);
  });
});

describe('code expiry', () => {
  test('an expired code costs no attempt; a new code works and the old one is then wrong', async () => {
    const m = await startMerge({ challenge: { codeTtlMs: 2_000, resendIntervalMs: 500, maxAttempts: 5 } });
    const first = await m.requestCode();
    const code1 = await m.code(1);
    await sleepUntil(first.codeExpiresAt + 750);

    expect(await m.verify(code1)).toMatchObject({ verdict: 'expired', attemptsLeft: 5 });
    expect(await m.status()).toMatchObject({ step: 'awaiting_code', attemptsLeft: 5 });

    await sleepUntil(first.resendAvailableAt + 100); // long past already; states the rule
    const second = await m.requestCode();
    expect(second.codeExpiresAt).toBeGreaterThan(first.codeExpiresAt);
    const code2 = await m.code(2);
    expect(code2).not.toBe(code1);
    expect(await m.verify(code1)).toMatchObject({ verdict: 'wrong', attemptsLeft: 4 });
    expect(await m.verify(code2)).toMatchObject({ verdict: 'verified', attemptsLeft: 4 });
    expect(await m.status()).toMatchObject({ step: 'awaiting_confirmation', codesSent: 2 });
    await m.cancel();
  });
});

describe('resend', () => {
  test('a second code within the interval is throttled with a retry delay; after it a new code replaces the old', async () => {
    const m = await startMerge({ challenge: { codeTtlMs: 60_000, resendIntervalMs: 2_000, maxAttempts: 5 } });
    const first = await m.requestCode();
    const code1 = await m.code(1);

    const throttled = await updateRejection(m.requestCode());
    expect(throttled.type).toBe(FailureType.Throttled);
    const retryAfterMs = throttled.details?.[0];
    expect(typeof retryAfterMs).toBe('number');
    expect(retryAfterMs).toBeGreaterThan(0);
    expect(retryAfterMs).toBeLessThanOrEqual(2_000);
    expect(m.codeMailCount()).toBe(1);
    expect(await m.status()).toMatchObject({ codesSent: 1, attemptsLeft: 5 });

    await sleepUntil(first.resendAvailableAt + 300);
    await m.requestCode();
    const code2 = await m.code(2);
    expect(code2).not.toBe(code1);
    expect(m.codeMailCount()).toBe(2);

    expect(await m.verify(code1)).toMatchObject({ verdict: 'wrong', attemptsLeft: 4 });
    expect(await m.verify(code2)).toMatchObject({ verdict: 'verified', attemptsLeft: 4 });
    await m.cancel();
  });
});

describe('sending the code', () => {
  test('an option that is not the other profile\'s fails the update without a mail; the merge goes on', async () => {
    const m = await startMerge();
    // A real option, but of the signed-in profile: proving it would prove nothing about the other one.
    const [mine] = await listEmailOptions(stack.sql, m.me.profileId);
    await updateRejection(m.requestCode(mine!.id));
    await updateRejection(m.requestCode('recovery-email'));
    expect(stack.mail.messages.filter((x) => x.to.includes(m.me.emails[0]!))).toEqual([]);
    expect(m.codeMailCount()).toBe(0);
    expect(await m.status()).toMatchObject({ step: 'awaiting_email_choice', codesSent: 0, attemptsLeft: 5 });

    await toConfirmation(m); // and the failed sends did not throttle the next one
    expect(await m.confirm()).toMatchObject({ step: 'completed' });
    expect(await m.handle.result()).toEqual({ outcome: 'completed' });
  });

  // sendVerificationCode is a local activity: its failure reaches the workflow unwrapped.
  test('an unknown email option fails the update with type UnknownEmailOption', async () => {
    const m = await startMerge();
    try {
      expect((await updateRejection(m.requestCode('recovery-email'))).type).toBe(FailureType.UnknownRecipient);
    } finally {
      await m.cancel();
    }
  });

  test('a mail server that keeps refusing fails the update with MailUnavailable; a later request works', async () => {
    const m = await startMerge({ challenge: { ...LONG, resendIntervalMs: 0 } });
    stack.mail.setRefusing(true);
    try {
      expect((await updateRejection(m.requestCode())).type).toBe(FailureType.MailUnavailable);
    } finally {
      stack.mail.setRefusing(false);
    }
    expect(await m.status()).toMatchObject({ step: 'awaiting_email_choice', codesSent: 0 });
    await toConfirmation(m);
    await m.cancel();
  });
});
