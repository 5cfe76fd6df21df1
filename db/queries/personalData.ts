import type postgres from 'postgres';
import type { Queryable } from '../client';

/** Whose data: the profile and every account it holds now. */
export interface Subject {
  profileId: string;
  accountIds: string[];
}

type Fragment = postgres.PendingQuery<postgres.Row[]>;
type Where = (sql: Queryable, s: Subject) => Fragment;

/**
 * One export section: the rows of `table` that are the person's, every column under its database name
 * except the `withheld` secrets (each with its reason), plus `extra` readable context (an app's name…).
 */
export interface ExportTable {
  section: string;
  table: string;
  where: Where;
  withheld?: Record<string, string>;
  /** A jsonb expression over the row `t`, merged into it. */
  extra?: (sql: Queryable) => Fragment;
  /** The keys `extra` adds, each described for the JSON Schema. */
  extraKeys?: Record<string, string>;
  orderBy?: string;
}

const byProfile: Where = (sql, s) => sql`t.profile_id = ${s.profileId}`;
const byAccount: Where = (sql, s) => sql`t.account_id = any(${s.accountIds}::uuid[])`;
const appName = {
  extra: (sql: Queryable) => sql`jsonb_build_object('app_name', (select a.name from apps a where a.id = t.app_id))`,
  extraKeys: { app_name: "the app's name" },
};

/** Columns named like this hold a secret, whatever table they are in, and are withheld even if no entry says so. */
export const SECRET_COLUMN = /(^|_)(hash|hmac|secret|ciphertext|sealed)($|_)/;

/**
 * Every table that holds a person's data, and where it goes in the export (README "Personal data"). A
 * table missing from the database (one not yet migrated) is skipped, so a table another change adds is one
 * line here. test/db/personalDataCoverage.test.ts fails for any table that is neither here nor in
 * NOT_PERSONAL_DATA, and for any column of these tables the export does not show.
 */
export const EXPORT_TABLES: ExportTable[] = [
  { section: 'profile', table: 'profiles', where: (sql, s) => sql`t.id = ${s.profileId}` },
  { section: 'profileAvatar', table: 'profile_avatars', where: byProfile },
  { section: 'recoveryEmailChanges', table: 'recovery_email_changes', where: byProfile, orderBy: 'created_at' },
  {
    section: 'accounts', table: 'accounts', where: byProfile, orderBy: 'created_at',
    withheld: { password_hash: 'a secret: the argon2id hash of the password' },
    extra: (sql) => sql`jsonb_build_object('company_name', (select c.name from companies c where c.id = t.company_id))`,
    extraKeys: { company_name: "the company's name, or null" },
  },
  { section: 'notificationSettings', table: 'notification_settings', where: byProfile, orderBy: 'key' },
  { section: 'watchedApps', table: 'watched_apps', where: byAccount, ...appName },
  { section: 'appMemberships', table: 'app_members', where: byAccount, ...appName },
  { section: 'technicalContactOf', table: 'apps', where: (sql, s) => sql`t.technical_contact_account_id = any(${s.accountIds}::uuid[])` },
  { section: 'sessions', table: 'sessions', where: byAccount, orderBy: 'created_at', withheld: { token_hash: 'a secret: the SHA-256 of the session token' } },
  { section: 'apiKeys', table: 'api_keys', where: byAccount, orderBy: 'created_at', withheld: { key_hash: 'a secret: the SHA-256 of the key' } },
  {
    section: 'personalAccessTokens', table: 'personal_access_tokens', where: byAccount, orderBy: 'created_at',
    withheld: { token_hash: 'a secret: the SHA-256 of the token' },
  },
  { section: 'twoFactor', table: 'two_factor', where: byAccount, withheld: { secret_sealed: 'a secret: the encrypted TOTP seed' } },
  { section: 'twoFactorRecoveryCodes', table: 'two_factor_recovery_codes', where: byAccount, withheld: { code_hash: 'a secret: the hash of a recovery code' } },
  { section: 'signInChallenges', table: 'sign_in_challenges', where: byAccount, orderBy: 'created_at' },
  {
    section: 'skills', table: 'profile_skills', where: byProfile,
    extra: (sql) => sql`jsonb_build_object('name', (select k.name from skills k where k.id = t.skill_id))`,
    extraKeys: { name: "the skill's name" },
  },
  {
    section: 'industries', table: 'profile_industries', where: byProfile,
    extra: (sql) => sql`jsonb_build_object('name', (select k.name from industries k where k.id = t.industry_id))`,
    extraKeys: { name: "the industry's name" },
  },
  { section: 'achievements', table: 'achievements', where: byProfile, orderBy: 'earned_at' },
  { section: 'certifications', table: 'certifications', where: byProfile, orderBy: 'certified_at' },
  { section: 'academyProgress', table: 'academy_progress', where: byProfile, orderBy: 'course' },
  {
    section: 'merges', table: 'profile_merges', orderBy: 'created_at',
    where: (sql, s) => sql`(t.target_profile_id = ${s.profileId} or t.source_profile_id = ${s.profileId}
                            or t.started_by_account_id = any(${s.accountIds}::uuid[]))`,
  },
  {
    section: 'accountCreations', table: 'account_creations', orderBy: 'created_at',
    where: (sql, s) => sql`(t.profile_id = ${s.profileId} or t.started_by_account_id = any(${s.accountIds}::uuid[])
                            or t.created_account_id = any(${s.accountIds}::uuid[]))`,
    withheld: { address_hmac: 'a keyed hash of the address being proven, used only to find a flow in progress' },
  },
  { section: 'pendingAccounts', table: 'pending_accounts', where: byProfile, withheld: { password_hash: 'a secret: the argon2id hash of the chosen password' } },
  { section: 'passwordResets', table: 'password_resets', where: byAccount, orderBy: 'created_at' },
  {
    section: 'passwordResetPasswords', table: 'password_reset_passwords', where: byAccount,
    withheld: { password_hash: 'a secret: the argon2id hash of the new password', code_hmac: 'a secret: the HMAC of the emailed code' },
  },
  { section: 'passwordResetApplies', table: 'password_reset_applies', where: byAccount },
  {
    // Invitations to join a company the person received, and those they sent as its admin (README "Onboarding").
    section: 'memberInvitations', table: 'member_invitations', orderBy: 'created_at',
    where: (sql, s) => sql`(t.account_id = any(${s.accountIds}::uuid[]) or t.invited_by_account_id = any(${s.accountIds}::uuid[]))`,
  },
  {
    section: 'auditEntries', table: 'audit_log', orderBy: 'id',
    where: (sql, s) => sql`(t.actor_account_id = any(${s.accountIds}::uuid[])
                            or (t.subject_id = any(${[s.profileId, ...s.accountIds]}::text[])))`,
    // The hash chain's own bookkeeping (migration 00015); content_hash and chain_hash are withheld by name.
    withheld: {
      seal_salt: 'the random salt of the entry\'s integrity commitments (hash chain), not information about the person',
      seal_slots: 'the integrity commitments a redaction left (hash chain), not information about the person',
    },
  },
  {
    // Runs offboarding the person, handing apps to them, or started by them (00018).
    section: 'offboardings', table: 'offboardings', orderBy: 'created_at',
    where: (sql, s) => sql`(t.subject_profile_id = ${s.profileId} or t.subject_account_ids && ${s.accountIds}::uuid[]
                            or t.successor_account_id = any(${s.accountIds}::uuid[]) or t.started_by_account_id = any(${s.accountIds}::uuid[]))`,
  },
  { section: 'offboardingBatches', table: 'offboarding_batches', orderBy: 'created_at', where: (sql, s) => sql`t.started_by_account_id = any(${s.accountIds}::uuid[])` },
];

/**
 * Tables that hold no personal data of a person, each with why. Anything else must be in EXPORT_TABLES.
 */
export const NOT_PERSONAL_DATA: Record<string, string> = {
  companies: 'an organisation shared by its members; each account shows its company id and name',
  skills: 'the shared skills catalogue; the person\'s own skills are exported with their names (skills)',
  industries: 'the shared industries catalogue; the person\'s own industries are exported with their names (industries)',
  profile_merge_locks: 'a transient lock mirroring an open merge (profile id, merge id), which is exported in merges',
  pending_addresses: 'short-lived addresses of flows in progress, linked to nobody by id; they expire within a day',
  rate_limits: 'counters of failed attempts, keyed by ids or keyed hashes, expiring within a day; no content',
  email_outbox: 'delivery bookkeeping: an idempotency key and a template name, no address or message',
  account_deletions: 'the progress of an account deletion: step flags and times; the account it removes no longer exists',
  migrations: 'postgres-shift\'s record of applied schema migrations',
  offboarding_batch_items: 'links an offboarding batch to its runs by ids and upload position; the runs are exported in offboardings',
  offboarding_request_keys: 'keyed hashes of an HR system\'s Idempotency-Key and request, linked to a run or batch by id; no content',
  company_webhooks: 'a company\'s integration setting (its webhook URL and sealed signing secret), keyed by the company; no person in it',
  webhook_deliveries: 'delivery attempts of company webhook events: company and event ids, status codes and times; no body, no person',
  audit_chain_heads: 'the last position and hash of each audit log hash chain (one per company): integrity bookkeeping, no ids of people',
};

export interface TableColumns {
  table: string;
  columns: { name: string; dataType: string; nullable: boolean }[];
}

/** Every base table of the public schema with its columns, in order: the source of truth for the coverage test. */
export async function listTablesAndColumns(sql: Queryable): Promise<TableColumns[]> {
  const rows = await sql<{ tableName: string; columnName: string; dataType: string; isNullable: string }[]>`
    select c.table_name, c.column_name, c.data_type, c.is_nullable
      from information_schema.columns c
      join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
     where c.table_schema = 'public' and t.table_type = 'BASE TABLE'
     order by c.table_name, c.ordinal_position`;
  const byTable = new Map<string, TableColumns>();
  for (const r of rows) {
    const t = byTable.get(r.tableName) ?? { table: r.tableName, columns: [] };
    t.columns.push({ name: r.columnName, dataType: r.dataType, nullable: r.isNullable === 'YES' });
    byTable.set(r.tableName, t);
  }
  return [...byTable.values()];
}

/** The withheld columns of an entry among the table's actual columns: the entry's own and any SECRET_COLUMN. */
export function withheldColumns(entry: ExportTable, columns: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const c of columns) {
    const reason = entry.withheld?.[c] ?? (SECRET_COLUMN.test(c) ? 'a secret (its name marks it as a hash, HMAC or secret)' : undefined);
    if (reason) out[c] = reason;
  }
  return out;
}

/**
 * The person's rows of one table, as JSON text, 100 at a time from a server-side cursor: a large history
 * is never held in memory.
 */
export async function* streamRows(sql: Queryable, entry: ExportTable, subject: Subject, withheld: string[]): AsyncGenerator<string> {
  const extra = entry.extra ? sql`|| ${entry.extra(sql)}` : sql``;
  const order = entry.orderBy ? sql`order by t.${sql(entry.orderBy)}` : sql``;
  const cursor = sql<{ json: string }[]>`
    select ((to_jsonb(t) - ${withheld}::text[]) ${extra})::text as json
      from ${sql(entry.table)} t
     where ${entry.where(sql, subject)}
     ${order}`.cursor(100);
  for await (const rows of cursor) for (const r of rows) yield r.json;
}
