import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client, type ScheduleOptions } from '@temporalio/client';
import { workflowIds } from '../workflows/shared/ids';
import type { TokenExpirySweepInput } from '../workflows/shared/tokenExpirySweep';

export interface TokenSweepScheduleSettings {
  taskQueue: string;
  /** The time of day in `timezone`: the password expiry sweep's (PASSWORD_EXPIRY_SWEEP_AT / _TIMEZONE). */
  hour: number;
  minute: number;
  timezone: string;
  scheduleId?: string;
  input?: TokenExpirySweepInput;
}

/**
 * The Schedule of the daily personal access token expiry sweep (Schedules → `token-expiry-sweep` in the Temporal
 * UI), with the password expiry sweep's policies: overlap SKIP, a day of catch-up after an outage of Temporal.
 */
export function tokenSweepScheduleOptions(s: TokenSweepScheduleSettings): ScheduleOptions {
  const id = s.scheduleId ?? workflowIds.tokenExpirySweep();
  return {
    scheduleId: id,
    spec: { calendars: [{ hour: s.hour, minute: s.minute, comment: 'daily personal access token expiry sweep' }], timezone: s.timezone },
    action: { type: 'startWorkflow', workflowType: 'tokenExpirySweep', workflowId: id, taskQueue: s.taskQueue, args: [s.input ?? {}] },
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 day' },
    memo: { purpose: 'Personal access token expiry reminders (7 days before); README "Developer settings"' },
  };
}

/** Creates the Schedule, or brings an existing one to the configured time and task queue. Idempotent; a paused one stays paused. */
export async function ensureTokenExpirySchedule(client: Client, s: TokenSweepScheduleSettings): Promise<'created' | 'updated'> {
  const options = tokenSweepScheduleOptions(s);
  try {
    await client.schedule.create(options);
    return 'created';
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
  }
  await client.schedule.getHandle(options.scheduleId).update((previous) => ({
    ...previous, spec: options.spec, action: options.action, policies: { ...previous.policies, ...options.policies },
  }));
  return 'updated';
}
