import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client, type ScheduleOptions } from '@temporalio/client';
import { workflowIds } from '../workflows/shared/ids';
import type { PasswordExpirySweepInput } from '../workflows/shared/passwordExpirySweep';

export interface SweepScheduleSettings {
  taskQueue: string;
  /** The time of day, in `timezone` (an IANA name): lib/config.ts PASSWORD_EXPIRY_SWEEP_AT / _TIMEZONE. */
  hour: number;
  minute: number;
  timezone: string;
  /** Another Schedule id (tests); default `password-expiry-sweep`. */
  scheduleId?: string;
  /** The sweep's input; default `{}`, so each run evaluates its own start time. */
  input?: PasswordExpirySweepInput;
}

/**
 * The Schedule that starts the daily password expiry sweep, as operators see it in the Temporal UI
 * (Schedules → `password-expiry-sweep`):
 * - one calendar entry, the configured time of day;
 * - overlap SKIP: a sweep still running when the next is due is not doubled; the next day's sweep finds
 *   whatever was left (reminders are computed from state, not from the day they were due);
 * - catch-up window of a day: after an outage of Temporal itself, the missed run is taken once.
 */
export function sweepScheduleOptions(s: SweepScheduleSettings): ScheduleOptions {
  const id = s.scheduleId ?? workflowIds.passwordExpirySweep();
  return {
    scheduleId: id,
    spec: { calendars: [{ hour: s.hour, minute: s.minute, comment: 'daily password expiry sweep' }], timezone: s.timezone },
    action: {
      type: 'startWorkflow',
      // The name workflows/index.ts exports it under.
      workflowType: 'passwordExpirySweep',
      workflowId: id,
      taskQueue: s.taskQueue,
      args: [s.input ?? {}],
    },
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 day' },
    memo: { purpose: 'Password expiry reminders (14, 7 and 1 days before); README "Password expiry"' },
  };
}

/**
 * Creates the sweep's Schedule, or brings an existing one to the configured time of day, task queue and
 * policies. Idempotent: `npm run temporal:setup` and `npm start` call it on every run. A Schedule an
 * operator paused stays paused.
 */
export async function ensurePasswordExpirySchedule(client: Client, s: SweepScheduleSettings): Promise<'created' | 'updated'> {
  const options = sweepScheduleOptions(s);
  try {
    await client.schedule.create(options);
    return 'created';
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
  }
  await client.schedule.getHandle(options.scheduleId).update((previous) => ({
    ...previous,
    spec: options.spec,
    action: options.action,
    policies: { ...previous.policies, ...options.policies },
  }));
  return 'updated';
}
