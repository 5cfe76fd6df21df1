import type { Queryable, Sql } from '../../db/client';
import { appendAudit, type AuditEntry } from '../../db/queries/audit';
import { revokeAllCredentials } from '../../db/queries/credentials';
import { isServiceAccount } from '../../db/queries/memberStatus';
import { companyAppsWithPeople, currentAccountsOf, listAutomations } from '../../db/queries/offboardingSubjects';
import {
  completeRun, failRun, lockOffboarding, markRunning, recordStep, setAutomations, type OffboardingRow, type StepRecord,
} from '../../db/queries/offboardings';
import { AppError } from '../../lib/errors';
import {
  AUTOMATION_WINDOW_DAYS, OFFBOARDING_STEPS, type BeginVerdict, type OffboardingStep, type StepSummary,
} from '../../workflows/shared/offboardingContract';
import { appsOnlyOf, assertEligibleContact, deleteApps, reassignTechnicalContact } from '../companyApps';
import { deactivateMember } from '../memberDeactivation';
import { buildReport, stepRecord } from './report';
import { adminRefusalNow } from './requests';

/**
 * The steps of one offboarding (README "Offboarding"), each one transaction on the run's locked row: a step
 * already recorded answers from its record and does nothing again, so every activity is idempotent whatever
 * Temporal retries. Each change is audited in the company's log, by the run's requester acting as `system`.
 */

/** A step that cannot succeed by retrying: the workflow fails the run with `type`. */
export class StepRefused extends Error {
  constructor(readonly type: string, readonly code: string, message: string) {
    super(message);
    this.name = 'StepRefused';
  }
}

const DAY_MS = 24 * 3_600_000;
/** The apps' rule for a technical contact (libraries/companyApps.ts), in the words an offboarding's request uses. */
const SUCCESSOR_CODES: Record<string, string> = {
  'app.technical_contact_not_member': 'offboarding.successor_not_member',
  'app.technical_contact_service_account': 'offboarding.successor_service_account',
  'app.technical_contact_deactivated': 'offboarding.successor_deactivated',
};
const next = (step: OffboardingStep) => OFFBOARDING_STEPS[OFFBOARDING_STEPS.indexOf(step) + 1] ?? 'write_report';
const accountsOf = (row: OffboardingRow) => (stepRecord(row, 'find_accounts')?.accountIds as string[] | undefined) ?? [];
/** Why the deactivation step leaves an account active (libraries/memberDeactivation.ts's refusals). */
const KEPT_ACTIVE: Record<string, string> = { 'member.last_admin': 'last_admin', 'member.admin_target_requires_admin': 'admin_target_requires_admin' };


/** What a step records besides its name and time: ids and counts, and `count` for the workflow. */
interface Detail {
  outcome: 'done' | 'skipped';
  reason?: string;
  count?: number;
  [detail: string]: unknown;
}

export function createOffboardingSteps({ sql }: { sql: Sql }) {
  const audit = (tx: Queryable, row: OffboardingRow, e: Pick<AuditEntry, 'action' | 'subjectType' | 'subjectId' | 'details' | 'outcome'>) =>
    appendAudit(tx, { ...e, actorAccountId: row.startedByAccountId, actorCredential: 'system', companyId: row.companyId,
      details: { offboardingId: row.id, ...e.details } });

  async function locked<T>(id: string, fn: (tx: Queryable, row: OffboardingRow) => Promise<T>): Promise<T> {
    // Boxed: porsager's begin() unwraps an array result's promises.
    const box = await sql.begin(async (tx) => {
      const row = await lockOffboarding(tx, id);
      if (!row) throw new StepRefused('OffboardingRunMissing', 'offboarding.not_found', 'The run\'s row is gone');
      return { value: await fn(tx, row) };
    });
    return box.value;
  }

  /** Runs `step` once: recorded, it answers its record's summary. */
  function step(id: string, name: OffboardingStep, now: Date, fn: (tx: Queryable, row: OffboardingRow) => Promise<Detail>): Promise<StepSummary> {
    return locked(id, async (tx, row) => {
      const recorded = stepRecord(row, name);
      const done: StepRecord = recorded ?? { step: name, at: now.toISOString(), ...(await fn(tx, row)) };
      if (!recorded) await recordStep(tx, id, done, next(name));
      return { outcome: done.outcome, count: typeof done.count === 'number' ? done.count : 0 };
    });
  }

  return {
    /**
     * The run begins when its effectiveAt has come by the workflow's clock, unless the API cancelled it first:
     * the row decides (DELETE cancels only a `scheduled` row whose effectiveAt is ahead, and this moves it on).
     */
    begin(id: string, now: Date): Promise<BeginVerdict> {
      return locked(id, async (tx, row): Promise<BeginVerdict> => {
        if (row.status === 'cancelled') return { state: 'cancelled' };
        if (row.status === 'completed' || row.status === 'failed') return { state: 'finished', status: row.status };
        if (row.status === 'scheduled' && row.effectiveAt > now) return { state: 'not_yet', effectiveAt: row.effectiveAt.toISOString() };
        if (row.rejection) return { state: 'rejected', code: row.rejection };
        // Only on the way in: a run already running was checked when it began.
        const refusal = row.status === 'scheduled' ? await adminRefusalNow(tx, row) : undefined;
        if (refusal) return { state: 'rejected', code: refusal };
        await markRunning(tx, id, 'find_accounts');
        return { state: 'running' };
      });
    },

    /** 1. The person's accounts in the company now, and the training apps as designated now (before any app moves). */
    findAccounts: (id: string, now: Date) => step(id, 'find_accounts', now, async (tx, row) => {
      const accountIds = (await currentAccountsOf(tx, row.companyId, { profileId: row.subjectProfileId, accountIds: row.subjectAccountIds }))
        .map((a) => a.accountId);
      if (accountIds.length === 0) return { outcome: 'done', reason: 'no_account', accountIds, trainingAppIds: [], count: 0 };
      const sole = row.trainingNoOtherMembers ? await appsOnlyOf(tx, { companyId: row.companyId, accountIds }) : [];
      const trainingAppIds = [...new Set([...row.trainingAppIds, ...sole])].sort();
      return { outcome: 'done', accountIds, trainingAppIds, count: accountIds.length };
    }),

    /** 6, first half: the tokens and keys used in the last 30 days before `now`, listed before access is revoked. */
    listAutomations: (id: string, now: Date) => step(id, 'list_automations', now, async (tx, row) => {
      const automations = await listAutomations(tx, accountsOf(row), new Date(now.getTime() - AUTOMATION_WINDOW_DAYS * DAY_MS), now);
      await setAutomations(tx, id, automations);
      return { outcome: 'done', count: automations.length };
    }),

    /** 2. The successor becomes the technical contact of every app of the person's; refused if they cannot be one. */
    reassignApps: (id: string, now: Date) => step(id, 'reassign_apps', now, async (tx, row) => {
      const accountIds = accountsOf(row);
      try {
        if (!row.successorAccountId) throw new AppError(422, 'offboarding.successor_not_member', 'No successor');
        if (accountIds.includes(row.successorAccountId)) throw new AppError(422, 'offboarding.successor_is_person', 'The successor is one of the person\'s accounts');
        await assertEligibleContact(tx, row.companyId, row.successorAccountId);
      } catch (err) {
        if (err instanceof AppError && err.status === 422) throw new StepRefused('SuccessorUnavailable', SUCCESSOR_CODES[err.code] ?? err.code, err.message);
        throw err;
      }
      const appIds = await reassignTechnicalContact(tx, { companyId: row.companyId, fromAccountIds: accountIds, toAccountId: row.successorAccountId });
      for (const appId of appIds) {
        await audit(tx, row, { action: 'app.technical_contact_changed', subjectType: 'app', subjectId: appId, details: { newAccountId: row.successorAccountId } });
      }
      return { outcome: 'done', appIds, count: appIds.length };
    }),

    /**
     * 3. The designated training apps are deleted; a licensed one is skipped, as is one already gone, and one the
     * person does not belong to (`not_person_app`): checked again here, in the deleting transaction, whatever the
     * request said. The person's apps are those they are a member or the technical contact of, and those step 2
     * just handed from them to the successor.
     */
    deleteTrainingApps: (id: string, now: Date) => step(id, 'delete_training_apps', now, async (tx, row) => {
      const designated = (stepRecord(row, 'find_accounts')?.trainingAppIds as string[] | undefined) ?? [];
      if (designated.length === 0) return { outcome: 'skipped', reason: 'none_designated', deleted: [], skipped: [], count: 0 };
      const handedOver = new Set((stepRecord(row, 'reassign_apps')?.appIds as string[] | undefined) ?? []);
      const people = await companyAppsWithPeople(tx, row.companyId, designated, accountsOf(row));
      const notTheirs = designated.filter((a) => people.get(a)?.length === 0 && !handedOver.has(a));
      const { deleted, skipped: kept } = await deleteApps(tx, { companyId: row.companyId, appIds: designated.filter((a) => !notTheirs.includes(a)) });
      const skipped = [...kept, ...notTheirs.map((appId) => ({ appId, reason: 'not_person_app' }))].sort((a, b) => (a.appId < b.appId ? -1 : 1));
      for (const appId of deleted) await audit(tx, row, { action: 'app.deleted', subjectType: 'app', subjectId: appId, details: {} });
      return { outcome: 'done', deleted, skipped, count: deleted.length };
    }),

    /** 4. Every session, API key and personal access token of the person's accounts ends. */
    revokeAccess: (id: string, now: Date) => step(id, 'revoke_access', now, async (tx, row) => {
      const totals = { sessions: 0, apiKeys: 0, personalAccessTokens: 0 };
      for (const accountId of accountsOf(row)) {
        const r = await revokeAllCredentials(tx, accountId);
        totals.sessions += r.sessions;
        totals.apiKeys += r.api_keys;
        totals.personalAccessTokens += r.personal_access_tokens;
      }
      await audit(tx, row, { action: 'offboarding.access_revoked', subjectType: 'offboarding', subjectId: row.id, details: { ...totals, accountIds: accountsOf(row) } });
      return { outcome: 'done', ...totals, count: totals.sessions + totals.apiKeys + totals.personalAccessTokens };
    }),

    /**
     * 5. The accounts are deactivated (an account that left the company meanwhile is left alone). An account
     * deactivateMember refuses stays active and is reported (`keptActive`, with the reason): the company's last
     * active admin (`last_admin`), or an admin when a service account asked (`admin_target_requires_admin`). The run
     * goes on and completes: its report and the step's reason say so, and the person, active, can be offboarded
     * again once the company has another admin.
     */
    deactivateAccounts: (id: string, now: Date) => step(id, 'deactivate_accounts', now, async (tx, row) => {
      const deactivated: string[] = [];
      const alreadyDeactivated: string[] = [];
      const gone: string[] = [];
      const keptActive: { accountId: string; reason: string }[] = [];
      const byServiceAccount = await isServiceAccount(tx, row.startedByAccountId);
      for (const accountId of accountsOf(row)) {
        try {
          const d = await deactivateMember(tx, { companyId: row.companyId, accountId, byServiceAccount });
          (d.changed ? deactivated : alreadyDeactivated).push(accountId);
          if (d.changed) await audit(tx, row, { action: 'member.deactivated', subjectType: 'account', subjectId: accountId, details: { changed: true } });
        } catch (err) {
          if (err instanceof AppError && err.status === 404) gone.push(accountId);
          else if (err instanceof AppError && KEPT_ACTIVE[err.code]) {
            keptActive.push({ accountId, reason: KEPT_ACTIVE[err.code]! });
            await audit(tx, row, { action: 'member.deactivated', subjectType: 'account', subjectId: accountId, outcome: 'failed', details: { code: err.code } });
          } else throw err;
        }
      }
      const why = keptActive[0] ? { reason: keptActive[0].reason } : {};
      const outcome = keptActive.length > 0 && deactivated.length + alreadyDeactivated.length === 0 ? 'skipped' : 'done';
      return { outcome, ...why, deactivated, alreadyDeactivated, gone, keptActive, count: deactivated.length };
    }),

    /** 7. Records the successor's email (sent by the activity through the outbox), or why there was none. */
    recordNotification: (id: string, now: Date, outcome: { sent: true } | { skipped: string }) =>
      step(id, 'notify_successor', now, async () =>
        ('sent' in outcome ? { outcome: 'done', count: 1 } : { outcome: 'skipped', reason: outcome.skipped, count: 0 })),

    /** The row as it stands, for the notification's facts. */
    read: (id: string) => locked(id, async (_tx, row) => row),

    /** 8. The report; the run is completed, offboarded or with no account. */
    writeReport: (id: string) => locked(id, async (tx, row) => {
      if (row.status !== 'running') return { result: row.result };
      const report = buildReport(row);
      await completeRun(tx, id, report.result ?? 'offboarded', report as never);
      await audit(tx, row, { action: 'offboarding.completed', subjectType: 'offboarding', subjectId: id, details: { result: report.result } });
      return { result: report.result };
    }),

    /** A refused step ends the run as failed, with the report of what was done before; the person's key is released. */
    fail: (id: string, failedStep: OffboardingStep, code: string) => locked(id, async (tx, row) => {
      if (row.status === 'failed' || row.status === 'completed' || row.status === 'cancelled') return;
      const report = buildReport(row, { step: failedStep, code });
      await failRun(tx, id, code, report as never);
      await audit(tx, row, { action: 'offboarding.failed', subjectType: 'offboarding', subjectId: id, details: { step: failedStep, code } });
    }),
  };
}
export type OffboardingSteps = ReturnType<typeof createOffboardingSteps>;
