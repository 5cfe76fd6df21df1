import type { Sql } from '../../db/client';
import { RuleViolation } from '../../db/errors';
import { appendAudit } from '../../db/queries/audit';
import { activateInvitedAccount, closeInvitationRow, lockInvitation } from '../../db/queries/memberInvitations';
import { deletePendingPasswordsOfRun, lockPendingPassword } from '../../db/queries/passwordResets';
import type { AcceptInvitationInput } from '../../workflows/shared/memberInvitationContract';

/** The RuleViolation codes of the acceptance; the activity names them as workflow failure types. */
export const ACCEPTANCE_RULES = {
  accountUnavailable: 'invitation.account_unavailable',
  pendingPasswordGone: 'invitation.pending_password_gone',
} as const;

export interface AcceptanceApplied {
  alreadyApplied: boolean;
}

/**
 * Accepts a verified invitation in one transaction, keyed by the invitation's row (a retried activity finds
 * it accepted and changes nothing): sets the password that waits under the verified code's HMAC (hashed by
 * the API; the same pending rows as a password reset's), activates the account (`invited` → `active`, a new
 * password period), closes the invitation, deletes the run's waiting passwords and audits `invitation.accepted`
 * in the company's log, the new member acting for itself. The account must still be `invited`: one
 * deactivated or deleted meanwhile is AccountUnavailable.
 */
export async function applyAcceptance(sql: Sql, { invitationId, workflowId, codeHmac }: AcceptInvitationInput): Promise<AcceptanceApplied> {
  return sql.begin(async (tx) => {
    const unavailable = (why: string) => new RuleViolation(ACCEPTANCE_RULES.accountUnavailable, why);
    const invitation = await lockInvitation(tx, invitationId);
    if (!invitation?.accountId) throw unavailable('the invitation or its account is gone');
    if (invitation.status === 'accepted') return { alreadyApplied: true };
    if (invitation.status !== 'pending') throw unavailable('the invitation has ended');
    const pending = await lockPendingPassword(tx, workflowId, [codeHmac]);
    if (!pending) throw new RuleViolation(ACCEPTANCE_RULES.pendingPasswordGone, 'no waiting password for the verified code');
    if (!(await activateInvitedAccount(tx, invitation.accountId, pending.passwordHash))) {
      throw unavailable('the account is no longer waiting for its invitation (deactivated or deleted)');
    }
    await closeInvitationRow(tx, invitationId, 'accepted');
    await deletePendingPasswordsOfRun(tx, workflowId);
    await appendAudit(tx, {
      actorAccountId: invitation.accountId, action: 'invitation.accepted', subjectType: 'invitation', subjectId: invitationId,
      companyId: invitation.companyId, details: { accountId: invitation.accountId },
    });
    return { alreadyApplied: false };
  });
}
