import { condition, defineSignal, defineUpdate, proxyLocalActivities, setHandler } from '@temporalio/workflow';
import type { createActivities } from '../activities';
import { UNTIL_DONE } from './kit/activityOptions';

// The same local-activity options as the merge's apply, so the probe pays what a confirm pays.
const { probeNoop } = proxyLocalActivities<ReturnType<typeof createActivities>>(UNTIL_DONE);

export const probeUpdate = defineUpdate<number, []>('probe');
export const probeLocalActivityUpdate = defineUpdate<number, []>('probeLocalActivity');
export const stopProbeSignal = defineSignal('stop');

/**
 * Temporal's own latency floor on this machine, for `npm run bench:merge`: a run that stays cached on
 * the worker and answers two Updates, one doing nothing and one running a no-op local activity. A
 * confirm does that much plus the apply, so confirm ÷ probe is our cost over the floor. Runs until
 * signalled `stop`. Holds no data at all.
 */
export async function latencyProbe(): Promise<void> {
  let answered = 0;
  let stopped = false;
  setHandler(probeUpdate, () => ++answered);
  setHandler(probeLocalActivityUpdate, async () => {
    await probeNoop();
    return ++answered;
  });
  setHandler(stopProbeSignal, () => {
    stopped = true;
  });
  await condition(() => stopped);
}
