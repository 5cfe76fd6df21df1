import {
  ApplicationFailure,
  CancellationScope,
  allHandlersFinished,
  condition,
  isCancellation,
  log,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import type { createActivities } from '../activities';
import { registerCodeUpdates } from './kit/codeUpdates';
import { failureType, invalidStep } from './kit/failures';
import { FailureType } from './shared/failures';
import {
  ResetFailure, completeResetUpdate, isResetTerminal, resetCodeUpdates, resetRequestedSignal, resetStatusQuery,
  type ResetOutcome, type ResetPasswordInput, type ResetStatus, type ResetStep,
} from './shared/passwordResetContract';
import { FLOW_STEP } from './shared/searchAttributes';
import type { SendCodeInput } from './shared/verification';
import { UNTIL_DONE } from './kit/activityOptions';

type Activities = ReturnType<typeof createActivities>;

// Nobody waits for these emails (the API answered 202 before they go), so they are ordinary activities: a
// local one would hold the workflow task open, and a code typed meanwhile would wait for the mail server.
// Both are idempotent (outbox, derived code). A few tries, then the user asks again.
const { sendVerificationCode, sendPasswordResetSsoNotice } = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '10s', maximumAttempts: 4 },
});
// Once a code is verified the password must eventually be set: infrastructure failures retry indefinitely.
// The apply is idempotent (keyed by the run), so a worker lost after its commit costs a retry, not a second
// apply; being an ordinary activity, it is scheduled in the same workflow task that records the verdict.
const { applyPasswordReset, closePasswordReset, sendPasswordChangedEmail } = proxyActivities<Activities>(UNTIL_DONE);

// A computation with no I/O (the HMAC of a code derived from its challenge id): local, so no round trip.
const { passwordResetCodeHmac } = proxyLocalActivities<Activities>({
  startToCloseTimeout: '5s',
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumAttempts: 5 },
});

/** 64 hex characters from the workflow's deterministic randomness: the HMAC of no code. */
const blankHmac = () => `${uuid4()}${uuid4()}`.replace(/-/g, '');

/**
 * "Forgot password?" for one account (or a decoy for an address with no usable account): every
 * POST /v1/password-resets signals it (signal-with-start, keyed by the account), an emailed code proves
 * the mailbox, and the new password, hashed by the API and waiting in a pending row, is set once.
 *
 * Every kind looks the same from outside. From its start the run holds a blank challenge (an HMAC no
 * code has), so a code typed before any email arrives is wrong, as it is for a decoy forever; a `reset`
 * run then replaces it with a real code, an `sso-notice` run emails its notice instead.
 *
 * Ends with a result for completed, expired and cancelled runs; fails with ApplicationFailure
 * AttemptsExhausted after too many wrong codes, or AccountUnavailable / PendingPasswordGone if the apply
 * became impossible. Signal: requested; Updates: requestCode (always refused: codes follow requests),
 * verifyCode (the kit), complete; query: status.
 */
export async function resetPassword(input: ResetPasswordInput): Promise<{ outcome: ResetOutcome }> {
  const { runId, workflowId } = workflowInfo();
  let expiresAt = input.expiresAt;
  // The latest request's kind; a run with no account is a decoy whatever it is told.
  let kind = input.kind;
  let step: ResetStep = 'awaiting_code';
  let failureReason: string | null = null;
  let verified = false;
  /** The HMACs of the codes this run emailed (never the blank ones): what a waiting password is filed under. */
  const emailed: string[] = [];
  let requests = 0;

  const moveTo = (next: ResetStep) => {
    step = next;
    setCurrentDetails(`password reset: ${next}`);
    // `applying` lasts milliseconds: indexing it would cost a visibility write and show nobody anything.
    if (next !== 'applying') upsertSearchAttributes([{ key: FLOW_STEP, value: next }]);
  };

  const status = (): ResetStatus => ({ step, expiresAt, failureReason, ...challenge.state(Date.now()) });
  const challenge = registerCodeUpdates<ResetStatus>({
    updates: resetCodeUpdates,
    policy: input.challenge,
    purpose: 'password-reset',
    step: () => step,
    // Codes follow requests (the signal), which nobody waits for; the Update would let a caller learn,
    // by its answer, what kind of run this is.
    canRequestCode: () => false,
    canVerifyCode: () => step === 'awaiting_code',
    recipient: () => ({ kind: 'account-login', accountId: input.accountId ?? '' }),
    onCodeSent: () => undefined,
    onVerdict: (verdict) => {
      if (verdict === 'verified') {
        verified = true;
        moveTo('applying');
      }
      if (verdict === 'exhausted') {
        failureReason = FailureType.AttemptsExhausted;
        moveTo('failed');
      }
    },
    status,
  });
  /** What one request sends: a code, the SSO notice, or (a decoy) nothing but a fresh blank challenge. */
  async function deliver(): Promise<void> {
    const first = requests === 0;
    requests += 1;
    // Within the resend interval a request changes nothing but the deadline; the API has answered 202 anyway.
    if (step !== 'awaiting_code' || (!first && challenge.retryAfterMs(Date.now()) > 0)) return;
    try {
      if (kind === 'reset' && input.accountId) {
        const code: SendCodeInput = {
          scope: workflowId,
          challengeId: uuid4(),
          purpose: 'password-reset',
          validForMs: input.challenge.codeTtlMs,
          recipient: { kind: 'account-login', accountId: input.accountId },
        };
        // The code's HMAC first, then the email: the run knows a code before anyone can read it, so a code
        // typed the moment its email arrives is never checked against the one before.
        await challenge.issue(Date.now, async () => {
          const { codeHmac } = await passwordResetCodeHmac({ scope: code.scope, challengeId: code.challengeId });
          emailed.push(codeHmac);
          return codeHmac;
        });
        await sendVerificationCode(code);
      } else {
        await challenge.issue(Date.now, async () => {
          if (kind === 'sso-notice' && input.accountId) {
            await sendPasswordResetSsoNotice({ accountId: input.accountId, noticeId: uuid4() });
          }
          return blankHmac();
        });
      }
    } catch (err) {
      // The email could not go (mail server down, address quota spent, account gone): at worst a code
      // nobody received is the current one. The user may ask again after the resend interval.
      log.warn('password reset email not sent', { failure: failureType(err) ?? 'unknown' });
    }
  }

  setHandler(resetStatusQuery, status);
  setHandler(resetRequestedSignal, async (request) => {
    if (isResetTerminal(step)) return;
    expiresAt = Math.max(expiresAt, request.expiresAt);
    kind = input.accountId ? request.kind : 'decoy';
    await deliver();
  });
  setHandler(
    completeResetUpdate,
    async () => {
      await condition(() => step !== 'applying');
      return { step, status: status() };
    },
    {
      validator: ({ codeHmac }) => {
        // Only a code this run emailed, and only after it was verified: the caller proves it typed it.
        if (!verified || typeof codeHmac !== 'string' || !emailed.includes(codeHmac)) throw invalidStep(step, 'complete');
      },
    },
  );
  // The blank challenge: before any email, every kind answers a typed code the same way ("wrong").
  await challenge.issue(Date.now, async () => blankHmac());

  /** Sets the password from the pending row of a verified code; a verified code is never lost to a cancel. */
  async function apply(): Promise<void> {
    await CancellationScope.nonCancellable(async () => {
      try {
        await applyPasswordReset({ accountId: input.accountId!, runId, codeHmacs: [...emailed] });
        moveTo('completed');
      } catch (err) {
        failureReason = failureType(err) ?? ResetFailure.AccountUnavailable;
        moveTo('failed');
      }
    });
  }

  let outcome: ResetOutcome;
  try {
    // A request may move the deadline while the run waits: wait again for the new one.
    for (;;) {
      const deadline = expiresAt;
      await condition(() => step !== 'awaiting_code' || expiresAt !== deadline, Math.max(0, deadline - Date.now()));
      if (step !== 'awaiting_code') break;
      if (expiresAt === deadline) {
        moveTo('expired');
        break;
      }
    }
    if ((step as ResetStep) === 'applying') await apply();
    outcome = step as ResetOutcome;
  } catch (err) {
    if (!isCancellation(err)) throw err;
    // An operator cancelled the run in the Temporal UI. An apply in flight (or due) decides the outcome.
    await CancellationScope.nonCancellable(async () => {
      if (step === 'applying') await apply();
    });
    if (!isResetTerminal(step)) moveTo('cancelled');
    outcome = step as ResetOutcome;
  }

  await CancellationScope.nonCancellable(async () => {
    await closePasswordReset({ runId, outcome });
    if (outcome === 'completed') await sendPasswordChangedEmail({ accountId: input.accountId!, runId });
    await condition(allHandlersFinished);
  });

  if (outcome === 'failed') {
    const type = failureReason ?? FailureType.AttemptsExhausted;
    throw ApplicationFailure.create({ type, message: `password reset failed: ${type}`, nonRetryable: true });
  }
  return { outcome };
}
