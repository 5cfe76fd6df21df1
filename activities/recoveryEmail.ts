import { ApplicationFailure } from '@temporalio/activity';
import type { Sql } from '../db/client';
import { appendAudit } from '../db/queries/audit';
import { deletePendingAddress, findPendingAddress } from '../db/queries/pendingAddresses';
import { applyRecoveryEmailChange, closeRecoveryEmailChangeRow } from '../db/queries/recoveryEmailChanges';
import type { Mailer } from '../lib/mailer';
import {
  RecoveryEmailFailure, type AppliedRecoveryEmail, type ApplyRecoveryEmailInput, type RecoveryEmailOutcome,
} from '../workflows/shared/recoveryEmailContract';
import { sendOnce } from './outbox';

const NOTICE_TTL_MS = 2 * 86_400_000;

/** The recovery email flow's activities: ids in, ids and flags out; addresses stay in pending rows. */
export function createRecoveryEmailActivities({ sql, mailer }: { sql: Sql; mailer: Mailer }) {
  return {
    /** Stores the verified address, in one transaction keyed by the change; audits `profile.recovery_email_set`. */
    async applyRecoveryEmail(input: ApplyRecoveryEmailInput): Promise<AppliedRecoveryEmail> {
      const r = await sql.begin(async (tx) => {
        const applied = await applyRecoveryEmailChange(tx, { ...input, noticeTtlMs: NOTICE_TTL_MS });
        if (typeof applied === 'object' && applied.changed) {
          await appendAudit(tx, {
            actorAccountId: null, action: 'profile.recovery_email_set', subjectType: 'profile', subjectId: input.profileId,
            details: { changeId: input.changeId, oldNotified: applied.notify },
          });
        }
        return applied;
      });
      if (r === 'profile-gone') throw ApplicationFailure.nonRetryable('the profile is gone', RecoveryEmailFailure.ProfileGone);
      if (r === 'address-gone') throw ApplicationFailure.nonRetryable('the pending address is gone', RecoveryEmailFailure.PendingAddressGone);
      return { notify: r.notify };
    },

    async closeRecoveryEmailChange({ changeId, outcome }: { changeId: string; outcome: RecoveryEmailOutcome; failureReason: string | null }): Promise<void> {
      await closeRecoveryEmailChangeRow(sql, changeId, outcome);
    },

    /** Tells the old address it is no longer the recovery email, once (outbox), then drops its row. */
    async sendRecoveryEmailChangedNotice({ changeId, noticeAddressId }: { changeId: string; noticeAddressId: string }): Promise<'sent' | 'address_gone'> {
      const to = await findPendingAddress(sql, noticeAddressId);
      if (to) {
        await sendOnce(sql, mailer, `recovery-email-changed/${changeId}`, 'recovery-email-changed', {
          to,
          subject: 'Your Custodian recovery email was changed',
          text:
            'This address is no longer the recovery email of your Custodian profile: a new address was set and verified.\n\n' +
            'If you did not do this, sign in and change your password, or contact Support.\n',
        });
      }
      await deletePendingAddress(sql, noticeAddressId);
      return to ? 'sent' : 'address_gone';
    },
  };
}
