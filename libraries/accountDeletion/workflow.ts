import type { Client, WorkflowHandle } from '@temporalio/client';
import type { deleteAccount } from '../../workflows/deleteAccount';
import { DeleteAccountInput } from '../../workflows/shared/accountDeletionContract';
import { workflowIds } from '../../workflows/shared/ids';
import { FLOW_STEP, PROFILE_ID } from '../../workflows/shared/searchAttributes';

export type DeletionHandle = WorkflowHandle<typeof deleteAccount>;

/**
 * Starts the deletion of one account, or joins the one already running for it (USE_EXISTING): a repeated
 * or concurrent request gets the same run, and so the same deletion id (the run's first execution id). A
 * closed run never blocks a new one (ALLOW_DUPLICATE): an account that still exists may always be deleted.
 * `profileId` only labels the run for operators.
 */
export async function startDeletionWorkflow(
  temporal: Client, taskQueue: string, input: DeleteAccountInput, profileId: string,
): Promise<{ handle: DeletionHandle; deletionId: string }> {
  const handle = await temporal.workflow.start<typeof deleteAccount>('deleteAccount', {
    workflowId: workflowIds.accountDeletion(input),
    taskQueue,
    workflowIdConflictPolicy: 'USE_EXISTING',
    workflowIdReusePolicy: 'ALLOW_DUPLICATE',
    typedSearchAttributes: [
      { key: PROFILE_ID, value: profileId },
      { key: FLOW_STEP, value: 'requested' },
    ],
    staticSummary: `Deletion of account ${input.accountId} (profile ${profileId})`,
    args: [DeleteAccountInput.parse(input)],
  });
  return { handle, deletionId: handle.firstExecutionRunId };
}
