import { defineUpdate } from '@temporalio/workflow';
import { z } from 'zod';
import type { Verdict } from './codeChallenge';

/**
 * The contract of every emailed-code flow (merge, sign-up, account creation, password reset, recovery
 * email, 2FA enrolment): two Updates shared by name and shape, typed by the flow's own status.
 */

/** Why a code is sent; picks the email's wording. */
export type CodePurpose = 'profile-merge' | 'sign-up' | 'account-creation' | 'password-reset' | 'recovery-email' | 'member-invitation';

/** Where a code goes, named by ids; the address is looked up by the activity and never enters history. */
export type CodeRecipient =
  /** One of a profile's addresses (login emails, profile email, recovery email), by its option id. */
  | { kind: 'profile-email-option'; profileId: string; emailOptionId: string }
  /** An address that has no account yet (sign-up, a new recovery email), held in a short-lived pending row. */
  | { kind: 'pending-address'; pendingAddressId: string }
  /** An account's login email. */
  | { kind: 'account-login'; accountId: string }
  /** The login email of the account a pending member invitation is for; none once the invitation has ended. */
  | { kind: 'invited-member'; invitationId: string };

/**
 * What the code email offers its reader who did not ask for it ("this was not you"): a token that stops
 * the flow and records who it was aimed at. Named by ids only; the activity derives the token, so it
 * never enters history. One entry per kind in `libraries/rejections.ts`.
 */
export type CodeRejection =
  /** Cancels the merge and audits `merge.rejected_by_source` (`POST /v1/profile/merges/{id}/rejection`). */
  { kind: 'profile-merge'; mergeId: string };

/** The Updates' arguments, checked by the kit's validators with these schemas. */
export const RequestCodeArgs = z.object({
  /** For flows that offer several addresses (the merge); flows with one fixed recipient ignore it. */
  emailOptionId: z.string().min(1).max(100).optional(),
});
export type RequestCodeArgs = z.infer<typeof RequestCodeArgs>;
export interface CodeSent<S> {
  codeExpiresAt: number;
  resendAvailableAt: number;
  status: S;
}
/** The API sends the HMAC of the typed code, never the code itself. */
export const VerifyCodeArgs = z.object({ codeHmac: z.string().regex(/^[0-9a-f]{64}$/, 'must be a hex HMAC-SHA256') });
export type VerifyCodeArgs = z.infer<typeof VerifyCodeArgs>;
export interface CodeVerdict<S> {
  verdict: Verdict;
  attemptsLeft: number;
  status: S;
}

/** The two Updates, typed by the status `S` that a flow answers with. Names are part of every history: never rename. */
export function codeUpdates<S>() {
  return {
    requestCode: defineUpdate<CodeSent<S>, [RequestCodeArgs]>('requestCode'),
    verifyCode: defineUpdate<CodeVerdict<S>, [VerifyCodeArgs]>('verifyCode'),
  };
}
export type CodeUpdates<S> = ReturnType<typeof codeUpdates<S>>;

/** Inputs the send activity takes: ids and a duration only. */
export interface SendCodeInput {
  /** The flow the code belongs to (its workflow id): the HMAC is bound to it. */
  scope: string;
  /** Fresh per code; the code is derived from it, so a retry resends the same code. */
  challengeId: string;
  purpose: CodePurpose;
  validForMs: number;
  recipient: CodeRecipient;
  /** The "this was not you" action the email offers, if the flow has one. */
  rejection?: CodeRejection;
}
