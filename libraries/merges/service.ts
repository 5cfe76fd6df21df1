import { randomUUID } from 'node:crypto';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Sql } from '../../db/client';
import { findAccountByEmail } from '../../db/queries/accounts';
import { appendAudit } from '../../db/queries/audit';
import { listEmailOptions } from '../../db/queries/profiles';
import {
  closeMergeRecord, findMerge, findMergeOfProfile, findMergeTouchingProfile, findOpenMergesTouching, listMergesOfProfile,
  openMergeRecord, type MergeRecord, type MergeRole,
} from '../../db/queries/profileMerges';
import { violatedConstraint } from '../../db/errors';
import { AppError, notFound, retryLater } from '../../lib/errors';
import { maskEmail } from '../../lib/mask';
import { DEFAULT_CHALLENGE_POLICY } from '../../workflows/shared/codeChallenge';
import { updateIds, workflowIds } from '../../workflows/shared/ids';
import {
  cancelMergeUpdate, confirmMergeUpdate, isTerminal, mergeCodeUpdates, mergeStatusQuery, type MergeOutcome, type MergeStatus,
} from '../../workflows/shared/mergeContract';
import type { Principal } from '../principal';
import type { FlowErrors } from '../temporalErrors';
import type { CodeFlows } from '../verification';
import { buildMergePreview } from './preview';
import { startMergeWorkflow, type MergeHandle } from './workflow';
import type { Revocations } from '../credentialCache';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export interface MergeSettings {
  taskQueue: string;
  mergeTtlMs: number;
}

/** How many merges a listing shows, newest first. */
export const MERGE_LIST_LIMIT = 50;

/**
 * The profile merge as the API offers it (User Settings §2.1–2.3). The record in `profile_merges` is
 * written here when a merge opens (and closed here when its workflow could never start); every later
 * write to it is the workflow's, through its activities.
 */
export function createMergeService(
  { sql, temporal, codeFlows, settings, revocations }:
  { sql: Sql; temporal: Client; codeFlows: CodeFlows; settings: MergeSettings; revocations?: Pick<Revocations, 'awaitEviction'> },
) {
  const handleOf = (rec: MergeRecord): MergeHandle => temporal.workflow.getHandle(rec.workflowId);

  async function record(auth: Principal, id: string): Promise<MergeRecord> {
    const rec = await findMergeOfProfile(sql, id, auth.profileId);
    if (!rec) throw notFound('merge.not_found', 'No such merge');
    return rec;
  }

  /** A merge I started, or one aimed at my profile (whose owner may list and cancel it); anyone else's is 404. */
  async function touching(auth: Principal, id: string): Promise<MergeRecord & { role: MergeRole }> {
    const rec = await findMergeTouchingProfile(sql, id, auth.profileId);
    if (!rec) throw notFound('merge.not_found', 'No such merge');
    return rec;
  }

  const flowErrors = (rec: MergeRecord): FlowErrors => ({
    invalidStep: 'merge.invalid_step',
    unknownRecipient: 'merge.unknown_email_option',
    closed: () => new AppError(409, 'merge.closed', `This merge is already ${rec.outcome ?? 'closed'}`),
  });

  /**
   * Takes the profiles' merge lock. A lock whose workflow never started (the API died in between) or has
   * ended without closing it is released, so a crash can never block a profile for good.
   */
  async function lock(m: Parameters<typeof openMergeRecord>[1]): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await openMergeRecord(sql, m);
      } catch (err) {
        const busy = violatedConstraint(err) === 'profile_merge_locks__profile_id__pkey';
        if (!busy) throw err;
        const conflict = new AppError(409, 'merge.already_running', 'One of the profiles is already part of a merge in progress');
        if (attempt > 0) throw conflict;
        for (const open of await findOpenMergesTouching(sql, [m.targetProfileId, m.sourceProfileId])) {
          // Only "no such workflow" proves a lock stale; any other error (Temporal down) must not free it.
          const running = await codeFlows.call(() => handleOf(open).describe()).then(
            (d) => d.status.name === 'RUNNING',
            (e: unknown) => {
              if (e instanceof WorkflowNotFoundError) return false;
              throw e;
            },
          );
          if (running) throw conflict;
          await closeMergeRecord(sql, open.id, 'failed');
        }
      }
    }
  }

  async function view(rec: MergeRecord, known?: MergeStatus) {
    let s = known;
    if (!s) s = await codeFlows.call(() => handleOf(rec).query(mergeStatusQuery)).catch(() => undefined);
    // A closed merge is fully described by its record; an open one only by its workflow.
    if (!s && !rec.closedAt) {
      throw retryLater(503, 'merge.state_unavailable', 'The merge state is unavailable right now; try again shortly', 5_000);
    }
    // The record has the last word: a run whose confirm was lost with its worker may still say
    // awaiting_confirmation for a merge that was applied.
    const step = rec.closedAt && rec.outcome ? rec.outcome : (s?.step ?? 'failed');
    const preview = step === 'awaiting_confirmation' ? await buildMergePreview(sql, rec.targetProfileId, rec.sourceProfileId) : null;
    return {
      id: rec.id,
      step,
      outcome: isTerminal(step) ? step : null,
      expiresAt: iso(s?.expiresAt ?? rec.createdAt.getTime() + settings.mergeTtlMs)!,
      attemptsLeft: s?.attemptsLeft ?? null,
      codeExpiresAt: iso(s?.codeExpiresAt ?? null),
      resendAvailableAt: iso(s?.resendAvailableAt ?? null),
      failureReason: s?.failureReason ?? null,
      preview,
    };
  }

  /**
   * Confirm and cancel go to the run while it is open; once it has closed, the record answers. Only the
   * merge's starter confirms; the source profile's owner may cancel too.
   */
  async function finish(auth: Principal, id: string, action: 'confirm' | 'cancel') {
    const find = action === 'cancel' ? touching : async (a: Principal, i: string) => ({ ...(await record(a, i)), role: 'target' as const });
    const rec = await find(auth, id);
    const definition = action === 'confirm' ? confirmMergeUpdate : cancelMergeUpdate;
    try {
      const r = await codeFlows.update(flowErrors(rec), () => handleOf(rec).executeUpdate(definition, { updateId: updateIds[action] }));
      if (action === 'confirm' && r.step !== 'completed') {
        throw new AppError(409, 'merge.apply_failed', 'The merge could not be applied; the profiles changed meanwhile');
      }
      // The apply moved accounts to the target profile: no API process's token cache may still say otherwise
      // when this answers (libraries/credentialCache).
      if (action === 'confirm') await revocations?.awaitEviction();
      if (action === 'cancel') {
        // A security event: who stopped a merge, and from which side.
        await appendAudit(sql, {
          actorAccountId: auth.accountId, action: 'merge.cancelled', subjectType: 'profile', subjectId: rec.sourceProfileId,
          details: { mergeId: rec.id, by: rec.role },
        });
      }
      return view({ ...rec, closedAt: null, outcome: r.step === 'completed' || r.step === 'cancelled' ? r.step : null }, r.status);
    } catch (err) {
      if (!(err instanceof AppError && err.code === 'merge.closed')) throw err;
      const now = await find(auth, id);
      // Repeating a confirmation that was applied is answered, not refused: nothing is applied twice.
      if (action === 'confirm' && now.outcome === 'completed') return view(now);
      throw flowErrors(now).closed();
    }
  }

  /** Cancels the run of a rejected merge, or answers the outcome of a closed one. */
  async function rejectRun(rec: MergeRecord): Promise<MergeOutcome> {
    if (rec.closedAt) return rec.outcome ?? 'failed';
    try {
      const r = await codeFlows.update(flowErrors(rec), () => handleOf(rec).executeUpdate(cancelMergeUpdate, { updateId: updateIds.cancel }));
      return isTerminal(r.step) ? r.step : 'cancelled';
    } catch (err) {
      if (err instanceof AppError && err.code === 'merge.invalid_step') {
        // Ended a moment ago (expired, failed) and still closing: that outcome is the answer. Applying: 409.
        const s = await codeFlows.call(() => handleOf(rec).query(mergeStatusQuery)).catch(() => undefined);
        if (s && isTerminal(s.step)) return s.step;
      }
      if (!(err instanceof AppError && err.code === 'merge.closed')) throw err;
      // The run is gone. Its record is closed already, unless the run never started or was terminated:
      // then nothing else will close it, and its owner has just asked for it to go.
      return (await closeMergeRecord(sql, rec.id, 'cancelled')) ?? 'failed';
    }
  }

  return {
    async start(auth: Principal, email: string) {
      const budget = await codeFlows.budgets.spend('mergeStartsPerActor', auth.accountId);
      if (!budget.allowed) throw retryLater(429, 'merge.too_many_starts', 'Too many merges started recently; try again later', budget.retryAfterMs);
      const other = await findAccountByEmail(sql, email);
      if (!other) throw new AppError(404, 'merge.unknown_account', 'No account has this email');
      if (other.profileId === auth.profileId) {
        throw new AppError(409, 'merge.same_profile', 'This account already belongs to your profile');
      }
      const mergeId = randomUUID();
      const input = {
        mergeId,
        targetProfileId: auth.profileId,
        sourceProfileId: other.profileId,
        accountId: auth.accountId,
        ttlMs: settings.mergeTtlMs,
        challenge: DEFAULT_CHALLENGE_POLICY,
      };
      const workflowId = workflowIds.profileMerge(input);
      await lock({ id: mergeId, workflowId, targetProfileId: auth.profileId, sourceProfileId: other.profileId, startedByAccountId: auth.accountId });
      const startedAt = Date.now();
      try {
        await codeFlows.call(() => startMergeWorkflow(temporal, settings.taskQueue, input));
      } catch (err) {
        await closeMergeRecord(sql, mergeId, 'failed');
        throw err;
      }
      await appendAudit(sql, {
        actorAccountId: auth.accountId, action: 'merge.started', subjectType: 'profile', subjectId: other.profileId, details: { mergeId },
      });
      const options = await listEmailOptions(sql, other.profileId);
      return {
        id: mergeId,
        step: 'awaiting_email_choice' as const,
        expiresAt: new Date(startedAt + settings.mergeTtlMs).toISOString(),
        emailOptions: options.map((o) => ({ id: o.id, masked: maskEmail(o.address) })),
      };
    },

    async status(auth: Principal, id: string) {
      return view(await record(auth, id));
    },

    async requestCode(auth: Principal, id: string, emailOptionId: string) {
      const rec = await record(auth, id);
      const options = await listEmailOptions(sql, rec.sourceProfileId);
      if (!options.some((o) => o.id === emailOptionId)) {
        throw new AppError(422, 'merge.unknown_email_option', 'This email option does not exist for this merge');
      }
      const r = await codeFlows.requestCode(handleOf(rec), mergeCodeUpdates, { emailOptionId }, flowErrors(rec));
      return { step: 'awaiting_code' as const, codeExpiresAt: iso(r.codeExpiresAt)!, resendAvailableAt: iso(r.resendAvailableAt)! };
    },

    async verify(auth: Principal, id: string, code: string) {
      const rec = await record(auth, id);
      const status = await codeFlows.verify(
        handleOf(rec), mergeCodeUpdates, code,
        { subjectType: 'profile', subjectId: rec.sourceProfileId, actorAccountId: auth.accountId },
        flowErrors(rec),
      );
      return view(rec, status);
    },

    confirm: (auth: Principal, id: string) => finish(auth, id, 'confirm'),
    cancel: (auth: Principal, id: string) => finish(auth, id, 'cancel'),

    /**
     * The merges I started (`target`) or that aim at my profile (`source`), newest first, as their records
     * say: ids, dates and outcomes, never the other profile.
     */
    async list(auth: Principal, role: MergeRole) {
      const recs = await listMergesOfProfile(sql, auth.profileId, role, MERGE_LIST_LIMIT);
      return {
        merges: recs.map((r) => ({
          id: r.id,
          role,
          open: r.closedAt === null,
          outcome: r.outcome,
          startedAt: r.createdAt.toISOString(),
          expiresAt: iso(r.createdAt.getTime() + settings.mergeTtlMs)!,
          closedAt: r.closedAt ? r.closedAt.toISOString() : null,
        })),
      };
    },

    /**
     * "This was not you": the source profile's owner, not signed in, stops a merge with the token its code
     * emails carry. A wrong token and an unknown merge get the same 404, and the token is checked before
     * the database is asked, so the answer says nothing about which merges exist. A valid token cancels an
     * open run (the cancel Update, so a user's cancel and a rejection join each other); for a closed one it
     * answers the outcome. Every use of a valid token is audited, whatever it achieved.
     */
    async reject(id: string, token: string): Promise<{ id: string; outcome: MergeOutcome }> {
      const rec = codeFlows.rejectionMatches({ kind: 'profile-merge', mergeId: id }, token) ? await findMerge(sql, id) : undefined;
      if (!rec) throw notFound('merge.not_found', 'No such merge');
      let result = 'error';
      try {
        const outcome = await rejectRun(rec);
        result = outcome;
        return { id: rec.id, outcome };
      } catch (err) {
        if (err instanceof AppError) result = err.code;
        throw err;
      } finally {
        await appendAudit(sql, {
          actorAccountId: null, action: 'merge.rejected_by_source', subjectType: 'profile', subjectId: rec.sourceProfileId,
          details: { mergeId: rec.id, result },
        });
      }
    },
  };
}
export type MergeService = ReturnType<typeof createMergeService>;
