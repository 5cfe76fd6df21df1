import type { Queryable } from '../client';

/** Company webhooks and their delivery attempts (migration 00019, README "Webhooks"). */

export type WebhookEventType = 'ping' | 'offboarding.completed' | 'offboarding.failed';
export type DeliveryError = 'timeout' | 'connection' | 'dns' | 'address_not_allowed' | 'secret_unreadable';

export interface WebhookRow {
  companyId: string;
  url: string;
  secretKeyId: string;
  secretSealed: Buffer;
  createdAt: Date;
  updatedAt: Date;
}

export async function findWebhook(sql: Queryable, companyId: string): Promise<WebhookRow | undefined> {
  const [row] = await sql<WebhookRow[]>`
    select company_id, url, secret_key_id, secret_sealed, created_at, updated_at
      from company_webhooks where company_id = ${companyId}`;
  return row;
}

/** Creates or replaces the company's one webhook; answers the stored row. */
export async function upsertWebhook(
  sql: Queryable,
  w: { companyId: string; url: string; secretKeyId: string; secretSealed: Buffer },
): Promise<WebhookRow> {
  const [row] = await sql<WebhookRow[]>`
    insert into company_webhooks (company_id, url, secret_key_id, secret_sealed)
    values (${w.companyId}, ${w.url}, ${w.secretKeyId}, ${w.secretSealed})
    on conflict (company_id) do update
       set url = excluded.url, secret_key_id = excluded.secret_key_id, secret_sealed = excluded.secret_sealed, updated_at = now()
    returning company_id, url, secret_key_id, secret_sealed, created_at, updated_at`;
  return row!;
}

/** Keeps the URL and the secret; only the sealing changes (a secret opened under a previous key). */
export async function resealWebhookSecret(sql: Queryable, companyId: string, from: { secretKeyId: string }, to: { secretKeyId: string; secretSealed: Buffer }): Promise<void> {
  await sql`
    update company_webhooks set secret_key_id = ${to.secretKeyId}, secret_sealed = ${to.secretSealed}
     where company_id = ${companyId} and secret_key_id = ${from.secretKeyId}`;
}

export async function deleteWebhook(sql: Queryable, companyId: string): Promise<boolean> {
  const rows = await sql`delete from company_webhooks where company_id = ${companyId} returning company_id`;
  return rows.count === 1;
}

export interface DeliveryRow {
  id: string;
  eventId: string;
  type: WebhookEventType;
  attempt: number;
  statusCode: number | null;
  error: DeliveryError | null;
  durationMs: number;
  attemptedAt: Date;
  /** attempted_at at microsecond precision, for the cursor (a Date keeps milliseconds only). */
  attemptedAtText: string;
}

export async function insertDelivery(
  sql: Queryable,
  d: { companyId: string; eventId: string; type: WebhookEventType; attempt: number; statusCode: number | null; error: DeliveryError | null; durationMs: number; attemptedAt: Date },
): Promise<void> {
  await sql`
    insert into webhook_deliveries (company_id, event_id, type, attempt, status_code, error, duration_ms, attempted_at)
    values (${d.companyId}, ${d.eventId}, ${d.type}, ${d.attempt}, ${d.statusCode}, ${d.error}, ${d.durationMs}, ${d.attemptedAt})`;
}

/** The company's deliveries, newest first, after the cursor `(attemptedAt, id)`. */
export async function listDeliveries(
  sql: Queryable,
  q: { companyId: string; limit: number; after?: { attemptedAt: string; id: string }; eventId?: string },
): Promise<DeliveryRow[]> {
  return sql<DeliveryRow[]>`
    select id, event_id, type, attempt, status_code, error, duration_ms, attempted_at, attempted_at::text as attempted_at_text
      from webhook_deliveries
     where company_id = ${q.companyId}
       ${q.eventId ? sql`and event_id = ${q.eventId}` : sql``}
       ${q.after ? sql`and (attempted_at, id) < (${q.after.attemptedAt}::timestamptz, ${q.after.id}::uuid)` : sql``}
     order by attempted_at desc, id desc
     limit ${q.limit}`;
}
