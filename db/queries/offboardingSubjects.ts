import type { Queryable } from '../client';
import type { Automation } from './offboardings';

/**
 * Who and what an offboarding is about, read from accounts, apps and tokens: the person's accounts in the
 * company (by email or uuid, many at once for a batch), the successor, the apps named as training apps, and the
 * automations that used the person's tokens. Service accounts are never a person here: they have their own
 * revocation.
 */

/** How a request names someone: an email, or a uuid (an account's id, as the member listing's UUID, or a profile's). */
export interface PersonRef {
  email?: string;
  uuid?: string;
}

export interface ResolvedPerson {
  profileId: string | null;
  /** The profile's human accounts in the company, oldest first; empty when the reference names nobody here. */
  accountIds: string[];
}

const nulls = <T>(refs: readonly PersonRef[], pick: (r: PersonRef) => T | undefined) => refs.map((r) => pick(r) ?? null);

/**
 * Resolves every reference at once, in order (a batch of 10,000 is one statement): an email matches an account's
 * (case-insensitively, by the unique index on lower(email)), a uuid an account's id or its profile's. Either way
 * the answer is all of that profile's human accounts in the company. Another company's account is nobody.
 */
export async function resolvePeople(sql: Queryable, companyId: string, refs: readonly PersonRef[]): Promise<ResolvedPerson[]> {
  if (refs.length === 0) return [];
  const rows = await sql<{ n: string; profileId: string | null; accountIds: string[] }[]>`
    with req as (
      select * from unnest(${nulls(refs, (r) => r.email?.toLowerCase()) as string[]}::text[], ${nulls(refs, (r) => r.uuid) as string[]}::uuid[])
        with ordinality as r(email, uuid, n)
    ), hit as (
      select r.n, coalesce(
        (select a.profile_id from accounts a
          where r.email is not null and lower(a.email) = r.email and a.company_id = ${companyId} and not a.is_service_account),
        (select a.profile_id from accounts a
          where r.uuid is not null and (a.id = r.uuid or a.profile_id = r.uuid) and a.company_id = ${companyId} and not a.is_service_account
          limit 1)) as profile_id
        from req r
    )
    select h.n, h.profile_id,
           coalesce((select array_agg(a.id order by a.created_at, a.id) from accounts a
                      where a.profile_id = h.profile_id and a.company_id = ${companyId} and not a.is_service_account), '{}') as account_ids
      from hit h order by h.n`;
  return rows.map((r) => ({ profileId: r.profileId, accountIds: r.accountIds }));
}

export interface CompanyAccount {
  accountId: string;
  status: 'active' | 'deactivated';
  isServiceAccount: boolean;
}

/** The accounts of the company named by each reference (an email or an account id), in order; null for none. */
export async function resolveAccounts(sql: Queryable, companyId: string, refs: readonly string[]): Promise<(CompanyAccount | null)[]> {
  if (refs.length === 0) return [];
  const isUuid = (s: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s);
  const rows = await sql<(CompanyAccount & { n: string; found: boolean })[]>`
    with req as (
      select * from unnest(${refs.map((r) => (isUuid(r) ? null : r.toLowerCase())) as string[]}::text[],
                           ${refs.map((r) => (isUuid(r) ? r.toLowerCase() : null)) as string[]}::uuid[])
        with ordinality as r(email, id, n)
    )
    select r.n, a.id is not null as found, a.id as account_id, a.status, a.is_service_account
      from req r
      left join accounts a on a.company_id = ${companyId}
                          and ((r.email is not null and lower(a.email) = r.email) or (r.id is not null and a.id = r.id))
     order by r.n`;
  return rows.map((r) => (r.found ? { accountId: r.accountId, status: r.status, isServiceAccount: r.isServiceAccount } : null));
}

/** The person's human accounts in the company now: those of the profile, and those recorded (a merge may have moved them). */
export async function currentAccountsOf(
  tx: Queryable, companyId: string, p: { profileId: string | null; accountIds: readonly string[] },
): Promise<{ accountId: string; status: 'active' | 'deactivated' }[]> {
  return tx<{ accountId: string; status: 'active' | 'deactivated' }[]>`
    select id as account_id, status from accounts
     where company_id = ${companyId} and not is_service_account
       and (profile_id = ${p.profileId}::uuid or id = any(${p.accountIds as string[]}::uuid[]))
     order by created_at, id`;
}

/**
 * The named apps of the company, each with those of `accountIds` that belong to it (its members, and its technical
 * contact): an app id absent from the answer is no app of the company.
 */
export async function companyAppsWithPeople(
  sql: Queryable, companyId: string, appIds: readonly string[], accountIds: readonly string[],
): Promise<Map<string, string[]>> {
  if (appIds.length === 0) return new Map();
  const rows = await sql<{ id: string; accountIds: string[] }[]>`
    select a.id, array(
             select a.technical_contact_account_id where a.technical_contact_account_id = any(${accountIds as string[]}::uuid[])
              union
             select m.account_id from app_members m where m.app_id = a.id and m.account_id = any(${accountIds as string[]}::uuid[])
           ) as account_ids
      from apps a
     where a.company_id = ${companyId} and a.id = any(${appIds as string[]}::uuid[])`;
  return new Map(rows.map((r) => [r.id, r.accountIds]));
}

/** App names, for the successor's email. */
export async function appNames(sql: Queryable, appIds: readonly string[]): Promise<{ id: string; name: string }[]> {
  if (appIds.length === 0) return [];
  return sql<{ id: string; name: string }[]>`select id, name from apps where id = any(${appIds as string[]}::uuid[]) order by name, id`;
}

/**
 * The automations of these accounts: live personal access tokens and API keys used within (since, now]. What
 * breaks when the person's access is revoked, so it is listed before.
 */
export async function listAutomations(sql: Queryable, accountIds: readonly string[], since: Date, now: Date): Promise<Automation[]> {
  if (accountIds.length === 0) return [];
  const rows = await sql<(Omit<Automation, 'lastUsedAt'> & { lastUsedAt: Date })[]>`
    select 'personalAccessToken' as kind, id, account_id, name, scopes, last_used_at from personal_access_tokens
     where account_id = any(${accountIds as string[]}::uuid[]) and revoked_at is null
       and (expires_at is null or expires_at > ${now}) and last_used_at > ${since}
    union all
    select 'apiKey', id, account_id, name, null, last_used_at from api_keys
     where account_id = any(${accountIds as string[]}::uuid[]) and revoked_at is null and last_used_at > ${since}
     order by last_used_at desc, id`;
  return rows.map((r) => ({ ...r, lastUsedAt: r.lastUsedAt.toISOString() }));
}

/** Who the successor's email goes to, and how it names the person (their display name). */
export async function successorMailFacts(
  sql: Queryable, successorAccountId: string, subjectProfileId: string | null,
): Promise<{ successorEmail: string | null; personName: string | null }> {
  const [row] = await sql<{ successorEmail: string | null; personName: string | null }[]>`
    select (select email from accounts where id = ${successorAccountId} and status = 'active') as successor_email,
           (select display_name from profiles where id = ${subjectProfileId}::uuid) as person_name`;
  return row ?? { successorEmail: null, personName: null };
}
