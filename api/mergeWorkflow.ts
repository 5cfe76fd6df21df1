import type { Client, WorkflowHandle } from '@temporalio/client';
import { mergeProfile } from '../workflows/mergeProfile';
import { workflowIds } from '../workflows/shared/ids';
import type { MergeProfileInput } from '../workflows/shared/mergeContract';
import { FLOW_STEP, PROFILE_ID } from '../workflows/shared/searchAttributes';

/**
 * Starts one merge workflow: id from the business key, an explicit conflict and reuse policy (a merge id
 * runs once, ever), and the search attributes operators filter on.
 */
export function startMergeWorkflow(temporal: Client, taskQueue: string, input: MergeProfileInput): Promise<WorkflowHandle<typeof mergeProfile>> {
  return temporal.workflow.start(mergeProfile, {
    workflowId: workflowIds.profileMerge(input.targetProfileId, input.mergeId),
    taskQueue,
    workflowIdConflictPolicy: 'FAIL',
    workflowIdReusePolicy: 'REJECT_DUPLICATE',
    typedSearchAttributes: [
      { key: PROFILE_ID, value: input.targetProfileId },
      { key: FLOW_STEP, value: 'awaiting_email_choice' },
    ],
    args: [input],
  });
}
