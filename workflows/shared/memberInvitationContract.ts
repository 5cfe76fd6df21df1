import { defineQuery, defineUpdate } from '@temporalio/workflow';
import { z } from 'zod';
import type { ChallengeState } from './codeChallenge';
import { codeUpdates } from './verification';

const duration = z.number().int().nonnegative();

/**
 * The invitation of a member a company admin created (README "Onboarding"): an emailed code proves the
 * mailbox, and the password chosen with it, hashed by the API and waiting in a pending row, activates the
 * account. Workflow input: ids, a deadline and durations only; safe to read in the Temporal UI.
 */
export const MemberInvitationInput = z.strictObject({
  invitationId: z.uuid(),
  /** The invited account (status `invited`, no password yet). */
  accountId: z.uuid(),
  companyId: z.uuid(),
  /** When the invitation expires unless resent (epoch ms); the API answered it. */
  expiresAt: duration,
  /** INVITATION_TTL_SECONDS: each resend gives the invitation this long again, and its code lives as long. */
  ttlMs: duration.min(1),
  /** How many times the invitation may be resent. */
  maxResends: z.number().int().nonnegative(),
  /** The kit's rules for the code: the least time between two sends, and wrong codes before the invitation fails. */
  challenge: z.strictObject({ resendIntervalMs: duration, maxAttempts: z.number().int().positive() }),
});
export type MemberInvitationInput = z.infer<typeof MemberInvitationInput>;

export const INVITATION_STEPS = ['pending', 'accepting', 'accepted', 'expired', 'revoked', 'failed'] as const;
export type InvitationStep = (typeof INVITATION_STEPS)[number];
export type InvitationOutcome = Extract<InvitationStep, 'accepted' | 'expired' | 'revoked' | 'failed'>;

export const isInvitationTerminal = (s: InvitationStep): s is InvitationOutcome =>
  s === 'accepted' || s === 'expired' || s === 'revoked' || s === 'failed';

export interface InvitationStatus extends ChallengeState {
  step: InvitationStep;
  expiresAt: number;
  resendsLeft: number;
  failureReason: string | null;
}

export interface InvitationFinish {
  step: InvitationStep;
  status: InvitationStatus;
}

/** Failure types of this flow (the generic ones, AttemptsExhausted among them, are in ./failures.ts). */
export const InvitationFailure = {
  /** The invitation's row never became visible (its creating transaction rolled back after the start). */
  InvitationGone: 'InvitationGone',
  /** The account was deleted or deactivated between the code and the acceptance. */
  AccountUnavailable: 'AccountUnavailable',
  /** No waiting password for the verified code (purged, or never stored). */
  PendingPasswordGone: 'PendingPasswordGone',
} as const;

/** The acceptance's arguments: ids and the verified code's HMAC, under which the password's hash waits. */
export interface AcceptInvitationInput {
  invitationId: string;
  workflowId: string;
  codeHmac: string;
}

export interface CloseInvitationInput {
  invitationId: string;
  workflowId: string;
  outcome: InvitationOutcome;
  failureReason: string | null;
}

// Names are part of every recorded history: never rename them.
export const invitationStatusQuery = defineQuery<InvitationStatus>('status');
/** requestCode is the resend (refused once the resends are spent); verifyCode checks a typed code. */
export const invitationCodeUpdates = codeUpdates<InvitationStatus>();
/**
 * After a verified code: waits for the acceptance to be applied and answers the outcome. Its argument is the
 * HMAC of the code the caller typed, which must be the one the run verified. Sent with the Update id
 * `accept/<codeHmac>`, so a retried acceptance joins the Update in flight or gets its stored outcome.
 */
export const acceptInvitationUpdate = defineUpdate<InvitationFinish, [{ codeHmac: string }]>('accept');
/** Ends a pending invitation; answers once the run has closed it (and removed the account nobody used). */
export const revokeInvitationUpdate = defineUpdate<InvitationFinish>('revoke');
