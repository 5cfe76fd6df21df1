import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { offboardPerson } from '../../workflows/offboardPerson';
import type { offboardingBatch } from '../../workflows/offboardingBatch';
import { workflowIds } from '../../workflows/shared/ids';
import {
  OffboardPersonInput, OffboardingBatchInput, offboardingCancelledSignal,
} from '../../workflows/shared/offboardingContract';
import { COMPANY_ID, FLOW_STEP } from '../../workflows/shared/searchAttributes';

/**
 * Starts an offboarding's run, or joins it (USE_EXISTING): the API calls this for every request that answers a
 * run still open, so a start lost to an outage is made by the HR system's retry. A closed run is never started
 * again (REJECT_DUPLICATE): its row already says how it ended. Search attributes: the company and the step, ids only.
 */
export async function startOffboardingWorkflow(temporal: Client, taskQueue: string, input: OffboardPersonInput): Promise<void> {
  try {
    await temporal.workflow.start<typeof offboardPerson>('offboardPerson', {
      workflowId: workflowIds.offboarding(input.offboardingId),
      taskQueue,
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      typedSearchAttributes: [{ key: COMPANY_ID, value: input.companyId }, { key: FLOW_STEP, value: 'scheduled' }],
      staticSummary: `Offboarding ${input.offboardingId} (company ${input.companyId})`,
      args: [OffboardPersonInput.parse(input)],
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}

/** The parent of a batch; joined like a single run's. */
export async function startBatchWorkflow(temporal: Client, taskQueue: string, input: OffboardingBatchInput): Promise<void> {
  try {
    await temporal.workflow.start<typeof offboardingBatch>('offboardingBatch', {
      workflowId: workflowIds.offboardingBatch(input.batchId),
      taskQueue,
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      typedSearchAttributes: [{ key: COMPANY_ID, value: input.companyId }, { key: FLOW_STEP, value: 'scheduled' }],
      staticSummary: `Offboarding batch ${input.batchId} (company ${input.companyId})`,
      args: [OffboardingBatchInput.parse(input)],
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}

/**
 * Wakes a cancelled run that sleeps until its effectiveAt. Only a courtesy: the row already says cancelled, and a
 * run that misses the signal (Temporal down, a batch's run not started yet) finds it out when it wakes.
 */
export async function wakeCancelledRun(temporal: Client, offboardingId: string): Promise<void> {
  try {
    await temporal.workflow.getHandle(workflowIds.offboarding(offboardingId)).signal(offboardingCancelledSignal);
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
  }
}
