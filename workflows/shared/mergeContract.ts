import { defineQuery, defineUpdate } from '@temporalio/workflow';
import { z } from 'zod';
import type { ChallengeState } from './codeChallenge';
import { codeUpdates } from './verification';

const duration = z.number().int().nonnegative();

/** Workflow input: ids and durations only; safe to read in the Temporal UI. The starter parses it. */
export const MergeProfileInput = z.strictObject({
  mergeId: z.uuid(),
  /** The signed-in profile, which survives. */
  targetProfileId: z.uuid(),
  /** The other profile, which is proven by email and then removed. */
  sourceProfileId: z.uuid(),
  /** The signed-in account that drives the merge and receives the completion email. */
  accountId: z.uuid(),
  ttlMs: duration,
  challenge: z.strictObject({ codeTtlMs: duration, resendIntervalMs: duration, maxAttempts: z.number().int().positive() }),
});
export type MergeProfileInput = z.infer<typeof MergeProfileInput>;

export const MERGE_STEPS = [
  'awaiting_email_choice',
  'awaiting_code',
  'awaiting_confirmation',
  'applying',
  'completed',
  'cancelled',
  'expired',
  'failed',
] as const;
export type MergeStep = (typeof MERGE_STEPS)[number];
export type MergeOutcome = Extract<MergeStep, 'completed' | 'cancelled' | 'expired' | 'failed'>;

export const isTerminal = (s: MergeStep): s is MergeOutcome =>
  s === 'completed' || s === 'cancelled' || s === 'expired' || s === 'failed';

export interface MergeStatus extends ChallengeState {
  step: MergeStep;
  expiresAt: number;
  failureReason: string | null;
}

export interface FinishResult {
  step: MergeStep;
  status: MergeStatus;
}

// Names are part of every recorded history: never rename them.
export const mergeStatusQuery = defineQuery<MergeStatus>('status');
export const mergeCodeUpdates = codeUpdates<MergeStatus>();
export const confirmMergeUpdate = defineUpdate<FinishResult, []>('confirm');
export const cancelMergeUpdate = defineUpdate<FinishResult, []>('cancel');
