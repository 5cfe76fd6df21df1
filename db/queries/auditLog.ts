import type { Queryable } from '../client';
import type { AuditCredential, AuditOutcome } from './audit';

/** A company's audit log as its admins read it (GET /v1/companies/{id}/audit-log). */

export interface CompanyAuditFilter {
  companyId: string;
  actorAccountId?: string;
  /** One action exactly. */
  action?: string;
  /** Every action that starts with this (`member.`). */
  actionPrefix?: string;
  /** occurred_at >= from */
  from?: Date;
  /** occurred_at < to */
  to?: Date;
}

export interface CompanyAuditRow {
  id: string;
  occurredAt: Date;
  actorAccountId: string | null;
  actorCredential: AuditCredential | null;
  action: string;
  subjectType: string;
  subjectId: string;
  outcome: AuditOutcome;
  ip: string | null;
  requestId: string | null;
  details: Record<string, unknown>;
}

const columns = (sql: Queryable) => sql`
  a.id, a.occurred_at, a.actor_account_id, a.actor_credential, a.action, a.subject_type, a.subject_id, a.outcome,
  host(a.ip) as ip, a.request_id, a.details`;

/** Only the company's own entries (company_id, never the chain or the actor's company), then the filters. */
function matching(sql: Queryable, f: CompanyAuditFilter) {
  return sql`
    a.company_id = ${f.companyId}
    ${f.actorAccountId ? sql`and a.actor_account_id = ${f.actorAccountId}` : sql``}
    ${f.action ? sql`and a.action = ${f.action}` : sql``}
    ${f.actionPrefix ? sql`and starts_with(a.action, ${f.actionPrefix})` : sql``}
    ${f.from ? sql`and a.occurred_at >= ${f.from}` : sql``}
    ${f.to ? sql`and a.occurred_at < ${f.to}` : sql``}`;
}

/**
 * One page, newest first (by id, on audit_log__company__idx), after the entry `beforeId` when given:
 * `limit + 1` rows, so the caller knows whether another page follows.
 */
export async function listCompanyAudit(sql: Queryable, f: CompanyAuditFilter, page: { limit: number; beforeId?: string }): Promise<CompanyAuditRow[]> {
  return sql<CompanyAuditRow[]>`
    select ${columns(sql)} from audit_log a
     where ${matching(sql, f)} ${page.beforeId ? sql`and a.id < ${page.beforeId}::bigint` : sql``}
     order by a.id desc
     limit ${page.limit + 1}`;
}

/** The whole filtered log, newest first, `batch` rows at a time from a server-side cursor (bounded memory). */
export function streamCompanyAudit(sql: Queryable, f: CompanyAuditFilter, batch = 500): AsyncIterable<CompanyAuditRow[]> {
  return sql<CompanyAuditRow[]>`
    select ${columns(sql)} from audit_log a where ${matching(sql, f)} order by a.id desc`.cursor(batch);
}
