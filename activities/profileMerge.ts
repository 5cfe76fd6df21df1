import { ApplicationFailure } from '@temporalio/activity';
import type { Sql } from '../db/client';
import { RuleViolation } from '../db/errors';
import { findAccountEmail } from '../db/queries/accounts';
import { markEmailSent, reserveEmail } from '../db/queries/emailOutbox';
import { applyMerge, closeMergeRecord, type ApplyResult, type MergeOutcome } from '../db/queries/profileMerges';
import type { Mailer } from '../lib/mailer';
import { FailureType } from '../workflows/shared/failures';
import { mergeCompletedMail } from './emailTemplates';

const RULE_TO_FAILURE: Record<string, FailureType> = {
  'merge.profile_gone': FailureType.ProfileGone,
  'merge.closed': FailureType.MergeClosed,
  'merge.not_found': FailureType.MergeClosed,
};

export function createProfileMergeActivities({ sql, mailer }: { sql: Sql; mailer: Mailer }) {
  return {
    /** Applies the merge once, in one transaction. Raises ProfileGone or MergeClosed (non-retryable). */
    async applyProfileMerge({ mergeId, accountId }: { mergeId: string; accountId: string }): Promise<ApplyResult> {
      try {
        return await applyMerge(sql, mergeId, accountId);
      } catch (err) {
        if (err instanceof RuleViolation) {
          throw ApplicationFailure.create({ type: RULE_TO_FAILURE[err.code] ?? err.code, message: err.message, nonRetryable: true });
        }
        throw err;
      }
    },

    /** Records the outcome and frees the profiles for another merge. Idempotent. */
    async closeProfileMerge({ mergeId, outcome }: { mergeId: string; outcome: MergeOutcome }): Promise<void> {
      await closeMergeRecord(sql, mergeId, outcome);
    },

    /** Sends the completion email at most once per merge (outbox keyed by merge id). */
    async sendMergeCompletedEmail({ mergeId, accountId }: { mergeId: string; accountId: string }): Promise<void> {
      const key = `merge/${mergeId}/completed`;
      const to = await findAccountEmail(sql, accountId);
      if (!to || !(await reserveEmail(sql, key, 'merge-completed'))) return;
      await mailer.send(mergeCompletedMail(to));
      await markEmailSent(sql, key);
    },
  };
}
