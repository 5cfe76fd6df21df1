import {
  ActivityFailure, CancellationScope, proxyActivities, setCurrentDetails, upsertSearchAttributes, workflowInfo,
} from '@temporalio/workflow';
import type { createActivities } from '../activities';
import type {
  DeleteAccountInput, DeleteAccountResult, DeletionConfirmation, DeletionStep,
} from './shared/accountDeletionContract';
import { FLOW_STEP } from './shared/searchAttributes';

type Activities = ReturnType<typeof createActivities>;

// Each step must eventually happen, so infrastructure failures retry indefinitely. Nobody waits on them
// (the API answers 202 at once): ordinary activities, visible as such in the UI.
const RETRY = { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '1m' } as const;
const { revokeAccountCredentials, removeAccount, discardDeletionAddress, finishAccountDeletion } = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: RETRY,
});

// The pending address may outlive the send's deadline by this much before it counts as a leftover.
const ADDRESS_MARGIN_MS = 3_600_000;

/**
 * Deletes the signed-in account (User Settings §3.2): 1) revokes its sessions, tokens and keys; 2) removes
 * the account, erasing the person's personal data when it was the profile's last account; 3) sends a
 * confirmation email; 4) marks the deletion completed. History holds ids and flags only: the confirmation's
 * address waits in a pending row that step 2 writes and step 3 deletes.
 *
 * An operator's cancel request is ignored: a half-done erasure would keep the address, so the run always
 * finishes (terminate it to stop it for good). Raises no business failure; a mail server that keeps
 * refusing past `mailDeadlineMs` makes the confirmation `undelivered`, and its address is discarded.
 */
export async function deleteAccount(input: DeleteAccountInput): Promise<DeleteAccountResult> {
  // The status resource's id: the first run's id, the same for every request that joined this run.
  const deletionId = workflowInfo().firstExecutionRunId;
  const { accountId } = input;
  const { sendAccountDeletedEmail } = proxyActivities<Activities>({
    startToCloseTimeout: '30s',
    scheduleToCloseTimeout: input.mailDeadlineMs,
    retry: RETRY,
  });
  const done = (step: DeletionStep) => {
    // Ids and the step only: the UI's "current details" cost no history event.
    setCurrentDetails(`deletion ${deletionId} of account ${accountId}: ${step}`);
    upsertSearchAttributes([{ key: FLOW_STEP, value: step }]);
  };

  return CancellationScope.nonCancellable(async () => {
    await revokeAccountCredentials({ deletionId, accountId });
    done('credentials_revoked');
    const removal = await removeAccount({ deletionId, accountId, addressTtlMs: input.mailDeadlineMs + ADDRESS_MARGIN_MS });
    done('account_removed');

    let confirmation: DeletionConfirmation = 'none';
    if (removal.notifyAddressId) {
      const notifyAddressId = removal.notifyAddressId;
      try {
        const sent = await sendAccountDeletedEmail({ deletionId, notifyAddressId, profileErased: removal.profileErased });
        confirmation = sent === 'sent' ? 'sent' : 'undelivered';
      } catch (err) {
        if (!(err instanceof ActivityFailure)) throw err;
        await discardDeletionAddress({ notifyAddressId });
        confirmation = 'undelivered';
      }
    }
    await finishAccountDeletion({ deletionId, confirmation });
    done('completed');
    return { profileErased: removal.profileErased, confirmation };
  });
}
