import { ApplicationFailure } from '@temporalio/activity';
import type { Sql } from '../db/client';
import { claimEmail, markEmailSent, releaseEmail } from '../db/queries/emailOutbox';
import { MailError, type Mail, type Mailer } from '../lib/mailer';

// Longer than one SMTP exchange can take with the transport's timeouts (lib/mailer.ts): a row marked
// sending more recently than this may still be in a live exchange, so a parallel retry waits.
const IN_FLIGHT_MS = 35_000;

/**
 * Sends `mail` for the outbox `key`, at least once and normally once: a key already sent is skipped, a
 * send in flight elsewhere is waited for (a retryable failure), and a send whose process died is
 * repeated with the same Message-ID, which mail systems collapse. The one window left is between the
 * server accepting the message and the row being marked (README "Email delivery").
 * Every email goes through here. Mail errors carry no address, so none reaches workflow history.
 */
export async function sendOnce(sql: Sql, mailer: Mailer, key: string, template: string, mail: Omit<Mail, 'idempotencyKey'>): Promise<'sent' | 'already-sent'> {
  const claim = await claimEmail(sql, key, template, IN_FLIGHT_MS);
  if (claim === 'already-sent') return claim;
  if (claim === 'in-flight') throw ApplicationFailure.retryable('another attempt is sending this email', 'MailInFlight');
  try {
    await mailer.send({ ...mail, idempotencyKey: key });
  } catch (err) {
    await releaseEmail(sql, key);
    if (err instanceof MailError) throw ApplicationFailure.retryable(err.message, 'MailError');
    throw err;
  }
  await markEmailSent(sql, key);
  return 'sent';
}
