// The personal access token expiry reminders on the whole stack (real worker, Postgres and SMTP): the owner of a
// token expiring within 7 days is emailed once, across sweeps, and nobody else; and the Schedule that starts it.
import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import { sha256 } from '../../lib/crypto';
import { ensureTokenExpirySchedule } from '../../libraries/tokenExpirySchedule';
import type { tokenExpirySweep } from '../../workflows/tokenExpirySweep';
import type { TokenExpirySweepInput } from '../../workflows/shared/tokenExpirySweep';
import { DAY_MS, ownInstant } from '../helpers/passwordExpiry';
import { createPerson, type Person } from '../helpers/people';
import { suiteStack } from '../helpers/suiteStack';

const stack = suiteStack();

function startSweep(input: TokenExpirySweepInput): Promise<WorkflowHandle<typeof tokenExpirySweep>> {
  return stack.client.workflow.start<typeof tokenExpirySweep>('tokenExpirySweep', {
    taskQueue: stack.taskQueue, workflowId: `test-token-expiry-sweep-${randomUUID()}`, args: [input],
  });
}

/** A token of `person` expiring at `expiresAt` (null: never), as the API stores it. */
async function token(person: Person, name: string, expiresAt: Date | null, { revoked = false } = {}): Promise<string> {
  const [row] = await stack.sql<{ id: string }[]>`
    insert into personal_access_tokens (account_id, name, token_hash, scopes, expires_at, revoked_at)
    values (${person.accountIds[0]!}, ${name}, ${sha256(randomUUID())}, '{profile:read}', ${expiresAt}, ${revoked ? new Date() : null})
    returning id`;
  return row!.id;
}
const mailsTo = (p: Person) => stack.mail.messages.filter((m) => m.to.includes(p.emails[0]!));

test('tokens expiring within 7 days get one reminder each; later, expired, revoked, never-expiring and deactivated ones none', async () => {
  const now = ownInstant(21);
  const [soon, edge, later, expired, revoked, never, deactivated] = await Promise.all(Array.from({ length: 7 }, () => createPerson(stack.sql))) as Person[];
  await token(soon!, 'Nightly export', new Date(now.getTime() + 3 * DAY_MS));
  await token(edge!, 'Edge', new Date(now.getTime() + 7 * DAY_MS));
  await token(later!, 'Later', new Date(now.getTime() + 7 * DAY_MS + 60_000));
  await token(expired!, 'Expired', new Date(now.getTime() - 60_000));
  await token(revoked!, 'Revoked', new Date(now.getTime() + DAY_MS), { revoked: true });
  await token(never!, 'Never', null);
  await token(deactivated!, 'Deactivated', new Date(now.getTime() + DAY_MS));
  await stack.sql`update accounts set status = 'deactivated' where id = ${deactivated!.accountIds[0]!}`;

  const first = await (await startSweep({ now: now.toISOString() })).result();
  expect(first).toMatchObject({ runs: 1, candidates: 2, sent: 2, alreadySent: 0, failed: 0 });
  const [mail] = mailsTo(soon!);
  expect(mail!.subject).toBe('Your Custodian personal access token expires soon');
  expect(mail!.raw).toContain('"Nightly export"');
  expect(mailsTo(edge!)).toHaveLength(1);
  for (const p of [later!, expired!, revoked!, never!, deactivated!]) expect(mailsTo(p)).toEqual([]);

  // The next day's sweep: the reminders are sent, so nothing goes twice.
  const second = await (await startSweep({ now: new Date(now.getTime() + DAY_MS).toISOString() })).result();
  expect(second).toMatchObject({ candidates: 1, sent: 1 }); // `later` is now within 7 days
  expect(mailsTo(soon!)).toHaveLength(1);
  expect(mailsTo(edge!)).toHaveLength(1);
  expect(mailsTo(later!)).toHaveLength(1);
  const keys = await stack.sql<{ idempotencyKey: string }[]>`select idempotency_key from email_outbox where template = 'pat-expiry' and sent_at is not null`;
  expect(keys.map((k) => k.idempotencyKey)).toEqual(expect.arrayContaining([expect.stringMatching(new RegExp(`^pat-expiry/${soon!.accountIds[0]}/[0-9a-f-]{36}$`))]));
});

test('pages by keyset and continues as new with its cursor and totals', async () => {
  const now = ownInstant(22);
  const people = await Promise.all(Array.from({ length: 5 }, () => createPerson(stack.sql)));
  await Promise.all(people.map((p, i) => token(p, `t${i}`, new Date(now.getTime() + (i + 1) * 3600_000))));
  const totals = await (await startSweep({ now: now.toISOString(), batchSize: 2, batchesPerRun: 2 })).result();
  expect(totals).toMatchObject({ sent: 5, failed: 0 });
  expect(totals.runs).toBeGreaterThanOrEqual(2);
  for (const p of people) expect(mailsTo(p)).toHaveLength(1);
});

test('its Schedule is created once and updated in place', async () => {
  const scheduleId = `test-token-expiry-sweep-${randomUUID()}`;
  const settings = { taskQueue: stack.taskQueue, hour: 3, minute: 0, timezone: 'UTC', scheduleId };
  try {
    expect(await ensureTokenExpirySchedule(stack.client, settings)).toBe('created');
    expect(await ensureTokenExpirySchedule(stack.client, { ...settings, hour: 4 })).toBe('updated');
    const described = await stack.client.schedule.getHandle(scheduleId).describe();
    expect(described.action).toMatchObject({ type: 'startWorkflow', workflowType: 'tokenExpirySweep' });
    expect(described.spec.calendars?.[0]).toMatchObject({ hour: [{ start: 4, end: 4, step: 1 }] });
  } finally {
    await stack.client.schedule.getHandle(scheduleId).delete().catch(() => undefined);
  }
});
