import { Context } from '@temporalio/activity';
import type { Sql } from '../db/client';
import { findExpiringTokens, type ExpiringToken } from '../db/queries/personalAccessTokens';
import type { Mail, Mailer } from '../lib/mailer';
import {
  TOKEN_REMINDER_DAYS, tokenReminderKey, type TokenSweepBatchInput, type TokenSweepBatchResult, type TokenSweepCounts,
} from '../workflows/shared/tokenExpirySweep';
import { sendOnce } from './outbox';

/** Sends at once per batch: the mailer's pool holds 5 connections; a few more keep them busy. */
const SEND_CONCURRENCY = 8;

export function tokenExpiryReminderMail(to: string, tokenName: string, expiresAt: Date): Mail {
  const at = expiresAt.toISOString().slice(0, 16).replace('T', ' ');
  return {
    to,
    subject: 'Your Custodian personal access token expires soon',
    text:
      `Your personal access token "${tokenName}" expires on ${at} UTC. Anything that uses it will then be refused.\n\n` +
      'If it is still needed, create a new token under Developer settings and replace the old one before then.\n',
  };
}

export function createTokenExpiryActivities({ sql, mailer }: { sql: Sql; mailer: Mailer }) {
  return {
    /**
     * One page of the token expiry sweep: live tokens of active accounts expiring within TOKEN_REMINDER_DAYS
     * of `now` whose reminder is not sent yet, each emailed through the outbox (`sendOnce`, one key per token,
     * so a retry or a second sweep never sends one twice). A failed send is counted, not thrown. Ids and
     * counts only, in and out.
     */
    async sweepTokenExpiryBatch(input: TokenSweepBatchInput): Promise<TokenSweepBatchResult> {
      const rows = await findExpiringTokens(sql, { now: new Date(input.now), windowDays: TOKEN_REMINDER_DAYS, after: input.cursor, limit: input.limit });
      const counts: TokenSweepCounts = { candidates: rows.length, sent: 0, alreadySent: 0, failed: 0 };
      let next = 0;
      const lane = async () => {
        while (next < rows.length) {
          const row: ExpiringToken = rows[next++]!;
          try {
            const outcome = await sendOnce(sql, mailer, tokenReminderKey(row.accountId, row.id), 'pat-expiry', tokenExpiryReminderMail(row.email, row.name, row.expiresAt));
            if (outcome === 'sent') counts.sent++;
            else counts.alreadySent++;
          } catch {
            counts.failed++;
          }
          try {
            Context.current().heartbeat();
          } catch {
            /* called outside an activity (tests) */
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(SEND_CONCURRENCY, rows.length) }, lane));
      const last = rows.at(-1);
      return { ...counts, next: last && rows.length === input.limit ? { expiresAt: last.expiresAtText, id: last.id } : null };
    },
  };
}
