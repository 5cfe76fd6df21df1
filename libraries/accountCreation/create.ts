import { randomUUID } from 'node:crypto';
import type { Sql } from '../../db/client';
import { RuleViolation, violatedConstraint } from '../../db/errors';
import { findAccountByEmail } from '../../db/queries/accounts';
import {
  completeCreation, findAccountProfile, findPendingAccount, insertCreatedAccount, lockCreationOfRun, lockProfile,
} from '../../db/queries/accountCreations';
import { appendAudit } from '../../db/queries/audit';
import { insertProfile } from '../../db/queries/people';
import type { CreatedAccount } from '../../workflows/shared/accountCreationContract';

/** The RuleViolation codes the creation raises; the activity names them as workflow failure types. */
export const CREATION_RULES = {
  emailTaken: 'account.email_taken',
  profileGone: 'account_creation.profile_gone',
  pendingGone: 'account_creation.pending_gone',
} as const;

/** A new profile's display name, until its owner sets one: the address's local part (at most 200 characters). */
export function initialDisplayName(address: string): string {
  const local = address.slice(0, address.lastIndexOf('@')).trim();
  return [...(local || 'New member')].slice(0, 200).join('');
}

export interface CreateFromPending {
  workflowId: string;
  runId: string;
  /** The request whose code was verified. */
  creationId: string;
}

/**
 * Creates the account a verified request holds, in one transaction: for a sign-up a new profile with it,
 * otherwise the account inside the request's profile. The request's row is the idempotency key: a retry
 * finds it completed and answers the same account. The pending account (the password hash) is deleted in
 * the same transaction. The email is checked case-insensitively, and the unique index has the last word.
 * Raises RuleViolation account.email_taken, account_creation.profile_gone or account_creation.pending_gone.
 */
export async function createAccountFromPending(sql: Sql, { workflowId, runId, creationId }: CreateFromPending): Promise<CreatedAccount> {
  const gone = () => new RuleViolation(CREATION_RULES.pendingGone, 'the request or its pending account is gone');
  try {
    return await sql.begin(async (tx) => {
      const c = await lockCreationOfRun(tx, creationId, workflowId, runId);
      if (!c) throw gone();
      if (c.outcome === 'completed') {
        const profileId = c.createdAccountId ? await findAccountProfile(tx, c.createdAccountId) : undefined;
        if (!c.createdAccountId || !profileId) throw gone();
        return { accountId: c.createdAccountId, profileId, alreadyCreated: true };
      }
      if (c.closedAt) throw gone();
      const pending = await findPendingAccount(tx, c.id);
      if (!pending) throw gone();

      let profileId: string;
      if (pending.profileId === null) {
        profileId = randomUUID();
        await insertProfile(tx, { id: profileId, displayName: initialDisplayName(pending.address) });
      } else {
        // The lock keeps a merge or an erasure of the profile out until the account is in it.
        if (!(await lockProfile(tx, pending.profileId))) throw new RuleViolation(CREATION_RULES.profileGone, 'the profile no longer exists');
        profileId = pending.profileId;
      }
      if (await findAccountByEmail(tx, pending.address)) throw new RuleViolation(CREATION_RULES.emailTaken, 'the address has an account already');

      const accountId = randomUUID();
      await insertCreatedAccount(tx, {
        id: accountId, profileId, email: pending.address, passwordHash: pending.passwordHash, marketingOptIn: pending.marketingOptIn,
      });
      await Promise.all([
        ...completeCreation(tx, c.id, accountId),
        appendAudit(tx, {
          // A sign-up has no signed-in actor: the new account acts for itself.
          actorAccountId: c.startedByAccountId ?? accountId,
          action: 'account.created',
          subjectType: 'account',
          subjectId: accountId,
          details: { creationId: c.id, kind: c.kind, profileId, newProfile: pending.profileId === null, marketingOptIn: pending.marketingOptIn },
        }),
      ]);
      return { accountId, profileId, alreadyCreated: false };
    });
  } catch (err) {
    // Another flow created the address's account between the check and the insert.
    if (violatedConstraint(err) === 'accounts__email__unique') throw new RuleViolation(CREATION_RULES.emailTaken, 'the address has an account already');
    throw err;
  }
}
