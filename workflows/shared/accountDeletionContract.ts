import { z } from 'zod';

/**
 * Workflow input: ids and a duration only; safe to read in the Temporal UI. The deletion's own id is the
 * run's first execution id (the status resource's id), so a repeated request that joins the running
 * deletion (conflict policy USE_EXISTING) is answered with the same resource.
 */
export const DeleteAccountInput = z.strictObject({
  /** The signed-in account, which is the only one a user may delete. */
  accountId: z.uuid(),
  /**
   * How long the confirmation email may keep failing before its address is discarded unsent: erasure must
   * end, and the address must not wait for the mail server forever.
   */
  mailDeadlineMs: z.number().int().positive(),
});
export type DeleteAccountInput = z.infer<typeof DeleteAccountInput>;

/** A day: long enough to ride out a mail server's outage, short enough to bound how long the address is kept. */
export const DEFAULT_MAIL_DEADLINE_MS = 24 * 3_600_000;

/** The last step done, as the status resource and the FlowStep search attribute show it. */
export const DELETION_STEPS = ['requested', 'credentials_revoked', 'account_removed', 'completed'] as const;
export type DeletionStep = (typeof DELETION_STEPS)[number];

export type DeletionConfirmation = 'sent' | 'undelivered' | 'none';

/** What the removal decided; a retried removal answers the same. */
export interface RemovalResult {
  /** It was the profile's last account, and the person was erased. */
  profileErased: boolean;
  /** The pending row holding the confirmation's address until it is sent; null when there is nobody to tell. */
  notifyAddressId: string | null;
}

export interface DeleteAccountResult {
  profileErased: boolean;
  confirmation: DeletionConfirmation;
}
