import type { Queryable } from '../client';

export type AuditOutcome = 'succeeded' | 'failed' | 'denied';
export type AuditCredential = 'session' | 'apiKey' | 'pat' | 'system';

export interface AuditEntry {
  actorAccountId: string | null;
  action: string;
  subjectType: string;
  subjectId: string;
  /** Ids and verdicts only: the log outlives the people it mentions. */
  details?: Record<string, string | number | boolean | null | string[]>;
  /** The company whose log shows the entry (company API actions); null for a person's own actions. */
  companyId?: string | null;
  /** What the actor came with; `system` for a workflow acting on an operator's or HR system's behalf. */
  actorCredential?: AuditCredential | null;
  /** From where: the client address (TRUST_PROXY applied) and the request id. */
  ip?: string | null;
  requestId?: string | null;
  outcome?: AuditOutcome;
}

export async function appendAudit(sql: Queryable, e: AuditEntry): Promise<void> {
  await sql`
    insert into audit_log (actor_account_id, action, subject_type, subject_id, details, company_id, actor_credential, ip, request_id, outcome)
    values (${e.actorAccountId}, ${e.action}, ${e.subjectType}, ${e.subjectId}, ${sql.json(e.details ?? {})},
            ${e.companyId ?? null}, ${e.actorCredential ?? null}, ${e.ip ?? null}, ${e.requestId ?? null}, ${e.outcome ?? 'succeeded'})`;
}

export async function listAuditForSubject(sql: Queryable, subjectType: string, subjectId: string) {
  return sql<{ action: string; actorAccountId: string | null; details: Record<string, unknown>; occurredAt: Date; outcome: AuditOutcome }[]>`
    select action, actor_account_id, details, occurred_at, outcome from audit_log
     where subject_type = ${subjectType} and subject_id = ${subjectId} order by id`;
}
