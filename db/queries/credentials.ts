import type { Queryable } from '../client';

/**
 * Every kind of credential an account can hold, and how to revoke all of one account's at once: sessions,
 * API keys and personal access tokens (00010). A table with an
 * `account_id` column and a `revoked_at` column is a credential table, and test/db/accountErasure.test.ts
 * fails while one is missing here.
 */
const REVOKERS = {
  sessions: async (sql: Queryable, accountId: string) =>
    (await sql`update sessions set revoked_at = now() where account_id = ${accountId} and revoked_at is null`).count,
  api_keys: async (sql: Queryable, accountId: string) =>
    (await sql`update api_keys set revoked_at = now() where account_id = ${accountId} and revoked_at is null`).count,
  personal_access_tokens: async (sql: Queryable, accountId: string) =>
    (await sql`update personal_access_tokens set revoked_at = now() where account_id = ${accountId} and revoked_at is null`).count,
} satisfies Record<string, (sql: Queryable, accountId: string) => Promise<number>>;

export type CredentialKind = keyof typeof REVOKERS;

/** The credential tables this module revokes, by table name. */
export const CREDENTIAL_TABLES = Object.keys(REVOKERS) as CredentialKind[];

/** Revokes every live credential of the account; answers how many of each kind ended. */
export async function revokeAllCredentials(sql: Queryable, accountId: string): Promise<Record<CredentialKind, number>> {
  const counts = {} as Record<CredentialKind, number>;
  for (const kind of CREDENTIAL_TABLES) counts[kind] = await REVOKERS[kind](sql, accountId);
  return counts;
}
