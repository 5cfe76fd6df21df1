import type { Client, WorkflowHandle } from '@temporalio/client';
import type { mergeProfile } from '../../workflows/mergeProfile';
import { workflowIds } from '../../workflows/shared/ids';
import { MergeProfileInput } from '../../workflows/shared/mergeContract';
import { FLOW_STEP, PROFILE_ID } from '../../workflows/shared/searchAttributes';

export type MergeHandle = WorkflowHandle<typeof mergeProfile>;

/**
 * Starts one merge workflow: id from the business key, an explicit conflict and reuse policy (a merge id
 * runs once, ever), the search attributes operators filter on, and a summary of ids for the UI.
 */
export function startMergeWorkflow(temporal: Client, taskQueue: string, input: MergeProfileInput): Promise<MergeHandle> {
  return temporal.workflow.start<typeof mergeProfile>('mergeProfile', {
    workflowId: workflowIds.profileMerge(input),
    taskQueue,
    workflowIdConflictPolicy: 'FAIL',
    workflowIdReusePolicy: 'REJECT_DUPLICATE',
    typedSearchAttributes: [
      { key: PROFILE_ID, value: input.targetProfileId },
      { key: FLOW_STEP, value: 'awaiting_email_choice' },
    ],
    staticSummary: `Merge ${input.mergeId}: profile ${input.sourceProfileId} into ${input.targetProfileId}`,
    args: [MergeProfileInput.parse(input)],
  });
}
