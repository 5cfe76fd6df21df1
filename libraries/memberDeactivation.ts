import type { Queryable, Sql } from '../db/client';
import { revokeAllCredentials } from '../db/queries/credentials';
import { lockActiveAdmins, lockCompanyMember, setMemberStatus, type MemberStatusRow } from '../db/queries/memberStatus';
import { AppError } from '../lib/errors';
import { createCompanyActions, type Actor } from './companyAccess';
import type { Revocations } from './credentialCache';

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

/**
 * A company admin's account is changed by a person only: a service account (an HR system's token) could
 * otherwise lock every admin out, or bring back an admin account that was deactivated.
 */
export const adminTargetRequiresAdmin = () => new AppError(
  403, 'member.admin_target_requires_admin',
  'Only a company admin, as a person, can deactivate, reactivate or offboard a company admin; a service account cannot',
);

/** The company would have no active admin left: nobody could manage it, nor undo this. */
export const lastAdmin = () => new AppError(
  409, 'member.last_admin',
  'This is the company\'s last active admin: make another member an admin before deactivating or offboarding them',
);

/**
 * Whether deactivating `accountIds` would take a company that has an active admin down to none. Pure: the API,
 * the offboarding request and the run's steps all ask it.
 */
export const leavesNoAdmin = (activeAdminIds: readonly string[], accountIds: readonly string[]): boolean =>
  activeAdminIds.length > 0 && activeAdminIds.every((id) => accountIds.includes(id));

/** Who asks for a change of status: `byServiceAccount` may not change a company admin's. */
export interface StatusChange {
  companyId: string;
  accountId: string;
  byServiceAccount?: boolean;
}

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
async function lockMember(tx: Queryable, { companyId, accountId, byServiceAccount }: StatusChange): Promise<MemberStatusRow> {
  const row = await lockCompanyMember(tx, companyId, accountId);
  if (!row || row.isServiceAccount) throw memberNotFound();
  if (row.isCompanyAdmin && byServiceAccount) throw adminTargetRequiresAdmin();
  return row;
}

/**
 * Deactivates a member of the company and revokes its sessions, API keys and personal access tokens, in the
 * caller's transaction. Idempotent: a deactivated member answers its state (`changed: false`). Throws 404
 * `member.not_found` for an account that is not a human member of the company, 403
 * `member.admin_target_requires_admin` for an admin's account `byServiceAccount`, and 409 `member.last_admin` for
 * the company's last active admin. For the API and for offboarding's activities alike (the API adds that an admin
 * cannot deactivate themselves).
 */
export async function deactivateMember(tx: Queryable, change: StatusChange): Promise<Deactivation> {
  // The company's admin lock before the account's row, in every deactivation: two admins deactivated at once are
  // decided in turn, and the second sees the first gone.
  const admins = await lockActiveAdmins(tx, change.companyId);
  const row = await lockMember(tx, change);
  if (leavesNoAdmin(admins, [row.accountId])) throw lastAdmin();
  return deactivateLocked(tx, change.companyId, row);
}

/**
 * Reactivates a member: the status only, never a revoked credential. Idempotent (`changed: false`). An account
 * without a password, single sign-on or service (an invited member, or one deactivated before accepting) is
 * refused with 409 `member.never_activated`: only an active account must have a way to sign in (00017). An admin's
 * account `byServiceAccount` is 403 `member.admin_target_requires_admin`.
 */
export async function reactivateMember(tx: Queryable, change: StatusChange): Promise<MemberState> {
  const { companyId, accountId } = change;
  const row = await lockMember(tx, change);
  if (row.status === 'active') return state(companyId, { ...row, status: row.status }, false);
  if (!row.canSignIn) throw neverActivated();
  return state(companyId, await setMemberStatus(tx, accountId, 'active'), true);
}

export function createMemberDeactivation({ sql, revocations }: { sql: Sql; revocations?: Revocations }) {
  const actions = createCompanyActions({ sql, revocations });
  return {
    /** Audited as `member.deactivated`, with the credentials it ended; refused for oneself and for the last admin (409). */
    async deactivate(actor: Actor, companyId: string, accountId: string): Promise<Deactivation> {
      return actions.write(actor, { companyId, action: 'member.deactivated', subjectType: 'account', subjectId: accountId }, async (tx) => {
        if (accountId === actor.principal.accountId) {
          throw new AppError(409, 'member.cannot_deactivate_self', 'You cannot deactivate your own account; another admin can');
        }
        const result = await deactivateMember(tx, { companyId, accountId, byServiceAccount: actor.principal.isServiceAccount });
        return { result, details: { changed: result.changed, ...result.revokedCredentials } };
      });
    },

    /** Audited as `member.reactivated`. */
    async reactivate(actor: Actor, companyId: string, accountId: string): Promise<MemberState> {
      return actions.write(actor, { companyId, action: 'member.reactivated', subjectType: 'account', subjectId: accountId }, async (tx) => {
        const result = await reactivateMember(tx, { companyId, accountId, byServiceAccount: actor.principal.isServiceAccount });
        return { result, details: { changed: result.changed } };
      });
    },
  };
}
export type MemberDeactivationService = ReturnType<typeof createMemberDeactivation>;
