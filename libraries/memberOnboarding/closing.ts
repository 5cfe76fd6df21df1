import type { Queryable, Sql } from '../../db/client';
import { appendAudit } from '../../db/queries/audit';
import { deleteAccountRow, deleteProfileRow, deleteRateLimitsOf } from '../../db/queries/erasure';
import {
  closeInvitationRow, detachInvitationAccount, lockInvitation, lockInvitedAccount, type InvitationRecord,
} from '../../db/queries/memberInvitations';
import { deletePendingPasswordsOfRun } from '../../db/queries/passwordResets';
import type { CloseInvitationInput } from '../../workflows/shared/memberInvitationContract';

export interface InvitationClosed {
  memberRemoved: boolean;
}

/**
 * The account an unaccepted invitation created, removed with its profile (and so its avatar) when nobody ever
 * used it: no password, no sign-in. The invitation's row stays, detached, as the company's record. An account
 * that somehow got used is left alone.
 */
async function removeUnusedAccount(tx: Queryable, invitation: InvitationRecord & { accountId: string }): Promise<boolean> {
  const account = await lockInvitedAccount(tx, invitation.accountId);
  if (!account?.unused) return false;
  await detachInvitationAccount(tx, invitation.id);
  await deleteAccountRow(tx, account.id);
  if (account.otherAccounts === 0) await deleteProfileRow(tx, account.profileId);
  await deleteRateLimitsOf(tx, [account.id, account.profileId]);
  return true;
}

/**
 * Records how an invitation's run ended, once (a retry, or the close after an acceptance, finds the row
 * closed). Any end but acceptance removes the account it created, so the address can be invited again and
 * nothing is kept of someone who never joined. Expiry and failure are audited here, by the system; a
 * revocation is audited by the admin's request.
 */
export async function closeInvitation(sql: Sql, { invitationId, workflowId, outcome, failureReason }: CloseInvitationInput): Promise<InvitationClosed> {
  return sql.begin(async (tx) => {
    await deletePendingPasswordsOfRun(tx, workflowId);
    const invitation = await lockInvitation(tx, invitationId);
    if (!invitation || invitation.status !== 'pending') return { memberRemoved: false };
    await closeInvitationRow(tx, invitationId, outcome);
    const accountId = invitation.accountId;
    const memberRemoved = outcome !== 'accepted' && accountId !== null && await removeUnusedAccount(tx, { ...invitation, accountId });
    if (outcome === 'expired' || outcome === 'failed') {
      await appendAudit(tx, {
        actorAccountId: null, actorCredential: 'system', companyId: invitation.companyId,
        action: `invitation.${outcome}`, subjectType: 'invitation', subjectId: invitationId,
        details: { accountId, memberRemoved, ...(failureReason ? { reason: failureReason } : {}) },
      });
    }
    return { memberRemoved };
  });
}
