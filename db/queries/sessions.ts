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
  isServiceAccount: boolean;
}

/**
 * Only a live session of an Active account authenticates: deactivation ends every session at once, and a
 * session unused for `idleSeconds` is over. Use is recorded at most once a minute (or per half the idle
 * time, if shorter), not on every request.
 */
export async function findLiveSession(sql: Queryable, tokenHash: Buffer, idleSeconds = 1800): Promise<SessionPrincipal | undefined> {
  const [row] = await sql<(SessionPrincipal & { stale: boolean })[]>`
    select s.id as session_id, a.id as account_id, a.profile_id, a.company_id, a.is_company_admin, a.is_service_account,
           s.last_seen_at < now() - least(interval '1 minute', make_interval(secs => ${idleSeconds} / 2.0)) as stale
      from sessions s join accounts a on a.id = s.account_id
     where s.token_hash = ${tokenHash}
       and s.revoked_at is null
       and s.expires_at > now()
       and s.last_seen_at > now() - make_interval(secs => ${idleSeconds})
       and a.status = 'active'`;
  if (!row) return undefined;
  const { stale, ...principal } = row;
  if (stale) await sql`update sessions set last_seen_at = now() where id = ${principal.sessionId}`;
  return principal;
}

/** Signs an account out everywhere. Answers how many sessions ended. */
export async function revokeAccountSessions(sql: Queryable, accountIds: string[]): Promise<number> {
  const r = await sql`update sessions set revoked_at = now() where account_id = any(${accountIds}::uuid[]) and revoked_at is null`;
  return r.count;
}

/** Signs an account out everywhere but one session (the one a password change came from). Answers how many ended. */
export async function revokeOtherSessions(sql: Queryable, accountId: string, keepSessionId: string): Promise<number> {
  const r = await sql`
    update sessions set revoked_at = now()
     where account_id = ${accountId} and id <> ${keepSessionId} and revoked_at is null`;
  return r.count;
}

export async function revokeSession(sql: Queryable, sessionId: string): Promise<void> {
  await sql`update sessions set revoked_at = now() where id = ${sessionId} and revoked_at is null`;
}
