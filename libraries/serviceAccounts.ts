import type { Queryable, Sql } from '../db/client';
import { lockCompanyMember } from '../db/queries/memberStatus';
import { revokeToken } from '../db/queries/personalAccessTokens';
import {
  findServiceAccount, insertServiceAccount, listServiceAccounts, listTokensOfAccounts, lockCompanyAndCountServiceAccounts,
  type ServiceAccountRow,
} from '../db/queries/serviceAccounts';
import { AppError } from '../lib/errors';
import { issueToken, tokenView, type TokenView } from './accessTokens';
import { createCompanyActions, type Actor } from './companyAccess';
import type { CredentialCache } from './credentialCache';
import { deactivateLocked } from './memberDeactivation';
import type { Scope } from './scopes';

/**
 * Service accounts (README "Company user management"): company accounts that HR and IT automations call the
 * company API with, through personal access tokens of chosen scopes. Only a company admin creates, lists,
 * rotates and revokes them: never a service account, so an automation cannot mint itself more power or
 * outlive its own revocation. Their tokens never expire (an automation whose token lapsed would break
 * silently, and a service account has no mailbox to warn); they are rotated by issuing a new one and
 * deleting the old, and the listing shows when each was last used.
 */

/** Active service accounts a company may hold at once: enough for every integration, bounded against abuse. */
export const MAX_SERVICE_ACCOUNTS_PER_COMPANY = 100;

export interface ServiceAccountView {
  id: string;
  companyId: string;
  name: string;
  status: 'active' | 'deactivated';
  createdAt: string;
  /** When it was revoked; null while active. */
  revokedAt: string | null;
  tokens: TokenView[];
}

const view = (companyId: string, row: ServiceAccountRow, tokens: TokenView[]): ServiceAccountView => ({
  id: row.accountId, companyId, name: row.name, status: row.status, createdAt: row.createdAt.toISOString(),
  revokedAt: row.deactivatedAt?.toISOString() ?? null, tokens,
});

export const serviceAccountNotFound = () => new AppError(404, 'service_account.not_found', 'No such service account in this company');

/** A company admin acting as a person: a service account is refused, whatever its scopes. */
function assertHumanAdmin(actor: Actor): void {
  if (actor.principal.isServiceAccount) {
    throw new AppError(403, 'service_account.not_permitted', 'A service account cannot manage service accounts; a company admin can');
  }
}

/** The service account, active; 404 if the company has none by that id, 409 once revoked. */
async function activeServiceAccount(tx: Queryable, companyId: string, accountId: string): Promise<ServiceAccountRow> {
  const row = await findServiceAccount(tx, companyId, accountId);
  if (!row) throw serviceAccountNotFound();
  if (row.status !== 'active') throw new AppError(409, 'service_account.revoked', 'This service account is revoked; create a new one');
  return row;
}

type NewToken = { name: string; scopes: readonly Scope[] };

export function createServiceAccounts({ sql, cache }: { sql: Sql; cache?: CredentialCache }) {
  // Revoking answers once every API process has evicted the tokens it ended (libraries/credentialCache).
  const actions = createCompanyActions({ sql, revocations: cache?.revocations });
  const companyAction = (companyId: string, action: string) => ({ companyId, action, subjectType: 'company', subjectId: companyId });
  const accountAction = (companyId: string, action: string, accountId: string) => ({ companyId, action, subjectType: 'account', subjectId: accountId });

  return {
    /** A new service account and its first token (named as the account), whose secret is in this answer only. */
    async create(actor: Actor, companyId: string, input: NewToken): Promise<{ serviceAccount: ServiceAccountView; token: TokenView & { token: string } }> {
      return actions.write(actor, companyAction(companyId, 'service_account.created'), async (tx) => {
        assertHumanAdmin(actor);
        const live = await lockCompanyAndCountServiceAccounts(tx, companyId);
        if (live !== undefined && live >= MAX_SERVICE_ACCOUNTS_PER_COMPANY) {
          throw new AppError(409, 'service_account.limit_reached', `A company can hold at most ${MAX_SERVICE_ACCOUNTS_PER_COMPANY} active service accounts; revoke one first`);
        }
        const row = await insertServiceAccount(tx, { companyId, name: input.name });
        const token = (await issueToken(tx, row.accountId, { ...input, expiresAt: null }))!;
        const { token: _secret, ...shown } = token;
        return {
          result: { serviceAccount: view(companyId, row, [shown]), token },
          details: { serviceAccountId: row.accountId, tokenId: token.id, scopes: token.scopes },
        };
      });
    },

    /** Every service account of the company, revoked ones included, with their live tokens' metadata (never a secret). */
    async list(actor: Actor, companyId: string): Promise<{ items: ServiceAccountView[] }> {
      return actions.read(actor, { ...companyAction(companyId, 'service_account.listed'), audit: true }, async () => {
        assertHumanAdmin(actor);
        // The uses this process has queued are written first, so the listing shows them.
        await cache?.lastUsed.flush();
        const rows = await listServiceAccounts(sql, companyId);
        const tokens = await listTokensOfAccounts(sql, rows.map((r) => r.accountId));
        const now = Date.now();
        return { items: rows.map((r) => view(companyId, r, tokens.filter((t) => t.accountId === r.accountId).map((t) => tokenView(t, now)))) };
      });
    },

    /** Another token for an active service account (rotation: issue the new one, switch, then delete the old). */
    async issueToken(actor: Actor, companyId: string, accountId: string, input: NewToken): Promise<TokenView & { token: string }> {
      return actions.write(actor, accountAction(companyId, 'service_account.token_created', accountId), async (tx) => {
        assertHumanAdmin(actor);
        await activeServiceAccount(tx, companyId, accountId);
        const token = (await issueToken(tx, accountId, { ...input, expiresAt: null }))!;
        return { result: token, details: { tokenId: token.id, scopes: token.scopes } };
      });
    },

    /** Deletes one token of a service account: refused from its next request on. */
    async revokeToken(actor: Actor, companyId: string, accountId: string, tokenId: string): Promise<void> {
      await actions.write(actor, accountAction(companyId, 'service_account.token_revoked', accountId), async (tx) => {
        assertHumanAdmin(actor);
        if (!(await findServiceAccount(tx, companyId, accountId))) throw serviceAccountNotFound();
        if (!(await revokeToken(tx, accountId, tokenId))) throw new AppError(404, 'personal_access_token.not_found', 'No such token of this service account');
        return { result: undefined, details: { tokenId } };
      });
    },

    /**
     * Revokes a service account: deactivated, and every credential revoked, in one transaction; its next
     * request is refused. Idempotent: a revoked one answers its state. It stays listed, on record.
     */
    async revoke(actor: Actor, companyId: string, accountId: string): Promise<ServiceAccountView> {
      return actions.write(actor, accountAction(companyId, 'service_account.revoked', accountId), async (tx) => {
        assertHumanAdmin(actor);
        const locked = await lockCompanyMember(tx, companyId, accountId);
        if (!locked?.isServiceAccount) throw serviceAccountNotFound();
        const done = await deactivateLocked(tx, companyId, locked);
        const row = (await findServiceAccount(tx, companyId, accountId))!;
        return { result: view(companyId, row, []), details: { changed: done.changed, ...done.revokedCredentials } };
      });
    },
  };
}
export type ServiceAccounts = ReturnType<typeof createServiceAccounts>;
