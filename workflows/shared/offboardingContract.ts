import { defineQuery, defineSignal } from '@temporalio/workflow';
import { z } from 'zod';

/**
 * Offboarding (README "Offboarding"): the contract between the API, the per-person workflow
 * (workflows/offboardPerson.ts), the batch workflow (workflows/offboardingBatch.ts) and their activities
 * (activities/offboarding.ts). Ids, step names, counts and instants only: the request's email is resolved to
 * ids by the API, and everything else a step needs it reads from the run's row.
 */

/** A run's status, as the row, the API and the CLI show it. */
export const OFFBOARDING_STATUSES = ['scheduled', 'running', 'completed', 'cancelled', 'failed'] as const;
export type OffboardingStatus = (typeof OFFBOARDING_STATUSES)[number];
export const isFinished = (s: OffboardingStatus) => s === 'completed' || s === 'cancelled' || s === 'failed';

/** What a completed run found: the person's accounts were offboarded, or the person had none here (not an error). */
export type OffboardingResult = 'offboarded' | 'no_account';

/**
 * The steps in the order they run. The step 6 ("warn about automations") lists the automations before
 * access is revoked (`list_automations`, second), and its warning goes out with the successor's email.
 */
export const OFFBOARDING_STEPS = [
  'find_accounts',
  'list_automations',
  'reassign_apps',
  'delete_training_apps',
  'revoke_access',
  'deactivate_accounts',
  'notify_successor',
  'write_report',
] as const;
export type OffboardingStep = (typeof OFFBOARDING_STEPS)[number];

/** The `"no-other-members"` designation of training apps: the apps nobody but the person belongs to. */
export const NO_OTHER_MEMBERS = 'no-other-members';

/** Automations are the tokens and keys used within this many days before the run (the 30). */
export const AUTOMATION_WINDOW_DAYS = 30;

/**
 * How long the `offboarding.completed`/`failed` webhook may keep failing before the run finishes without it
 * (its attempts stay listed): a receiver that is down must not hold a run, or a batch, open for ever.
 */
export const DEFAULT_WEBHOOK_DEADLINE_MS = 3_600_000;

/** The per-person workflow's input: ids and instants. The workflow id is `offboarding-<offboardingId>`. */
export const OffboardPersonInput = z.strictObject({
  offboardingId: z.uuid(),
  companyId: z.uuid(),
  /** ISO 8601. A future instant makes the run wait on a durable timer, cancellable until then. */
  effectiveAt: z.iso.datetime({ offset: true }),
  webhookDeadlineMs: z.number().int().positive().optional(),
});
export type OffboardPersonInput = z.infer<typeof OffboardPersonInput>;

export interface OffboardPersonResult {
  offboardingId: string;
  status: Extract<OffboardingStatus, 'completed' | 'cancelled'>;
  result: OffboardingResult | null;
}

/** Where a run stands, by query (`offboardingProgress`) and in the UI's current details. */
export interface OffboardingProgress {
  offboardingId: string;
  status: OffboardingStatus;
  step: OffboardingStep | null;
  stepsDone: number;
  stepsTotal: number;
}

export const offboardingProgressQuery = defineQuery<OffboardingProgress>('offboardingProgress');
/**
 * Wakes a scheduled run after the API cancelled it in the database (the row decides; the signal only saves the
 * run from sleeping until its effectiveAt to find out).
 */
export const offboardingCancelledSignal = defineSignal('offboardingCancelled');

/** ApplicationFailure types of the per-person workflow: business failures, never retried. */
export const OffboardingFailure = {
  /** The successor is no longer an active human member of the company (or was never one, in a batch row). */
  SuccessorUnavailable: 'SuccessorUnavailable',
  /** A batch row the API could not accept; the row's `rejection` says why. */
  Rejected: 'OffboardingRejected',
  /** The run's row is gone or belongs to another company: nothing to do. */
  RunMissing: 'OffboardingRunMissing',
} as const;

/** What the run's first activity decided. */
export type BeginVerdict =
  | { state: 'running' }
  | { state: 'not_yet'; effectiveAt: string }
  | { state: 'cancelled' }
  | { state: 'rejected'; code: string }
  | { state: 'finished'; status: OffboardingStatus };

/** A step activity's input; `now` is the workflow's, for steps that decide by date. */
export interface StepInput {
  offboardingId: string;
  now: string;
}

/** A step's answer to the workflow: counts only (ids stay in the row). */
export interface StepSummary {
  outcome: 'done' | 'skipped';
  count: number;
}

/** The batch workflow's input. Its id is `offboarding-batch-<batchId>`; the people are rows, paged by item number. */
export const OffboardingBatchInput = z.strictObject({
  batchId: z.uuid(),
  companyId: z.uuid(),
  effectiveAt: z.iso.datetime({ offset: true }),
  /** Children running at once. */
  concurrency: z.number().int().min(1).max(500),
  /** Children started per run before continuing as new, so the history stays small. */
  childrenPerRun: z.number().int().min(1).max(2000),
  /** Items per page read. */
  pageSize: z.number().int().min(1).max(1000).optional(),
  webhookDeadlineMs: z.number().int().positive().optional(),
  /** Carried through continue-as-new. */
  afterItemNo: z.number().int().nonnegative().optional(),
  totals: z.strictObject({
    started: z.number().int(), completed: z.number().int(), failed: z.number().int(), cancelled: z.number().int(),
    reused: z.number().int(), runs: z.number().int(),
  }).optional(),
});
export type OffboardingBatchInput = z.infer<typeof OffboardingBatchInput>;
export type BatchTotals = NonNullable<OffboardingBatchInput['totals']>;
export const emptyBatchTotals = (): BatchTotals => ({ started: 0, completed: 0, failed: 0, cancelled: 0, reused: 0, runs: 1 });

export const DEFAULT_BATCH = { concurrency: 20, childrenPerRun: 500, pageSize: 200 } as const;

/**
 * One person of a batch as the parent sees it: `start` when this batch owns the run and it waits to be started;
 * `reused` when another request's run (or an earlier item of this batch) has the person; `cancelled` when the
 * run was cancelled before the batch reached it.
 */
export interface BatchItem {
  itemNo: number;
  offboardingId: string;
  action: 'start' | 'reused' | 'cancelled';
}

export interface BatchPage {
  items: BatchItem[];
  /** True when this page reached the last item. */
  last: boolean;
}

export interface OffboardingBatchProgress extends BatchTotals {
  batchId: string;
  inFlight: number;
  afterItemNo: number;
  done: boolean;
}

export const offboardingBatchProgressQuery = defineQuery<OffboardingBatchProgress>('offboardingBatchProgress');
