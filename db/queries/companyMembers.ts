import type postgres from 'postgres';
import type { Queryable, Sql } from '../client';

/**
 * A company's members (README "Company user management" → "Members"), read for the listing, its CSV, the
 * lookups and a member's apps. Internal members are the company's own accounts, service accounts excepted;
 * external members are other accounts (of another company, or of none) that are members or the technical
 * contact of one of the company's apps. A member's apps in a company are the company's apps it is a member of
 * (app_members) or the technical contact of.
 *
 * Pages go by keyset on (lower(email), id): see accounts__company_id__email__idx (migration 00016).
 */

type Fragment = postgres.PendingQuery<postgres.Row[]>;

export type MemberStatus = 'active' | 'deactivated' | 'invited';

export interface MemberFilter {
  companyId: string;
  status?: MemberStatus;
  /** Substring of the name or the email, any case. */
  q?: string;
  /** Last activity strictly before; members never active count as before any date. */
  lastActivityBefore?: Date;
  /** Last activity at or after; members never active are left out. */
  lastActivityAfter?: Date;
}

/** Where a page starts: after the member with this lowercased email and id. */
export interface MemberKey {
  email: string;
  id: string;
}

export interface InternalMemberRow {
  uuid: string;
  email: string;
  name: string;
  status: MemberStatus;
  certification: string | null;
  numberOfApps: number;
  signupDate: Date;
  mendixAdmin: boolean;
  jobTitle: string | null;
  country: string | null;
  location: string | null;
  lastActivity: Date | null;
  sortEmail: string;
}

export interface ExternalMemberRow {
  uuid: string;
  email: string;
  name: string;
  certification: string | null;
  numberOfApps: number;
  company: string | null;
  status: MemberStatus;
  sortEmail: string;
}

export interface MemberDetailsRow extends InternalMemberRow {
  openId: string;
}

export interface MemberAppRow {
  appId: string;
  environmentId: string;
  name: string;
  license: 'free' | 'licensed';
  isTraining: boolean;
  technicalContact: boolean;
  appRole: 'owner' | 'developer' | 'viewer' | null;
}

/**
 * The last time the account did anything: its last sign-in, or the last use of one of its sessions (refreshed at
 * most once a minute), API keys or personal access tokens (each at most once a minute). Null: never.
 */
const lastActivity = (sql: Queryable): Fragment => sql`greatest(
  a.last_login_at,
  (select max(s.last_seen_at) from sessions s where s.account_id = a.id),
  (select max(k.last_used_at) from api_keys k where k.account_id = a.id),
  (select max(t.last_used_at) from personal_access_tokens t where t.account_id = a.id))`;

/** The highest certification level, as the Control Center shows one; an unknown name ranks below the known ones. */
const certification = (sql: Queryable): Fragment => sql`(
  select c.certification from certifications c where c.profile_id = p.id
   order by array_position(array['expert', 'advanced', 'intermediate', 'rapid'], lower(c.certification)), c.certification
   limit 1)`;

/** The company's apps the account is a member or the technical contact of: two index lookups by account. */
const appsOf = (sql: Queryable, companyId: string): Fragment => sql`(
  select count(*)::int from (
    select m.app_id from app_members m join apps ap on ap.id = m.app_id where m.account_id = a.id and ap.company_id = ${companyId}
    union
    select ap.id from apps ap where ap.technical_contact_account_id = a.id and ap.company_id = ${companyId}) x)`;

/** `like` matches the pattern literally: %, _ and \ in a search are characters, not wildcards. */
const likePattern = (q: string) => `%${q.replace(/[\\%_]/g, '\\$&')}%`;

/** Every filter but the text search, on the account `a`. */
function accountFilters(sql: Queryable, f: MemberFilter): Fragment {
  const status = f.status ? sql`and a.status = ${f.status}` : sql``;
  const before = f.lastActivityBefore ? sql`and coalesce(${lastActivity(sql)}, '-infinity') < ${f.lastActivityBefore}` : sql``;
  const after = f.lastActivityAfter ? sql`and ${lastActivity(sql)} >= ${f.lastActivityAfter}` : sql``;
  return sql`${status} ${before} ${after}`;
}

const afterKey = (sql: Queryable, key: MemberKey | undefined): Fragment =>
  key ? sql`and (lower(a.email), a.id) > (${key.email}, ${key.id}::uuid)` : sql``;

const textMatch = (sql: Queryable, q: string): Fragment =>
  sql`and (lower(a.email) like lower(${likePattern(q)}) or lower(p.display_name) like lower(${likePattern(q)}))`;

const internalColumns = (sql: Queryable, companyId: string): Fragment => sql`
  a.id as uuid, a.email, p.display_name as name, a.status, ${certification(sql)} as certification,
  ${appsOf(sql, companyId)} as number_of_apps, a.created_at as signup_date, a.is_company_admin as mendix_admin,
  p.job_title, p.country, p.location, ${lastActivity(sql)} as last_activity, lower(a.email) as sort_email`;

const internalOf = (sql: Queryable, companyId: string): Fragment => sql`a.company_id = ${companyId} and not a.is_service_account`;

/** Up to this many profiles matching a search by name, the name branch starts from them (see internalPageCtes). */
export const FEW_NAMES = 5000;

/**
 * The ids of one page of internal members, in order, as the CTE `page`. Without a search this is one range scan of
 * accounts__company_id__email__idx that stops at the page's end. A search is two branches, by email and by name,
 * each ordered and limited on its own, then the two short lists are merged:
 * - by email, the planner reads the trigram index (a rare term) or the ordered scan, filtered (a common one);
 * - by name, the matching profiles are found once from their trigram index (`names`). When they are few, their
 *   accounts are read by profile (`offset 0` keeps that a nested loop of index lookups); when many, the ordered
 *   scan keeps the accounts whose profile is among them, a hash probe each (`is true` keeps the probe a hashed
 *   subplan in the scan's filter rather than an unordered hash join), and stops at the page's end.
 */
function internalPageCtes(sql: Queryable, f: MemberFilter, after: MemberKey | undefined, limit: number, fewNames: boolean): Fragment {
  const where = sql`${internalOf(sql, f.companyId)} ${accountFilters(sql, f)} ${afterKey(sql, after)}`;
  if (f.q === undefined) {
    return sql`page as (select a.id, lower(a.email) as sort_email from accounts a where ${where} order by lower(a.email), a.id limit ${limit})`;
  }
  const pattern = likePattern(f.q);
  const byName = fewNames
    ? sql`select a.id, a.sort_email from names n
            cross join lateral (select a.id, lower(a.email) as sort_email from accounts a where a.profile_id = n.id and ${where} offset 0) a
           order by a.sort_email, a.id limit ${limit}`
    : sql`select a.id, lower(a.email) from accounts a
           where ${where} and (a.profile_id in (select id from names)) is true order by lower(a.email), a.id limit ${limit}`;
  return sql`
    names as materialized (select p.id from profiles p where lower(p.display_name) like lower(${pattern})),
    page as (
      (select a.id, lower(a.email) as sort_email from accounts a
        where ${where} and lower(a.email) like lower(${pattern}) order by lower(a.email), a.id limit ${limit})
      union
      (${byName})
      order by sort_email, id limit ${limit})`;
}

/**
 * One page of internal members, `limit` rows at most, after `after`. A search counts the profiles its term
 * names first (at most FEW_NAMES + 1, from the trigram index) to choose the name branch's plan, and is planned
 * for its own term every time: a prepared statement's generic plan, which Postgres adopts after five runs,
 * cannot know whether a term is rare or common, and at 100,000 members it scanned everything (300–600 ms a page).
 */
export async function internalMembersPage(sql: Sql, f: MemberFilter, after: MemberKey | undefined, limit: number): Promise<InternalMemberRow[]> {
  const page = (q: Queryable, fewNames: boolean) => q<InternalMemberRow[]>`
    with ${internalPageCtes(q, f, after, limit, fewNames)}
    select ${internalColumns(q, f.companyId)}
      from page join accounts a on a.id = page.id join profiles p on p.id = a.profile_id
     order by page.sort_email, page.id`;
  if (f.q === undefined) return page(sql, false);
  const pattern = likePattern(f.q);
  // Boxed: porsager's begin() would treat an array result as a list of queries to await.
  const box = await sql.begin('read only', async (tx) => {
    await tx`set local plan_cache_mode = force_custom_plan`;
    const [names] = await tx<{ n: number }[]>`
      select count(*)::int as n from (select 1 from profiles p where lower(p.display_name) like lower(${pattern}) limit ${FEW_NAMES + 1}) x`;
    return { rows: await page(tx, names!.n <= FEW_NAMES) };
  });
  return box.rows;
}

/** Every internal member the filter takes, in order, as a Postgres cursor of `batch` rows at a time. */
export function internalMembersCursor(sql: Queryable, f: MemberFilter, batch: number): AsyncIterable<InternalMemberRow[]> {
  return sql<InternalMemberRow[]>`
    select ${internalColumns(sql, f.companyId)}
      from accounts a join profiles p on p.id = a.profile_id
     where ${internalOf(sql, f.companyId)} ${accountFilters(sql, f)} ${f.q === undefined ? sql`` : textMatch(sql, f.q)}
     order by lower(a.email), a.id`.cursor(batch);
}

/**
 * External members: the accounts of the company's apps' memberships and technical contacts that are not the
 * company's. The set is found from the company's apps, so a page costs a read of their memberships (the
 * README gives the figures); the page's ids are chosen first, and only its rows are read in full.
 */
function externalQuery(sql: Queryable, f: MemberFilter, after: MemberKey | undefined, limit: number | undefined): Fragment {
  return sql`
    with ext as (
      select m.account_id as id from app_members m join apps ap on ap.id = m.app_id where ap.company_id = ${f.companyId}
      union
      select ap.technical_contact_account_id from apps ap where ap.company_id = ${f.companyId} and ap.technical_contact_account_id is not null
    ), page as (
      select a.id, lower(a.email) as sort_email
        from ext join accounts a on a.id = ext.id ${f.q === undefined ? sql`` : sql`join profiles p on p.id = a.profile_id`}
       where a.company_id is distinct from ${f.companyId} ${accountFilters(sql, f)} ${f.q === undefined ? sql`` : textMatch(sql, f.q)}
             ${afterKey(sql, after)}
       order by lower(a.email), a.id
       ${limit === undefined ? sql`` : sql`limit ${limit}`}
    )
    select a.id as uuid, a.email, p.display_name as name, ${certification(sql)} as certification,
           ${appsOf(sql, f.companyId)} as number_of_apps, c.name as company, a.status, page.sort_email
      from page join accounts a on a.id = page.id join profiles p on p.id = a.profile_id left join companies c on c.id = a.company_id
     order by page.sort_email, page.id`;
}

export async function externalMembersPage(sql: Queryable, f: MemberFilter, after: MemberKey | undefined, limit: number): Promise<ExternalMemberRow[]> {
  return sql<ExternalMemberRow[]>`${externalQuery(sql, f, after, limit)}`;
}

export function externalMembersCursor(sql: Queryable, f: MemberFilter, batch: number): AsyncIterable<ExternalMemberRow[]> {
  return sql<ExternalMemberRow[]>`${externalQuery(sql, f, undefined, undefined)}`.cursor(batch);
}

/** The company's internal member with this email (any case) or OpenID, with its details; undefined if none. */
export async function findInternalMember(sql: Queryable, companyId: string, by: { email: string } | { openId: string }): Promise<MemberDetailsRow | undefined> {
  const match = 'email' in by ? sql`lower(a.email) = lower(${by.email})` : sql`a.openid = ${by.openId}`;
  const [row] = await sql<MemberDetailsRow[]>`
    select ${internalColumns(sql, companyId)}, a.openid as open_id
      from accounts a join profiles p on p.id = a.profile_id
     where ${match} and ${internalOf(sql, companyId)}`;
  return row;
}

/** Whether the account is an internal or an external member of the company; undefined for neither. */
export async function memberKind(sql: Queryable, companyId: string, accountId: string): Promise<'internal' | 'external' | undefined> {
  const [row] = await sql<{ kind: 'internal' | 'external' | null }[]>`
    select case
             when a.company_id = ${companyId} then case when a.is_service_account then null else 'internal' end
             when exists (select 1 from app_members m join apps ap on ap.id = m.app_id where m.account_id = a.id and ap.company_id = ${companyId})
               or exists (select 1 from apps ap where ap.technical_contact_account_id = a.id and ap.company_id = ${companyId})
             then 'external'
           end as kind
      from accounts a where a.id = ${accountId}`;
  return row?.kind ?? undefined;
}

/** The company's apps the account is a member or the technical contact of, by name. */
export async function memberApps(sql: Queryable, companyId: string, accountId: string): Promise<MemberAppRow[]> {
  return sql<MemberAppRow[]>`
    select ap.id as app_id, ap.environment_id, ap.name, ap.license_type as license, ap.is_training,
           ap.technical_contact_account_id is not distinct from ${accountId}::uuid as technical_contact, m.role as app_role
      from apps ap left join app_members m on m.app_id = ap.id and m.account_id = ${accountId}
     where ap.company_id = ${companyId}
       and ap.id in (select app_id from app_members where account_id = ${accountId}
                     union select id from apps where technical_contact_account_id = ${accountId})
     order by ap.name, ap.id`;
}
