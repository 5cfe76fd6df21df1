import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Sql } from '../../db/client';
import { findInvitation, type InvitationRecord } from '../../db/queries/memberInvitations';
import { deletePendingPassword } from '../../db/queries/passwordResets';
import { AppError } from '../../lib/errors';
import type { DerivedKeys } from '../../lib/keys';
import { codeHmac } from '../../lib/verificationCode';
import { acceptInvitationUpdateId } from '../../workflows/shared/ids';
import {
  acceptInvitationUpdate, invitationCodeUpdates, invitationStatusQuery, type InvitationFinish, type InvitationStatus,
} from '../../workflows/shared/memberInvitationContract';
import { assertAcceptablePassword } from '../passwordRules';
import { createPasswordWithCode } from '../passwordWithCode';
import type { CodeFlows, Proof } from '../verification';
import {
  INVITATION_ERRORS, invitationClosed, invitationFlowErrors, invitationNotFound, invitationNotReady, invitationOfDeactivatedMember,
} from './invitations';
import type { InvitationHandle } from './workflow';

/** How long a chosen password's hash may wait for its code's verdict; the apply or the run's close deletes it sooner. */
const PENDING_PASSWORD_MS = 3_600_000;

export interface Accepted {
  invitationId: string;
  accountId: string;
  status: 'accepted';
}

/**
 * Accepting an invitation (README "Onboarding"), without a session: its id, the emailed code and the chosen
 * password, as a password reset's completion takes them, and checked in the same order. The policy first
 * (422 listing every unmet rule, nothing spent); then whether the run has issued a code yet (409
 * `invitation.not_ready`, nothing spent); then a point of the client address's and the invitation's
 * durable budgets, before argon2 (429, nothing hashed; libraries/passwordWithCode.ts); then the password's hash,
 * waiting under the code's HMAC (never in history); then the code, through the kit (the invitation's 5
 * attempts, the account's durable budget of wrong codes, 422 `verification_code.*`, 429); then the `accept`
 * Update, which waits for the run to activate the account with that hash. An accepted invitation answers a
 * repeat with the same code, and refuses any other (409 `invitation.closed`).
 */
export function createInvitationAcceptance(
  { sql, temporal, codeFlows, keys }: { sql: Sql; temporal: Client; codeFlows: CodeFlows; keys: Pick<DerivedKeys, 'codeHmac'> },
) {
  const handleOf = (row: InvitationRecord): InvitationHandle => temporal.workflow.getHandle(row.workflowId);
  const withCode = createPasswordWithCode({ sql, budgets: codeFlows.budgets });
  /** Wrong codes spend the invited account's durable budget, whoever types them. */
  const proofOf = (row: InvitationRecord): Proof => ({ subjectType: 'account', subjectId: row.accountId!, actorAccountId: null });

  /**
   * Refuses an acceptance sent before the run issued its first code (409 `invitation.not_ready`, Retry-After),
   * before a budget point or a hash is spent on a code nothing can match yet. The run's status query says so
   * (a run not yet picked up by a worker answers once it is, or the deadline's 503).
   */
  async function assertHasCode(row: InvitationRecord): Promise<void> {
    let s: InvitationStatus;
    try {
      s = await codeFlows.call(() => handleOf(row).query(invitationStatusQuery));
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw invitationClosed();
      throw err;
    }
    if (s.step === 'pending' && s.codesSent === 0) throw invitationNotReady();
  }

  /** The `accept` Update (id `accept/<codeHmac>`): its outcome, or `refusal` for a code the run did not verify. */
  async function finish(row: InvitationRecord, hmac: string, refusal?: unknown): Promise<Accepted> {
    let done: InvitationFinish;
    try {
      done = await codeFlows.update(invitationFlowErrors, () =>
        handleOf(row).executeUpdate(acceptInvitationUpdate, { updateId: acceptInvitationUpdateId(hmac), args: [{ codeHmac: hmac }] }));
    } catch (err) {
      if (err instanceof AppError && err.status === 409) {
        await deletePendingPassword(sql, row.workflowId, hmac);
        throw refusal ?? err;
      }
      throw err;
    }
    await deletePendingPassword(sql, row.workflowId, hmac);
    if (done.step !== 'accepted') {
      throw new AppError(409, 'invitation.accept_failed', 'The invitation could not be accepted: the account changed meanwhile; ask your administrator to invite you again');
    }
    return { invitationId: row.id, accountId: row.accountId!, status: 'accepted' };
  }

  return {
    async accept(invitationId: string, code: string, password: string, clientAddress: string): Promise<Accepted> {
      const row = await findInvitation(sql, invitationId);
      if (!row) throw invitationNotFound();
      const hmac = codeHmac(keys.codeHmac, row.workflowId, code);
      // A repeat of an acceptance whose answer was lost gets the stored outcome of its Update; anything else is refused.
      if (row.status === 'accepted') return finish(row, hmac, invitationClosed(row.status));
      if (row.status !== 'pending' || !row.accountId || !row.email) throw invitationClosed(row.status);
      // Deactivated by an admin before accepting: refused before any code or budget is spent. The apply refuses
      // too (only an `invited` account is activated), for a deactivation that comes in between.
      if (row.accountStatus !== 'invited') throw invitationOfDeactivatedMember();
      assertAcceptablePassword(password, { email: row.email });
      await assertHasCode(row);

      return withCode.submit({
        clientAddress, flowKey: `invitation:${row.id}`, proof: proofOf(row), password,
        pending: { runId: row.workflowId, codeHmac: hmac, accountId: row.accountId, ttlMs: PENDING_PASSWORD_MS },
        verify: async () => {
          await codeFlows.verify(handleOf(row), invitationCodeUpdates, code, proofOf(row), invitationFlowErrors);
        },
        // Not pending any more: perhaps because this very code was verified by an attempt whose answer was lost.
        perhapsVerifiedBefore: (err) => err instanceof AppError && (err.code === INVITATION_ERRORS.invalidStep || err.code === INVITATION_ERRORS.closed),
        finish: (refusal) => finish(row, hmac, refusal),
        // Closed while the password was hashed (revoked, expired): the close removed the unused account.
        gone: () => invitationClosed(),
      });
    },
  };
}
export type InvitationAcceptance = ReturnType<typeof createInvitationAcceptance>;
