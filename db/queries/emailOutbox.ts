import type { Queryable } from '../client';

/**
 * Reserves a send. Returns false when this key was already sent, so a retried activity skips it.
 * A row that exists but was never marked sent (the process died mid-send) is sent again: at-least-once,
 * and for verification mail the retry carries the same derived code.
 */
export async function reserveEmail(sql: Queryable, key: string, template: string): Promise<boolean> {
  const [row] = await sql<{ sentAt: Date | null }[]>`
    insert into email_outbox (idempotency_key, template) values (${key}, ${template})
    on conflict (idempotency_key) do update set template = excluded.template
    returning sent_at`;
  return row?.sentAt == null;
}

export async function markEmailSent(sql: Queryable, key: string): Promise<void> {
  await sql`update email_outbox set sent_at = now() where idempotency_key = ${key} and sent_at is null`;
}

export async function countSentEmails(sql: Queryable, keyPrefix: string): Promise<number> {
  const [row] = await sql<{ n: number }[]>`
    select count(*)::int as n from email_outbox where starts_with(idempotency_key, ${keyPrefix}) and sent_at is not null`;
  return row?.n ?? 0;
}
