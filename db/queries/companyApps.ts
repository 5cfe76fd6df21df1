import type { Queryable } from '../client';

/**
 * A company's apps, their technical contacts and who may access their backups (README "Company user
 * management"). Every query names the company: an app of another company is not found, as a missing one.
 */

export interface AppContactRow {
  appId: string;
  technicalContactAccountId: string | null;
}

/** The app, locked for a change of its technical contact when `lock` is set; undefined outside the company. */
export async function findCompanyApp(sql: Queryable, companyId: string, appId: string, lock = false): Promise<AppContactRow | undefined> {
  const [row] = lock
    ? await sql<AppContactRow[]>`
        select id as app_id, technical_contact_account_id from apps where id = ${appId} and company_id = ${companyId} for no key update`
    : await sql<AppContactRow[]>`
        select id as app_id, technical_contact_account_id from apps where id = ${appId} and company_id = ${companyId}`;
  return row;
}

export interface ContactRow {
  accountId: string;
  email: string;
  name: string;
  status: 'active' | 'deactivated';
}

export async function findContact(sql: Queryable, accountId: string): Promise<ContactRow | undefined> {
  const [row] = await sql<ContactRow[]>`
    select a.id as account_id, a.email, p.display_name as name, a.status
      from accounts a join profiles p on p.id = a.profile_id where a.id = ${accountId}`;
  return row;
}

export interface CompanyAccountRow {
  accountId: string;
  status: 'active' | 'deactivated';
  isServiceAccount: boolean;
}

/** An account of the company, locked against a concurrent deactivation; undefined for anyone else's. */
export async function lockCompanyAccount(tx: Queryable, companyId: string, accountId: string): Promise<CompanyAccountRow | undefined> {
  const [row] = await tx<CompanyAccountRow[]>`
    select id as account_id, status, is_service_account from accounts
     where id = ${accountId} and company_id = ${companyId} for share`;
  return row;
}

export async function setTechnicalContact(tx: Queryable, appId: string, accountId: string): Promise<void> {
  await tx`update apps set technical_contact_account_id = ${accountId} where id = ${appId}`;
}

/** Makes the account a member of the apps (default role) where it is not yet; an existing membership is left as it is. */
export async function ensureAppMembers(tx: Queryable, appIds: readonly string[], accountId: string): Promise<void> {
  if (appIds.length === 0) return;
  await tx`
    insert into app_members (app_id, account_id)
    select unnest(${appIds as string[]}::uuid[]), ${accountId}::uuid
    on conflict (app_id, account_id) do nothing`;
}

/**
 * Moves the technical contact of every app of the company whose contact is one of `from` to `to`, in one
 * statement; answers the apps changed, with their previous contact. Run again, it finds nothing to move.
 */
export async function moveTechnicalContacts(
  tx: Queryable,
  p: { companyId: string; fromAccountIds: readonly string[]; toAccountId: string },
): Promise<{ appId: string; previousAccountId: string }[]> {
  return tx<{ appId: string; previousAccountId: string }[]>`
    update apps a set technical_contact_account_id = ${p.toAccountId}
      from (select id, technical_contact_account_id as previous from apps
             where company_id = ${p.companyId}
               and technical_contact_account_id = any(${p.fromAccountIds as string[]}::uuid[])
             order by id for no key update) old
     where a.id = old.id
    returning a.id as app_id, old.previous as previous_account_id`;
}

export interface DeletableAppRow {
  appId: string;
  licenseType: 'free' | 'licensed';
}

/** The apps of the company among `appIds`, locked for deletion; the others are not found. */
export async function lockCompanyApps(tx: Queryable, companyId: string, appIds: readonly string[]): Promise<DeletableAppRow[]> {
  return tx<DeletableAppRow[]>`
    select id as app_id, license_type from apps
     where company_id = ${companyId} and id = any(${appIds as string[]}::uuid[])
     order by id for update`;
}

/** Deletes the apps; memberships and watches go with them (on delete cascade). */
export async function deleteAppRows(tx: Queryable, appIds: readonly string[]): Promise<string[]> {
  if (appIds.length === 0) return [];
  const rows = await tx<{ id: string }[]>`delete from apps where id = any(${appIds as string[]}::uuid[]) returning id`;
  return rows.map((r) => r.id);
}

/**
 * The apps of the company that no one but these accounts belongs to: no other member, and no other
 * technical contact. What offboarding's `"no-other-members"` designates as training apps.
 */
export async function appsOfOnly(sql: Queryable, companyId: string, accountIds: readonly string[]): Promise<string[]> {
  const rows = await sql<{ id: string }[]>`
    select a.id from apps a
     where a.company_id = ${companyId}
       and (a.technical_contact_account_id = any(${accountIds as string[]}::uuid[])
            or exists (select 1 from app_members m where m.app_id = a.id and m.account_id = any(${accountIds as string[]}::uuid[])))
       and (a.technical_contact_account_id is null or a.technical_contact_account_id = any(${accountIds as string[]}::uuid[]))
       and not exists (select 1 from app_members m where m.app_id = a.id and m.account_id <> all(${accountIds as string[]}::uuid[]))
     order by a.id`;
  return rows.map((r) => r.id);
}

/** One line of the backup-access report: an app and one person who can reach its backups (null: nobody can). */
export interface BackupAccessRow {
  appId: string;
  appName: string;
  licenseType: 'free' | 'licensed';
  accountId: string | null;
  email: string | null;
  name: string | null;
  status: 'active' | 'deactivated' | null;
  technicalContact: boolean;
  backupPermission: boolean;
}

/**
 * Every app of the company with each account that can access its backups: its technical contact, and the
 * members given `can_access_backups`. An app nobody can reach still has one line, with no account, so the
 * report covers every app. In (app name, app id, email) order; one statement, so one snapshot.
 */
export function backupAccessQuery(sql: Queryable, companyId: string) {
  return sql<BackupAccessRow[]>`
    select a.id as app_id, a.name as app_name, a.license_type,
           acc.id as account_id, acc.email, p.display_name as name, acc.status,
           coalesce(g.technical_contact, false) as technical_contact, coalesce(g.backup_permission, false) as backup_permission
      from apps a
      left join lateral (
             select x.account_id, bool_or(x.tc) as technical_contact, bool_or(x.bp) as backup_permission
               from (select a.technical_contact_account_id as account_id, true as tc, false as bp where a.technical_contact_account_id is not null
                     union all
                     select m.account_id, false, true from app_members m where m.app_id = a.id and m.can_access_backups) x
              group by x.account_id) g on true
      left join accounts acc on acc.id = g.account_id
      left join profiles p on p.id = acc.profile_id
     where a.company_id = ${companyId}
     order by a.name, a.id, acc.email nulls first, acc.id`;
}
