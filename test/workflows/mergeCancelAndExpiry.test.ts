// A merge that ends without merging: cancelled at any step, or abandoned until its time to live runs out.
import { randomUUID } from 'node:crypto';
import { WorkflowNotFoundError } from '@temporalio/client';
import { openMergeRecord } from '../../db/queries/profileMerges';
import { FailureType } from '../../workflows/shared/failures';
import { workflowIds } from '../../workflows/shared/ids';
import { type Merge, mergeSuite, toConfirmation } from '../helpers/mergeHarness';
import { updateRejection } from '../helpers/updateRejection';

const { stack, startMerge, expectNothingMerged, completionMailsTo } = mergeSuite();

describe('cancel', () => {
  const reach: Record<'awaiting_email_choice' | 'awaiting_code' | 'awaiting_confirmation', (m: Merge) => Promise<unknown>> = {
    awaiting_email_choice: async () => undefined,
    awaiting_code: (m) => m.requestCode(),
    awaiting_confirmation: toConfirmation,
  };

  test.each(Object.keys(reach) as (keyof typeof reach)[])('at %s ends the merge as cancelled, merging nothing', async (step) => {
    const m = await startMerge();
    await reach[step](m);
    expect((await m.status()).step).toBe(step);

    expect(await m.cancel()).toMatchObject({ step: 'cancelled' });
    expect(await m.handle.result()).toEqual({ outcome: 'cancelled' });
    expect(await m.record()).toMatchObject({ outcome: 'cancelled', appliedAt: null, closedAt: expect.any(Date) });
    await expectNothingMerged(m.me, m.other);
  });

  test('after completion is rejected with InvalidStep', async () => {
    const m = await startMerge();
    await toConfirmation(m);
    // Hold the workflow open after the merge (its completion email keeps being refused), so the cancel
    // reaches the workflow's validator instead of a closed execution.
    stack.mail.setRefusing(true);
    try {
      expect(await m.confirm()).toMatchObject({ step: 'completed' });
      const rejected = await updateRejection(m.cancel());
      expect(rejected.type).toBe(FailureType.InvalidStep);
    } finally {
      stack.mail.setRefusing(false);
    }
    expect(await m.handle.result()).toEqual({ outcome: 'completed' });
    expect(await m.record()).toMatchObject({ outcome: 'completed' });
    expect(completionMailsTo(m.me.emails[0]!)).toHaveLength(1); // retried until accepted, sent once
    // Once the run is closed the update reaches no workflow at all (the API maps this to merge.closed).
    await expect(m.cancel()).rejects.toBeInstanceOf(WorkflowNotFoundError);
  });
});

describe('abandoned merge', () => {
  test('expires after its time to live, closing the record so the profile can start a new merge', async () => {
    const m = await startMerge({ ttlMs: 3_000 });
    await m.requestCode();
    expect(await m.handle.result()).toEqual({ outcome: 'expired' });
    expect(await m.record()).toMatchObject({ outcome: 'expired', appliedAt: null, closedAt: expect.any(Date) });
    expect(await m.flowStep()).toBe('expired');
    await expectNothingMerged(m.me, m.other);

    const next = randomUUID();
    await expect(openMergeRecord(stack.sql, {
      id: next, workflowId: workflowIds.profileMerge({ sourceProfileId: m.other.profileId, mergeId: next }),
      targetProfileId: m.me.profileId, sourceProfileId: m.other.profileId, startedByAccountId: m.me.accountIds[0]!,
    })).resolves.toBeUndefined();
  });
});
