import type { Client, WorkflowHandle } from '@temporalio/client';
import type { memberInvitation } from '../../workflows/memberInvitation';
import { workflowIds } from '../../workflows/shared/ids';
import { MemberInvitationInput } from '../../workflows/shared/memberInvitationContract';
import { FLOW_STEP, PROFILE_ID } from '../../workflows/shared/searchAttributes';

export type InvitationHandle = WorkflowHandle<typeof memberInvitation>;

/**
 * Starts an invitation's run: id from the invitation's random id, which runs once, ever (FAIL,
 * REJECT_DUPLICATE); the invited profile and the step as search attributes; ids only in the summary.
 */
export function startInvitationWorkflow(
  temporal: Client, taskQueue: string, { profileId, input }: { profileId: string; input: MemberInvitationInput },
): Promise<InvitationHandle> {
  return temporal.workflow.start<typeof memberInvitation>('memberInvitation', {
    workflowId: workflowIds.memberInvitation(input),
    taskQueue,
    workflowIdConflictPolicy: 'FAIL',
    workflowIdReusePolicy: 'REJECT_DUPLICATE',
    typedSearchAttributes: [
      { key: PROFILE_ID, value: profileId },
      { key: FLOW_STEP, value: 'pending' },
    ],
    staticSummary: `Invitation ${input.invitationId} of account ${input.accountId} (company ${input.companyId})`,
    args: [MemberInvitationInput.parse(input)],
  });
}
