import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  allHandlersFinished,
  condition,
  defineQuery,
  defineUpdate,
  isCancellation,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  upsertSearchAttributes,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import type { createActivities } from '../activities';
import { CodeChallenge, hmacEquals } from './shared/codeChallenge';
import { FailureType } from './shared/failures';
import {
  isTerminal,
  type FinishResult,
  type MergeOutcome,
  type MergeProfileInput,
  type MergeStatus,
  type MergeStep,
  type RequestCodeArgs,
  type RequestCodeResult,
  type VerifyCodeArgs,
  type VerifyCodeResult,
} from './shared/mergeContract';
import { FLOW_STEP } from './shared/searchAttributes';

type Activities = ReturnType<typeof createActivities>;

// A user waits on the code email and on the apply inside an Update, so they run as local activities: in the worker that holds
// the workflow task, without a round trip through the server's task queues. Both are idempotent, so the
// re-execution a crashed worker causes is harmless.
// The code email gives up after a few tries and lets the user ask again.
const { sendVerificationCode } = proxyLocalActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumAttempts: 3 },
});
// Applying must eventually happen: retry infrastructure failures indefinitely.
const { applyProfileMerge } = proxyLocalActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '1m' },
});
// Nobody waits for these, and a local activity would hold the workflow task (and so the confirm's
// answer) open while it runs: ordinary activities, visible as such in the UI.
const { closeProfileMerge, sendMergeCompletedEmail } = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '1m' },
});

export const mergeStatusQuery = defineQuery<MergeStatus>('status');
export const requestCodeUpdate = defineUpdate<RequestCodeResult, [RequestCodeArgs]>('requestCode');
export const verifyCodeUpdate = defineUpdate<VerifyCodeResult, [VerifyCodeArgs]>('verifyCode');
export const confirmMergeUpdate = defineUpdate<FinishResult, []>('confirm');
export const cancelMergeUpdate = defineUpdate<FinishResult, []>('cancel');

/** The ApplicationFailure type behind an activity error; local activities raise it unwrapped. */
function failureType(err: unknown): string | undefined {
  const failure = err instanceof ActivityFailure ? err.cause : err;
  return failure instanceof ApplicationFailure ? (failure.type ?? undefined) : undefined;
}

function invalidStep(step: MergeStep, action: string): ApplicationFailure {
  return ApplicationFailure.create({ type: FailureType.InvalidStep, message: `cannot ${action} at step ${step}`, details: [step] });
}

/**
 * Merges the profile `sourceProfileId` into `targetProfileId` once the user proves ownership of the source
 * with an emailed code and confirms the preview (User Settings §2.1–2.3).
 *
 * Ends with a result for completed, cancelled and expired merges; fails with ApplicationFailure
 * AttemptsExhausted after too many wrong codes, or ProfileGone/MergeClosed if applying became impossible.
 */
export async function mergeProfile(input: MergeProfileInput): Promise<{ outcome: MergeOutcome }> {
  const expiresAt = Date.now() + input.ttlMs;
  const challenge = new CodeChallenge(input.challenge);
  let step: MergeStep = 'awaiting_email_choice';
  let failureReason: string | null = null;

  const moveTo = (next: MergeStep) => {
    step = next;
    // `applying` lasts milliseconds: indexing it would cost a visibility write and show nobody anything.
    if (next !== 'applying') upsertSearchAttributes([{ key: FLOW_STEP, value: next }]);
  };
  const beforeConfirmation = () =>
    step === 'awaiting_email_choice' || step === 'awaiting_code' || step === 'awaiting_confirmation';

  // Updates answer with the whole status, so the API needs no extra query round trip.
  const status = (): MergeStatus => ({ step, expiresAt, failureReason, ...challenge.state(Date.now()) });
  setHandlers();

  let outcome: MergeOutcome;
  try {
    const closedInTime = await condition(() => isTerminal(step), Math.max(0, expiresAt - Date.now()));
    // An apply in progress finishes even past the deadline: the user already confirmed.
    if (!closedInTime && (step as MergeStep) === 'applying') await condition(() => isTerminal(step));
    if (!isTerminal(step)) moveTo('expired');
    outcome = step as MergeOutcome;
  } catch (err) {
    if (!isCancellation(err)) throw err;
    moveTo('cancelled'); // an operator cancelled the run in the Temporal UI
    outcome = 'cancelled';
  }

  await CancellationScope.nonCancellable(async () => {
    // A completed merge was closed by its own apply transaction; every other outcome closes here.
    if (outcome === 'completed') await sendMergeCompletedEmail({ mergeId: input.mergeId, accountId: input.accountId });
    else await closeProfileMerge({ mergeId: input.mergeId, outcome });
    await condition(allHandlersFinished);
  });

  if (outcome === 'failed') {
    throw ApplicationFailure.create({
      type: failureReason ?? FailureType.AttemptsExhausted,
      message: `merge failed: ${failureReason ?? FailureType.AttemptsExhausted}`,
      nonRetryable: true,
    });
  }
  return { outcome };

  function setHandlers() {
    setHandler(mergeStatusQuery, status);

    setHandler(
      requestCodeUpdate,
      async ({ emailOptionId }) => {
        await challenge.issue(Date.now, async () => {
          try {
            const { codeHmac } = await sendVerificationCode({
              scope: workflowInfo().workflowId,
              challengeId: uuid4(),
              purpose: 'profile-merge',
              validForMs: input.challenge.codeTtlMs,
              recipient: { kind: 'profile-email-option', profileId: input.sourceProfileId, emailOptionId },
            });
            return codeHmac;
          } catch (err) {
            // Fail this update only, with a type the API maps; the merge stays open for another try.
            const unknownOption = failureType(err) === FailureType.UnknownEmailOption;
            throw ApplicationFailure.create({
              type: unknownOption ? FailureType.UnknownEmailOption : FailureType.MailUnavailable,
              message: 'the code could not be sent',
            });
          }
        });
        if (step === 'awaiting_email_choice') moveTo('awaiting_code');
        const s = challenge.state(Date.now());
        return { codeExpiresAt: s.codeExpiresAt!, resendAvailableAt: s.resendAvailableAt!, status: status() };
      },
      {
        validator: ({ emailOptionId }) => {
          if (typeof emailOptionId !== 'string' || emailOptionId.length === 0) throw new Error('emailOptionId is required');
          if (step !== 'awaiting_email_choice' && step !== 'awaiting_code') throw invalidStep(step, 'send a code');
          const retryAfterMs = challenge.retryAfterMs(Date.now());
          if (retryAfterMs > 0) {
            throw ApplicationFailure.create({ type: FailureType.Throttled, message: 'code requested too soon', details: [retryAfterMs] });
          }
        },
      },
    );

    setHandler(
      verifyCodeUpdate,
      ({ codeHmac }) => {
        const verdict = challenge.verify(Date.now(), (expected) => hmacEquals(expected, codeHmac));
        if (verdict === 'verified') moveTo('awaiting_confirmation');
        if (verdict === 'exhausted') {
          failureReason = FailureType.AttemptsExhausted;
          moveTo('failed');
        }
        return { verdict, attemptsLeft: challenge.state(Date.now()).attemptsLeft, status: status() };
      },
      {
        validator: ({ codeHmac }) => {
          if (typeof codeHmac !== 'string' || !/^[0-9a-f]{64}$/.test(codeHmac)) throw new Error('codeHmac must be a hex HMAC');
          if (step !== 'awaiting_code' || !challenge.hasCode) throw invalidStep(step, 'verify a code');
        },
      },
    );

    setHandler(
      confirmMergeUpdate,
      async () => {
        moveTo('applying');
        try {
          await applyProfileMerge({ mergeId: input.mergeId, accountId: input.accountId });
          moveTo('completed');
        } catch (err) {
          failureReason = failureType(err) ?? FailureType.ProfileGone;
          moveTo('failed');
        }
        return { step, status: status() };
      },
      { validator: () => { if (step !== 'awaiting_confirmation') throw invalidStep(step, 'confirm'); } },
    );

    setHandler(
      cancelMergeUpdate,
      () => {
        moveTo('cancelled');
        return { step, status: status() };
      },
      { validator: () => { if (!beforeConfirmation()) throw invalidStep(step, 'cancel'); } },
    );
  }
}
