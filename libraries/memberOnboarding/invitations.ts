import type { Client } from '@temporalio/client';
import type { Sql } from '../../db/client';
import {
  findInvitation, listInvitations, recordResend, type InvitationRecord, type InvitationStatusName,
} from '../../db/queries/memberInvitations';
import { AppError, notFound } from '../../lib/errors';
import { invitationCodeUpdates, revokeInvitationUpdate } from '../../workflows/shared/memberInvitationContract';
import type { Actor, CompanyActions } from '../companyAccess';
import { decodeCursor, encodeCursor } from '../cursor';
import type { FlowErrors } from '../temporalErrors';
import type { CodeFlows } from '../verification';
import type { OnboardingSettings } from './members';
import type { InvitationHandle } from './workflow';

export const INVITATION_ERRORS = {
  notFound: 'invitation.not_found',
  closed: 'invitation.closed',
  invalidStep: 'invitation.invalid_step',
  tooManyResends: 'invitation.too_many_resends',
  notReady: 'invitation.not_ready',
} as const;

const STATUS_WORDS: Record<InvitationStatusName, string> = {
  pending: 'is still pending', accepted: 'was accepted', expired: 'has expired', revoked: 'was revoked', failed: 'has failed',
};

/** 409 for an invitation that has ended, saying how; the row tells more (`GET …/invitations/{id}`). */
export const invitationClosed = (status?: InvitationStatusName) =>
  new AppError(409, INVITATION_ERRORS.closed, `This invitation ${status ? STATUS_WORDS[status] : 'has ended'}`);

/** 409 for a pending invitation whose member an admin deactivated: it can be neither accepted nor resent. */
export const invitationOfDeactivatedMember = () => new AppError(409, INVITATION_ERRORS.closed, 'This invitation has ended: the member was deactivated');

/** 409 for an acceptance that comes before the run issued the invitation's first code: its start takes a moment. */
export const invitationNotReady = () =>
  new AppError(409, INVITATION_ERRORS.notReady, 'This invitation has no code yet; try again in a moment', { headers: { 'Retry-After': '2' } });

export const invitationFlowErrors: FlowErrors = {
  invalidStep: INVITATION_ERRORS.invalidStep,
  unknownRecipient: INVITATION_ERRORS.invalidStep,
  closed: () => invitationClosed(),
};

export const invitationNotFound = () => notFound(INVITATION_ERRORS.notFound, 'No such invitation');

export function invitationView(row: InvitationRecord, maxResends: number) {
  return {
    id: row.id, accountId: row.accountId, email: row.email, status: row.status,
    createdAt: row.createdAt.toISOString(), expiresAt: row.expiresAt.toISOString(), closedAt: row.closedAt?.toISOString() ?? null,
    resendsLeft: row.status === 'pending' ? Math.max(0, maxResends - row.resends) : 0,
  };
}
export type InvitationView = ReturnType<typeof invitationView>;

/**
 * A company's invitations as its admins and service accounts manage them (README "Onboarding"): read from
 * their rows, resent and revoked through their runs. Every action is checked and audited by the company API's
 * actions; an invitation of another company is 404, as one that does not exist.
 */
export function createInvitations(
  { sql, temporal, companyActions, codeFlows, settings }:
  { sql: Sql; temporal: Client; companyActions: CompanyActions; codeFlows: CodeFlows; settings: OnboardingSettings },
) {
  const view = (row: InvitationRecord) => invitationView(row, settings.maxResends);
  const handleOf = (row: InvitationRecord): InvitationHandle => temporal.workflow.getHandle(row.workflowId);

  /** The company's invitation; read outside the action's transaction, which must lock nothing its run waits for. */
  async function ofCompany(companyId: string, id: string): Promise<InvitationRecord> {
    const row = await findInvitation(sql, id);
    if (!row || row.companyId !== companyId) throw invitationNotFound();
    return row;
  }

  return {
    async get(actor: Actor, companyId: string, id: string): Promise<InvitationView> {
      return companyActions.read(actor, { companyId, action: 'invitation.read', subjectType: 'invitation', subjectId: id }, async () =>
        view(await ofCompany(companyId, id)));
    },

    /** Newest first, by keyset on (created_at, id); `status` filters. */
    async list(actor: Actor, companyId: string, q: { status?: InvitationStatusName | undefined; limit: number; cursor?: string | undefined }) {
      return companyActions.read(actor, { companyId, action: 'invitation.listed', subjectType: 'company', subjectId: companyId }, async () => {
        const after = decodeCursor(q.cursor, ['timestamp', 'uuid']);
        const rows = await listInvitations(sql, { companyId, ...(q.status ? { status: q.status } : {}), ...(after ? { after } : {}), limit: q.limit + 1 });
        const page = rows.slice(0, q.limit);
        const last = page.at(-1);
        return { items: page.map(view), nextCursor: rows.length > q.limit && last ? encodeCursor([last.createdKey, last.id]) : null };
      });
    },

    /**
     * A new code, by email (the kit's requestCode): the old one stops working and the invitation gets its full
     * time again. At most once a minute (429 + Retry-After), `maxResends` times (409), and within the address's
     * daily quota of codes (429). Audited `invitation.resent`.
     */
    async resend(actor: Actor, companyId: string, id: string): Promise<InvitationView> {
      return companyActions.write(actor, { companyId, action: 'invitation.resent', subjectType: 'invitation', subjectId: id }, async (tx) => {
        const row = await ofCompany(companyId, id);
        if (row.status !== 'pending') throw invitationClosed(row.status);
        // Its member was deactivated meanwhile: the invitation cannot be accepted, so no new code is sent.
        if (row.accountStatus !== 'invited') throw invitationOfDeactivatedMember();
        if (row.resends >= settings.maxResends) {
          throw new AppError(409, INVITATION_ERRORS.tooManyResends, `This invitation was resent ${settings.maxResends} times already; revoke it and create the member again`);
        }
        const sent = await codeFlows.requestCode(handleOf(row), invitationCodeUpdates, {}, invitationFlowErrors);
        const resends = settings.maxResends - sent.status.resendsLeft;
        const expiresAt = new Date(sent.status.expiresAt);
        await recordResend(tx, id, expiresAt, resends);
        return { result: view({ ...row, resends, expiresAt }), details: { resends } };
      });
    },

    /**
     * Ends a pending invitation: its run closes it and removes the account it created, which nobody used, so
     * the address may be invited again. Revoking a revoked invitation answers it again. Audited `invitation.revoked`.
     */
    async revoke(actor: Actor, companyId: string, id: string): Promise<InvitationView> {
      return companyActions.write(actor, { companyId, action: 'invitation.revoked', subjectType: 'invitation', subjectId: id }, async () => {
        const row = await ofCompany(companyId, id);
        if (row.status === 'revoked') return { result: view(row), details: { accountId: row.accountId, memberRemoved: row.accountId === null, repeated: true } };
        if (row.status !== 'pending') throw invitationClosed(row.status);
        // Waits for the run's close, which writes the row in its own transaction: this one holds no lock.
        await codeFlows.update(invitationFlowErrors, () => handleOf(row).executeUpdate(revokeInvitationUpdate)).catch(async (err: unknown) => {
          // Accepted or expired meanwhile: say which.
          if (err instanceof AppError && err.code === INVITATION_ERRORS.invalidStep) throw invitationClosed((await ofCompany(companyId, id)).status);
          throw err;
        });
        const after = await ofCompany(companyId, id);
        return { result: view(after), details: { accountId: row.accountId, memberRemoved: after.accountId === null, repeated: false } };
      });
    },
  };
}
export type Invitations = ReturnType<typeof createInvitations>;
