import type { Sql } from '../db/client';
import { findLiveSession } from '../db/queries/sessions';
import { sha256 } from '../lib/crypto';
import { HttpError } from './errors';
import type { Authenticate } from './route';

// The scheme name is case-insensitive (RFC 9110 §11.1).
const BEARER = /^Bearer ([A-Za-z0-9_-]{16,256})$/i;

export function unauthenticated(): HttpError {
  return new HttpError(401, 'auth.unauthenticated', 'A valid session token is required', {
    headers: { 'WWW-Authenticate': 'Bearer realm="custodian"' },
  });
}

/** Resolves `Authorization: Bearer <token>` to its live session; the token is looked up by hash only. */
export function createAuthenticate(sql: Sql): Authenticate {
  return async (req) => {
    const match = BEARER.exec(req.headers.authorization ?? '');
    if (!match) throw unauthenticated();
    const principal = await findLiveSession(sql, sha256(match[1]!));
    if (!principal) throw unauthenticated();
    return principal;
  };
}
