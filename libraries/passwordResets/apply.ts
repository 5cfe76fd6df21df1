import type { Sql } from '../../db/client';
import { RuleViolation } from '../../db/errors';
import { setAccountPassword } from '../../db/queries/accounts';
import { appendAudit } from '../../db/queries/audit';
import {
  claimPasswordResetApply, deletePendingPasswordsOfRun, lockAccountForReset, lockPendingPassword,
} from '../../db/queries/passwordResets';
import { revokeAccountSessions } from '../../db/queries/sessions';
import type { ApplyResetInput } from '../../workflows/shared/passwordResetContract';

export interface ResetApplied {
  alreadyApplied: boolean;
  sessionsEnded: number;
}

/**
 * Sets a verified reset's password in one transaction: the run is the idempotency key (a retried
 * activity, after a worker was lost between the commit and reporting it, finds it and changes nothing).
 * The account must still be active and have its password here; the waiting hash is the newest one filed
 * under a code the run emailed. Sets the hash and `password_changed_at` (a new expiry period), ends every
 * session of the account, deletes the run's waiting passwords and audits `account.password_reset`.
 * Raises RuleViolation password_reset.account_unavailable or password_reset.pending_password_gone.
 */
export async function applyPasswordReset(sql: Sql, { accountId, runId, codeHmacs }: ApplyResetInput): Promise<ResetApplied> {
  return sql.begin(async (tx) => {
    const account = await lockAccountForReset(tx, accountId);
    if (!account) throw new RuleViolation('password_reset.account_unavailable', 'the account is gone');
    // First the key: a retry after a commit answers what happened, whatever the account became since.
    if (!(await claimPasswordResetApply(tx, runId, accountId))) return { alreadyApplied: true, sessionsEnded: 0 };
    if (account.status !== 'active' || account.sso) {
      throw new RuleViolation('password_reset.account_unavailable', 'the account is deactivated or uses single sign-on');
    }
    const pending = await lockPendingPassword(tx, runId, codeHmacs);
    if (!pending) throw new RuleViolation('password_reset.pending_password_gone', 'no waiting password for a code of this run');
    await setAccountPassword(tx, accountId, pending.passwordHash);
    const sessionsEnded = await revokeAccountSessions(tx, [accountId]);
    await deletePendingPasswordsOfRun(tx, runId);
    await appendAudit(tx, {
      actorAccountId: null, action: 'account.password_reset', subjectType: 'account', subjectId: accountId,
      details: { runId, sessionsEnded },
    });
    return { alreadyApplied: false, sessionsEnded };
  });
}
