import type { Queryable, Sql } from '../db/client';
import { revokeAllCredentials } from '../db/queries/credentials';
import { lockCompanyMember, setMemberStatus, type MemberStatusRow } from '../db/queries/memberStatus';
import { AppError } from '../lib/errors';
import { createCompanyActions, type Actor } from './companyAccess';

/**
 * Deactivating and reactivating a member of a company (README "Company user management"; the seed's step 2 of
 * offboarding). Deactivation ends every way in at once, in one transaction: the status, and every session, API
 * key and personal access token. Reactivation is a separate action that restores the status only: revoked
 * credentials stay revoked, so the person signs in again and mints new tokens, and an automation that used
 * the old ones cannot come back silently.
 */

export interface MemberState {
  accountId: string;
  companyId: string;
  status: 'active' | 'deactivated';
  deactivatedAt: string | null;
  /** False when the member already was in this state: the call changed nothing. */
  changed: boolean;
}

export interface Deactivation extends MemberState {
  /** How many live credentials of each kind this call ended (zero when there were none left). */
  revokedCredentials: { sessions: number; apiKeys: number; personalAccessTokens: number };
}

export const memberNotFound = () => new AppError(404, 'member.not_found', 'No such member of this company');

/** An onboarded member who never accepted the invitation has no password: there is nothing to reactivate. */
export const neverActivated = () => new AppError(
  409, 'member.never_activated',
  'This member never accepted the invitation and has no password, so the account cannot be active; invite them again',
);

const state = (companyId: string, row: MemberStatusRow & { status: MemberState['status'] }, changed: boolean): MemberState => ({
  accountId: row.accountId, companyId, status: row.status, deactivatedAt: row.deactivatedAt?.toISOString() ?? null, changed,
});

/**
 * Deactivates an account already locked (by `lockCompanyMember`): sets the status and revokes every
 * credential. Idempotent: a deactivated account keeps its first `deactivated_at`, and its credentials are
 * revoked again, which finds none. Shared with the revocation of service accounts.
 */
export async function deactivateLocked(tx: Queryable, companyId: string, row: MemberStatusRow): Promise<Deactivation> {
  const changed = row.status !== 'deactivated';
  // An invited member too: its pending invitation can then no longer be accepted (libraries/memberOnboarding/accept.ts).
  const now = row.status === 'deactivated' ? { ...row, status: row.status } : await setMemberStatus(tx, row.accountId, 'deactivated');
  const revoked = await revokeAllCredentials(tx, row.accountId);
  return {
    ...state(companyId, now, changed),
    revokedCredentials: { sessions: revoked.sessions, apiKeys: revoked.api_keys, personalAccessTokens: revoked.personal_access_tokens },
  };
}

/** A human member of the company, locked; 404 `member.not_found` for anyone else (service accounts have their own endpoints). */
async function lockMember(tx: Queryable, companyId: string, accountId: string): Promise<MemberStatusRow> {
  const row = await lockCompanyMember(tx, companyId, accountId);
  if (!row || row.isServiceAccount) throw memberNotFound();
  return row;
}

/**
 * Deactivates a member of the company and revokes its sessions, API keys and personal access tokens, in the
 * caller's transaction. Idempotent: a deactivated member answers its state (`changed: false`). Throws 404
 * `member.not_found` for an account that is not a human member of the company. For the API and for
 * offboarding's activities alike (the API adds that an admin cannot deactivate themselves).
 */
export async function deactivateMember(tx: Queryable, { companyId, accountId }: { companyId: string; accountId: string }): Promise<Deactivation> {
  return deactivateLocked(tx, companyId, await lockMember(tx, companyId, accountId));
}

/**
 * Reactivates a member: the status only, never a revoked credential. Idempotent (`changed: false`). An account
 * without a password, single sign-on or service (an invited member, or one deactivated before accepting) is
 * refused with 409 `member.never_activated`: only an active account must have a way to sign in (00017).
 */
export async function reactivateMember(tx: Queryable, { companyId, accountId }: { companyId: string; accountId: string }): Promise<MemberState> {
  const row = await lockMember(tx, companyId, accountId);
  if (row.status === 'active') return state(companyId, { ...row, status: row.status }, false);
  if (!row.canSignIn) throw neverActivated();
  return state(companyId, await setMemberStatus(tx, accountId, 'active'), true);
}

export function createMemberDeactivation({ sql }: { sql: Sql }) {
  const actions = createCompanyActions({ sql });
  return {
    /** Audited as `member.deactivated`, with the credentials it ended; refused for oneself (409). */
    async deactivate(actor: Actor, companyId: string, accountId: string): Promise<Deactivation> {
      return actions.write(actor, { companyId, action: 'member.deactivated', subjectType: 'account', subjectId: accountId }, async (tx) => {
        if (accountId === actor.principal.accountId) {
          throw new AppError(409, 'member.cannot_deactivate_self', 'You cannot deactivate your own account; another admin can');
        }
        const result = await deactivateMember(tx, { companyId, accountId });
        return { result, details: { changed: result.changed, ...result.revokedCredentials } };
      });
    },

    /** Audited as `member.reactivated`. */
    async reactivate(actor: Actor, companyId: string, accountId: string): Promise<MemberState> {
      return actions.write(actor, { companyId, action: 'member.reactivated', subjectType: 'account', subjectId: accountId }, async (tx) => {
        const result = await reactivateMember(tx, { companyId, accountId });
        return { result, details: { changed: result.changed } };
      });
    },
  };
}
export type MemberDeactivationService = ReturnType<typeof createMemberDeactivation>;
