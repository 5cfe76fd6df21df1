import { Context } from '@temporalio/activity';
import type { Sql } from '../db/client';
import { findReminderCandidates, nextPolicyGroup, type ReminderCandidate } from '../db/queries/passwordExpiry';
import type { Mail, Mailer } from '../lib/mailer';
import { DEFAULT_PASSWORD_MAX_AGE_DAYS, passwordExpiresAt } from '../workflows/shared/passwordExpiry';
import {
  REMINDER_DAYS, dueReminder, reminderKey, type ReminderDays, type SweepBatchInput, type SweepBatchResult, type SweepCounts,
} from '../workflows/shared/passwordExpirySweep';
import { sendOnce } from './outbox';

/** Sends at once per batch: the mailer's pool holds 5 connections; a few more keep them busy. */
const SEND_CONCURRENCY = 8;

export function passwordExpiryReminderMail(to: string, days: ReminderDays, expiresAt: Date): Mail {
  const when = days === 1 ? 'tomorrow' : `in ${days} days`;
  return {
    to,
    subject: `Your Custodian password expires ${when}`,
    text:
      `The password of your Custodian account ${to} expires ${when}, on ${expiresAt.toISOString().slice(0, 16).replace('T', ' ')} UTC.\n\n` +
      'Change it before then under Accounts (PUT /v1/accounts/current/password). After it expires you can still ' +
      'sign in, but only to change it.\n',
  };
}

/** Runs `fn` over `items`, at most `limit` at a time. */
async function eachLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]!);
  });
  await Promise.all(lanes);
}

export function createPasswordExpiryActivities({ sql, mailer }: { sql: Sql; mailer: Mailer }) {
  return {
    /**
     * One page of the password expiry sweep: reads up to `limit` accounts of the cursor's policy group whose
     * most urgent due reminder is not sent yet, sends each through the outbox (`sendOnce`, keyed by account,
     * password period and threshold, so a retry or a second sweep never sends one twice), and answers
     * where the next page starts. A send that fails is counted, not thrown: the others still go, and the
     * workflow tries the page again later. Ids and counts only, in and out.
     */
    async sweepPasswordExpiryBatch(input: SweepBatchInput): Promise<SweepBatchResult> {
      const now = new Date(input.now);
      const counts: SweepCounts = { candidates: 0, sent: { d14: 0, d7: 0, d1: 0 }, alreadySent: 0, failed: 0 };
      const days = input.cursor?.days ?? (await nextPolicyGroup(sql, 0, DEFAULT_PASSWORD_MAX_AGE_DAYS));
      if (days === undefined) return { ...counts, next: null };

      const rows = await findReminderCandidates(sql, {
        now, days, defaultDays: DEFAULT_PASSWORD_MAX_AGE_DAYS, reminderDays: REMINDER_DAYS, after: input.cursor?.after ?? null, limit: input.limit,
      });
      counts.candidates = rows.length;
      const heartbeat = () => {
        try {
          Context.current().heartbeat();
        } catch {
          /* called outside an activity (the bench's dry run) */
        }
      };
      await eachLimited(rows, SEND_CONCURRENCY, async (row: ReminderCandidate) => {
        // The rule decides; the query only selected. A row the rule finds not due (a millisecond at the edge
        // of the window) is left for the next sweep.
        const expiresAt = passwordExpiresAt(row.passwordChangedAt, days, false);
        const due = dueReminder(expiresAt, now);
        if (!due || !expiresAt) return;
        try {
          const outcome = await sendOnce(sql, mailer, reminderKey(row.accountId, row.passwordChangedAt, due), `password-expiry-${due}`,
            passwordExpiryReminderMail(row.email, due, expiresAt));
          if (outcome === 'sent') counts.sent[`d${due}`]++;
          else counts.alreadySent++;
        } catch {
          counts.failed++;
        }
        heartbeat();
      });

      const last = rows.at(-1);
      if (last && rows.length === input.limit) {
        return { ...counts, next: { days, after: { changedAt: last.changedAtText, accountId: last.accountId } } };
      }
      const nextDays = await nextPolicyGroup(sql, days, DEFAULT_PASSWORD_MAX_AGE_DAYS);
      return { ...counts, next: nextDays === undefined ? null : { days: nextDays, after: null } };
    },
  };
}
