import type { Queryable } from '../client';

/** What a lookup by secret reads: the credential and its account's facts, in one query. */
export interface CredentialRow {
  id: string;
  accountId: string;
  profileId: string;
  companyId: string | null;
  isCompanyAdmin: boolean;
  isServiceAccount: boolean;
  accountActive: boolean;
  /** Last use recorded over a minute ago (or never): the caller records this use. */
  stale: boolean;
}

export interface TokenRow {
  id: string;
  name: string;
  scopes: string[];
  createdAt: Date;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
}

/** A token found by its hash: the credential, its scopes, and what the cache needs to keep it (its expiry, its last use). */
export interface TokenCredentialRow extends CredentialRow {
  scopes: string[];
  expiresAt: Date | null;
  lastUsedAt: Date | null;
}

/**
 * The live token with this hash, with its owner: revoked (deleted) and expired tokens are not found. The
 * owner's status is read, not filtered, so a deactivated owner gets its own answer. One indexed read; the API
 * caches what it finds (libraries/credentialCache), invalidated by the triggers of 00021.
 */
export async function findTokenByHash(sql: Queryable, tokenHash: Buffer): Promise<TokenCredentialRow | undefined> {
  const [row] = await sql<TokenCredentialRow[]>`
    select t.id, t.scopes, t.expires_at, t.last_used_at, a.id as account_id, a.profile_id, a.company_id, a.is_company_admin,
           a.is_service_account, a.status = 'active' as account_active,
           coalesce(t.last_used_at < now() - interval '1 minute', true) as stale
      from personal_access_tokens t join accounts a on a.id = t.account_id
     where t.token_hash = ${tokenHash}
       and t.revoked_at is null
       and (t.expires_at is null or t.expires_at > now())`;
  return row;
}

/**
 * Records a use, at most once a minute per token: the condition makes concurrent requests of the same
 * minute (on any process) write once, and the caller only asks when its read found the last use stale.
 */
export async function touchToken(sql: Queryable, id: string): Promise<void> {
  await sql`
    update personal_access_tokens set last_used_at = now()
     where id = ${id} and (last_used_at is null or last_used_at < now() - interval '1 minute')`;
}

/**
 * Locks the account's row for the creation of a credential (so a limit counted under it holds against
 * concurrent creations) and answers how many live tokens it has; undefined if the account is gone.
 */
export async function lockAccountAndCountTokens(tx: Queryable, accountId: string): Promise<number | undefined> {
  const [row] = await tx<{ n: number }[]>`
    select (select count(*)::int from personal_access_tokens t where t.account_id = a.id and t.revoked_at is null) as n
      from accounts a where a.id = ${accountId} for no key update`;
  return row?.n;
}

export async function insertToken(
  tx: Queryable,
  t: { accountId: string; name: string; tokenHash: Buffer; scopes: string[]; expiresAt: Date | null },
): Promise<TokenRow> {
  const [row] = await tx<TokenRow[]>`
    insert into personal_access_tokens (account_id, name, token_hash, scopes, expires_at)
    values (${t.accountId}, ${t.name}, ${t.tokenHash}, ${t.scopes}::text[], ${t.expiresAt})
    returning id, name, scopes, created_at, expires_at, last_used_at`;
  return row!;
}

/** The account's tokens that are not deleted, expired ones included, newest first. */
export async function listTokens(sql: Queryable, accountId: string): Promise<TokenRow[]> {
  return sql<TokenRow[]>`
    select id, name, scopes, created_at, expires_at, last_used_at from personal_access_tokens
     where account_id = ${accountId} and revoked_at is null
     order by created_at desc, id`;
}

/** One token of the account, not deleted; undefined for another account's id, as for an unknown one. */
export async function findToken(sql: Queryable, accountId: string, id: string): Promise<TokenRow | undefined> {
  const [row] = await sql<TokenRow[]>`
    select id, name, scopes, created_at, expires_at, last_used_at from personal_access_tokens
     where id = ${id} and account_id = ${accountId} and revoked_at is null`;
  return row;
}

/** Deletes (revokes) one token of the account; undefined when it is not the account's or already deleted. */
export async function revokeToken(sql: Queryable, accountId: string, id: string): Promise<{ id: string } | undefined> {
  const [row] = await sql<{ id: string }[]>`
    update personal_access_tokens set revoked_at = now()
     where id = ${id} and account_id = ${accountId} and revoked_at is null
    returning id`;
  return row;
}

export interface ExpiringToken {
  id: string;
  accountId: string;
  email: string;
  name: string;
  expiresAt: Date;
  /** expires_at in Postgres's text form, microseconds included: the keyset cursor. */
  expiresAtText: string;
}

/**
 * One page of the token expiry reminder sweep: live tokens of active accounts expiring in (now, now + window],
 * in (expires_at, id) order after `after`, whose reminder (outbox key `keyOf`'s SQL twin) is not sent yet.
 * A range scan of personal_access_tokens__expires_at__idx.
 */
export async function findExpiringTokens(
  sql: Queryable,
  p: { now: Date; windowDays: number; after: { expiresAt: string; id: string } | null; limit: number },
): Promise<ExpiringToken[]> {
  const after = p.after ?? { expiresAt: '-infinity', id: '00000000-0000-0000-0000-000000000000' };
  return sql<ExpiringToken[]>`
    select t.id, t.account_id, a.email, t.name, t.expires_at, t.expires_at::text as expires_at_text
      from personal_access_tokens t join accounts a on a.id = t.account_id
     where t.revoked_at is null
       and t.expires_at > ${p.now}::timestamptz
       and t.expires_at <= ${p.now}::timestamptz + ${p.windowDays}::int * interval '24 hours'
       and (t.expires_at, t.id) > (${after.expiresAt}::text::timestamptz, ${after.id}::uuid)
       and a.status = 'active'
       and not exists (
         select 1 from email_outbox o
          where o.sent_at is not null and o.idempotency_key = 'pat-expiry/' || t.account_id::text || '/' || t.id::text)
     order by t.expires_at, t.id
     limit ${p.limit}`;
}
