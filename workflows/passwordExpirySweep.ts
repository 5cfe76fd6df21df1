import { continueAsNew, proxyActivities, setCurrentDetails, sleep, workflowInfo } from '@temporalio/workflow';
import type { createActivities } from '../activities';
import {
  DEFAULT_SWEEP, addCounts, emptyTotals, type PasswordExpirySweepInput, type SweepBatchResult, type SweepCursor, type SweepTotals,
} from './shared/passwordExpirySweep';

type Activities = ReturnType<typeof createActivities>;

// A batch reads one page and sends up to a page of emails: minutes at worst with a slow relay. It heartbeats
// per email, so a worker that dies mid-batch hands it to another within the heartbeat timeout. Outages
// (Postgres down) retry without end: the sweep must finish, and every send in a batch is idempotent.
const { sweepPasswordExpiryBatch } = proxyActivities<Activities>({
  startToCloseTimeout: '10m',
  heartbeatTimeout: '1m',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' },
});

const describe = (cursor: SweepCursor | null) => (cursor ? `policy ${cursor.days} d${cursor.after ? ', in progress' : ''}` : 'done');

/**
 * The daily password expiry sweep (README "Password expiry"), started by a Temporal Schedule: pages through
 * the accounts whose password expires within the reminder window, by keyset, one batch activity per page,
 * and sends each the most urgent reminder due at `now` (14, 7 or 1 days before expiry) unless it was sent.
 *
 * - `now` is an input, fixed for the whole sweep (continue-as-new carries it), so tests choose the time of
 *   day and a replay or a restart evaluates the same instant.
 * - Idempotent end to end: each reminder is one outbox key, so a retried batch, a crashed worker or a
 *   second sweep the same day sends nothing twice.
 * - Bounded history: after `batchesPerRun` batches (or when Temporal suggests it) the sweep continues as
 *   new with its cursor and totals.
 * - A page with failed sends is tried again after `retryDelayMs`, up to `maxPageRetries` times; what still
 *   fails is counted and left to the next day's sweep, which finds those reminders still unsent.
 * Expiry itself needs no work here: sign-in and every request compute it (libraries/passwordExpiry.ts).
 */
export async function passwordExpirySweep(input: PasswordExpirySweepInput): Promise<SweepTotals> {
  const now = input.now ?? new Date().toISOString();
  const batchSize = input.batchSize ?? DEFAULT_SWEEP.batchSize;
  const batchesPerRun = input.batchesPerRun ?? DEFAULT_SWEEP.batchesPerRun;
  const retryDelayMs = input.retryDelayMs ?? DEFAULT_SWEEP.retryDelayMs;
  const maxPageRetries = input.maxPageRetries ?? DEFAULT_SWEEP.maxPageRetries;
  let totals: SweepTotals = input.totals ?? emptyTotals();
  let cursor: SweepCursor | null = input.cursor ?? null;
  let batchesThisRun = 0;

  for (;;) {
    let result: SweepBatchResult;
    for (let attempt = 0; ; attempt++) {
      result = await sweepPasswordExpiryBatch({ now, cursor, limit: batchSize });
      batchesThisRun++;
      const final = result.failed === 0 || attempt >= maxPageRetries;
      totals = addCounts(totals, result, final);
      if (final) break;
      await sleep(retryDelayMs);
    }
    cursor = result.next;
    // Ids and counts only: what operators see in the UI's "current details", at no history cost.
    setCurrentDetails(
      `password expiry sweep at ${now}: ${describe(cursor)}; run ${totals.runs}, ${totals.batches} batches, ` +
      `sent ${totals.sent.d14}/${totals.sent.d7}/${totals.sent.d1} (14/7/1 d), failed ${totals.failed}`,
    );
    if (!cursor) return totals;
    if (batchesThisRun >= batchesPerRun || workflowInfo().continueAsNewSuggested) {
      return continueAsNew<typeof passwordExpirySweep>({ ...input, now, cursor, totals: { ...totals, runs: totals.runs + 1 } });
    }
  }
}
