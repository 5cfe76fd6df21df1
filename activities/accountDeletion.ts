import type { Sql } from '../db/client';
import { completeDeletion } from '../db/queries/accountDeletions';
import { countSentEmails } from '../db/queries/emailOutbox';
import { deletePendingAddress, findPendingAddress } from '../db/queries/pendingAddresses';
import { hmacHex } from '../lib/crypto';
import type { DerivedKeys } from '../lib/keys';
import type { Mail, Mailer } from '../lib/mailer';
import { removeAccountForDeletion, revokeForDeletion } from '../libraries/accountDeletion/removal';
import type { DeletionConfirmation, RemovalResult } from '../workflows/shared/accountDeletionContract';
import { sendOnce } from './outbox';

function accountDeletedMail(to: string, profileErased: boolean): Omit<Mail, 'idempotencyKey'> {
  return {
    to,
    subject: 'Your Custodian account was deleted',
    text:
      'The Custodian account with this email address has been deleted, and you can no longer sign in with it.\n\n' +
      (profileErased
        ? 'It was the last account of your profile, so your profile and all its personal data have been erased as well.\n'
        : 'Your profile and its other accounts remain; you can sign in with any of them.\n') +
      '\nIf you did not ask for this, contact Support.\n',
  };
}

/** Every activity's arguments are ids and flags; the address lives in a pending row, named by its id. */
export function createAccountDeletionActivities({ sql, mailer, keys }: { sql: Sql; mailer: Mailer; keys: Pick<DerivedKeys, 'addressKey'> }) {
  return {
    /** Step 1: revokes every credential of the account (sessions today; tokens and keys as they arrive). Idempotent. */
    async revokeAccountCredentials({ deletionId, accountId }: { deletionId: string; accountId: string }): Promise<{ revoked: number }> {
      return { revoked: await revokeForDeletion(sql, deletionId, accountId) };
    },

    /**
     * Step 2: removes the account, erasing the person when it was the profile's last; one transaction,
     * keyed by the deletion. Raises nothing of its own: a failure is retried until it commits.
     */
    async removeAccount({ deletionId, accountId, addressTtlMs }: { deletionId: string; accountId: string; addressTtlMs: number }): Promise<RemovalResult> {
      return removeAccountForDeletion(sql, {
        deletionId, accountId, addressTtlMs,
        // The key codesPerAddress counts an address under (activities/verification.ts).
        addressSubject: (address) => hmacHex(keys.addressKey, address.toLowerCase()),
      });
    },

    /**
     * Step 3: sends the confirmation once (outbox keyed by the deletion), then deletes the pending row that
     * held its address. Answers `sent`, or `address_gone` when the row had already been discarded. Mail
     * failures are retried until the workflow's deadline.
     */
    async sendAccountDeletedEmail(
      { deletionId, notifyAddressId, profileErased }: { deletionId: string; notifyAddressId: string; profileErased: boolean },
    ): Promise<'sent' | 'address_gone'> {
      const key = `account-deleted/${deletionId}`;
      const to = await findPendingAddress(sql, notifyAddressId);
      if (to) await sendOnce(sql, mailer, key, 'account-deleted', accountDeletedMail(to, profileErased));
      await deletePendingAddress(sql, notifyAddressId);
      // A retry after the row went finds no address, and the outbox row says whether it was sent.
      return to || (await countSentEmails(sql, key)) > 0 ? 'sent' : 'address_gone';
    },

    /** After the send's deadline: the address goes unsent. */
    async discardDeletionAddress({ notifyAddressId }: { notifyAddressId: string }): Promise<void> {
      await deletePendingAddress(sql, notifyAddressId);
    },

    /** Step 4: the status resource says completed, and how the confirmation went. */
    async finishAccountDeletion({ deletionId, confirmation }: { deletionId: string; confirmation: DeletionConfirmation }): Promise<void> {
      await completeDeletion(sql, deletionId, confirmation);
    },
  };
}
