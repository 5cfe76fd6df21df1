import { AppError } from '../lib/errors';
import type { CredentialKind } from './principal';
import type { Scope } from './scopes';

/**
 * The refusals of an API key or a personal access token: 403 in the one JSON error shape, as the seed shows
 * for PATs ("403 Access Denied", `{"error": …}`). Not 401: that tells a client to sign in again, which only a
 * session can do. A session that is missing, expired or unknown keeps its 401 `auth.unauthenticated`.
 */

/** Malformed, mistyped (wrong checksum), unknown, deleted or expired: one answer, so a leaked old token tells nothing. */
export const invalidToken = () => new AppError(403, 'auth.invalid_token', 'The personal access token is invalid, expired or deleted');

/** Unknown or revoked, sent with another account's email, or only one of the two headers. */
export const invalidApiKey = () =>
  new AppError(403, 'auth.invalid_api_key', 'The API key is invalid or revoked, or does not belong to the account named by Mendix-Username');

/** Only whoever holds a valid secret learns that its account is deactivated, as with sign-in. */
export const credentialOwnerDeactivated = () => new AppError(403, 'auth.account_deactivated', 'The account this credential belongs to is deactivated');

export const insufficientScope = (scope: Scope) =>
  new AppError(403, 'auth.insufficient_scope', `This operation needs the scope ${scope}, which this token was not given`);

const NAMES: Record<CredentialKind, string> = { session: 'a signed-in session', apiKey: 'an API key', pat: 'a personal access token' };

/** The route does not take this kind of credential, such as a token creating tokens. */
export const credentialNotAccepted = (kind: CredentialKind, accepted: readonly CredentialKind[]) =>
  new AppError(403, 'auth.credential_not_accepted', `This operation cannot be used with ${NAMES[kind]}; it needs ${accepted.map((k) => NAMES[k]).join(' or ')}`);
