import { timingSafeEqual } from 'node:crypto';
import { hmacHex, sha256 } from '../lib/crypto';
import type { CodeRejection } from '../workflows/shared/verification';

type Kinds = { [K in CodeRejection['kind']]: { message(r: Extract<CodeRejection, { kind: K }>): string; path(r: Extract<CodeRejection, { kind: K }>): string } };

/**
 * Every "this was not you" action a code email can carry, one entry per kind: what its token is an HMAC
 * of (a prefix of its own, so a token of one kind is worthless for another) and the public,
 * unauthenticated request that takes it.
 */
const KINDS: Kinds = {
  'profile-merge': {
    message: (r) => `merge-reject:${r.mergeId}`,
    path: (r) => `/v1/profile/merges/${r.mergeId}/rejection`,
  },
};

const kindOf = (r: CodeRejection) => KINDS[r.kind] as { message(r: CodeRejection): string; path(r: CodeRejection): string };

/**
 * The token a code email carries: the HMAC of the flow's id under the `rejectionToken` subkey
 * (lib/keys.ts). Derived, never stored: the activity that sends the email and the API that checks the
 * token compute it here, and the workflow passes only the ids.
 */
export function rejectionToken(key: Buffer, r: CodeRejection): string {
  return hmacHex(key, kindOf(r).message(r));
}

/** The request that takes the token, for the email's text. */
export function rejectionPath(r: CodeRejection): string {
  return kindOf(r).path(r);
}

/** Whether `token` is the one for `r`, compared in constant time (whatever its length). */
export function rejectionTokenMatches(key: Buffer, r: CodeRejection, token: string): boolean {
  return timingSafeEqual(sha256(rejectionToken(key, r)), sha256(token));
}
