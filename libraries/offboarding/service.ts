import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { Queryable, Sql } from '../../db/client';
import { currentAccountsOf } from '../../db/queries/offboardingSubjects';
import {
  cancelIfScheduled, findOffboarding, insertOffboarding, listOffboardings, lockKeyHolder, releaseKey, type OffboardingRow, type RunStatus,
} from '../../db/queries/offboardings';
import { AppError, notFound } from '../../lib/errors';
import { DEFAULT_WEBHOOK_DEADLINE_MS } from '../../workflows/shared/offboardingContract';
import { createCompanyActions, type Actor } from '../companyAccess';
import { decodeCursor, encodeCursor } from '../cursor';
import { createRequestKeys } from './idempotency';
import { offboardingView, type OffboardingView } from './report';
import { refusalError, resolveRequests, type OffboardingRequest } from './requests';
import { startOffboardingWorkflow, wakeCancelledRun } from './workflow';

export interface OffboardingSettings {
  taskQueue: string;
  webhookDeadlineMs?: number;
}

export interface OffboardingDeps {
  sql: Sql;
  temporal: Client;
  /** Runs one Temporal call under the API's deadline; outages become 503 (libraries/verification.ts). */
  call: <T>(run: () => Promise<T>) => Promise<T>;
  addressKey: Buffer;
  settings: OffboardingSettings;
}

export const offboardingNotFound = () => notFound('offboarding.not_found', 'No such offboarding in this company');

/**
 * Whether the run holding the person's key still answers for them: a completed offboarding does, unless one of
 * the person's accounts is active again (reactivated, or added since), which makes a new offboarding a new run.
 */
async function stillHolds(tx: Queryable, row: OffboardingRow): Promise<boolean> {
  if (row.status !== 'completed' || row.result !== 'offboarded') return true;
  const now = await currentAccountsOf(tx, row.companyId, { profileId: row.subjectProfileId, accountIds: row.subjectAccountIds });
  return !now.some((a) => a.status === 'active');
}

/**
 * Offboarding one person through the company API (README "Offboarding"): start (idempotent per company and
 * person, and per `Idempotency-Key`), read, list and cancel. Every action is checked and audited by the company
 * actions; the run is started after its row commits, and again by any request that finds it open.
 */
export function createOffboardings(deps: OffboardingDeps) {
  const { sql, temporal, call, addressKey, settings } = deps;
  const actions = createCompanyActions({ sql });
  const keys = createRequestKeys(addressKey);

  /** The run of an open row not owned by a batch (a batch's parent starts its own) is started, or joined. */
  async function ensureStarted(row: OffboardingRow): Promise<void> {
    if (row.batchId !== null || (row.status !== 'scheduled' && row.status !== 'running')) return;
    await call(() => startOffboardingWorkflow(temporal, settings.taskQueue, {
      offboardingId: row.id, companyId: row.companyId, effectiveAt: row.effectiveAt.toISOString(),
      webhookDeadlineMs: settings.webhookDeadlineMs ?? DEFAULT_WEBHOOK_DEADLINE_MS,
    }));
  }

  return {
    /**
     * Starts the person's offboarding, or answers the run that already has them (`created: false`): one run per
     * company and person at a time, and a completed one answers with its report and does nothing again.
     */
    async start(actor: Actor, companyId: string, request: OffboardingRequest, idempotencyKey?: string): Promise<{ view: OffboardingView; created: boolean }> {
      const newId: string = randomUUID();
      // The audit entry names the run answered: the new one, or the one the request joins (set below).
      const action = { companyId, action: 'offboarding.requested', subjectType: 'offboarding', subjectId: newId };
      const { id, created } = await actions.write(actor, action, async (tx) => {
        const replay = (earlierId: string, why: string) => {
          action.subjectId = earlierId;
          return { result: { id: earlierId, created: false }, details: { replayed: why } };
        };
        const claim = await keys.claim(tx, { companyId, callerAccountId: actor.principal.accountId }, idempotencyKey, 'offboarding', request);
        if (claim?.earlier?.offboardingId) return replay(claim.earlier.offboardingId, 'idempotency_key');

        const [resolved] = await resolveRequests(tx, { companyId, actor: actor.principal, addressKey, now: new Date() }, [request]);
        const { row, refusal } = resolved!;
        const holder = await lockKeyHolder(tx, companyId, row.personKey);
        if (holder && (await stillHolds(tx, holder))) {
          await keys.record(tx, claim, { offboardingId: holder.id });
          return replay(holder.id, 'person');
        }
        if (refusal) throw refusalError(refusal);
        if (holder) await releaseKey(tx, holder.id);
        const fresh = { ...row, id: newId, companyId, batchId: null, startedByAccountId: actor.principal.accountId };
        if (!(await insertOffboarding(tx, fresh))) {
          // A concurrent request for the same person committed first: answer its run.
          const winner = await lockKeyHolder(tx, companyId, row.personKey);
          if (!winner) throw new Error('the run holding the person\'s key vanished');
          await keys.record(tx, claim, { offboardingId: winner.id });
          return replay(winner.id, 'person');
        }
        await keys.record(tx, claim, { offboardingId: newId });
        return { result: { id: newId, created: true }, details: { accounts: row.subjectAccountIds.length, ...(holder ? { previousOffboardingId: holder.id } : {}) } };
      });
      const row = (await findOffboarding(sql, companyId, id))!;
      await ensureStarted(row);
      return { view: offboardingView(row), created };
    },

    async get(actor: Actor, companyId: string, id: string): Promise<OffboardingView> {
      return actions.read(actor, { companyId, action: 'offboarding.read', subjectType: 'offboarding', subjectId: id }, async () => {
        const row = await findOffboarding(sql, companyId, id);
        if (!row) throw offboardingNotFound();
        return offboardingView(row);
      });
    },

    /** The company's runs, newest first, by cursor; `status` filters. */
    async list(actor: Actor, companyId: string, q: { status?: RunStatus; limit: number; cursor?: string }) {
      return actions.read(actor, { companyId, action: 'offboarding.listed', subjectType: 'company', subjectId: companyId }, async () => {
        const [beforeSeq] = decodeCursor(q.cursor, ['bigint']) ?? [];
        const rows = await listOffboardings(sql, {
          companyId, limit: q.limit, ...(q.status ? { status: q.status } : {}), ...(beforeSeq !== undefined ? { beforeSeq: String(beforeSeq) } : {}),
        });
        const last = rows.at(-1);
        return { items: rows.map(offboardingView), nextCursor: last && rows.length === q.limit ? encodeCursor([last.seq]) : null };
      });
    },

    /**
     * Cancels a run that has not reached its effectiveAt (by the database's clock). Cancelling a cancelled run
     * answers it again; any other run is 409 `offboarding.not_cancellable`.
     */
    async cancel(actor: Actor, companyId: string, id: string): Promise<OffboardingView> {
      const row = await actions.write(actor, { companyId, action: 'offboarding.cancelled', subjectType: 'offboarding', subjectId: id }, async (tx) => {
        const r = await cancelIfScheduled(tx, companyId, id);
        if (!r) throw offboardingNotFound();
        if (!r.cancelled && r.row.status !== 'cancelled') {
          const why = r.row.status === 'scheduled' ? 'its effectiveAt has passed and it is about to run' : `it is ${r.row.status}`;
          throw new AppError(409, 'offboarding.not_cancellable', `This offboarding cannot be cancelled: ${why}`);
        }
        return { result: r.row, details: { alreadyCancelled: !r.cancelled } };
      });
      // A courtesy to the sleeping run; the row already decided. An outage here changes nothing for the caller.
      await call(() => wakeCancelledRun(temporal, id)).catch(() => undefined);
      return offboardingView(row);
    },
  };
}
export type OffboardingService = ReturnType<typeof createOffboardings>;
