import type { Queryable } from '../client';

export async function insertSession(
  sql: Queryable,
  s: { accountId: string; tokenHash: Buffer; expiresAt: Date },
): Promise<{ id: string; expiresAt: Date }> {
  const [row] = await sql<{ id: string; expiresAt: Date }[]>`
    insert into sessions (account_id, token_hash, expires_at)
    values (${s.accountId}, ${s.tokenHash}, ${s.expiresAt})
    returning id, expires_at`;
  return row!;
}

export interface SessionPrincipal {
  sessionId: string;
  accountId: string;
  profileId: string;
  companyId: string | null;
  isCompanyAdmin: boolean;
}

/** Only a live session of an Active account authenticates: deactivation ends every session at once. */
export async function findLiveSession(sql: Queryable, tokenHash: Buffer): Promise<SessionPrincipal | undefined> {
  const [row] = await sql<SessionPrincipal[]>`
    select s.id as session_id, a.id as account_id, a.profile_id, a.company_id, a.is_company_admin
      from sessions s join accounts a on a.id = s.account_id
     where s.token_hash = ${tokenHash}
       and s.revoked_at is null
       and s.expires_at > now()
       and a.status = 'active'`;
  return row;
}

export async function revokeSession(sql: Queryable, sessionId: string): Promise<void> {
  await sql`update sessions set revoked_at = now() where id = ${sessionId} and revoked_at is null`;
}
