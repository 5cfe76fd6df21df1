import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client, type ScheduleOptions } from '@temporalio/client';

export interface DailyScheduleSettings {
  taskQueue: string;
  /** The time of day, in `timezone` (an IANA name): lib/config.ts PASSWORD_EXPIRY_SWEEP_AT / _TIMEZONE. */
  hour: number;
  minute: number;
  timezone: string;
  /** Another Schedule id (tests); default the sweep's own. */
  scheduleId?: string;
}

/**
 * A Schedule that starts one sweep workflow a day, as operators see it in the Temporal UI (Schedules →
 * its id): one calendar entry at the configured time; overlap SKIP, so a sweep still running when the
 * next is due is not doubled (the next day's sweep finds what was left, since reminders are computed from
 * state, not from the day they were due); and a day of catch-up after an outage of Temporal itself.
 */
export function dailyScheduleOptions(
  s: DailyScheduleSettings,
  sweep: { scheduleId: string; workflowType: string; input: unknown; comment: string; purpose: string },
): ScheduleOptions {
  const id = s.scheduleId ?? sweep.scheduleId;
  return {
    scheduleId: id,
    spec: { calendars: [{ hour: s.hour, minute: s.minute, comment: sweep.comment }], timezone: s.timezone },
    // The workflow type is the name workflows/index.ts exports it under.
    action: { type: 'startWorkflow', workflowType: sweep.workflowType, workflowId: id, taskQueue: s.taskQueue, args: [sweep.input] },
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 day' },
    memo: { purpose: sweep.purpose },
  };
}

/**
 * Creates the Schedule, or brings an existing one to the configured time of day, task queue and
 * policies. Idempotent: `npm run temporal:setup` and `npm start` call it on every run. A Schedule an
 * operator paused stays paused.
 */
export async function ensureSchedule(client: Client, options: ScheduleOptions): Promise<'created' | 'updated'> {
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
