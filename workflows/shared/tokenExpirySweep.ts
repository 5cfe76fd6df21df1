/**
 * The personal access token expiry reminders (README "Developer settings"): the contract of the daily sweep
 * (workflows/tokenExpirySweep.ts) and its batch activity (activities/tokenExpiry.ts), and the reminder's key.
 * Tokens do not expire unless their owner chose an expiry; those who did are emailed once, 7 days before.
 */

/** The owner of a token with an expiry is reminded this many days before it. */
export const TOKEN_REMINDER_DAYS = 7;

/**
 * The outbox key of a token's reminder: one per token (its expiry never changes). It leads with the account's
 * id, so erasing the account removes it with the account's other outbox rows.
 */
export const tokenReminderKey = (accountId: string, tokenId: string) => `pat-expiry/${accountId}/${tokenId}`;

/** Where a sweep stands: the last token it read, by (expires_at, id); the timestamp in Postgres's text form. */
export interface TokenSweepCursor {
  expiresAt: string;
  id: string;
}

export interface TokenSweepBatchInput {
  /** The instant the sweep evaluates (ISO 8601). */
  now: string;
  cursor: TokenSweepCursor | null;
  limit: number;
}

export interface TokenSweepCounts {
  /** Tokens read: live, expiring within TOKEN_REMINDER_DAYS, reminder not yet sent. */
  candidates: number;
  sent: number;
  /** Reminders another attempt had already sent. */
  alreadySent: number;
  /** Sends that failed: the next day's sweep finds them still unsent (until the token expires). */
  failed: number;
}

export interface TokenSweepBatchResult extends TokenSweepCounts {
  /** Where the next batch starts; null when done. */
  next: TokenSweepCursor | null;
}

export interface TokenSweepTotals extends TokenSweepCounts {
  batches: number;
  /** Runs of this sweep: 1 + how many times it continued as new. */
  runs: number;
}

export interface TokenExpirySweepInput {
  /** Default: the run's start, carried through continue-as-new. */
  now?: string;
  /** Tokens per batch activity. Default 500. */
  batchSize?: number;
  /** Batches per run before continuing as new. Default 100. */
  batchesPerRun?: number;
  cursor?: TokenSweepCursor | null;
  totals?: TokenSweepTotals;
}

export const DEFAULT_TOKEN_SWEEP = { batchSize: 500, batchesPerRun: 100 } as const;

export const emptyTokenTotals = (): TokenSweepTotals => ({ batches: 0, runs: 1, candidates: 0, sent: 0, alreadySent: 0, failed: 0 });

export const addTokenCounts = (t: TokenSweepTotals, b: TokenSweepCounts): TokenSweepTotals => ({
  ...t,
  batches: t.batches + 1,
  candidates: t.candidates + b.candidates,
  sent: t.sent + b.sent,
  alreadySent: t.alreadySent + b.alreadySent,
  failed: t.failed + b.failed,
});
