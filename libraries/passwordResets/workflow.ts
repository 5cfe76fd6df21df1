import type { Client, WorkflowHandle, WorkflowHandleWithSignaledRunId } from '@temporalio/client';
import type { resetPassword } from '../../workflows/resetPassword';
import {
  ResetPasswordInput, ResetRequest, resetRequestedSignal,
} from '../../workflows/shared/passwordResetContract';
import { FLOW_STEP, PROFILE_ID } from '../../workflows/shared/searchAttributes';

export type ResetHandle = WorkflowHandle<typeof resetPassword>;

/**
 * Delivers one reset request: starts the account's reset run with it, or signals the run already open
 * (signal-with-start, conflict policy USE_EXISTING, so a second request never opens a second flow). One
 * round trip to the server and none to a worker, whatever the kind: the answer takes the same time for an
 * account and a decoy. Answers the run it reached (`signaledRunId`).
 */
export function requestResetWorkflow(
  temporal: Client,
  taskQueue: string,
  { workflowId, profileId, input, request }: { workflowId: string; profileId: string | null; input: ResetPasswordInput; request: ResetRequest },
): Promise<WorkflowHandleWithSignaledRunId<typeof resetPassword>> {
  return temporal.workflow.signalWithStart<typeof resetPassword, [ResetRequest]>('resetPassword', {
    workflowId,
    taskQueue,
    workflowIdConflictPolicy: 'USE_EXISTING',
    // A new flow may follow a closed one, whatever its outcome.
    workflowIdReusePolicy: 'ALLOW_DUPLICATE',
    typedSearchAttributes: [
      ...(profileId ? [{ key: PROFILE_ID, value: profileId }] : []),
      { key: FLOW_STEP, value: 'awaiting_code' },
    ],
    staticSummary: input.accountId ? `Password reset of account ${input.accountId}` : 'Password reset of an address no account has',
    args: [ResetPasswordInput.parse(input)],
    signal: resetRequestedSignal,
    signalArgs: [ResetRequest.parse(request)],
  });
}
