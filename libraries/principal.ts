import { ALL_SCOPES, type Scope } from './scopes';

/**
 * The kinds of credential a request can come with (README "Developer settings"):
 * - `session`: `Authorization: Bearer <token>` from `POST /v1/sessions`;
 * - `apiKey`: `Mendix-Username: <email>` + `Mendix-ApiKey: <key>`;
 * - `pat`: `Authorization: mxtoken <token>`, a personal access token.
 */
export type CredentialKind = 'session' | 'apiKey' | 'pat';
export const CREDENTIAL_KINDS: readonly CredentialKind[] = ['session', 'apiKey', 'pat'];

interface PrincipalBase {
  /** What the request came with: its kind and the id of its row (session, API key or token). */
  credential: { kind: CredentialKind; id: string };
  accountId: string;
  profileId: string;
  companyId: string | null;
  isCompanyAdmin: boolean;
  isServiceAccount: boolean;
  /**
   * What this credential may do (libraries/scopes.ts): every scope for a session or an API key (all of the
   * user's privileges), the scopes chosen at creation for a PAT. The account's own rights (company admin,
   * the company boundary) are checked by each operation besides.
   */
  scopes: readonly Scope[];
  /**
   * The account's password has expired (README "Password expiry"): this session may only change the
   * password or sign out; every other route answers 403 `auth.password_expired`. Computed per request.
   * Sessions only: an API key or a token is no password, and has its own lifetime.
   */
  passwordExpired?: boolean;
}

/** A signed-in session: what the routes that need one (signing out, changing the password) are given. */
export interface SessionPrincipal extends PrincipalBase {
  credential: { kind: 'session'; id: string };
  /** The session's id, the same as `credential.id`. */
  sessionId: string;
}

/** An API key or a personal access token. */
export interface TokenPrincipal extends PrincipalBase {
  credential: { kind: 'apiKey' | 'pat'; id: string };
}

/** Who is asking: what every business call is told, whatever credential the request came with. */
export type Principal = SessionPrincipal | TokenPrincipal;

/** The account facts every credential lookup reads along with its credential, in the same query. */
export interface AccountFacts {
  accountId: string;
  profileId: string;
  companyId: string | null;
  isCompanyAdmin: boolean;
  isServiceAccount: boolean;
}

export function sessionPrincipal(sessionId: string, account: AccountFacts, passwordExpired: boolean): SessionPrincipal {
  return { credential: { kind: 'session', id: sessionId }, sessionId, ...accountFacts(account), scopes: ALL_SCOPES, passwordExpired };
}

export function tokenPrincipal(kind: 'apiKey' | 'pat', id: string, account: AccountFacts, scopes: readonly Scope[]): TokenPrincipal {
  return { credential: { kind, id }, ...accountFacts(account), scopes, passwordExpired: false };
}

const accountFacts = (a: AccountFacts): AccountFacts => ({
  accountId: a.accountId, profileId: a.profileId, companyId: a.companyId, isCompanyAdmin: a.isCompanyAdmin, isServiceAccount: a.isServiceAccount,
});

export const hasScope = (principal: Principal, scope: Scope): boolean => principal.scopes.includes(scope);
