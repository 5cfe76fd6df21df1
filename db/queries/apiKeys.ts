import type { Queryable } from '../client';
import type { CredentialRow } from './personalAccessTokens';

export interface ApiKeyRow {
  id: string;
  name: string;
  createdAt: Date;
  lastUsedAt: Date | null;
}

/**
 * The live key with this hash whose account has this login email (case-insensitively), with its account's
 * facts; undefined for an unknown or revoked key, or one sent with another account's email. One indexed read,
 * no cache: a key revoked on any API process is refused everywhere from the next request on.
 */
export async function findApiKeyByHash(sql: Queryable, keyHash: Buffer, email: string): Promise<CredentialRow | undefined> {
  const [row] = await sql<CredentialRow[]>`
    select k.id, a.id as account_id, a.profile_id, a.company_id, a.is_company_admin, a.is_service_account,
           a.status = 'active' as account_active,
           coalesce(k.last_used_at < now() - interval '1 minute', true) as stale
      from api_keys k join accounts a on a.id = k.account_id
     where k.key_hash = ${keyHash}
       and k.revoked_at is null
       and lower(a.email) = lower(${email})`;
  return row;
}

/** Records a use at most once a minute per key (see touchToken). */
export async function touchApiKey(sql: Queryable, id: string): Promise<void> {
  await sql`
    update api_keys set last_used_at = now()
     where id = ${id} and (last_used_at is null or last_used_at < now() - interval '1 minute')`;
}

/** Locks the account's row (see lockAccountAndCountTokens) and counts its live keys; undefined if it is gone. */
export async function lockAccountAndCountApiKeys(tx: Queryable, accountId: string): Promise<{ keys: number; email: string } | undefined> {
  const [row] = await tx<{ keys: number; email: string }[]>`
    select (select count(*)::int from api_keys k where k.account_id = a.id and k.revoked_at is null) as keys, a.email
      from accounts a where a.id = ${accountId} for no key update`;
  return row;
}

export async function insertApiKey(tx: Queryable, k: { accountId: string; name: string; keyHash: Buffer }): Promise<ApiKeyRow> {
  const [row] = await tx<ApiKeyRow[]>`
    insert into api_keys (account_id, name, key_hash) values (${k.accountId}, ${k.name}, ${k.keyHash})
    returning id, name, created_at, last_used_at`;
  return row!;
}

/** The account's live keys, newest first. */
export async function listApiKeys(sql: Queryable, accountId: string): Promise<ApiKeyRow[]> {
  return sql<ApiKeyRow[]>`
    select id, name, created_at, last_used_at from api_keys
     where account_id = ${accountId} and revoked_at is null
     order by created_at desc, id`;
}

/** Revokes one key of the account; undefined when it is not the account's or already revoked. */
export async function revokeApiKey(sql: Queryable, accountId: string, id: string): Promise<{ id: string } | undefined> {
  const [row] = await sql<{ id: string }[]>`
    update api_keys set revoked_at = now()
     where id = ${id} and account_id = ${accountId} and revoked_at is null
    returning id`;
  return row;
}
