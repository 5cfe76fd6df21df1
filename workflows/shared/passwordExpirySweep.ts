/**
 * The password expiry sweep (README "Password expiry"): its contract and the pure reminder rule that the
 * workflow, the batch activity and the tests share. When a password expires is `passwordExpiresAt()`
 * (./passwordExpiry.ts); this file only says which reminder is due at a given instant.
 */

/** Reminders go out this many days before expiry, each at most once per password period. */
export const REMINDER_DAYS = [14, 7, 1] as const;
export type ReminderDays = (typeof REMINDER_DAYS)[number];
/** The widest reminder: the sweep only ever looks at passwords expiring within this many days. */
export const REMINDER_WINDOW_DAYS = 14;

const DAY_MS = 24 * 3600 * 1000;
const MOST_URGENT_FIRST = [...REMINDER_DAYS].sort((a, b) => a - b);

/**
 * The reminder due at `now` for a password expiring at `expiresAt`: the most urgent threshold already
 * reached (`expiresAt - days <= now`), or null when none is (or the password never expires, or has
 * expired). Only the most urgent one: a sweep that first sees an account 6 days before its expiry (a
 * policy shortened, a day of outage) sends the 7-day reminder, not the 14-day one as well.
 */
export function dueReminder(expiresAt: Date | null, now: Date): ReminderDays | null {
  if (!expiresAt) return null;
  const left = expiresAt.getTime() - now.getTime();
  if (left <= 0) return null;
  return MOST_URGENT_FIRST.find((days) => left <= days * DAY_MS) ?? null;
}

/**
 * The outbox key of a reminder: one per account, password period (the `password_changed_at` it counts
 * from, in epoch milliseconds) and threshold. A new password starts a new period and so new reminders;
 * a policy change keeps the period, so a reminder already sent for it is never sent again.
 * db/queries/passwordExpiry.ts builds the same key in SQL to skip reminders already sent.
 */
export const reminderKey = (accountId: string, passwordChangedAt: Date, days: ReminderDays) =>
  `password-expiry/${accountId}/${passwordChangedAt.getTime()}/${days}`;

/**
 * Where a sweep stands: the policy group (max age in days) it is in, and the last account it read in that
 * group, by (password_changed_at, id). `after` null: the group's start. The timestamp is Postgres's own
 * text form, so the keyset keeps its microseconds.
 */
export interface SweepCursor {
  days: number;
  after: { changedAt: string; accountId: string } | null;
}

export interface SweepBatchInput {
  /** The instant the sweep evaluates expiry against (ISO 8601). */
  now: string;
  /** null: start with the first policy group. */
  cursor: SweepCursor | null;
  limit: number;
}

export interface SweepCounts {
  /** Accounts read: due reminders not yet sent when the page was read. */
  candidates: number;
  /** Reminders sent by this sweep, by threshold. */
  sent: Record<`d${ReminderDays}`, number>;
  /** Reminders another attempt had already sent (a retried batch, a second sweep the same day). */
  alreadySent: number;
  /** Sends that failed (mail server down, another attempt still sending); the page is tried again. */
  failed: number;
}

export interface SweepBatchResult extends SweepCounts {
  /** Where the next batch starts; null when every policy group is done. */
  next: SweepCursor | null;
}

export interface PasswordExpirySweepInput {
  /** The instant to evaluate (ISO 8601). Default: the run's start, carried through continue-as-new. */
  now?: string;
  /** Accounts per batch activity. Default 500. */
  batchSize?: number;
  /** Batches per run before continuing as new, which bounds the history. Default 100. */
  batchesPerRun?: number;
  /** A page with failed sends is tried again after this long, at most `maxPageRetries` times. Defaults: 60 s, 3. */
  retryDelayMs?: number;
  maxPageRetries?: number;
  /** Carried by continue-as-new: where the previous run stopped, and what it did. */
  cursor?: SweepCursor | null;
  totals?: SweepTotals;
}

export interface SweepTotals extends SweepCounts {
  /** Batch activities that completed, retries of a page included. */
  batches: number;
  /** Pages tried again because some sends failed; `failed` counts only what still failed at a page's last try. */
  pageRetries: number;
  /** Runs of this sweep, the first included: 1 + how many times it continued as new. */
  runs: number;
}

export const DEFAULT_SWEEP = { batchSize: 500, batchesPerRun: 100, retryDelayMs: 60_000, maxPageRetries: 3 } as const;

export const emptyTotals = (): SweepTotals => ({ batches: 0, pageRetries: 0, runs: 1, candidates: 0, sent: { d14: 0, d7: 0, d1: 0 }, alreadySent: 0, failed: 0 });

/** Adds one batch's counts; `final` false for a page that will be tried again, whose failures are not final. */
export function addCounts(totals: SweepTotals, batch: SweepCounts, final = true): SweepTotals {
  return {
    ...totals,
    batches: totals.batches + 1,
    candidates: totals.candidates + batch.candidates,
    sent: { d14: totals.sent.d14 + batch.sent.d14, d7: totals.sent.d7 + batch.sent.d7, d1: totals.sent.d1 + batch.sent.d1 },
    alreadySent: totals.alreadySent + batch.alreadySent,
    failed: totals.failed + (final ? batch.failed : 0),
    pageRetries: totals.pageRetries + (final ? 0 : 1),
  };
}
