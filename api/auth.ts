import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import type { Request } from 'express';
import { AppError } from '../lib/errors';
import type { AccessTokens } from '../libraries/accessTokens';
import type { ApiKeys } from '../libraries/apiKeys';
import { credentialNotAccepted } from '../libraries/credentialErrors';
import { CREDENTIAL_KINDS, type CredentialKind, type Principal } from '../libraries/principal';
import type { Sessions } from '../libraries/sessions';
import type { Authenticate } from './route';

// The scheme names are case-insensitive (RFC 9110 §11.1).
const BEARER = /^Bearer ([A-Za-z0-9_-]{16,256})$/i;
const MXTOKEN = /^mxtoken\s+(\S{1,256})\s*$/i;
const MXTOKEN_SCHEME = /^mxtoken(\s|$)/i;

const NAMES: Record<CredentialKind, string> = {
  session: 'a session token (Authorization: Bearer)',
  pat: 'a personal access token (Authorization: mxtoken)',
  apiKey: 'an API key (Mendix-Username and Mendix-ApiKey)',
};

export function unauthenticated(message = 'A valid session token is required'): AppError {
  return new AppError(401, 'auth.unauthenticated', message, {
    headers: { 'WWW-Authenticate': 'Bearer realm="custodian"' },
  });
}

/** What a request presents, read from its headers alone. */
export type Presented =
  | { kind: 'session'; token: string }
  | { kind: 'pat'; token: string }
  | { kind: 'apiKey'; username: string; key: string };

const header = (req: Request, name: string): string | undefined => {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(',') : v;
};

/**
 * Which credential a request came with (README "Developer settings"):
 * - `Authorization: Bearer <session token>`;
 * - `Authorization: mxtoken <personal access token>`;
 * - `Mendix-Username: <email>` + `Mendix-ApiKey: <key>`;
 * - nothing: undefined.
 * Two at once (an Authorization and an API key) is refused rather than guessed at (401), and anything else in
 * Authorization is no session (401).
 */
export function presentedCredential(req: Request): Presented | undefined {
  const authorization = header(req, 'authorization');
  const username = header(req, 'mendix-username');
  const key = header(req, 'mendix-apikey');
  const apiKey = username !== undefined || key !== undefined;
  if (authorization !== undefined && apiKey) throw unauthenticated('Send one credential: an Authorization header or an API key, not both');
  // A half-sent key or a malformed token is still that kind of credential: refused as one (403) by its lookup,
  // which needs no database for it, or as a kind the route does not accept.
  if (apiKey) return { kind: 'apiKey', username: (username ?? '').trim(), key: (key ?? '').trim() };
  if (authorization === undefined) return undefined;
  if (MXTOKEN_SCHEME.test(authorization)) return { kind: 'pat', token: MXTOKEN.exec(authorization)?.[1] ?? '' };
  const bearer = BEARER.exec(authorization);
  if (!bearer) throw unauthenticated();
  return { kind: 'session', token: bearer[1]! };
}

/**
 * Resolves every request to one principal, whatever credential it came with, or refuses it: no credential or
 * a bad session is 401; a kind the route does not accept, and a bad token or key, are 403. Each credential is
 * looked up on every request, without a cache, so a revoked one is refused by every API process at once.
 */
export function createAuthenticate({ sessions, tokens, apiKeys }: { sessions: Sessions; tokens: AccessTokens; apiKeys: ApiKeys }): Authenticate {
  return async (req: Request, accepted: readonly CredentialKind[] = CREDENTIAL_KINDS): Promise<Principal> => {
    const presented = presentedCredential(req);
    if (!presented) throw unauthenticated(`Authentication is required: ${accepted.map((k) => NAMES[k]).join(', or ')}`);
    if (!accepted.includes(presented.kind)) throw credentialNotAccepted(presented.kind, accepted);
    switch (presented.kind) {
      case 'session': {
        const principal = await sessions.authenticate(presented.token);
        if (!principal) throw unauthenticated();
        return principal;
      }
      case 'pat':
        return tokens.authenticate(presented.token);
      case 'apiKey':
        return apiKeys.authenticate(presented.username, presented.key);
    }
  };
}

/**
 * The security schemes of the OpenAPI document, one per kind of credential; each operation lists the ones it
 * accepts (api/route.ts), the API key's two headers together in one requirement.
 */
export function registerSecuritySchemes(registry: OpenAPIRegistry): void {
  registry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    description: 'A session token from `POST /v1/sessions`: `Authorization: Bearer <token>`. Carries every scope.',
  });
  registry.registerComponent('securitySchemes', 'mxtoken', {
    type: 'apiKey',
    in: 'header',
    name: 'Authorization',
    description:
      'A personal access token from `POST /v1/developer-settings/personal-access-tokens`, sent as `Authorization: mxtoken <token>` ' +
      '(the whole header value, scheme included). It may do what its scopes allow (`GET /v1/pat-scopes`); an operation names the ' +
      'scope it needs in its requirement. Refusals are 403.',
  });
  registry.registerComponent('securitySchemes', 'mendixUsername', {
    type: 'apiKey',
    in: 'header',
    name: 'Mendix-Username',
    description: 'With `Mendix-ApiKey`: the login email of the account that created the API key.',
  });
  registry.registerComponent('securitySchemes', 'mendixApiKey', {
    type: 'apiKey',
    in: 'header',
    name: 'Mendix-ApiKey',
    description:
      'With `Mendix-Username`: an API key from `POST /v1/developer-settings/api-keys`. It acts with exactly the privileges of ' +
      'its account (every scope). Refusals are 403.',
  });
}
