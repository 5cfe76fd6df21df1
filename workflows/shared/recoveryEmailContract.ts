import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { ChallengePolicy, ChallengeState } from './codeChallenge';
import { codeUpdates } from './verification';

/**
 * Setting a profile's recovery email (User Settings §2): the new address, held in a pending row, is
 * proven by an emailed code, then stored; the old address, if any, is told. Ids and durations only.
 */
export interface VerifyRecoveryEmailInput {
  profileId: string;
  /** The request's row in `recovery_email_changes`, and the run's key. */
  changeId: string;
  /** The `pending_addresses` row holding the new address. */
  pendingAddressId: string;
  /** When the request expires (epoch ms). */
  expiresAt: number;
  challenge: ChallengePolicy;
}

export const RECOVERY_EMAIL_STEPS = ['awaiting_code', 'applying', 'completed', 'expired', 'failed', 'cancelled'] as const;
export type RecoveryEmailStep = (typeof RECOVERY_EMAIL_STEPS)[number];
export type RecoveryEmailOutcome = Extract<RecoveryEmailStep, 'completed' | 'expired' | 'failed' | 'cancelled'>;
export const isRecoveryEmailTerminal = (s: RecoveryEmailStep): s is RecoveryEmailOutcome =>
  s === 'completed' || s === 'expired' || s === 'failed' || s === 'cancelled';

export interface RecoveryEmailStatus extends ChallengeState {
  step: RecoveryEmailStep;
  expiresAt: number;
  failureReason: string | null;
}

/** Failure types of the apply (the generic ones are in ./failures.ts). */
export const RecoveryEmailFailure = {
  /** The profile was erased meanwhile. */
  ProfileGone: 'ProfileGone',
  /** The pending row of the new address is gone (expired and purged). */
  PendingAddressGone: 'PendingAddressGone',
} as const;

export interface ApplyRecoveryEmailInput {
  profileId: string;
  changeId: string;
  pendingAddressId: string;
  /** The id the old address's pending row gets, so the notice can name it (from the workflow's randomness). */
  noticeAddressId: string;
}

/** Whether the old address must be told, by the pending row named `noticeAddressId`. */
export interface AppliedRecoveryEmail {
  notify: boolean;
}

// Names are part of every recorded history: never rename them.
export const recoveryEmailStatusQuery = defineQuery<RecoveryEmailStatus>('status');
export const recoveryEmailCodeUpdates = codeUpdates<RecoveryEmailStatus>();
/** Waits until a verified code has been applied (or failed) and answers the status. */
export const settledRecoveryEmailUpdate = defineUpdate<RecoveryEmailStatus>('settled');
/** Stops the request (a newer request replaces it, or the owner withdraws it). */
export const cancelRecoveryEmailUpdate = defineUpdate<RecoveryEmailStatus>('cancel');
