import { Client, Connection } from '@temporalio/client';
import type { Config } from '../../lib/config';
import { ensurePasswordExpirySchedule } from '../../libraries/passwordExpirySchedule';
import { ensureTokenExpirySchedule } from '../../libraries/tokenExpirySchedule';

/**
 * Creates or updates the project's Temporal Schedules on a namespace (today: the daily password expiry
 * sweep and the daily token expiry sweep, both at PASSWORD_EXPIRY_SWEEP_AT on TEMPORAL_TASK_QUEUE). Idempotent. Answers a line per Schedule.
 */
export async function registerSchedules(config: Config): Promise<string[]> {
  const connection = await Connection.connect({ address: config.temporal.address });
  try {
    const client = new Client({ connection, namespace: config.temporal.namespace });
    const { hour, minute, timezone } = config.passwordExpirySweep;
    const done = await ensurePasswordExpirySchedule(client, { taskQueue: config.temporal.taskQueue, hour, minute, timezone });
    const at = `${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')} ${timezone}`;
    // The token expiry reminders run at the same time of day.
    const tokens = await ensureTokenExpirySchedule(client, { taskQueue: config.temporal.taskQueue, hour, minute, timezone });
    return [`schedule password-expiry-sweep ${done} (daily at ${at})`, `schedule token-expiry-sweep ${tokens} (daily at ${at})`];
  } finally {
    await connection.close();
  }
}
