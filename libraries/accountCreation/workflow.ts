import type { Client, WorkflowHandle } from '@temporalio/client';
import type { createAccount } from '../../workflows/createAccount';
import { CreateAccountInput } from '../../workflows/shared/accountCreationContract';
import { FLOW_STEP, PROFILE_ID } from '../../workflows/shared/searchAttributes';

export type CreateAccountHandle = WorkflowHandle<typeof createAccount>;

/**
 * Starts the address's `createAccount` run, or finds the one already running: the id is keyed by the
 * address's HMAC and the conflict policy is USE_EXISTING, so two requests for one address share one run
 * (and one code) rather than racing two. Once a run has closed, the next request starts a new one
 * (ALLOW_DUPLICATE). Answers the run id, new or existing. The search attributes and the summary hold ids and
 * the step only.
 */
export async function startCreateAccountWorkflow(
  temporal: Client,
  { taskQueue, workflowId, input, profileId }: { taskQueue: string; workflowId: string; input: CreateAccountInput; profileId: string | null },
): Promise<{ runId: string; handle: CreateAccountHandle }> {
  const started = await temporal.workflow.start<typeof createAccount>('createAccount', {
    workflowId,
    taskQueue,
    workflowIdConflictPolicy: 'USE_EXISTING',
    workflowIdReusePolicy: 'ALLOW_DUPLICATE',
    typedSearchAttributes: [
      ...(profileId ? [{ key: PROFILE_ID, value: profileId }] : []),
      { key: FLOW_STEP, value: 'awaiting_code' },
    ],
    staticSummary: input.kind === 'sign-up' ? 'Sign-up of a new profile' : `Account creation for profile ${profileId}`,
    args: [CreateAccountInput.parse(input)],
  });
  const runId = started.firstExecutionRunId;
  return { runId, handle: temporal.workflow.getHandle<typeof createAccount>(workflowId, runId) };
}
