import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createApp } from '../../api/app';
import { createCredentialCache, type CredentialCacheOptions } from '../../libraries/credentialCache';
import { createLogger } from '../../lib/logger';
import { checkedHttp } from './http';
import type { HttpResult, TestStack } from './stack';

export const TOKENS = '/v1/developer-settings/personal-access-tokens';
export const KEYS = '/v1/developer-settings/api-keys';

/** The header of a personal access token. */
export const patHeaders = (token: string) => ({ authorization: `mxtoken ${token}` });
/** The two headers of an API key. */
export const apiKeyHeaders = (username: string, key: string) => ({ 'mendix-username': username, 'mendix-apikey': key });

/** Signed-in people with tokens and keys, over HTTP. */
export function developerSettingsApi(stack: TestStack) {
  const { call, signedIn } = checkedHttp(stack);

  async function createPat(sessionToken: string, body: { name?: string; scopes?: string[]; expiresAt?: string | null } = {}) {
    const r = await call('POST', TOKENS, { token: sessionToken, body: { name: 'CI deploy', scopes: ['profile:read'], ...body } });
    if (r.status !== 201) throw new Error(`token creation failed: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body as { id: string; token: string; name: string; scopes: string[]; createdAt: string; lastUsedAt: string | null; expiresAt: string | null };
  }

  async function createApiKey(sessionToken: string, name = 'Model SDK script') {
    const r = await call('POST', KEYS, { token: sessionToken, body: { name } });
    if (r.status !== 201) throw new Error(`key creation failed: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body as { id: string; key: string; username: string; name: string };
  }

  /** A request with a personal access token. */
  const withPat = (method: string, path: string, token: string, body?: unknown) => call(method, path, { headers: patHeaders(token), body });
  /** A request with an API key. */
  const withKey = (method: string, path: string, username: string, key: string, body?: unknown) =>
    call(method, path, { headers: apiKeyHeaders(username, key), body });

  return { call, signedIn, createPat, createApiKey, withPat, withKey };
}

/**
 * A second API process on the same database and Temporal, as behind a load balancer: with a token cache and a
 * listener of its own (unless AUTH_CACHE=false), as another process has.
 */
export async function secondApi(stack: TestStack, cacheOptions?: CredentialCacheOptions & { listenerUrl?: string }) {
  const logger = createLogger(stack.config, 'api-2');
  const credentialCache = stack.config.authCache
    ? createCredentialCache({ sql: stack.sql, databaseUrl: cacheOptions?.listenerUrl ?? stack.db.url, logger, options: cacheOptions })
    : undefined;
  await credentialCache?.start();
  const app = createApp({ config: stack.config, sql: stack.sql, temporal: stack.client, logger, credentialCache });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    credentialCache,
    async get(path: string, headers: Record<string, string>): Promise<HttpResult> {
      const res = await fetch(base + path, { headers });
      return { status: res.status, headers: res.headers, body: await res.json() };
    },
    async close() {
      await new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
      await credentialCache?.close();
    },
  };
}
