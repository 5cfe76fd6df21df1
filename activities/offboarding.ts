import { ApplicationFailure } from '@temporalio/activity';
import type { Sql } from '../db/client';
import { batchPage, markBatch } from '../db/queries/offboardingBatches';
import type { Mailer } from '../lib/mailer';
import { successorNotice } from '../libraries/offboarding/notice';
import { stepRecord } from '../libraries/offboarding/report';
import { createOffboardingSteps, StepRefused } from '../libraries/offboarding/steps';
import type {
  BatchPage, BeginVerdict, OffboardingResult, OffboardingStep, StepInput, StepSummary,
} from '../workflows/shared/offboardingContract';
import { offboardingSuccessorMail } from './emailTemplates';
import { sendOnce } from './outbox';

/**
 * The activities of an offboarding (workflows/offboardPerson.ts) and of a batch (workflows/offboardingBatch.ts):
 * ids, instants and counts in and out. Each step is idempotent by its record in the run's row
 * (libraries/offboarding/steps.ts); the successor's email by its outbox key.
 *
 * Raise `SuccessorUnavailable` (reassignOffboardingApps) and `OffboardingRunMissing`, both non-retryable; anything
 * else (an outage) is retried by the workflow's policy.
 */
export function createOffboardingActivities({ sql, mailer }: { sql: Sql; mailer: Mailer }) {
  const steps = createOffboardingSteps({ sql });

  /** A refusal becomes a typed failure the workflow acts on; the code (an id of a rule, not data) rides in details. */
  async function refusable<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      if (err instanceof StepRefused) throw ApplicationFailure.create({ type: err.type, message: err.message, nonRetryable: true, details: [err.code] });
      throw err;
    }
  }
  const at = (i: StepInput) => new Date(i.now);

  return {
    beginOffboarding: (i: StepInput): Promise<BeginVerdict> => refusable(() => steps.begin(i.offboardingId, at(i))),
    findOffboardingAccounts: (i: StepInput): Promise<StepSummary> => refusable(() => steps.findAccounts(i.offboardingId, at(i))),
    listOffboardingAutomations: (i: StepInput): Promise<StepSummary> => refusable(() => steps.listAutomations(i.offboardingId, at(i))),
    reassignOffboardingApps: (i: StepInput): Promise<StepSummary> => refusable(() => steps.reassignApps(i.offboardingId, at(i))),
    deleteOffboardingTrainingApps: (i: StepInput): Promise<StepSummary> => refusable(() => steps.deleteTrainingApps(i.offboardingId, at(i))),
    revokeOffboardingAccess: (i: StepInput): Promise<StepSummary> => refusable(() => steps.revokeAccess(i.offboardingId, at(i))),
    deactivateOffboardingAccounts: (i: StepInput): Promise<StepSummary> => refusable(() => steps.deactivateAccounts(i.offboardingId, at(i))),

    /**
     * Emails the successor once (outbox key per run), rendered here from the row: the apps they took over, the
     * training apps deleted and the automations listed before access was revoked. Recorded as the step.
     */
    async notifyOffboardingSuccessor(i: StepInput): Promise<StepSummary> {
      return refusable(async () => {
        const row = await steps.read(i.offboardingId);
        if (stepRecord(row, 'notify_successor')) return steps.recordNotification(i.offboardingId, at(i), { sent: true });
        const notice = await successorNotice(sql, row);
        if ('skipped' in notice) return steps.recordNotification(i.offboardingId, at(i), notice);
        await sendOnce(sql, mailer, notice.key, 'offboarding-successor', offboardingSuccessorMail(notice.to, notice));
        return steps.recordNotification(i.offboardingId, at(i), { sent: true });
      });
    },

    writeOffboardingReport: (i: { offboardingId: string }): Promise<{ result: OffboardingResult | null }> =>
      refusable(() => steps.writeReport(i.offboardingId)),

    failOffboarding: (i: { offboardingId: string; step: OffboardingStep; code: string }): Promise<void> =>
      refusable(() => steps.fail(i.offboardingId, i.step, i.code)),

    /** The batch is under way (its effectiveAt has come). */
    async beginOffboardingBatch(i: { batchId: string }): Promise<void> {
      await markBatch(sql, i.batchId, 'running');
    },

    /** The next items of the batch, each with what the parent does with it. */
    async loadOffboardingBatchPage(i: { batchId: string; afterItemNo: number; limit: number }): Promise<BatchPage> {
      const rows = await batchPage(sql, i);
      return {
        items: rows.map((r) => ({
          itemNo: r.itemNo,
          offboardingId: r.offboardingId,
          action: r.owned && r.status === 'scheduled' ? 'start' : r.status === 'cancelled' ? 'cancelled' : 'reused',
        })),
        last: rows.length < i.limit,
      };
    },

    async finishOffboardingBatch(i: { batchId: string }): Promise<void> {
      await markBatch(sql, i.batchId, 'completed');
    },
  };
}
