import {
  ApplicationFailure,
  CancellationScope,
  allHandlersFinished,
  condition,
  isCancellation,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { createActivities } from '../activities';
import { registerCodeUpdates } from './kit/codeUpdates';
import { failureType, invalidArgument, invalidStep } from './kit/failures';
import { FailureType } from './shared/failures';
import {
  cancelMergeUpdate, confirmMergeUpdate, isTerminal, mergeCodeUpdates, mergeStatusQuery,
  type MergeOutcome, type MergeProfileInput, type MergeStatus, type MergeStep,
} from './shared/mergeContract';
import { FLOW_STEP } from './shared/searchAttributes';
import { UNTIL_DONE } from './kit/activityOptions';

type Activities = ReturnType<typeof createActivities>;

// The user waits on the apply inside the confirm Update, so it is a local activity. It is idempotent
// (keyed by the merge row) and must eventually happen: infrastructure failures retry indefinitely.
const { applyProfileMerge } = proxyLocalActivities<Activities>(UNTIL_DONE);
// Nobody waits for these, and a local activity would hold the workflow task (and so the confirm's
// answer) open while it runs: ordinary activities, visible as such in the UI.
const { closeProfileMerge, sendMergeCompletedEmail } = proxyActivities<Activities>(UNTIL_DONE);

/**
 * Merges the profile `sourceProfileId` into `targetProfileId` once the user proves ownership of the source
 * with an emailed code and confirms the preview (User Settings §2.1–2.3).
 *
 * Ends with a result for completed, cancelled and expired merges; fails with ApplicationFailure
 * AttemptsExhausted after too many wrong codes, or ProfileGone/MergeClosed if applying became impossible.
 * Updates: requestCode and verifyCode (the verification kit), confirm and cancel; query: status.
 */
export async function mergeProfile(input: MergeProfileInput): Promise<{ outcome: MergeOutcome }> {
  const expiresAt = Date.now() + input.ttlMs;
  let step: MergeStep = 'awaiting_email_choice';
  let failureReason: string | null = null;

  const moveTo = (next: MergeStep) => {
    step = next;
    // Ids and the step only: what operators see in the UI's "current details" costs no history event.
    setCurrentDetails(`merge ${input.mergeId}: ${next}`);
    // `applying` lasts milliseconds: indexing it would cost a visibility write and show nobody anything.
    if (next !== 'applying') upsertSearchAttributes([{ key: FLOW_STEP, value: next }]);
  };
  const beforeConfirmation = () =>
    step === 'awaiting_email_choice' || step === 'awaiting_code' || step === 'awaiting_confirmation';

  // Updates answer with the whole status, so the API needs no extra query round trip.
  const status = (): MergeStatus => ({ step, expiresAt, failureReason, ...challenge.state(Date.now()) });
  const challenge = registerCodeUpdates<MergeStatus>({
    updates: mergeCodeUpdates,
    policy: input.challenge,
    purpose: 'profile-merge',
    step: () => step,
    canRequestCode: () => step === 'awaiting_email_choice' || step === 'awaiting_code',
    canVerifyCode: () => step === 'awaiting_code',
    recipient: ({ emailOptionId }) => {
      if (typeof emailOptionId !== 'string' || emailOptionId.length === 0) throw invalidArgument('emailOptionId is required');
      return { kind: 'profile-email-option', profileId: input.sourceProfileId, emailOptionId };
    },
    // The email lets the source profile's owner stop a merge they did not start.
    rejection: { kind: 'profile-merge', mergeId: input.mergeId },
    onCodeSent: () => {
      if (step === 'awaiting_email_choice') moveTo('awaiting_code');
    },
    onVerdict: (verdict) => {
      if (verdict === 'verified') moveTo('awaiting_confirmation');
      if (verdict === 'exhausted') {
        failureReason = FailureType.AttemptsExhausted;
        moveTo('failed');
      }
    },
    status,
  });
  setHandler(mergeStatusQuery, status);
  setHandler(
    confirmMergeUpdate,
    async () => {
      moveTo('applying');
      // An operator's cancel must not abandon a transaction that may commit: the apply always finishes,
      // and the run then reports what the database says.
      await CancellationScope.nonCancellable(async () => {
        try {
          await applyProfileMerge({ mergeId: input.mergeId, accountId: input.accountId });
          moveTo('completed');
        } catch (err) {
          failureReason = failureType(err) ?? FailureType.ProfileGone;
          moveTo('failed');
        }
      });
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

  let outcome: MergeOutcome;
  try {
    const closedInTime = await condition(() => isTerminal(step), Math.max(0, expiresAt - Date.now()));
    // An apply in progress finishes even past the deadline: the user already confirmed.
    if (!closedInTime && (step as MergeStep) === 'applying') await condition(() => isTerminal(step));
    if (!isTerminal(step)) moveTo('expired');
    outcome = step as MergeOutcome;
  } catch (err) {
    if (!isCancellation(err)) throw err;
    // An operator cancelled the run in the Temporal UI. An apply in flight decides the outcome.
    await CancellationScope.nonCancellable(() => condition(() => step !== 'applying'));
    if (!isTerminal(step)) moveTo('cancelled');
    outcome = step as MergeOutcome;
  }

  await CancellationScope.nonCancellable(async () => {
    // A completed merge was closed by its own apply transaction; every other outcome closes here. The
    // record has the last word: a confirm whose Update was lost with its worker may have applied the
    // merge already, and then the run reports completed, not expired.
    if (outcome !== 'completed') {
      const recorded = await closeProfileMerge({ mergeId: input.mergeId, outcome });
      if (recorded === 'completed') {
        outcome = 'completed';
        moveTo('completed');
      }
    }
    if (outcome === 'completed') await sendMergeCompletedEmail({ mergeId: input.mergeId, accountId: input.accountId });
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
}
