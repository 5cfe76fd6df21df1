import {
  ApplicationFailure, CancellationScope, allHandlersFinished, condition, isCancellation, proxyActivities,
  setCurrentDetails, setHandler, upsertSearchAttributes, uuid4,
} from '@temporalio/workflow';
import type { createActivities } from '../activities';
import { registerCodeUpdates } from './kit/codeUpdates';
import { failureType, invalidStep } from './kit/failures';
import { FailureType } from './shared/failures';
import {
  RecoveryEmailFailure, cancelRecoveryEmailUpdate, isRecoveryEmailTerminal, recoveryEmailCodeUpdates, recoveryEmailStatusQuery,
  settledRecoveryEmailUpdate, type RecoveryEmailOutcome, type RecoveryEmailStatus, type RecoveryEmailStep, type VerifyRecoveryEmailInput,
} from './shared/recoveryEmailContract';
import { FLOW_STEP } from './shared/searchAttributes';
import { UNTIL_DONE } from './kit/activityOptions';

type Activities = ReturnType<typeof createActivities>;

// Once a code is verified the address must eventually be set and the old one told: infrastructure
// failures retry until they succeed. All three are idempotent (keyed by the change, outbox).
const { applyRecoveryEmail, closeRecoveryEmailChange } = proxyActivities<Activities>(UNTIL_DONE);
// The notice to the old address: a mail server down for a day loses it, and the pending row with it.
const { sendRecoveryEmailChangedNotice } = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  scheduleToCloseTimeout: '1 day',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '10m' },
});

/**
 * Sets a profile's recovery email once an emailed code proves the new address (kit recipient
 * `pending-address`). The address is stored only after verification, then the old address, if there was
 * one, gets a notice through the outbox. Updates: requestCode, verifyCode (the kit), settled, cancel;
 * query: status. Ends with completed, expired or cancelled; fails with AttemptsExhausted, ProfileGone or
 * PendingAddressGone. History holds ids, HMACs and steps only.
 */
export async function verifyRecoveryEmail(input: VerifyRecoveryEmailInput): Promise<{ outcome: RecoveryEmailOutcome }> {
  let step: RecoveryEmailStep = 'awaiting_code';
  let failureReason: string | null = null;

  const moveTo = (next: RecoveryEmailStep) => {
    step = next;
    setCurrentDetails(`recovery email ${input.changeId}: ${next}`);
    if (next !== 'applying') upsertSearchAttributes([{ key: FLOW_STEP, value: next }]);
  };

  const status = (): RecoveryEmailStatus => ({ step, expiresAt: input.expiresAt, failureReason, ...challenge.state(Date.now()) });
  const challenge = registerCodeUpdates<RecoveryEmailStatus>({
    updates: recoveryEmailCodeUpdates,
    policy: input.challenge,
    purpose: 'recovery-email',
    step: () => step,
    canRequestCode: () => step === 'awaiting_code',
    canVerifyCode: () => step === 'awaiting_code',
    recipient: () => ({ kind: 'pending-address', pendingAddressId: input.pendingAddressId }),
    onCodeSent: () => undefined,
    onVerdict: (verdict) => {
      if (verdict === 'verified') moveTo('applying');
      if (verdict === 'exhausted') {
        failureReason = FailureType.AttemptsExhausted;
        moveTo('failed');
      }
    },
    status,
  });
  setHandler(recoveryEmailStatusQuery, status);
  setHandler(settledRecoveryEmailUpdate, async () => {
    await condition(() => step !== 'applying');
    return status();
  });
  setHandler(
    cancelRecoveryEmailUpdate,
    () => {
      if (!isRecoveryEmailTerminal(step)) moveTo('cancelled');
      return status();
    },
    { validator: () => { if (step === 'applying') throw invalidStep(step, 'cancel'); } },
  );

  async function apply(): Promise<void> {
    await CancellationScope.nonCancellable(async () => {
      try {
        const { notify } = await applyRecoveryEmail({
          profileId: input.profileId, changeId: input.changeId, pendingAddressId: input.pendingAddressId, noticeAddressId,
        });
        notifyOld = notify;
        moveTo('completed');
      } catch (err) {
        failureReason = failureType(err) ?? RecoveryEmailFailure.ProfileGone;
        moveTo('failed');
      }
    });
  }

  const noticeAddressId = uuid4();
  let notifyOld = false;
  let outcome: RecoveryEmailOutcome;
  try {
    await condition(() => step !== 'awaiting_code', Math.max(0, input.expiresAt - Date.now()));
    if (step === 'awaiting_code') moveTo('expired');
    if ((step as RecoveryEmailStep) === 'applying') await apply();
    outcome = step as RecoveryEmailOutcome;
  } catch (err) {
    if (!isCancellation(err)) throw err;
    // An operator cancelled the run: a verified code is still applied.
    await CancellationScope.nonCancellable(async () => {
      if (step === 'applying') await apply();
    });
    if (!isRecoveryEmailTerminal(step)) moveTo('cancelled');
    outcome = step as RecoveryEmailOutcome;
  }

  await CancellationScope.nonCancellable(async () => {
    await closeRecoveryEmailChange({ changeId: input.changeId, outcome, failureReason });
    if (notifyOld) {
      try {
        await sendRecoveryEmailChangedNotice({ changeId: input.changeId, noticeAddressId });
      } catch {
        // Undeliverable for a day: the activity's own retries are spent; the change stands.
      }
    }
    await condition(allHandlersFinished);
  });

  if (outcome === 'failed') {
    const type = failureReason ?? FailureType.AttemptsExhausted;
    throw ApplicationFailure.create({ type, message: `recovery email change failed: ${type}`, nonRetryable: true });
  }
  return { outcome };
}
