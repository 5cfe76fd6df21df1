import type { Queryable } from '../client';

export interface AuditEntry {
  actorAccountId: string | null;
  action: string;
  subjectType: string;
  subjectId: string;
  /** Ids and verdicts only: the log outlives the people it mentions. */
  details?: Record<string, string | number | boolean | null | string[]>;
}

export async function appendAudit(sql: Queryable, e: AuditEntry): Promise<void> {
  await sql`
    insert into audit_log (actor_account_id, action, subject_type, subject_id, details)
    values (${e.actorAccountId}, ${e.action}, ${e.subjectType}, ${e.subjectId}, ${sql.json(e.details ?? {})})`;
}

export async function listAuditForSubject(sql: Queryable, subjectType: string, subjectId: string) {
  return sql<{ action: string; actorAccountId: string | null; details: Record<string, unknown>; occurredAt: Date }[]>`
    select action, actor_account_id, details, occurred_at from audit_log
     where subject_type = ${subjectType} and subject_id = ${subjectId} order by id`;
}
