import { AppError } from '../lib/errors';
import type { Sessions } from '../libraries/sessions';
import type { Authenticate } from './route';

// The scheme name is case-insensitive (RFC 9110 §11.1).
const BEARER = /^Bearer ([A-Za-z0-9_-]{16,256})$/i;

export function unauthenticated(): AppError {
  return new AppError(401, 'auth.unauthenticated', 'A valid session token is required', {
    headers: { 'WWW-Authenticate': 'Bearer realm="custodian"' },
  });
}

/** Resolves `Authorization: Bearer <token>` to its live session. */
export function createAuthenticate(sessions: Sessions): Authenticate {
  return async (req) => {
    const match = BEARER.exec(req.headers.authorization ?? '');
    if (!match) throw unauthenticated();
    const principal = await sessions.authenticate(match[1]!);
    if (!principal) throw unauthenticated();
    return principal;
  };
}
