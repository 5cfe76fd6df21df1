// The password expiry sweep on the whole stack (real worker, Postgres and SMTP): reminders sent once across two
// sweeps of the same day, through a worker stopped and started in the middle of a sweep, and through a mail
// server that refuses for a while; and the Schedule that starts the sweep every day.
import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import { ensurePasswordExpirySchedule } from '../../libraries/passwordExpirySchedule';
import type { passwordExpirySweep } from '../../workflows/passwordExpirySweep';
import type { PasswordExpirySweepInput, SweepTotals } from '../../workflows/shared/passwordExpirySweep';
import { DAY_MS, ownInstant, personExpiringIn } from '../helpers/passwordExpiry';
import type { Person } from '../helpers/people';
import { suiteStack } from '../helpers/suiteStack';
import { eventually } from '../helpers/waiting';

const stack = suiteStack();

function startSweep(input: PasswordExpirySweepInput): Promise<WorkflowHandle<typeof passwordExpirySweep>> {
  return stack.client.workflow.start<typeof passwordExpirySweep>('passwordExpirySweep', {
    taskQueue: stack.taskQueue, workflowId: `test-password-expiry-sweep-${randomUUID()}`, args: [input],
  });
}
const mailsTo = (p: Person) => stack.mail.messages.filter((m) => m.to.includes(p.emails[0]!));

test('a sweep sends the 14-, 7- and 1-day reminders; a second sweep of the same day sends nothing', async () => {
  const now = ownInstant(1);
  const [in14, in7, in1, later] = (await Promise.all([14 * DAY_MS, 7 * DAY_MS, DAY_MS - 1, 20 * DAY_MS].map((ms) => personExpiringIn(stack.sql, now, ms)))) as [
    Person, Person, Person, Person,
  ];
  const first: SweepTotals = await (await startSweep({ now: now.toISOString() })).result();
  expect(first).toMatchObject({ runs: 1, candidates: 3, sent: { d14: 1, d7: 1, d1: 1 }, alreadySent: 0, failed: 0 });
  expect(mailsTo(in14).map((m) => m.subject)).toEqual(['Your Custodian password expires in 14 days']);
  expect(mailsTo(in7).map((m) => m.subject)).toEqual(['Your Custodian password expires in 7 days']);
  expect(mailsTo(in1).map((m) => m.subject)).toEqual(['Your Custodian password expires tomorrow']);
  expect(mailsTo(later)).toEqual([]);

  const second = await (await startSweep({ now: new Date(now.getTime() + 3600_000).toISOString() })).result();
  expect(second).toMatchObject({ candidates: 0, sent: { d14: 0, d7: 0, d1: 0 }, alreadySent: 0 });
  for (const p of [in14, in7, in1]) expect(mailsTo(p)).toHaveLength(1);
});

test('a worker stopped in the middle of a sweep: the next one finishes it, and every reminder goes exactly once', async () => {
  const now = ownInstant(2);
  const people = await Promise.all(Array.from({ length: 12 }, (_, i) => personExpiringIn(stack.sql, now, (i + 1) * DAY_MS - 1)));
  const handle = await startSweep({ now: now.toISOString(), batchSize: 1 });
  await eventually(() => {
    if (!people.some((p) => mailsTo(p).length > 0)) throw new Error('no reminder yet');
  });
  await stack.stopWorker();
  const sentBeforeRestart = people.filter((p) => mailsTo(p).length > 0).length;
  await stack.startWorker();
  const totals = await handle.result();
  expect(sentBeforeRestart).toBeLessThan(people.length);
  for (const p of people) expect({ who: p.emails[0], mails: mailsTo(p).length }).toEqual({ who: p.emails[0], mails: 1 });
  expect(totals.sent.d1 + totals.sent.d7 + totals.sent.d14 + totals.alreadySent).toBe(12);
});

test('a mail server refusing for a while: the page is tried again after the delay, and the reminder goes once', async () => {
  const now = ownInstant(3);
  const p = await personExpiringIn(stack.sql, now, 3 * DAY_MS);
  stack.mail.setRefusing(true);
  let totals: SweepTotals;
  try {
    const handle = await startSweep({ now: now.toISOString(), retryDelayMs: 2_000 });
    await eventually(async () => {
      const [row] = await stack.sql<{ attempts: number }[]>`
        select attempts from email_outbox where starts_with(idempotency_key, ${`password-expiry/${p.accountIds[0]!}/`})`;
      if (!row || row.attempts < 1) throw new Error('not tried yet');
    });
    stack.mail.setRefusing(false);
    totals = await handle.result();
  } finally {
    stack.mail.setRefusing(false);
  }
  expect(totals).toMatchObject({ sent: { d7: 1 }, failed: 0 });
  expect(totals.pageRetries).toBeGreaterThanOrEqual(1);
  expect(mailsTo(p).map((m) => m.subject)).toEqual(['Your Custodian password expires in 7 days']);
});

describe('the Schedule', () => {
  test('is created once and updated to the configured time of day; a triggered run sweeps', async () => {
    const scheduleId = `test-password-expiry-sweep-${randomUUID()}`;
    const base = { taskQueue: stack.taskQueue, scheduleId, timezone: 'Europe/Amsterdam' };
    expect(await ensurePasswordExpirySchedule(stack.client, { ...base, hour: 4, minute: 30 })).toBe('created');
    const handle = stack.client.schedule.getHandle(scheduleId);
    try {
      let d = await handle.describe();
      expect(d.spec.timezone).toBe('Europe/Amsterdam');
      expect(d.spec.calendars).toEqual([expect.objectContaining({ hour: [{ start: 4, end: 4, step: 1 }], minute: [{ start: 30, end: 30, step: 1 }] })]);
      expect(d.action).toMatchObject({ type: 'startWorkflow', workflowType: 'passwordExpirySweep', taskQueue: stack.taskQueue, args: [{}] });
      expect(d.policies).toMatchObject({ overlap: 'SKIP', catchupWindow: DAY_MS });

      // Again, at another time: the same Schedule, moved.
      expect(await ensurePasswordExpirySchedule(stack.client, { ...base, hour: 5, minute: 15 })).toBe('updated');
      d = await handle.describe();
      expect(d.spec.calendars).toEqual([expect.objectContaining({ hour: [{ start: 5, end: 5, step: 1 }], minute: [{ start: 15, end: 15, step: 1 }] })]);

      // An operator's "Trigger" in the UI: a sweep runs now, on the worker, evaluating its own start time.
      await handle.trigger();
      const runId = await eventually(async () => {
        const action = (await handle.describe()).info.recentActions[0];
        if (!action) throw new Error('no run yet');
        return action.action.workflow.workflowId;
      });
      expect(runId.startsWith(`${scheduleId}-`)).toBe(true);
      const totals = await stack.client.workflow.getHandle(runId).result();
      expect(totals).toMatchObject({ runs: 1, failed: 0 });
    } finally {
      await handle.delete();
    }
  });
});
