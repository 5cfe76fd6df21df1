import type { Client, WorkflowHandle } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import type { Sql } from '../../db/client';
import { findProfileRecord } from '../../db/queries/profileSettings';
import {
  closeRecoveryEmailChangeRow, findLatestRecoveryEmailChange, insertRecoveryEmailChange, listOpenRecoveryEmailChanges,
  type RecoveryEmailChange,
} from '../../db/queries/recoveryEmailChanges';
import { AppError, notFound, retryLater } from '../../lib/errors';
import { consume, durableLimiter } from '../budgets';
import { DEFAULT_CHALLENGE_POLICY } from '../../workflows/shared/codeChallenge';
import { workflowIds } from '../../workflows/shared/ids';
import {
  cancelRecoveryEmailUpdate, recoveryEmailCodeUpdates, recoveryEmailStatusQuery, settledRecoveryEmailUpdate,
  type RecoveryEmailStatus, type VerifyRecoveryEmailInput,
} from '../../workflows/shared/recoveryEmailContract';
import { FLOW_STEP, PROFILE_ID } from '../../workflows/shared/searchAttributes';
import type { verifyRecoveryEmail } from '../../workflows/verifyRecoveryEmail';
import type { Principal } from '../principal';
import type { FlowErrors } from '../temporalErrors';
import type { CodeFlows } from '../verification';

type Handle = WorkflowHandle<typeof verifyRecoveryEmail>;

const noPending = () => notFound('recovery_email.no_pending_change', 'No recovery email change is waiting for a code');
const flowErrors: FlowErrors = {
  invalidStep: 'recovery_email.invalid_step',
  unknownRecipient: 'recovery_email.address_gone',
  closed: noPending,
};

export interface RecoveryEmailChangeView {
  id: string;
  step: string;
  expiresAt: string;
  attemptsLeft: number;
  codeExpiresAt: string | null;
  resendAvailableAt: string | null;
  failureReason: string | null;
  recoveryEmail: string | null;
}

/** Each start emails a code to an address of the caller's choice: 10 per profile per day. */
export const RECOVERY_EMAIL_STARTS = { limit: 10, windowSeconds: 24 * 3600 };

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/**
 * Setting the recovery email (seed §2): `start` opens a request (the new address in a pending row),
 * starts `verifyRecoveryEmail` and has it email a code; `verify` checks a typed code on the kit and waits
 * for the address to be stored. A new request cancels the profile's open one.
 */
export function createRecoveryEmailService(
  { sql, temporal, codeFlows, settings }: { sql: Sql; temporal: Client; codeFlows: CodeFlows; settings: { taskQueue: string; ttlMs: number } },
) {
  const starts = durableLimiter(sql, 'recoveryEmailStartsPerProfile', RECOVERY_EMAIL_STARTS.limit, RECOVERY_EMAIL_STARTS.windowSeconds);
  const handleOf = (c: RecoveryEmailChange): Handle => temporal.workflow.getHandle<typeof verifyRecoveryEmail>(c.workflowId);

  async function view(id: string, s: RecoveryEmailStatus, profileId: string): Promise<RecoveryEmailChangeView> {
    const p = await findProfileRecord(sql, profileId);
    return {
      id, step: s.step, expiresAt: new Date(s.expiresAt).toISOString(), attemptsLeft: s.attemptsLeft,
      codeExpiresAt: iso(s.codeExpiresAt), resendAvailableAt: iso(s.resendAvailableAt), failureReason: s.failureReason,
      recoveryEmail: p?.recoveryEmail ?? null,
    };
  }

  /** The profile's open request, which a code proves. */
  async function open(auth: Principal): Promise<RecoveryEmailChange> {
    const c = await findLatestRecoveryEmailChange(sql, auth.profileId);
    if (!c || c.outcome !== null) throw noPending();
    return c;
  }

  return {
    async start(auth: Principal, email: string): Promise<RecoveryEmailChangeView> {
      const current = await findProfileRecord(sql, auth.profileId);
      if (!current) throw notFound('profile.not_found', 'Profile not found');
      if (current.recoveryEmail?.toLowerCase() === email.toLowerCase()) {
        throw new AppError(409, 'recovery_email.unchanged', 'This address is already the recovery email');
      }
      const spent = await consume(starts, auth.profileId);
      if (!spent.allowed) {
        throw retryLater(429, 'recovery_email.too_many_starts', 'Too many recovery email changes today; try again later', spent.retryAfterMs);
      }
      // A newer request replaces an open one; one being applied right now finishes first (its cancel is refused).
      for (const c of await listOpenRecoveryEmailChanges(sql, auth.profileId)) {
        await codeFlows.call(() => handleOf(c).executeUpdate(cancelRecoveryEmailUpdate)).catch(() => undefined);
      }
      const changeId = randomUUID();
      const workflowId = workflowIds.recoveryEmail({ profileId: auth.profileId, changeId });
      const { pendingAddressId, expiresAt } = await sql.begin((tx) =>
        insertRecoveryEmailChange(tx, { id: changeId, profileId: auth.profileId, workflowId, address: email, ttlMs: settings.ttlMs }));
      const input: VerifyRecoveryEmailInput = {
        profileId: auth.profileId, changeId, pendingAddressId, expiresAt: expiresAt.getTime(), challenge: DEFAULT_CHALLENGE_POLICY,
      };
      let handle: Handle;
      try {
        handle = await codeFlows.call(() => temporal.workflow.start<typeof verifyRecoveryEmail>('verifyRecoveryEmail', {
          workflowId, taskQueue: settings.taskQueue, args: [input],
          typedSearchAttributes: [{ key: PROFILE_ID, value: auth.profileId }, { key: FLOW_STEP, value: 'awaiting_code' }],
          staticSummary: `Recovery email change ${changeId} of profile ${auth.profileId}`,
        }));
      } catch (err) {
        // Never started: close the request so nothing waits for a run that does not exist.
        await closeRecoveryEmailChangeRow(sql, changeId, 'failed');
        throw err;
      }
      const sent = await codeFlows.requestCode(handle, recoveryEmailCodeUpdates, {}, flowErrors);
      return view(changeId, sent.status, auth.profileId);
    },

    async status(auth: Principal): Promise<RecoveryEmailChangeView> {
      const c = await open(auth);
      const s = await codeFlows.call(() => handleOf(c).query(recoveryEmailStatusQuery));
      return view(c.id, s, auth.profileId);
    },

    async verify(auth: Principal, code: string): Promise<RecoveryEmailChangeView> {
      const c = await open(auth);
      const handle = handleOf(c);
      await codeFlows.verify(handle, recoveryEmailCodeUpdates, code, {
        subjectType: 'profile', subjectId: auth.profileId, actorAccountId: auth.accountId,
      }, flowErrors);
      const settled = await codeFlows.update(flowErrors, () => handle.executeUpdate(settledRecoveryEmailUpdate));
      if (settled.step === 'failed') {
        throw new AppError(409, 'recovery_email.failed', `The address could not be stored (${settled.failureReason ?? 'unknown'}); start again`);
      }
      return view(c.id, settled, auth.profileId);
    },
  };
}
export type RecoveryEmailService = ReturnType<typeof createRecoveryEmailService>;
