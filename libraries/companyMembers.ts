import type { Sql } from '../db/client';
import {
  externalMembersCursor, externalMembersPage, findInternalMember, internalMembersCursor, internalMembersPage, memberApps, memberKind,
  type ExternalMemberRow, type InternalMemberRow, type MemberDetailsRow, type MemberFilter, type MemberKey,
} from '../db/queries/companyMembers';
import { AppError } from '../lib/errors';
import { createCompanyActions, type Actor } from './companyAccess';
import { csvStream, type CsvColumn } from './csv';
import { decodeCursor, encodeCursor } from './cursor';

/**
 * A company's members for its admins and service accounts (README "Company user management" → "Members"): the
 * listing of internal and external members (JSON pages by cursor, or the whole listing as CSV), the lookups by
 * email and by OpenID, and a member's apps. Every call goes through the company-access rule; lookups and CSV
 * exports, which hand out personal data in one go, are audited.
 */

export type MemberType = 'internal' | 'external';
export type { MemberFilter };

const iso = (d: Date | null) => (d === null ? null : d.toISOString());

const internalView = (r: InternalMemberRow) => ({
  email: r.email, name: r.name, status: r.status, certification: r.certification, numberOfApps: r.numberOfApps,
  signupDate: r.signupDate.toISOString(), mendixAdmin: r.mendixAdmin, jobTitle: r.jobTitle, country: r.country, location: r.location,
  uuid: r.uuid, lastActivity: iso(r.lastActivity),
});

const externalView = (r: ExternalMemberRow) => ({
  email: r.email, name: r.name, certification: r.certification, numberOfApps: r.numberOfApps, company: r.company, status: r.status, uuid: r.uuid,
});

const detailsView = (r: MemberDetailsRow) => ({ ...internalView(r), openId: r.openId, active: r.status === 'active' });

/** The Control Center export's columns, under its header names. */
export const INTERNAL_CSV: readonly CsvColumn<InternalMemberRow>[] = [
  { header: 'Email', value: (r) => r.email },
  { header: 'Name', value: (r) => r.name },
  { header: 'Status', value: (r) => r.status },
  { header: 'Certification', value: (r) => r.certification },
  { header: 'NumberOfApps', value: (r) => r.numberOfApps },
  { header: 'SignupDate', value: (r) => r.signupDate },
  { header: 'MendixAdmin', value: (r) => r.mendixAdmin },
  { header: 'JobTitle', value: (r) => r.jobTitle },
  { header: 'Country', value: (r) => r.country },
  { header: 'Location', value: (r) => r.location },
  { header: 'UUID', value: (r) => r.uuid },
  { header: 'LastActivity', value: (r) => r.lastActivity },
];

/** The export's external columns, and the UUID that GET .../members/{memberId}/apps takes. */
export const EXTERNAL_CSV: readonly CsvColumn<ExternalMemberRow>[] = [
  { header: 'Email', value: (r) => r.email },
  { header: 'Name', value: (r) => r.name },
  { header: 'Certification', value: (r) => r.certification },
  { header: 'NumberOfApps', value: (r) => r.numberOfApps },
  { header: 'Company', value: (r) => r.company },
  { header: 'Status', value: (r) => r.status },
  { header: 'UUID', value: (r) => r.uuid },
];

/** Rows a CSV export reads from its Postgres cursor at a time: what bounds its memory. */
export const CSV_BATCH = 500;

/** The page's starting point from a cursor this listing gave out: [lowercased email, account id]. */
function keyOf(cursor: string | undefined): MemberKey | undefined {
  const keys = decodeCursor(cursor, ['text', 'uuid']);
  return keys && { email: keys[0], id: keys[1] };
}

export const memberNotFound = () => new AppError(404, 'member.not_found', 'No such member of this company');

export interface ListMembers {
  type: MemberType;
  filter: Omit<MemberFilter, 'companyId'>;
  limit: number;
  cursor?: string;
}

export function createCompanyMembers({ sql }: { sql: Sql }) {
  const actions = createCompanyActions({ sql });
  const subject = (companyId: string, action: string) => ({ companyId, action, subjectType: 'company', subjectId: companyId });

  return {
    /** One page, `limit` members at most, and the cursor of the next (null on the last page). */
    async page(actor: Actor, companyId: string, q: ListMembers) {
      const filter = { ...q.filter, companyId };
      return actions.read(actor, subject(companyId, 'members.listed'), async () => {
        const after = keyOf(q.cursor);
        // One row more than asked tells whether another page follows, without counting.
        const rows = q.type === 'internal'
          ? await internalMembersPage(sql, filter, after, q.limit + 1)
          : await externalMembersPage(sql, filter, after, q.limit + 1);
        const more = rows.length > q.limit;
        const page = rows.slice(0, q.limit);
        const last = page[page.length - 1];
        return {
          items: q.type === 'internal' ? (page as InternalMemberRow[]).map(internalView) : (page as ExternalMemberRow[]).map(externalView),
          nextCursor: more && last ? encodeCursor([last.sortEmail, last.uuid]) : null,
        };
      });
    },

    /**
     * The whole filtered listing as CSV, streamed from a Postgres cursor CSV_BATCH rows at a time. The caller is
     * checked and the export audited (`members.exported`) before the first byte; the stream holds one pooled
     * connection until it ends or the client hangs up.
     */
    async csv(actor: Actor, companyId: string, type: MemberType, filter: Omit<MemberFilter, 'companyId'>): Promise<AsyncIterable<string>> {
      const f = { ...filter, companyId };
      return actions.read(actor, { ...subject(companyId, 'members.exported'), audit: true }, async () =>
        type === 'internal' ? csvStream(INTERNAL_CSV, internalMembersCursor(sql, f, CSV_BATCH)) : csvStream(EXTERNAL_CSV, externalMembersCursor(sql, f, CSV_BATCH)));
    },

    /**
     * The company's member with this email (any case) or OpenID, with its details and whether it is active: the
     * HR systems' check before a deactivation. Audited (`member.looked_up`, the account found as subject);
     * a miss is audited as failed. Service accounts are not members.
     */
    async lookup(actor: Actor, companyId: string, by: { email: string } | { openId: string }) {
      return actions.read(
        actor,
        { ...subject(companyId, 'member.looked_up'), audit: true, subjectOf: (m) => ({ subjectType: 'account', subjectId: m.uuid }) },
        async () => {
          const row = await findInternalMember(sql, companyId, by);
          if (!row) throw memberNotFound();
          return detailsView(row);
        },
      );
    },

    /** The company's apps of an internal or external member, with its role in each; 404 for anyone else. */
    async apps(actor: Actor, companyId: string, memberId: string) {
      return actions.read(actor, { companyId, action: 'member.apps_listed', subjectType: 'account', subjectId: memberId }, async () => {
        if (!(await memberKind(sql, companyId, memberId))) throw memberNotFound();
        const apps = await memberApps(sql, companyId, memberId);
        return {
          apps: apps.map((a) => ({
            appId: a.appId, environmentId: a.environmentId, name: a.name, license: a.license, isTraining: a.isTraining,
            role: a.technicalContact ? 'technicalContact' as const : 'member' as const, appRole: a.appRole,
          })),
        };
      });
    },
  };
}
export type CompanyMembers = ReturnType<typeof createCompanyMembers>;
