import type { Queryable } from '../client';

export type OutboxClaim = 'send' | 'already-sent' | 'in-flight';

/**
 * Claims a send of `key`: 'send' marks the row as sending now; 'already-sent' means a previous attempt
 * finished; 'in-flight' means another attempt started less than `inFlightMs` ago and may still be talking
 * to the mail server. A row left 'sending' longer than that by a process that died is claimed again.
 */
export async function claimEmail(sql: Queryable, key: string, template: string, inFlightMs: number): Promise<OutboxClaim> {
  const [row] = await sql<{ claimed: boolean; sentAt: Date | null }[]>`
    insert into email_outbox as o (idempotency_key, template, sending_at, attempts) values (${key}, ${template}, now(), 1)
    on conflict (idempotency_key) do update set sending_at = now(), attempts = o.attempts + 1
      where o.sent_at is null and (o.sending_at is null or o.sending_at < now() - make_interval(secs => ${inFlightMs / 1000}))
    returning true as claimed, sent_at`;
  if (row) return 'send';
  const [existing] = await sql<{ sentAt: Date | null }[]>`select sent_at from email_outbox where idempotency_key = ${key}`;
  return existing?.sentAt ? 'already-sent' : 'in-flight';
}

/** Whether any attempt was ever made for this key (a row exists, sent or not). */
export async function emailAttempted(sql: Queryable, key: string): Promise<boolean> {
  const [row] = await sql`select 1 from email_outbox where idempotency_key = ${key}`;
  return row !== undefined;
}

export async function markEmailSent(sql: Queryable, key: string): Promise<void> {
  await sql`update email_outbox set sent_at = now() where idempotency_key = ${key} and sent_at is null`;
}

/** A failed send frees the row at once, so the activity's retry need not wait out the in-flight window. */
export async function releaseEmail(sql: Queryable, key: string): Promise<void> {
  await sql`update email_outbox set sending_at = null where idempotency_key = ${key} and sent_at is null`;
}

export async function countSentEmails(sql: Queryable, keyPrefix: string): Promise<number> {
  const [row] = await sql<{ n: number }[]>`
    select count(*)::int as n from email_outbox where starts_with(idempotency_key, ${keyPrefix}) and sent_at is not null`;
  return row?.n ?? 0;
}
