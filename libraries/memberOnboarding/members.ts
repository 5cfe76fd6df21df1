import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { Queryable } from '../../db/client';
import { violatedConstraint } from '../../db/errors';
import { findCompanyMember, insertInvitation, insertInvitedAccount, type MemberRow } from '../../db/queries/memberInvitations';
import { insertProfile } from '../../db/queries/people';
import { lockProfile, upsertAvatar } from '../../db/queries/profileSettings';
import { AppError, notFound } from '../../lib/errors';
import { workflowIds } from '../../workflows/shared/ids';
import { assertCompanyManager, type Actor, type CompanyActions } from '../companyAccess';
import { processAvatar } from '../profile/avatarImage';
import { countryName } from '../profile/countries';
import type { CodeFlows } from '../verification';
import { memberExists, type AddressCheck } from './addressConflicts';
import { startInvitationWorkflow } from './workflow';

/** What an admin tells about a new member: the same fields for one member and for each row of an import. */
export interface NewMember {
  email: string;
  name: string;
  jobTitle?: string | null | undefined;
  country?: string | null | undefined;
}

export interface OnboardingSettings {
  taskQueue: string;
  /** INVITATION_TTL_SECONDS. */
  ttlMs: number;
  /** How many times an invitation may be resent. */
  maxResends: number;
  /** The kit's code rules: the least time between two sends, and wrong codes before an invitation fails. */
  challenge: { resendIntervalMs: number; maxAttempts: number };
}

/** An invitation may be resent 5 times, at most once a minute (INVITATION_RESEND_INTERVAL_SECONDS); 5 wrong codes fail it (the kit's default). */
export const INVITATION_POLICY = { maxResends: 5, challenge: { resendIntervalMs: 60_000, maxAttempts: 5 } } as const;

const memberNotFound = () => notFound('member.not_found', 'No such member in this company');

/**
 * Whether the company API's actions will let the caller in. Work before the action (decoding an image,
 * creating an import's members) is done only then: a stranger is refused (and audited as such by `write`)
 * before it.
 */
export function mayOnboard(actor: Actor, companyId: string): boolean {
  try {
    assertCompanyManager(actor.principal, companyId);
    return true;
  } catch {
    return false;
  }
}

export const memberView = (m: MemberRow) => ({
  accountId: m.accountId, profileId: m.profileId, email: m.email, name: m.name, jobTitle: m.jobTitle,
  country: m.country ? { code: m.country, name: countryName(m.country) } : null, avatarUrl: m.avatarUrl, status: m.status,
});
export type MemberView = ReturnType<typeof memberView>;

export interface CreatedMember {
  member: MemberView;
  invitation: { id: string; status: 'pending'; expiresAt: string };
}

/**
 * Creating members and their pictures (README "Onboarding"). Each member is one transaction, checked and
 * audited by the company API's actions: the profile, the `invited` account (no password), the picture, the
 * invitation's row, then the start of its run. The run is started last, inside the transaction: a start that
 * fails rolls the member back (503), and a run whose transaction then failed finds no row and ends.
 */
export function createMembers(
  { temporal, companyActions, codeFlows, addressCheck, settings }:
  { temporal: Client; companyActions: CompanyActions; codeFlows: CodeFlows; addressCheck: AddressCheck; settings: OnboardingSettings },
) {
  async function insertMember(tx: Queryable, actor: Actor, companyId: string, m: NewMember, ids: Ids, avatar: Avatar | undefined, importId: string | null) {
    await insertProfile(tx, { id: ids.profileId, displayName: m.name, jobTitle: m.jobTitle ?? null, country: m.country ?? null });
    await insertInvitedAccount(tx, { id: ids.accountId, profileId: ids.profileId, email: m.email, companyId });
    if (avatar) await upsertAvatar(tx, ids.profileId, avatar);
    const expiresAt = Date.now() + settings.ttlMs;
    await insertInvitation(tx, {
      id: ids.invitationId, companyId, accountId: ids.accountId, invitedByAccountId: actor.principal.accountId, importId,
      workflowId: workflowIds.memberInvitation(ids), expiresAt: new Date(expiresAt),
    });
    await codeFlows.call(() => startInvitationWorkflow(temporal, settings.taskQueue, {
      profileId: ids.profileId,
      input: {
        invitationId: ids.invitationId, accountId: ids.accountId, companyId, expiresAt, ttlMs: settings.ttlMs,
        maxResends: settings.maxResends, challenge: settings.challenge,
      },
    }));
    return expiresAt;
  }

  return {
    /**
     * Creates a member with its invitation. `picture`: the image's bytes, checked and re-encoded like a profile's
     * avatar before anything is written. 409 `member.exists` when any account has the address (whatever its
     * company: nothing else is said about it), within the company's budget of such answers for an account
     * elsewhere (429 past it: ./addressConflicts.ts). Audited `member.created`.
     */
    async create(actor: Actor, companyId: string, m: NewMember, { picture, importId = null }: { picture?: Buffer; importId?: string | null } = {}): Promise<CreatedMember> {
      const avatar = picture && mayOnboard(actor, companyId) ? await processAvatar(picture) : undefined;
      const ids: Ids = { accountId: randomUUID(), profileId: randomUUID(), invitationId: randomUUID() };
      return companyActions.write(actor, { companyId, action: 'member.created', subjectType: 'account', subjectId: ids.accountId }, async (tx) => {
        let expiresAt: number;
        try {
          expiresAt = await insertMember(tx, actor, companyId, m, ids, avatar, importId);
        } catch (err) {
          // Another request created the address's account between the check and the insert.
          if (violatedConstraint(err) === 'accounts__email__unique') throw memberExists();
          throw err;
        }
        const row = await findCompanyMember(tx, companyId, ids.accountId);
        return {
          result: { member: memberView(row!), invitation: { id: ids.invitationId, status: 'pending' as const, expiresAt: new Date(expiresAt).toISOString() } },
          details: { profileId: ids.profileId, invitationId: ids.invitationId, picture: avatar !== undefined, ...(importId ? { importId } : {}) },
        };
      }, { before: () => addressCheck(actor, companyId, m.email) });
    },

    /**
     * Sets the picture of a member who has not accepted the invitation yet; once they have, the profile is
     * theirs. The same checks and processing as `PUT /v1/profile/avatar`. Audited `member.picture_set`.
     */
    async setPicture(actor: Actor, companyId: string, accountId: string, bytes: Buffer): Promise<MemberView> {
      const avatar = mayOnboard(actor, companyId) ? await processAvatar(bytes) : undefined;
      return companyActions.write(actor, { companyId, action: 'member.picture_set', subjectType: 'account', subjectId: accountId }, async (tx) => {
        const member = await findCompanyMember(tx, companyId, accountId);
        if (!member) throw memberNotFound();
        if (member.status !== 'invited') {
          throw new AppError(409, 'member.not_invited', 'The member has accepted the invitation: the picture is theirs to change');
        }
        if (!(await lockProfile(tx, member.profileId))) throw memberNotFound();
        await upsertAvatar(tx, member.profileId, avatar!);
        return { result: memberView((await findCompanyMember(tx, companyId, accountId))!), details: { profileId: member.profileId } };
      });
    },
  };
}
export type Members = ReturnType<typeof createMembers>;

interface Ids {
  accountId: string;
  profileId: string;
  invitationId: string;
}
type Avatar = Awaited<ReturnType<typeof processAvatar>>;
