import type { ChallengePolicy, ChallengeState } from './codeChallenge';

/** Workflow input: ids and durations only; safe to read in the Temporal UI. */
export interface MergeProfileInput {
  mergeId: string;
  /** The signed-in profile, which survives. */
  targetProfileId: string;
  /** The other profile, which is proven by email and then removed. */
  sourceProfileId: string;
  /** The signed-in account that drives the merge and receives the completion email. */
  accountId: string;
  ttlMs: number;
  challenge: ChallengePolicy;
}

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

export interface RequestCodeArgs {
  emailOptionId: string;
}
export interface RequestCodeResult {
  codeExpiresAt: number;
  resendAvailableAt: number;
  status: MergeStatus;
}
/** The API sends the HMAC of the typed code, never the code itself. */
export interface VerifyCodeArgs {
  codeHmac: string;
}
export interface VerifyCodeResult {
  verdict: 'verified' | 'wrong' | 'expired' | 'exhausted';
  attemptsLeft: number;
  status: MergeStatus;
}
export interface FinishResult {
  step: MergeStep;
  status: MergeStatus;
}
