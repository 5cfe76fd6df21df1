import type { Sql } from '../db/client';
import { findApiKeyByHash, insertApiKey, listApiKeys, lockAccountAndCountApiKeys, revokeApiKey, touchApiKey, type ApiKeyRow } from '../db/queries/apiKeys';
import { appendAudit } from '../db/queries/audit';
import { sha256 } from '../lib/crypto';
import { AppError } from '../lib/errors';
import { isWellFormedSecret, newSecret } from '../lib/tokenFormat';
import { credentialOwnerDeactivated, invalidApiKey } from './credentialErrors';
import { tokenPrincipal, type Principal, type SessionPrincipal, type TokenPrincipal } from './principal';
import { ALL_SCOPES } from './scopes';

/** Live API keys one account may hold at once. */
export const MAX_API_KEYS_PER_ACCOUNT = 100;

export interface ApiKeyView {
  id: string;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
}

const view = (k: ApiKeyRow): ApiKeyView => ({
  id: k.id, name: k.name, createdAt: k.createdAt.toISOString(), lastUsedAt: k.lastUsedAt?.toISOString() ?? null,
});

/**
 * API keys (User Settings §5.2, README "Developer settings"): an external application acts on behalf of the
 * account that created the key, with exactly its privileges (every scope; the account's own rights decide the
 * rest). Sent as `Mendix-Username: <email>` + `Mendix-ApiKey: <key>`.
 */
export function createApiKeys({ sql }: { sql: Sql }) {
  return {
    /**
     * The principal of a key sent with its account's login email, or a 403. A malformed key (wrong prefix,
     * length or checksum) is refused without a database lookup; otherwise one indexed read per request, no
     * cache, and the last use written at most once a minute.
     */
    async authenticate(username: string, key: string): Promise<TokenPrincipal> {
      if (!isWellFormedSecret('apiKey', key) || username.length === 0 || username.length > 254) throw invalidApiKey();
      const row = await findApiKeyByHash(sql, sha256(key), username);
      if (!row) throw invalidApiKey();
      if (!row.accountActive) throw credentialOwnerDeactivated();
      if (row.stale) await touchApiKey(sql, row.id);
      return tokenPrincipal('apiKey', row.id, row, ALL_SCOPES);
    },

    /** Creates a key; the key is in this answer only, with the username to send it with. Audited with ids only. */
    async create(auth: SessionPrincipal, input: { name: string }): Promise<ApiKeyView & { key: string; username: string }> {
      const key = newSecret('apiKey');
      return sql.begin(async (tx) => {
        const account = await lockAccountAndCountApiKeys(tx, auth.accountId);
        if (!account) throw new AppError(401, 'auth.unauthenticated', 'A valid session token is required');
        if (account.keys >= MAX_API_KEYS_PER_ACCOUNT) {
          throw new AppError(409, 'api_key.limit_reached', `An account can hold at most ${MAX_API_KEYS_PER_ACCOUNT} API keys; revoke one first`);
        }
        const created = await insertApiKey(tx, { accountId: auth.accountId, name: input.name, keyHash: sha256(key) });
        await appendAudit(tx, {
          actorAccountId: auth.accountId, action: 'api_key.created', subjectType: 'account', subjectId: auth.accountId,
          details: { apiKeyId: created.id, sessionId: auth.sessionId },
        });
        return { ...view(created), key, username: account.email };
      });
    },

    async list(auth: Principal): Promise<{ apiKeys: ApiKeyView[] }> {
      return { apiKeys: (await listApiKeys(sql, auth.accountId)).map(view) };
    },

    /** Revokes a key: refused from its next request on. Another account's id, or a revoked one, is 404. */
    async revoke(auth: SessionPrincipal, id: string): Promise<void> {
      await sql.begin(async (tx) => {
        if (!(await revokeApiKey(tx, auth.accountId, id))) throw new AppError(404, 'api_key.not_found', 'No such API key');
        await appendAudit(tx, {
          actorAccountId: auth.accountId, action: 'api_key.revoked', subjectType: 'account', subjectId: auth.accountId,
          details: { apiKeyId: id, sessionId: auth.sessionId },
        });
      });
    },
  };
}
export type ApiKeys = ReturnType<typeof createApiKeys>;
