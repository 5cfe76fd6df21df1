import { randomUUID } from 'node:crypto';
import { WorkflowNotFoundError, type Client, type WorkflowHandle } from '@temporalio/client';
import type { Sql } from '../db/client';
import { findAccountByEmail } from '../db/queries/accounts';
import { listEmailOptions } from '../db/queries/profiles';
import {
  closeMergeRecord, findMergeOfProfile, findOpenMergesTouching, openMergeRecord, type MergeRecord,
} from '../db/queries/profileMerges';
import type { Config } from '../lib/config';
import { codeHmac } from '../lib/verificationCode';
import { maskEmail } from '../lib/mask';
import {
  cancelMergeUpdate, confirmMergeUpdate, mergeProfile, mergeStatusQuery, requestCodeUpdate, verifyCodeUpdate,
} from '../workflows/mergeProfile';
import { DEFAULT_CHALLENGE_POLICY } from '../workflows/shared/codeChallenge';
import { workflowIds } from '../workflows/shared/ids';
import { isTerminal, type MergeStatus } from '../workflows/shared/mergeContract';
import { constraintError, HttpError, notFound } from './errors';
import { buildMergePreview } from './mergePreview';
import { startMergeWorkflow } from './mergeWorkflow';
import type { Principal } from './route';
import { temporalUnavailable, updateError } from './temporalErrors';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function createMergeService({ sql, temporal, config }: { sql: Sql; temporal: Client; config: Config }) {
  const handleOf = (rec: MergeRecord): WorkflowHandle<typeof mergeProfile> => temporal.workflow.getHandle(rec.workflowId);

  async function record(auth: Principal, id: string): Promise<MergeRecord> {
    const rec = await findMergeOfProfile(sql, id, auth.profileId);
    if (!rec) throw notFound('merge.not_found', 'No such merge');
    return rec;
  }

  const closedError = (rec: MergeRecord) => () =>
    new HttpError(409, 'merge.closed', `This merge is already ${rec.outcome ?? 'closed'}`);

  /** Runs an update, mapping typed rejections to HTTP. */
  async function update<T>(rec: MergeRecord, run: (h: WorkflowHandle<typeof mergeProfile>) => Promise<T>): Promise<T> {
    if (rec.closedAt) throw closedError(rec)();
    try {
      return await run(handleOf(rec));
    } catch (err) {
      throw updateError(err, closedError(rec)) ?? err;
    }
  }

  /**
   * Takes the profiles' merge lock. A lock whose workflow never started (the API died in between) or has
   * ended without closing it is released, so a crash can never block a profile for good.
   */
  async function lock(m: Parameters<typeof openMergeRecord>[1]): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await openMergeRecord(sql, m);
      } catch (err) {
        const conflict = constraintError(err);
        if (!conflict || attempt > 0) throw conflict ?? err;
        for (const open of await findOpenMergesTouching(sql, [m.targetProfileId, m.sourceProfileId])) {
          // Only "no such workflow" proves a lock stale; any other error (Temporal down) must not free it.
          const running = await handleOf(open).describe().then(
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
    if (!s) s = await handleOf(rec).query(mergeStatusQuery).catch(() => undefined);
    // A closed merge is fully described by its record; an open one only by its workflow.
    if (!s && !rec.closedAt) {
      throw new HttpError(503, 'merge.state_unavailable', 'The merge state is unavailable right now; try again shortly', {
        headers: { 'Retry-After': '5' },
      });
    }
    const step = s?.step ?? rec.outcome ?? 'failed';
    const preview = step === 'awaiting_confirmation' ? await buildMergePreview(sql, rec.targetProfileId, rec.sourceProfileId) : null;
    return {
      id: rec.id,
      step,
      outcome: isTerminal(step) ? step : null,
      expiresAt: iso(s?.expiresAt ?? rec.createdAt.getTime() + config.mergeTtlMs)!,
      attemptsLeft: s?.attemptsLeft ?? null,
      codeExpiresAt: iso(s?.codeExpiresAt ?? null),
      resendAvailableAt: iso(s?.resendAvailableAt ?? null),
      failureReason: s?.failureReason ?? null,
      preview,
    };
  }

  return {
    async start(auth: Principal, email: string) {
      const other = await findAccountByEmail(sql, email);
      if (!other) throw new HttpError(404, 'merge.unknown_account', 'No account has this email');
      if (other.profileId === auth.profileId) {
        throw new HttpError(409, 'merge.same_profile', 'This account already belongs to your profile');
      }
      const mergeId = randomUUID();
      const workflowId = workflowIds.profileMerge(auth.profileId, mergeId);
      await lock({ id: mergeId, workflowId, targetProfileId: auth.profileId, sourceProfileId: other.profileId, startedByAccountId: auth.accountId });
      const startedAt = Date.now();
      try {
        await startMergeWorkflow(temporal, config.temporal.taskQueue, {
          mergeId,
          targetProfileId: auth.profileId,
          sourceProfileId: other.profileId,
          accountId: auth.accountId,
          ttlMs: config.mergeTtlMs,
          challenge: DEFAULT_CHALLENGE_POLICY,
        });
      } catch (err) {
        await closeMergeRecord(sql, mergeId, 'failed');
        throw temporalUnavailable(err) ?? err;
      }
      const options = await listEmailOptions(sql, other.profileId);
      return {
        id: mergeId,
        step: 'awaiting_email_choice' as const,
        expiresAt: new Date(startedAt + config.mergeTtlMs).toISOString(),
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
        throw new HttpError(422, 'merge.unknown_email_option', 'This email option does not exist for this merge');
      }
      const r = await update(rec, (h) => h.executeUpdate(requestCodeUpdate, { args: [{ emailOptionId }] }));
      return { step: 'awaiting_code' as const, codeExpiresAt: iso(r.codeExpiresAt)!, resendAvailableAt: iso(r.resendAvailableAt)! };
    },

    async verify(auth: Principal, id: string, code: string) {
      const rec = await record(auth, id);
      const r = await update(rec, (h) => h.executeUpdate(verifyCodeUpdate, { args: [{ codeHmac: codeHmac(config.hmacSecret, rec.workflowId, code) }] }));
      if (r.verdict !== 'verified') {
        const [codeName, message] = {
          wrong: ['verification_code.invalid', 'The code is wrong'],
          expired: ['verification_code.expired', 'The code has expired; ask for a new one'],
          exhausted: ['verification_code.attempts_exhausted', 'Too many wrong codes; the merge has failed'],
        }[r.verdict];
        throw new HttpError(422, codeName!, message!, { fields: { attemptsLeft: r.attemptsLeft } });
      }
      return view(rec, r.status);
    },

    async confirm(auth: Principal, id: string) {
      const rec = await record(auth, id);
      const r = await update(rec, (h) => h.executeUpdate(confirmMergeUpdate));
      if (r.step !== 'completed') throw new HttpError(409, 'merge.apply_failed', 'The merge could not be applied; the profiles changed meanwhile');
      return view({ ...rec, outcome: 'completed' }, r.status);
    },

    async cancel(auth: Principal, id: string) {
      const rec = await record(auth, id);
      const r = await update(rec, (h) => h.executeUpdate(cancelMergeUpdate));
      return view({ ...rec, outcome: 'cancelled' }, r.status);
    },
  };
}
export type MergeService = ReturnType<typeof createMergeService>;
