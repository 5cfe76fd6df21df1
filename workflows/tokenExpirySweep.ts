import { continueAsNew, proxyActivities, setCurrentDetails, workflowInfo } from '@temporalio/workflow';
import type { createActivities } from '../activities';
import {
  DEFAULT_TOKEN_SWEEP, addTokenCounts, emptyTokenTotals, type TokenExpirySweepInput, type TokenSweepCursor, type TokenSweepTotals,
} from './shared/tokenExpirySweep';

type Activities = ReturnType<typeof createActivities>;

// A batch reads a page and sends up to a page of emails, heartbeating per email. Outages retry without end:
// every send is idempotent (one outbox key per token).
const { sweepTokenExpiryBatch } = proxyActivities<Activities>({
  startToCloseTimeout: '10m',
  heartbeatTimeout: '1m',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' },
});

/**
 * The daily personal access token expiry sweep (README "Developer settings"), started by its Temporal Schedule
 * (`token-expiry-sweep`): pages through the live tokens expiring within 7 days, by keyset, one batch activity
 * per page, and emails each owner once (outbox key per token). `now` is an input, fixed for the whole sweep.
 * After `batchesPerRun` batches, or when Temporal suggests it, it continues as new with its cursor and totals.
 * A failed send is counted and left to the next day's sweep. Ids and counts only, in history.
 */
export async function tokenExpirySweep(input: TokenExpirySweepInput): Promise<TokenSweepTotals> {
  const now = input.now ?? new Date().toISOString();
  const batchSize = input.batchSize ?? DEFAULT_TOKEN_SWEEP.batchSize;
  const batchesPerRun = input.batchesPerRun ?? DEFAULT_TOKEN_SWEEP.batchesPerRun;
  let totals = input.totals ?? emptyTokenTotals();
  let cursor: TokenSweepCursor | null = input.cursor ?? null;
  for (let batches = 1; ; batches++) {
    const result = await sweepTokenExpiryBatch({ now, cursor, limit: batchSize });
    totals = addTokenCounts(totals, result);
    cursor = result.next;
    setCurrentDetails(`token expiry sweep at ${now}: ${cursor ? 'in progress' : 'done'}; run ${totals.runs}, ${totals.batches} batches, sent ${totals.sent}, failed ${totals.failed}`);
    if (!cursor) return totals;
    if (batches >= batchesPerRun || workflowInfo().continueAsNewSuggested) {
      return continueAsNew<typeof tokenExpirySweep>({ ...input, now, cursor, totals: { ...totals, runs: totals.runs + 1 } });
    }
  }
}
