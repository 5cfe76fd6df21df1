import { randomUUID } from 'node:crypto';
import { batchProgress, findBatch, insertBatch, insertBatchItems, type BatchRow } from '../../db/queries/offboardingBatches';
import {
  insertOffboardings, lockKeyHolders, releaseKeys, runsWithActivePerson, type NewOffboarding,
} from '../../db/queries/offboardings';
import { DEFAULT_BATCH, DEFAULT_WEBHOOK_DEADLINE_MS } from '../../workflows/shared/offboardingContract';
import { createCompanyActions, type Actor } from '../companyAccess';
import { createRequestKeys } from './idempotency';
import { resolveRequests, type OffboardingRequest } from './requests';
import type { OffboardingDeps } from './service';
import { notFound } from '../../lib/errors';
import { startBatchWorkflow } from './workflow';

export const MAX_BATCH_PEOPLE = 10_000;

export interface BatchSettings {
  /** Children a batch runs at once. */
  concurrency?: number;
  /** Children per parent run before it continues as new. */
  childrenPerRun?: number;
}

export const batchNotFound = () => notFound('offboarding_batch.not_found', 'No such offboarding batch in this company');

async function batchView(sql: OffboardingDeps['sql'], b: BatchRow) {
  const { total, byStatus } = await batchProgress(sql, b.id);
  const finished = byStatus.completed + byStatus.cancelled + byStatus.failed;
  return {
    id: b.id,
    companyId: b.companyId,
    status: b.status,
    effectiveAt: b.effectiveAt.toISOString(),
    concurrency: b.concurrency,
    createdAt: b.createdAt.toISOString(),
    startedAt: b.startedAt?.toISOString() ?? null,
    completedAt: b.completedAt?.toISOString() ?? null,
    progress: { total, finished, percent: total === 0 ? 100 : Math.floor((finished * 100) / total), ...byStatus },
  };
}
export type BatchView = Awaited<ReturnType<typeof batchView>>;

/**
 * Offboarding many people at once (README "Offboarding", "Bulk"): the API resolves every person, successor and
 * app in a few statements and writes one run per person (or names the run that already has them), the batch and
 * its items in one transaction; a parent workflow then runs them with bounded concurrency. A person the API could
 * not accept (an unusable successor, say) still gets a run: it fails at once, with the reason in its report, and
 * the others go on.
 */
export function createOffboardingBatches(deps: OffboardingDeps & { batch?: BatchSettings }) {
  const { sql, temporal, call, addressKey, settings } = deps;
  const actions = createCompanyActions({ sql });
  const keys = createRequestKeys(addressKey);
  const concurrency = deps.batch?.concurrency ?? DEFAULT_BATCH.concurrency;
  const childrenPerRun = deps.batch?.childrenPerRun ?? DEFAULT_BATCH.childrenPerRun;

  return {
    async start(
      actor: Actor, companyId: string, batch: { people: OffboardingRequest[]; effectiveAt?: string }, idempotencyKey?: string,
    ): Promise<{ view: BatchView; created: boolean }> {
      const newId: string = randomUUID();
      const effectiveAt = batch.effectiveAt ? new Date(batch.effectiveAt) : new Date();
      const action = { companyId, action: 'offboarding_batch.requested', subjectType: 'offboarding_batch', subjectId: newId };
      type Outcome = { result: { id: string; created: boolean }; details: Record<string, string | number> };
      const { id, created } = await actions.write(actor, action, async (tx): Promise<Outcome> => {
        const claim = await keys.claim(tx, { companyId, callerAccountId: actor.principal.accountId }, idempotencyKey, 'batch', batch);
        if (claim?.earlier?.batchId) {
          action.subjectId = claim.earlier.batchId;
          return { result: { id: claim.earlier.batchId, created: false }, details: { replayed: 'idempotency_key' } };
        }
        const people = batch.people.map((p) => ({ ...p, effectiveAt: effectiveAt.toISOString() }));
        const resolved = await resolveRequests(tx, { companyId, actor: actor.principal, addressKey, now: effectiveAt }, people);
        const holders = await lockKeyHolders(tx, companyId, [...new Set(resolved.map((r) => r.row.personKey))]);
        const stale = new Set(await runsWithActivePerson(tx, holders.filter((h) => h.status === 'completed' && h.result === 'offboarded').map((h) => h.id)));
        await releaseKeys(tx, [...stale]);
        const runOf = new Map(holders.filter((h) => !stale.has(h.id)).map((h) => [h.personKey, h.id]));

        const fresh: NewOffboarding[] = [];
        for (const r of resolved) {
          if (runOf.has(r.row.personKey)) continue;
          const row: NewOffboarding = {
            ...r.row, id: randomUUID(), companyId, batchId: newId, startedByAccountId: actor.principal.accountId, rejection: r.refusal?.code ?? null,
          };
          fresh.push(row);
          runOf.set(row.personKey, row.id);
        }
        await insertBatch(tx, { id: newId, companyId, startedByAccountId: actor.principal.accountId, effectiveAt, concurrency, people: people.length });
        const inserted = await insertOffboardings(tx, fresh);
        // People a concurrent request gave a run meanwhile: their items name that run.
        const lost = fresh.filter((f) => !inserted.has(f.personKey)).map((f) => f.personKey);
        for (const h of await lockKeyHolders(tx, companyId, lost)) runOf.set(h.personKey, h.id);
        await insertBatchItems(tx, newId, resolved.map((r) => runOf.get(r.row.personKey)!));
        await keys.record(tx, claim, { batchId: newId });
        return {
          result: { id: newId, created: true },
          details: { people: people.length, newRuns: inserted.size, rejected: fresh.filter((f) => f.rejection !== null).length },
        };
      });
      const b = (await findBatch(sql, companyId, id))!;
      if (b.status !== 'completed') {
        await call(() => startBatchWorkflow(temporal, settings.taskQueue, {
          batchId: b.id, companyId, effectiveAt: b.effectiveAt.toISOString(), concurrency: b.concurrency, childrenPerRun,
          webhookDeadlineMs: settings.webhookDeadlineMs ?? DEFAULT_WEBHOOK_DEADLINE_MS,
        }));
      }
      return { view: await batchView(sql, b), created };
    },

    async get(actor: Actor, companyId: string, id: string): Promise<BatchView> {
      return actions.read(actor, { companyId, action: 'offboarding_batch.read', subjectType: 'offboarding_batch', subjectId: id }, async () => {
        const b = await findBatch(sql, companyId, id);
        if (!b) throw batchNotFound();
        return batchView(sql, b);
      });
    },
  };
}
export type OffboardingBatchService = ReturnType<typeof createOffboardingBatches>;
