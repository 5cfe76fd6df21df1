import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { z } from 'zod';
import type { ChallengeState } from './codeChallenge';
import { codeUpdates } from './verification';

const duration = z.number().int().nonnegative();

/**
 * What a reset run does with each request, decided by the API from the account the address belongs to:
 * - `reset`: an active account with a password: a code goes to its login email;
 * - `sso-notice`: an active SSO account: an email says its credentials live in the company's identity
 *   provider, and no code;
 * - `decoy`: no account has the address, or its account is deactivated: nothing is sent.
 * Every kind answers the same to the API (steps, attempts, expiry): only the email differs.
 */
export const RESET_KINDS = ['reset', 'sso-notice', 'decoy'] as const;
export type ResetKind = (typeof RESET_KINDS)[number];

/** Workflow input: ids, a deadline and durations only; safe to read in the Temporal UI. The starter parses it. */
export const ResetPasswordInput = z.strictObject({
  kind: z.enum(RESET_KINDS),
  /** The account the address belongs to; null for an address no account has. */
  accountId: z.uuid().nullable(),
  /** When the run expires unless a later request extends it (epoch ms). */
  expiresAt: duration,
  challenge: z.strictObject({ codeTtlMs: duration, resendIntervalMs: duration, maxAttempts: z.number().int().positive() }),
});
export type ResetPasswordInput = z.infer<typeof ResetPasswordInput>;

/** A request for a reset, as the signal of every POST /v1/password-resets carries it. */
export const ResetRequest = z.strictObject({
  /** The run stays open at least until then (epoch ms): each request gives the flow its full time again. */
  expiresAt: duration,
  /**
   * What this request sends, decided from the account as it is now: an account reactivated, or moved to or
   * from single sign-on, while its run is open gets what it is now, not what it was at the first request.
   */
  kind: z.enum(RESET_KINDS),
});
export type ResetRequest = z.infer<typeof ResetRequest>;

export const RESET_STEPS = ['awaiting_code', 'applying', 'completed', 'expired', 'failed', 'cancelled'] as const;
export type ResetStep = (typeof RESET_STEPS)[number];
export type ResetOutcome = Extract<ResetStep, 'completed' | 'expired' | 'failed' | 'cancelled'>;

export const isResetTerminal = (s: ResetStep): s is ResetOutcome =>
  s === 'completed' || s === 'expired' || s === 'failed' || s === 'cancelled';

export interface ResetStatus extends ChallengeState {
  step: ResetStep;
  expiresAt: number;
  failureReason: string | null;
}

export interface ResetFinish {
  step: ResetStep;
  status: ResetStatus;
}

/** Failure types of the apply (the generic ones are in ./failures.ts). */
export const ResetFailure = {
  /** The account was deleted, deactivated or moved to single sign-on between the request and the apply. */
  AccountUnavailable: 'AccountUnavailable',
  /** No waiting password for a verified code of the run (purged, or never stored). */
  PendingPasswordGone: 'PendingPasswordGone',
} as const;

/** The apply's arguments: ids and HMACs only. */
export interface ApplyResetInput {
  accountId: string;
  runId: string;
  /** The HMACs of the codes the run emailed: the waiting password is the one stored under one of them. */
  codeHmacs: string[];
}

// Names are part of every recorded history: never rename them.
export const resetStatusQuery = defineQuery<ResetStatus>('status');
export const resetCodeUpdates = codeUpdates<ResetStatus>();
/** Every POST /v1/password-resets: starts the run or joins it (signal-with-start). */
export const resetRequestedSignal = defineSignal<[ResetRequest]>('requested');
/**
 * After a verified code: waits for the apply and answers the outcome. Its argument is the HMAC of the code
 * the caller typed, which must be one the run emailed. Sent with the Update id `complete/<codeHmac>`, so a
 * retried completion joins the Update in flight or gets its stored outcome.
 */
export const completeResetUpdate = defineUpdate<ResetFinish, [{ codeHmac: string }]>('complete');
