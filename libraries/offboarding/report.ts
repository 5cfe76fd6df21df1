import type { OffboardingRow, StepRecord } from '../../db/queries/offboardings';
import { NO_OTHER_MEMBERS, OFFBOARDING_STEPS, type OffboardingStep } from '../../workflows/shared/offboardingContract';

/**
 * What a run did, skipped and why (the step 8), built from the step records of its row: the report a
 * finished run stores, and the progress every read shows. Ids and counts only; the automations (token names) are
 * kept beside it in the row and joined in when shown.
 */

export type StepState = 'pending' | 'running' | 'done' | 'skipped' | 'failed' | 'not_reached';

export interface ReportStep {
  step: OffboardingStep;
  outcome: Extract<StepState, 'done' | 'skipped' | 'failed' | 'not_reached'>;
  reason?: string;
}

export interface OffboardingReport {
  result: 'offboarded' | 'no_account' | null;
  failure: { step: OffboardingStep; code: string } | null;
  accountIds: string[];
  successorAccountId: string | null;
  appsReassigned: string[];
  trainingApps: { designated: string[]; deleted: string[]; skipped: { appId: string; reason: string }[] };
  credentialsRevoked: { sessions: number; apiKeys: number; personalAccessTokens: number };
  accountsDeactivated: string[];
  accountsAlreadyDeactivated: string[];
  /** Accounts the run left active, and why: `last_admin`, `admin_target_requires_admin` (libraries/memberDeactivation.ts). */
  accountsKeptActive: { accountId: string; reason: string }[];
  automationsFound: number;
  successorNotified: boolean;
  steps: ReportStep[];
}

const ids = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
const num = (v: unknown): number => (typeof v === 'number' ? v : 0);

export const stepRecord = (row: Pick<OffboardingRow, 'steps'>, step: OffboardingStep): StepRecord | undefined =>
  row.steps.find((r) => r.step === step);

/** The report of a run at its end: completed (`failure` absent) or failed at `failure.step`. */
export function buildReport(row: OffboardingRow, failure?: { step: OffboardingStep; code: string }): OffboardingReport {
  const rec = (s: OffboardingStep) => stepRecord(row, s);
  const found = rec('find_accounts');
  const accountIds = ids(found?.accountIds);
  const noAccount = found !== undefined && accountIds.length === 0;
  const revoked = rec('revoke_access');
  const deletion = rec('delete_training_apps');
  const steps = OFFBOARDING_STEPS.map((step): ReportStep => {
    const r = rec(step);
    if (r) return { step, outcome: r.outcome, ...(r.reason ? { reason: r.reason } : {}) };
    if (failure?.step === step) return { step, outcome: 'failed', reason: failure.code };
    if (step === 'write_report') return failure ? { step, outcome: 'done', reason: 'failure_reported' } : { step, outcome: 'done' };
    if (noAccount) return { step, outcome: 'skipped', reason: 'no_account' };
    return { step, outcome: 'not_reached' };
  });
  return {
    result: failure ? null : noAccount ? 'no_account' : 'offboarded',
    failure: failure ?? null,
    accountIds,
    successorAccountId: row.successorAccountId,
    appsReassigned: ids(rec('reassign_apps')?.appIds),
    trainingApps: {
      designated: ids(found?.trainingAppIds),
      deleted: ids(deletion?.deleted),
      skipped: Array.isArray(deletion?.skipped) ? (deletion.skipped as { appId: string; reason: string }[]) : [],
    },
    credentialsRevoked: { sessions: num(revoked?.sessions), apiKeys: num(revoked?.apiKeys), personalAccessTokens: num(revoked?.personalAccessTokens) },
    accountsDeactivated: ids(rec('deactivate_accounts')?.deactivated),
    accountsAlreadyDeactivated: ids(rec('deactivate_accounts')?.alreadyDeactivated),
    accountsKeptActive: Array.isArray(rec('deactivate_accounts')?.keptActive)
      ? (rec('deactivate_accounts')!.keptActive as { accountId: string; reason: string }[]) : [],
    automationsFound: num(rec('list_automations')?.count),
    successorNotified: rec('notify_successor')?.outcome === 'done',
    steps,
  };
}

/** Each step's state now, for the status endpoint and the CLI. */
export function stepStates(row: OffboardingRow): { step: OffboardingStep; state: StepState; reason: string | null; at: string | null }[] {
  const report = row.report as OffboardingReport | null;
  return OFFBOARDING_STEPS.map((step) => {
    const r = stepRecord(row, step);
    if (r) return { step, state: r.outcome, reason: r.reason ?? null, at: r.at };
    const reported = report?.steps?.find((s) => s.step === step);
    if (reported) return { step, state: reported.outcome, reason: reported.reason ?? null, at: null };
    const state: StepState = row.status === 'running' && row.currentStep === step ? 'running' : row.status === 'cancelled' ? 'not_reached' : 'pending';
    return { step, state, reason: null, at: null };
  });
}

/** A run as the API and the CLI show it. */
export function offboardingView(row: OffboardingRow) {
  return {
    id: row.id,
    companyId: row.companyId,
    batchId: row.batchId,
    status: row.status,
    result: row.result,
    failure: row.failure,
    person: { profileId: row.subjectProfileId, accountIds: row.subjectAccountIds },
    successorAccountId: row.successorAccountId,
    trainingApps: [...row.trainingAppIds, ...(row.trainingNoOtherMembers ? [NO_OTHER_MEMBERS] : [])],
    reason: row.reason,
    effectiveAt: row.effectiveAt.toISOString(),
    createdAt: row.createdAt.toISOString(),
    startedAt: row.startedAt?.toISOString() ?? null,
    finishedAt: row.finishedAt?.toISOString() ?? null,
    currentStep: row.currentStep,
    steps: stepStates(row),
    report: row.report ? { ...(row.report as unknown as OffboardingReport), automations: row.automations ?? [] } : null,
  };
}
export type OffboardingView = ReturnType<typeof offboardingView>;
