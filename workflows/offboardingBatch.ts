import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import {
  ChildWorkflowFailure, ParentClosePolicy, continueAsNew, proxyActivities, setCurrentDetails,
  setHandler, sleep, startChild, upsertSearchAttributes, workflowInfo,
} from '@temporalio/workflow';
import type { createActivities } from '../activities';
import { UNTIL_DONE } from './kit/activityOptions';
import { offboardPerson } from './offboardPerson';
import { workflowIds } from './shared/ids';
import {
  DEFAULT_BATCH, emptyBatchTotals, offboardingBatchProgressQuery, type BatchTotals, type OffboardingBatchInput, type OffboardingBatchProgress,
} from './shared/offboardingContract';
import { COMPANY_ID, FLOW_STEP } from './shared/searchAttributes';

type Activities = ReturnType<typeof createActivities>;
const { beginOffboardingBatch, loadOffboardingBatchPage, finishOffboardingBatch } = proxyActivities<Activities>(UNTIL_DONE);

/**
 * A batch of offboardings (README "Offboarding", "Bulk"): waits until the batch's effectiveAt, then pages through
 * its items by item number and runs each person's offboarding as a child workflow, at most `concurrency` at once.
 * A child's failure is counted and shows in that person's report; it never stops the others. After
 * `childrenPerRun` children (or when Temporal suggests it) the batch waits for its children and continues as new
 * with its cursor and totals, so its history stays small whatever the batch's size.
 *
 * Children are abandoned on close (ParentClosePolicy ABANDON): each person's run is durable on its own, and an
 * operator who terminates the batch stops no offboarding halfway. Raises no business failure.
 */
export async function offboardingBatch(input: OffboardingBatchInput): Promise<BatchTotals> {
  const { batchId, companyId, concurrency, childrenPerRun } = input;
  const pageSize = input.pageSize ?? DEFAULT_BATCH.pageSize;
  const totals: BatchTotals = input.totals ?? emptyBatchTotals();
  let afterItemNo = input.afterItemNo ?? 0;
  let done = false;
  const inFlight = new Map<string, Promise<void>>();
  setHandler(offboardingBatchProgressQuery, (): OffboardingBatchProgress => ({ ...totals, batchId, inFlight: inFlight.size, afterItemNo, done }));
  const show = (step: string) => {
    setCurrentDetails(`offboarding batch ${batchId} (company ${companyId}): ${step}; after item ${afterItemNo}, started ${totals.started}, ` +
      `completed ${totals.completed}, failed ${totals.failed}, cancelled ${totals.cancelled}, reused ${totals.reused}, in flight ${inFlight.size}, run ${totals.runs}`);
  };

  if (afterItemNo === 0) {
    const wait = Date.parse(input.effectiveAt) - Date.now();
    if (wait > 0) {
      show('scheduled');
      await sleep(wait);
    }
    await beginOffboardingBatch({ batchId });
    upsertSearchAttributes([{ key: FLOW_STEP, value: 'running' }]);
  }

  const runChild = async (offboardingId: string): Promise<void> => {
    try {
      const child = await startChild(offboardPerson, {
        workflowId: workflowIds.offboarding(offboardingId),
        args: [{ offboardingId, companyId, effectiveAt: input.effectiveAt, ...(input.webhookDeadlineMs ? { webhookDeadlineMs: input.webhookDeadlineMs } : {}) }],
        parentClosePolicy: ParentClosePolicy.ABANDON,
        typedSearchAttributes: [{ key: COMPANY_ID, value: companyId }, { key: FLOW_STEP, value: 'scheduled' }],
        staticSummary: `Offboarding ${offboardingId} (company ${companyId}, batch ${batchId})`,
      });
      const r = await child.result();
      if (r.status === 'cancelled') totals.cancelled++;
      else totals.completed++;
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) totals.reused++;
      else if (err instanceof ChildWorkflowFailure) totals.failed++;
      else throw err;
    }
  };

  let startedThisRun = 0;
  for (;;) {
    const page = await loadOffboardingBatchPage({ batchId, afterItemNo, limit: Math.min(pageSize, childrenPerRun) });
    for (const item of page.items) {
      if (item.action === 'start') {
        while (inFlight.size >= concurrency) await Promise.race(inFlight.values());
        const id = item.offboardingId;
        inFlight.set(id, runChild(id).finally(() => inFlight.delete(id)));
        totals.started++;
        startedThisRun++;
      } else if (item.action === 'cancelled') totals.cancelled++;
      else totals.reused++;
      afterItemNo = item.itemNo;
      show('running');
      const more = !page.last || item !== page.items.at(-1);
      if (more && (startedThisRun >= childrenPerRun || workflowInfo().continueAsNewSuggested)) {
        // Children outlive a run (ABANDON), but their results are awaited here: drain first, then start afresh.
        await Promise.all(inFlight.values());
        show('continuing as new');
        return continueAsNew<typeof offboardingBatch>({ ...input, afterItemNo, totals: { ...totals, runs: totals.runs + 1 } });
      }
    }
    if (page.last) break;
  }
  await Promise.all(inFlight.values());
  done = true;
  await finishOffboardingBatch({ batchId });
  upsertSearchAttributes([{ key: FLOW_STEP, value: 'completed' }]);
  show('completed');
  return totals;
}
