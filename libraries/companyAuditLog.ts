import type { Sql } from '../db/client';
import { listCompanyAudit, streamCompanyAudit, type CompanyAuditFilter, type CompanyAuditRow } from '../db/queries/auditLog';
import { createCompanyActions, type Actor } from './companyAccess';
import { csvStream, type CsvColumn } from './csv';
import { decodeCursor, encodeCursor } from './cursor';

/**
 * A company's audit log for its admins and service accounts (README "Company user management" › "Audit
 * log"): the entries of that company only, filtered, newest first, by page or as one streamed CSV. Access
 * is companyAccess's rule; a CSV export is itself audited (`audit_log.exported`), a page read is not.
 */

export interface AuditLogQuery {
  /** The acting account. */
  actor?: string;
  /** An action exactly, or every action under a prefix ending with a dot (`member.`). */
  action?: string;
  from?: Date;
  to?: Date;
}

export interface AuditLogItem {
  id: string;
  occurredAt: string;
  actor: { accountId: string | null; credential: string | null };
  action: string;
  subject: { type: string; id: string };
  outcome: string;
  ip: string | null;
  requestId: string | null;
  details: Record<string, unknown>;
}

export interface AuditLogPage {
  items: AuditLogItem[];
  nextCursor: string | null;
}

const item = (r: CompanyAuditRow): AuditLogItem => ({
  id: r.id,
  occurredAt: r.occurredAt.toISOString(),
  actor: { accountId: r.actorAccountId, credential: r.actorCredential },
  action: r.action,
  subject: { type: r.subjectType, id: r.subjectId },
  outcome: r.outcome,
  ip: r.ip,
  requestId: r.requestId,
  details: r.details,
});

export const AUDIT_LOG_CSV: readonly CsvColumn<CompanyAuditRow>[] = [
  { header: 'Id', value: (r) => r.id },
  { header: 'OccurredAt', value: (r) => r.occurredAt },
  { header: 'ActorAccountId', value: (r) => r.actorAccountId },
  { header: 'ActorCredential', value: (r) => r.actorCredential },
  { header: 'Action', value: (r) => r.action },
  { header: 'SubjectType', value: (r) => r.subjectType },
  { header: 'SubjectId', value: (r) => r.subjectId },
  { header: 'Outcome', value: (r) => r.outcome },
  { header: 'Ip', value: (r) => r.ip },
  { header: 'RequestId', value: (r) => r.requestId },
  { header: 'Details', value: (r) => JSON.stringify(r.details) },
];

function filterOf(companyId: string, q: AuditLogQuery): CompanyAuditFilter {
  const prefix = q.action?.endsWith('.');
  return {
    companyId,
    ...(q.actor ? { actorAccountId: q.actor } : {}),
    ...(q.action ? (prefix ? { actionPrefix: q.action } : { action: q.action }) : {}),
    ...(q.from ? { from: q.from } : {}),
    ...(q.to ? { to: q.to } : {}),
  };
}

/** The entry id a cursor names: an integer, as this listing gives them out. */
const cursorId = (cursor: string | undefined): string | undefined => decodeCursor(cursor, ['bigint'])?.[0];

export function createCompanyAuditLog({ sql }: { sql: Sql }) {
  const actions = createCompanyActions({ sql });
  const about = (companyId: string) => ({ companyId, subjectType: 'company', subjectId: companyId });

  return {
    /** One page, newest first; `nextCursor` is null on the last. */
    page(actor: Actor, companyId: string, q: AuditLogQuery & { limit: number; cursor?: string }): Promise<AuditLogPage> {
      return actions.read(actor, { ...about(companyId), action: 'audit_log.read' }, async () => {
        const beforeId = cursorId(q.cursor);
        const rows = await listCompanyAudit(sql, filterOf(companyId, q), { limit: q.limit, ...(beforeId ? { beforeId } : {}) });
        const more = rows.length > q.limit;
        const items = rows.slice(0, q.limit).map(item);
        return { items, nextCursor: more ? encodeCursor([items[items.length - 1]!.id]) : null };
      });
    },

    /**
     * The whole filtered log as CSV, streamed from a cursor. The export's own entry is written once the caller
     * is checked and before the first row is read, so an unfiltered export lists itself first.
     */
    csv(actor: Actor, companyId: string, q: AuditLogQuery): Promise<AsyncIterable<string>> {
      return actions.read(actor, { ...about(companyId), action: 'audit_log.exported', audit: true }, async () => {
        const filter = filterOf(companyId, q);
        return csvStream(AUDIT_LOG_CSV, streamCompanyAudit(sql, filter));
      });
    },
  };
}
export type CompanyAuditLog = ReturnType<typeof createCompanyAuditLog>;
