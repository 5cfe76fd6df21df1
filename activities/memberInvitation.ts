import { ApplicationFailure } from '@temporalio/activity';
import type { Sql } from '../db/client';
import { RuleViolation } from '../db/errors';
import { invitationExists } from '../db/queries/memberInvitations';
import { ACCEPTANCE_RULES, applyAcceptance, type AcceptanceApplied } from '../libraries/memberOnboarding/apply';
import { closeInvitation, type InvitationClosed } from '../libraries/memberOnboarding/closing';
import { InvitationFailure, type AcceptInvitationInput, type CloseInvitationInput } from '../workflows/shared/memberInvitationContract';

const RULE_TO_FAILURE: Record<string, string> = {
  [ACCEPTANCE_RULES.accountUnavailable]: InvitationFailure.AccountUnavailable,
  [ACCEPTANCE_RULES.pendingPasswordGone]: InvitationFailure.PendingPasswordGone,
};

/** The activities of the `memberInvitation` workflow (workflows/memberInvitation.ts); ids in, ids and flags out. */
export function createMemberInvitationActivities({ sql }: { sql: Sql }) {
  return {
    /**
     * Waits for the invitation's row: the run starts inside the transaction that writes it. Retryable until the
     * workflow's retry policy gives up (the creation rolled back).
     */
    async openMemberInvitation({ invitationId }: { invitationId: string }): Promise<void> {
      if (!(await invitationExists(sql, invitationId))) {
        throw ApplicationFailure.retryable('the invitation is not visible yet', InvitationFailure.InvitationGone);
      }
    },

    /** Activates the account with the password waiting under the verified code, once. Raises AccountUnavailable or PendingPasswordGone. */
    async applyInvitationAcceptance(input: AcceptInvitationInput): Promise<AcceptanceApplied> {
      try {
        return await applyAcceptance(sql, input);
      } catch (err) {
        if (err instanceof RuleViolation) {
          throw ApplicationFailure.create({ type: RULE_TO_FAILURE[err.code] ?? err.code, message: err.message, nonRetryable: true });
        }
        throw err;
      }
    },

    /** Records the outcome; an invitation that ended unaccepted removes the unused account it created. Idempotent. */
    async closeMemberInvitation(input: CloseInvitationInput): Promise<InvitationClosed> {
      return closeInvitation(sql, input);
    },
  };
}
