import type { Client, ScheduleOptions } from '@temporalio/client';
import { workflowIds } from '../workflows/shared/ids';
import type { TokenExpirySweepInput } from '../workflows/shared/tokenExpirySweep';
import { dailyScheduleOptions, ensureSchedule, type DailyScheduleSettings } from './dailySchedule';

export interface TokenSweepScheduleSettings extends DailyScheduleSettings {
  input?: TokenExpirySweepInput;
}

/** The daily personal access token expiry sweep's Schedule (`token-expiry-sweep`), at the password sweep's time. */
export function tokenSweepScheduleOptions(s: TokenSweepScheduleSettings): ScheduleOptions {
  return dailyScheduleOptions(s, {
    scheduleId: workflowIds.tokenExpirySweep(),
    workflowType: 'tokenExpirySweep',
    input: s.input ?? {},
    comment: 'daily personal access token expiry sweep',
    purpose: 'Personal access token expiry reminders (7 days before); README "Developer settings"',
  });
}

export function ensureTokenExpirySchedule(client: Client, s: TokenSweepScheduleSettings): Promise<'created' | 'updated'> {
  return ensureSchedule(client, tokenSweepScheduleOptions(s));
}
