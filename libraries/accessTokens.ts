import type { Queryable, Sql } from '../db/client';
import { appendAudit } from '../db/queries/audit';
import {
  findToken, findTokenByHash, insertToken, listTokens, lockAccountAndCountTokens, revokeToken, touchToken, type TokenRow,
} from '../db/queries/personalAccessTokens';
import { sha256 } from '../lib/crypto';
import { AppError } from '../lib/errors';
import { isWellFormedSecret, newSecret } from '../lib/tokenFormat';
import { credentialOwnerDeactivated, invalidToken } from './credentialErrors';
import { revokingTransaction, type CredentialCache } from './credentialCache';
import { tokenPrincipal, type Principal, type SessionPrincipal, type TokenPrincipal } from './principal';
import { isScope, normalizeScopes, type Scope } from './scopes';
import { TOKEN_REMINDER_DAYS } from '../workflows/shared/tokenExpirySweep';

/** Live tokens one account may hold at once: enough for every automation, bounded against abuse. */
export const MAX_TOKENS_PER_ACCOUNT = 100;
/** The owner is reminded this many days before a token with an expiry expires (the daily sweep). */
export const TOKEN_EXPIRY_REMINDER_DAYS = TOKEN_REMINDER_DAYS;

export interface TokenView {
  id: string;
  name: string;
  scopes: Scope[];
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
  expired: boolean;
}

export const tokenView = (t: TokenRow, now = Date.now()): TokenView => ({
  id: t.id,
  name: t.name,
  scopes: t.scopes.filter(isScope),
  createdAt: t.createdAt.toISOString(),
  lastUsedAt: t.lastUsedAt?.toISOString() ?? null,
  expiresAt: t.expiresAt?.toISOString() ?? null,
  expired: t.expiresAt !== null && t.expiresAt.getTime() <= now,
});

/**
 * Issues a token to an account, in the caller's transaction: the one way a token is minted, for one's own
 * (below) and for a company's service account (libraries/serviceAccounts.ts). Locks the account so the limit
 * holds against concurrent creations; 409 at the limit; undefined if the account is gone. The secret is in
 * this answer only; the caller audits.
 */
export async function issueToken(
  tx: Queryable,
  accountId: string,
  input: { name: string; scopes: readonly Scope[]; expiresAt: Date | null },
): Promise<(TokenView & { token: string }) | undefined> {
  const token = newSecret('pat');
  const live = await lockAccountAndCountTokens(tx, accountId);
  if (live === undefined) return undefined;
  if (live >= MAX_TOKENS_PER_ACCOUNT) {
    throw new AppError(409, 'personal_access_token.limit_reached', `An account can hold at most ${MAX_TOKENS_PER_ACCOUNT} personal access tokens; delete one first`);
  }
  const row = await insertToken(tx, { accountId, name: input.name, tokenHash: sha256(token), scopes: normalizeScopes(input.scopes), expiresAt: input.expiresAt });
  return { ...tokenView(row), token };
}

const tokenNotFound = () => new AppError(404, 'personal_access_token.not_found', 'No such personal access token');

/**
 * Personal access tokens (User Settings §5.3, README "Developer settings"): the signed-in account's own, and
 * the lookup that turns `Authorization: mxtoken <token>` into a principal.
 */
export function createAccessTokens({ sql, cache }: { sql: Sql; cache?: CredentialCache }) {
  // Without the cache (AUTH_CACHE=false): one indexed read per request, and the last use written in it.
  async function lookUp(token: string): Promise<TokenPrincipal> {
    const row = await findTokenByHash(sql, sha256(token));
    if (!row) throw invalidToken();
    if (!row.accountActive) throw credentialOwnerDeactivated();
    if (row.stale) await touchToken(sql, row.id);
    return tokenPrincipal('pat', row.id, row, row.scopes.filter(isScope));
  }

  // With it: a hit costs no database round trip; a miss reads, and stores only a success (README "The token cache").
  async function cached(c: CredentialCache, token: string): Promise<TokenPrincipal> {
    const hash = sha256(token);
    const key = hash.toString('base64');
    const hit = c.tokens.get(key);
    if (hit) {
      c.lastUsed.record(hit.credential.id);
      return hit;
    }
    // Taken before the read: an eviction while it runs makes its answer too old to store.
    const ticket = c.tokens.ticket();
    const row = await findTokenByHash(sql, hash);
    if (!row) throw invalidToken();
    if (!row.accountActive) throw credentialOwnerDeactivated();
    const principal = tokenPrincipal('pat', row.id, row, row.scopes.filter(isScope));
    c.tokens.put(key, ticket, principal, row.expiresAt);
    c.lastUsed.record(row.id, row.lastUsedAt);
    return { ...principal, credential: { ...principal.credential } };
  }

  return {
    /**
     * The principal of a token, or a 403 in the one error shape. The format and checksum are checked first,
     * so a typo costs no database lookup. Then the process's cache, or one indexed read. A deleted token is
     * still refused on its next request, by every API process: the deletion answers only once every process
     * has evicted it. The last use is written at most once a minute per token.
     */
    async authenticate(token: string): Promise<TokenPrincipal> {
      if (!isWellFormedSecret('pat', token)) throw invalidToken();
      return cache ? cached(cache, token) : lookUp(token);
    },

    /** Creates a token; its secret is in this answer only. Audited with ids and scopes, never the secret or the name. */
    async create(auth: SessionPrincipal, input: { name: string; scopes: Scope[]; expiresAt: Date | null }): Promise<TokenView & { token: string }> {
      return sql.begin(async (tx) => {
        const created = await issueToken(tx, auth.accountId, input);
        if (!created) throw new AppError(401, 'auth.unauthenticated', 'A valid session token is required');
        await appendAudit(tx, {
          actorAccountId: auth.accountId, action: 'personal_access_token.created', subjectType: 'account', subjectId: auth.accountId,
          details: { tokenId: created.id, scopes: created.scopes, expiresAt: created.expiresAt, sessionId: auth.sessionId },
        });
        return created;
      });
    },

    async list(auth: Principal): Promise<{ tokens: TokenView[] }> {
      // The uses this process has queued are written first, so its own answers show them.
      await cache?.lastUsed.flush();
      const now = Date.now();
      return { tokens: (await listTokens(sql, auth.accountId)).map((t) => tokenView(t, now)) };
    },

    async get(auth: Principal, id: string): Promise<TokenView> {
      await cache?.lastUsed.flush();
      const row = await findToken(sql, auth.accountId, id);
      if (!row) throw tokenNotFound();
      return tokenView(row);
    },

    /**
     * Deletes a token: refused from its next request on, by every API process (with the cache, this answers
     * once they have all evicted it). Another account's id, or a deleted one, is 404.
     */
    async delete(auth: SessionPrincipal, id: string): Promise<void> {
      await revokingTransaction(sql, cache?.revocations)(async (tx) => {
        if (!(await revokeToken(tx, auth.accountId, id))) throw tokenNotFound();
        await appendAudit(tx, {
          actorAccountId: auth.accountId, action: 'personal_access_token.deleted', subjectType: 'account', subjectId: auth.accountId,
          details: { tokenId: id, sessionId: auth.sessionId },
        });
      });
    },
  };
}
export type AccessTokens = ReturnType<typeof createAccessTokens>;
