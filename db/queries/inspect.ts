import type { Queryable } from '../client';

/**
 * Read-only views over the whole database for tests and operators: they check invariants that no single
 * resource's queries can see (orphans, leftovers of a removed profile, the schema itself). Nothing in the
 * request path uses them. The `try*` functions exist only to prove that the database refuses them.
 */

/** Base tables of the public schema, including the migration runner's own. */
export async function listTables(sql: Queryable): Promise<string[]> {
  const rows = await sql<{ tableName: string }[]>`
    select table_name from information_schema.tables
     where table_schema = 'public' and table_type = 'BASE TABLE' order by table_name`;
  return rows.map((r) => r.tableName);
}

/** The migrations postgres-shift recorded as applied, oldest first. */
export async function listAppliedMigrations(sql: Queryable): Promise<{ migrationId: number; name: string }[]> {
  return sql<{ migrationId: number; name: string }[]>`select migration_id, name from migrations order by migration_id`;
}

/** Every login email, sorted; for checking that a seed created exactly what it should. */
export async function listAccountEmails(sql: Queryable): Promise<string[]> {
  const rows = await sql<{ email: string }[]>`select email from accounts order by lower(email)`;
  return rows.map((r) => r.email);
}

/** Accounts pointing at a profile that does not exist. Must always be 0: every account has one profile. */
export async function countAccountsWithoutProfile(sql: Queryable): Promise<number> {
  const [row] = await sql<{ n: number }[]>`
    select count(*)::int as n from accounts a where not exists (select 1 from profiles p where p.id = a.profile_id)`;
  return row?.n ?? 0;
}

export interface ProfileFootprint {
  profiles: number;
  accounts: number;
  profileSkills: number;
  profileIndustries: number;
  achievements: number;
  certifications: number;
  academyProgress: number;
}

/** How many rows of each profile-owned table reference this profile; all 0 once it has been merged away. */
export async function countRowsOfProfile(sql: Queryable, profileId: string): Promise<ProfileFootprint> {
  const [row] = await sql<ProfileFootprint[]>`
    select
      (select count(*)::int from profiles where id = ${profileId}) as profiles,
      (select count(*)::int from accounts where profile_id = ${profileId}) as accounts,
      (select count(*)::int from profile_skills where profile_id = ${profileId}) as profile_skills,
      (select count(*)::int from profile_industries where profile_id = ${profileId}) as profile_industries,
      (select count(*)::int from achievements where profile_id = ${profileId}) as achievements,
      (select count(*)::int from certifications where profile_id = ${profileId}) as certifications,
      (select count(*)::int from academy_progress where profile_id = ${profileId}) as academy_progress`;
  return row!;
}

/** Attempts to rewrite audit entries. The append-only trigger must make this throw; it exists to prove that. */
export async function tryUpdateAuditEntries(sql: Queryable, subjectType: string, subjectId: string): Promise<number> {
  const r = await sql`
    update audit_log set action = action || '.tampered' where subject_type = ${subjectType} and subject_id = ${subjectId}`;
  return r.count;
}

/** Attempts to delete audit entries. The append-only trigger must make this throw; it exists to prove that. */
export async function tryDeleteAuditEntries(sql: Queryable, subjectType: string, subjectId: string): Promise<number> {
  const r = await sql`delete from audit_log where subject_type = ${subjectType} and subject_id = ${subjectId}`;
  return r.count;
}

/** Attempts to empty the audit log. The append-only trigger must make this throw; it exists to prove that. */
export async function tryTruncateAuditLog(sql: Queryable): Promise<void> {
  await sql`truncate audit_log`;
}

/** The columns of a table with their types, in order, from information_schema rather than migration text. */
export async function listColumns(sql: Queryable, table: string): Promise<{ name: string; type: string }[]> {
  return sql<{ name: string; type: string }[]>`
    select column_name as name, data_type as type from information_schema.columns
     where table_schema = 'public' and table_name = ${table} order by ordinal_position`;
}
