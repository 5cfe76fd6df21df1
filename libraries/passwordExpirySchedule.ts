import type { Client, ScheduleOptions } from '@temporalio/client';
import { workflowIds } from '../workflows/shared/ids';
import type { PasswordExpirySweepInput } from '../workflows/shared/passwordExpirySweep';
import { dailyScheduleOptions, ensureSchedule, type DailyScheduleSettings } from './dailySchedule';

export interface SweepScheduleSettings extends DailyScheduleSettings {
  /** The sweep's input; default `{}`, so each run evaluates its own start time. */
  input?: PasswordExpirySweepInput;
}

/** The daily password expiry sweep's Schedule (`password-expiry-sweep`). */
export function sweepScheduleOptions(s: SweepScheduleSettings): ScheduleOptions {
  return dailyScheduleOptions(s, {
    scheduleId: workflowIds.passwordExpirySweep(),
    workflowType: 'passwordExpirySweep',
    input: s.input ?? {},
    comment: 'daily password expiry sweep',
    purpose: 'Password expiry reminders (14, 7 and 1 days before); README "Password expiry"',
  });
}

export function ensurePasswordExpirySchedule(client: Client, s: SweepScheduleSettings): Promise<'created' | 'updated'> {
  return ensureSchedule(client, sweepScheduleOptions(s));
}
