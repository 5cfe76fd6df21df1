import { randomUUID } from 'node:crypto';
import { AppError } from '../../lib/errors';
import type { Actor, CompanyActions } from '../companyAccess';
import { databaseUnavailable } from '../databaseErrors';
import { mayOnboard, type Members, type NewMember } from './members';

/** At most this many members per import, JSON or CSV: about 5 to 15 seconds of work, and 1 MB of upload. */
export const MAX_IMPORT_ROWS = 1000;
/** Rows created at once: each holds a connection for its transaction and the start of its run. */
const CONCURRENCY = 4;

export interface RowError {
  /** `request.invalid` (a field), `member.exists`, `member.too_many_conflicts`, `member_import.duplicate_email`, or an outage's code (`temporal.unavailable`…). */
  code: string;
  message: string;
  /** The field, for `request.invalid`: `email`, `name`, `jobTitle`, `country`. */
  path?: string;
}

/** One row of an upload as the API read it: a valid member, or the reasons it is not one. Rows count from 1. */
export interface ImportRow {
  row: number;
  email?: string | undefined;
  member?: NewMember;
  errors?: RowError[];
}

export type RowStatus = 'created' | 'exists' | 'invalid' | 'failed' | 'rate_limited';

export interface ReportRow {
  row: number;
  email?: string;
  status: RowStatus;
  accountId?: string;
  invitationId?: string;
  errors?: RowError[];
}

export interface ImportReport {
  importId: string;
  rows: ReportRow[];
  summary: { total: number } & Record<RowStatus, number>;
}

/** Runs `fn` over `items`, `limit` at a time. */
async function inPool<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

const rowOf = (r: ImportRow, status: RowStatus, extra: Partial<ReportRow> = {}): ReportRow =>
  ({ row: r.row, ...(r.email ? { email: r.email } : {}), status, ...extra });

/**
 * Bulk onboarding (README "Onboarding"): every valid row is created exactly as one member is, in its own
 * transaction, audited `member.created` with the import's id, and invited. A bad row never stops the others,
 * and no row is half written. The report says, row by row, what became of it: `created` (with the ids),
 * `exists` (an account has the address), `invalid` (a field, or the same address as an earlier row),
 * `failed` (an outage: retry that row) or `rate_limited` (the company's budget of answers about accounts
 * outside it is spent: ./addressConflicts.ts). The import itself is audited `member_import.completed` with the counts.
 */
export function createMemberImports({ members, companyActions }: { members: Members; companyActions: CompanyActions }) {
  async function createRow(actor: Actor, companyId: string, importId: string, r: ImportRow): Promise<ReportRow> {
    try {
      const created = await members.create(actor, companyId, r.member!, { importId });
      return rowOf(r, 'created', { accountId: created.member.accountId, invitationId: created.invitation.id });
    } catch (caught) {
      const err = databaseUnavailable(caught) ?? caught;
      if (!(err instanceof AppError)) throw err;
      const errors = [{ code: err.code, message: err.message }];
      if (err.code === 'member.exists') return rowOf(r, 'exists', { errors });
      if (err.code === 'member.too_many_conflicts') return rowOf(r, 'rate_limited', { errors });
      return rowOf(r, err.status === 400 || err.status === 422 ? 'invalid' : 'failed', { errors });
    }
  }

  return {
    async importMembers(actor: Actor, companyId: string, rows: readonly ImportRow[]): Promise<ImportReport> {
      const importId = randomUUID();
      const action = { companyId, action: 'member_import.completed', subjectType: 'member_import', subjectId: importId };
      // A caller who may not onboard is refused, and audited, by the action itself, before any row.
      if (!mayOnboard(actor, companyId)) return companyActions.write<ImportReport>(actor, action, () => Promise.reject(new Error('unreachable')));
      // The rows first, each its own action; then the import's entry, in a transaction of its own.
      const report: ReportRow[] = new Array<ReportRow>(rows.length);
      const firstRowOf = new Map<string, number>();
      const todo: number[] = [];
      rows.forEach((r, i) => {
        if (!r.member) {
          report[i] = rowOf(r, 'invalid', { errors: r.errors ?? [] });
          return;
        }
        const first = firstRowOf.get(r.member.email.toLowerCase());
        if (first !== undefined) {
          report[i] = rowOf(r, 'invalid', { errors: [{ code: 'member_import.duplicate_email', path: 'email', message: `The same email as row ${first}` }] });
          return;
        }
        firstRowOf.set(r.member.email.toLowerCase(), r.row);
        todo.push(i);
      });
      await inPool(todo, CONCURRENCY, async (i) => {
        report[i] = await createRow(actor, companyId, importId, rows[i]!);
      });
      const summary = { total: rows.length, created: 0, exists: 0, invalid: 0, failed: 0, rate_limited: 0 };
      for (const r of report) summary[r.status] += 1;
      return companyActions.write(actor, action, async () => ({ result: { importId, rows: report, summary }, details: summary }));
    },
  };
}
export type MemberImports = ReturnType<typeof createMemberImports>;
