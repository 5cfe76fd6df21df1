import type { Queryable, Sql } from '../../db/client';
import { advanceDeletion, lockDeletion, recordRemoval } from '../../db/queries/accountDeletions';
import { appendAudit } from '../../db/queries/audit';
import { revokeAllCredentials } from '../../db/queries/credentials';
import {
  cancelOpenMergesOf, deleteAccountRow, deleteAddressFlowsOf, deleteOutboxRowsOf, deletePendingAddressesOf, deleteProfileRow, deleteRateLimitsOf,
  findAccountProfileId, identityOfProfile, lockAccountInProfile, newTombstone, redactAuditLog, redactMergeRecords, type LockedAccount,
} from '../../db/queries/erasure';
import { insertPendingAddress } from '../../db/queries/pendingAddresses';
import { redactOffboardings } from '../../db/queries/offboardingErasure';
import type { RemovalResult } from '../../workflows/shared/accountDeletionContract';

/**
 * Step 1 of a deletion: every credential of the account ends at once (sessions today; tokens and keys
 * join `revokeAllCredentials`). Audited with the account's id, which step 2 turns into a tombstone.
 */
export async function revokeForDeletion(sql: Sql, deletionId: string, accountId: string): Promise<number> {
  return sql.begin(async (tx) => {
    // After the lock, a late attempt of this step (timed out, then unblocked) sees the removal done and
    // writes nothing: no entry naming the account may follow its redaction.
    const deletion = await lockDeletion(tx, deletionId);
    if (deletion.step !== 'requested' || !(await findAccountProfileId(tx, accountId))) return 0;
    const revoked = await revokeAllCredentials(tx, accountId);
    const total = Object.values(revoked).reduce((a, b) => a + b, 0);
    await advanceDeletion(tx, deletionId, 'credentials_revoked');
    await appendAudit(tx, {
      actorAccountId: accountId, action: 'account.deletion_requested', subjectType: 'account', subjectId: accountId,
      details: { deletionId, ...revoked },
    });
    return total;
  });
}

export interface RemovalOptions {
  deletionId: string;
  accountId: string;
  /** How long the confirmation's address may wait in its pending row (the send's whole deadline and a margin). */
  addressTtlMs: number;
  /** The budget key of an address (its HMAC under the address subkey): what `codesPerAddress` counts it as. */
  addressSubject: (address: string) => string;
}

/** The account under its profile's lock, following it if a merge moved it meanwhile. */
async function lockAccount(tx: Queryable, accountId: string): Promise<LockedAccount | undefined> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const profileId = await findAccountProfileId(tx, accountId);
    if (!profileId) return undefined;
    const locked = await lockAccountInProfile(tx, accountId, profileId);
    if (locked) return locked;
  }
  throw new Error('the account kept moving between profiles; retrying the removal');
}

/**
 * Step 2, one transaction keyed by the deletion row (a retry answers what the first attempt decided):
 * removes the account and, when it was its profile's last, erases the person. See README "Deleting an
 * account and erasure" for what goes, what stays as a tombstone, and why.
 *
 * The confirmation's address is read here, before the account goes, and moved into a pending row named by
 * an id: the workflow carries that id, never the address, and the send deletes the row.
 */
export async function removeAccountForDeletion(sql: Sql, o: RemovalOptions): Promise<RemovalResult> {
  return sql.begin(async (tx) => {
    const deletion = await lockDeletion(tx, o.deletionId);
    if (deletion.step === 'account_removed' || deletion.step === 'completed') {
      return { profileErased: deletion.profileErased ?? false, notifyAddressId: deletion.notifyAddressId };
    }
    const account = await lockAccount(tx, o.accountId);
    if (!account) {
      // Nothing left to remove (an operator removed it): nobody to tell either.
      await recordRemoval(tx, o.deletionId, { profileErased: false, notifyAddressId: null });
      return { profileErased: false, notifyAddressId: null };
    }
    const last = account.otherAccounts === 0;
    const person = last ? await identityOfProfile(tx, account.profileId) : { profileIds: [], emails: [] };
    const erasedIds = [account.id, ...person.profileIds];
    const emails = [account.email, ...person.emails];

    const notifyAddressId = await insertPendingAddress(tx, account.email, o.addressTtlMs);
    await deletePendingAddressesOf(tx, emails, notifyAddressId);
    await revokeAllCredentials(tx, account.id);
    await cancelOpenMergesOf(tx, { accountIds: [account.id], profileIds: person.profileIds });
    await deleteAccountRow(tx, account.id);
    if (last) await deleteProfileRow(tx, account.profileId);
    await deleteRateLimitsOf(tx, [...erasedIds, ...emails, ...emails.map(o.addressSubject)]);
    await deleteOutboxRowsOf(tx, erasedIds);
    await deleteAddressFlowsOf(tx, emails, emails.map(o.addressSubject));

    const redaction = Object.fromEntries(erasedIds.map((id) => [id, newTombstone()]));
    await redactMergeRecords(tx, redaction);
    await redactOffboardings(tx, redaction, { addressHmacs: emails.map(o.addressSubject) });
    await redactAuditLog(tx, redaction);
    // What the log keeps of the deletion itself: that it happened, and to which (tombstoned) subjects.
    await appendAudit(tx, {
      actorAccountId: redaction[account.id]!, action: 'account.deleted', subjectType: 'account', subjectId: redaction[account.id]!,
      details: { deletionId: o.deletionId, profileId: redaction[account.profileId] ?? account.profileId, profileErased: last },
    });
    await recordRemoval(tx, o.deletionId, { profileErased: last, notifyAddressId });
    return { profileErased: last, notifyAddressId };
  });
}
