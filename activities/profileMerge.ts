import { ApplicationFailure } from '@temporalio/activity';
import type { Sql } from '../db/client';
import { RuleViolation } from '../db/errors';
import { findAccountEmail } from '../db/queries/accounts';
import { closeMergeRecord, type MergeOutcome } from '../db/queries/profileMerges';
import type { Mailer } from '../lib/mailer';
import { applyMerge, type ApplyResult } from '../libraries/merges/apply';
import { FailureType } from '../workflows/shared/failures';
import { mergeCompletedMail } from './emailTemplates';
import { sendOnce } from './outbox';

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

    /**
     * Records the outcome and frees the profiles for another merge. Idempotent. Answers the outcome the
     * record holds, which is `completed` when the apply committed first.
     */
    async closeProfileMerge({ mergeId, outcome }: { mergeId: string; outcome: MergeOutcome }): Promise<MergeOutcome | undefined> {
      return closeMergeRecord(sql, mergeId, outcome);
    },

    /** Sends the completion email once per merge (outbox keyed by merge id). */
    async sendMergeCompletedEmail({ mergeId, accountId }: { mergeId: string; accountId: string }): Promise<void> {
      const to = await findAccountEmail(sql, accountId);
      if (to) await sendOnce(sql, mailer, `merge/${mergeId}/completed`, 'merge-completed', mergeCompletedMail(to));
    },
  };
}
