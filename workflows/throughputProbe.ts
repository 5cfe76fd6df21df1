import { ParentClosePolicy, continueAsNew, proxyActivities, startChild, workflowInfo } from '@temporalio/workflow';
import type { createActivities } from '../activities';
import { UNTIL_DONE } from './kit/activityOptions';

// The same activity options as an offboarding's steps, so a probe's activity pays what a step pays in Temporal.
const { probeStep } = proxyActivities<ReturnType<typeof createActivities>>(UNTIL_DONE);

export interface ThroughputProbeInput {
  /** The children a parent runs; 0 makes this run a child, which runs the activities. */
  runs: number;
  /** No-op activities each child runs, one after another. */
  activities: number;
  /** Children at once, and children per parent run before it continues as new (as an offboarding batch's). */
  concurrency: number;
  childrenPerRun: number;
  /** Children started by the earlier runs of a parent that continued as new. */
  started?: number;
}

export interface ThroughputProbeResult {
  runs: number;
  activities: number;
}

/**
 * Temporal's own throughput floor on this machine, for `npm run bench:offboarding`: a parent that runs `runs`
 * children at most `concurrency` at once, each running `activities` no-op activities in sequence, shaped like an
 * offboarding batch (workflows/offboardingBatch.ts: children abandoned on close, drained before continuing as new
 * after `childrenPerRun`). A batch of as many offboardings, each as many steps, does that much plus the steps' work,
 * so batch time ÷ probe time is our cost over the floor. Holds no data at all; raises no business failure.
 */
export async function throughputProbe(input: ThroughputProbeInput): Promise<ThroughputProbeResult> {
  const { runs, activities, concurrency, childrenPerRun } = input;
  if (runs === 0) {
    for (let step = 0; step < activities; step++) await probeStep({ step, now: new Date().toISOString() });
    return { runs: 0, activities };
  }
  const { workflowId } = workflowInfo();
  const inFlight = new Map<number, Promise<void>>();
  let started = input.started ?? 0;
  let startedThisRun = 0;
  while (started < runs) {
    while (inFlight.size >= concurrency) await Promise.race(inFlight.values());
    const n = started++;
    const child = startChild(throughputProbe, {
      workflowId: `${workflowId}/${n}`,
      args: [{ runs: 0, activities, concurrency: 1, childrenPerRun: 1 }],
      parentClosePolicy: ParentClosePolicy.ABANDON,
    }).then((c) => c.result()).then(() => undefined);
    inFlight.set(n, child.finally(() => inFlight.delete(n)));
    startedThisRun++;
    if (started < runs && startedThisRun >= childrenPerRun) {
      await Promise.all(inFlight.values());
      return continueAsNew<typeof throughputProbe>({ ...input, started });
    }
  }
  await Promise.all(inFlight.values());
  return { runs, activities };
}
