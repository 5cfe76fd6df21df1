import {
  ActivityFailure, ApplicationFailure, condition, patched, proxyActivities, setCurrentDetails, setHandler, upsertSearchAttributes, uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import type { createActivities } from '../activities';
import { UNTIL_DONE } from './kit/activityOptions';
import {
  DEFAULT_WEBHOOK_DEADLINE_MS, OFFBOARDING_STEPS, OffboardingFailure, offboardingCancelledSignal, offboardingProgressQuery,
  type OffboardPersonInput, type OffboardPersonResult, type OffboardingProgress, type OffboardingStatus, type OffboardingStep, type StepSummary,
} from './shared/offboardingContract';
import { FLOW_STEP } from './shared/searchAttributes';

type Activities = ReturnType<typeof createActivities>;

// Every step must eventually happen and is idempotent by its record in the run's row: outages retry without end.
const acts = proxyActivities<Activities>(UNTIL_DONE);

/**
 * Since this patch `FlowStep` holds the run's status (scheduled, running, completed, failed, cancelled), upserted
 * only when it changes: a per-step upsert cost the Temporal server a history event and a visibility write for every
 * step of every run (`npm run bench:offboarding`). The step itself is in the current details and the query.
 */
export const FLOW_STEP_IS_STATUS = 'offboarding-flow-step-is-status';

/**
 * One person's offboarding (README "Offboarding"): waits until `effectiveAt` on a durable timer (a cancel through
 * the API ends the wait), then runs the steps in order, each an idempotent activity, and tells the company's
 * webhook. A person with no account here completes with the result `no_account`.
 *
 * Fails (non-retryable) with `SuccessorUnavailable` when the successor can no longer take the apps over, or
 * `OffboardingRejected` for a batch row the API could not accept, after recording the failure and its report.
 * History holds ids, step names and counts only.
 */
export async function offboardPerson(input: OffboardPersonInput): Promise<OffboardPersonResult> {
  const { offboardingId, companyId } = input;
  const progress: OffboardingProgress = { offboardingId, status: 'scheduled', step: null, stepsDone: 0, stepsTotal: OFFBOARDING_STEPS.length };
  let woken = false;
  setHandler(offboardingProgressQuery, () => progress);
  setHandler(offboardingCancelledSignal, () => {
    woken = true;
  });
  const flowStepIsStatus = patched(FLOW_STEP_IS_STATUS);
  let flowStep = workflowInfo().typedSearchAttributes.get(FLOW_STEP);
  const show = (status: OffboardingStatus, step: OffboardingStep | null) => {
    progress.status = status;
    progress.step = step;
    // Ids and the step only: the UI's "current details" cost no history event.
    setCurrentDetails(`offboarding ${offboardingId} (company ${companyId}): ${step ?? status}, ${progress.stepsDone}/${progress.stepsTotal} steps done`);
    // Runs started before the patch upsert every step, as they did.
    const value = flowStepIsStatus ? status : step ?? status;
    if (!flowStepIsStatus || value !== flowStep) upsertSearchAttributes([{ key: FLOW_STEP, value }]);
    flowStep = value;
  };
  const now = () => new Date().toISOString();
  const { deliverWebhook } = proxyActivities<Activities>({
    startToCloseTimeout: '30s',
    scheduleToCloseTimeout: input.webhookDeadlineMs ?? DEFAULT_WEBHOOK_DEADLINE_MS,
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '5m' },
  });
  const notify = async (type: 'offboarding.completed' | 'offboarding.failed', data: Record<string, unknown>) => {
    try {
      await deliverWebhook({ companyId, eventId: uuid4(), type, data: { offboardingId, ...data } });
    } catch (err) {
      // Given up after the deadline: the attempts are listed with the webhook; the run itself is done.
      if (!(err instanceof ActivityFailure)) throw err;
    }
  };
  const fail = async (step: OffboardingStep, code: string, type: string): Promise<never> => {
    await acts.failOffboarding({ offboardingId, step, code });
    show('failed', null);
    await notify('offboarding.failed', { status: 'failed', failure: code });
    throw ApplicationFailure.create({ type, message: `offboarding ${offboardingId} failed at ${step}: ${code}`, nonRetryable: true });
  };

  // The wait: the row decides whether the run was cancelled, and when it is due.
  let effectiveAt = Date.parse(input.effectiveAt);
  for (;;) {
    if (effectiveAt > Date.now()) {
      show('scheduled', null);
      await condition(() => woken, effectiveAt - Date.now());
      woken = false;
    }
    const verdict = await acts.beginOffboarding({ offboardingId, now: now() });
    if (verdict.state === 'not_yet') {
      effectiveAt = Date.parse(verdict.effectiveAt);
      continue;
    }
    if (verdict.state === 'cancelled') {
      show('cancelled', null);
      return { offboardingId, status: 'cancelled', result: null };
    }
    if (verdict.state === 'rejected') return fail('find_accounts', verdict.code, OffboardingFailure.Rejected);
    if (verdict.state === 'finished') {
      // Finished by an earlier run of this id (an operator's reset): nothing to do again.
      if (verdict.status === 'failed') throw ApplicationFailure.create({ type: OffboardingFailure.Rejected, message: 'already failed', nonRetryable: true });
      return { offboardingId, status: 'completed', result: null };
    }
    break;
  }

  const run = async (step: OffboardingStep, activity: (i: { offboardingId: string; now: string }) => Promise<StepSummary>) => {
    show('running', step);
    const summary = await activity({ offboardingId, now: now() });
    progress.stepsDone++;
    return summary;
  };

  const found = await run('find_accounts', acts.findOffboardingAccounts);
  if (found.count > 0) {
    await run('list_automations', acts.listOffboardingAutomations);
    try {
      await run('reassign_apps', acts.reassignOffboardingApps);
    } catch (err) {
      const cause = err instanceof ActivityFailure ? err.cause : undefined;
      if (cause instanceof ApplicationFailure && cause.type === OffboardingFailure.SuccessorUnavailable) {
        return fail('reassign_apps', String(cause.details?.[0] ?? 'offboarding.successor_unavailable'), OffboardingFailure.SuccessorUnavailable);
      }
      throw err;
    }
    await run('delete_training_apps', acts.deleteOffboardingTrainingApps);
    await run('revoke_access', acts.revokeOffboardingAccess);
    await run('deactivate_accounts', acts.deactivateOffboardingAccounts);
    await run('notify_successor', acts.notifyOffboardingSuccessor);
  }
  show('running', 'write_report');
  const { result } = await acts.writeOffboardingReport({ offboardingId });
  progress.stepsDone = OFFBOARDING_STEPS.length;
  show('completed', null);
  await notify('offboarding.completed', { status: 'completed', result });
  return { offboardingId, status: 'completed', result };
}
