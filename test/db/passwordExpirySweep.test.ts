// The password expiry sweep's pages against a real Postgres: which accounts are due at `now` (boundaries at
// exactly 14, 7 and 1 days, SSO, deactivated, companies and the platform default, a policy changed in the
// middle of a period), keyset paging across policy groups, and reminders sent once across sweeps. The batch
// activity runs as the worker runs it, with a recording mailer instead of SMTP.
import { randomUUID } from 'node:crypto';
import { createPasswordExpiryActivities } from '../../activities/passwordExpiry';
import { findReminderCandidates, nextPolicyGroup } from '../../db/queries/passwordExpiry';
import { insertAccount, insertProfile } from '../../db/queries/people';
import type { Mail, Mailer } from '../../lib/mailer';
import { MailError } from '../../lib/mailer';
import { DEFAULT_PASSWORD_MAX_AGE_DAYS, passwordExpiresAt } from '../../workflows/shared/passwordExpiry';
import { REMINDER_DAYS, dueReminder, type SweepBatchResult, type SweepCursor } from '../../workflows/shared/passwordExpirySweep';
import { createTestDatabase, type TestDatabase } from '../helpers/database';

const DAY = 24 * 3600 * 1000;
const NOW = new Date('2026-06-15T03:00:00.000Z');

let db: TestDatabase;
beforeEach(async () => {
  db = await createTestDatabase();
});
afterEach(async () => {
  await db.drop();
});

function recordingMailer(fail: (m: Mail) => boolean = () => false) {
  const sent: Mail[] = [];
  const mailer: Mailer = {
    async send(m) {
      if (fail(m)) throw new MailError(451);
      sent.push(m);
      return { messageId: String(sent.length) };
    },
    close: () => undefined,
  };
  return { mailer, sent };
}

async function company(days: number): Promise<string> {
  const id = randomUUID();
  await db.sql`insert into companies (id, name, password_expiry_days) values (${id}, ${`Company ${id.slice(0, 8)}`}, ${days})`;
  return id;
}

interface AccountSpec {
  /** When its password expires under its policy, as an offset from NOW (the test states the intent). */
  changedAt: Date;
  companyId?: string | null;
  sso?: boolean;
  status?: 'active' | 'deactivated';
}
async function account(spec: AccountSpec): Promise<{ id: string; email: string }> {
  const profileId = randomUUID();
  const id = randomUUID();
  const email = `expiry-${id.slice(0, 8)}@test.custodian.test`;
  await insertProfile(db.sql, { id: profileId, displayName: `Person ${id.slice(0, 8)}` });
  await insertAccount(db.sql, { id, profileId, email, passwordHash: 'x', companyId: spec.companyId ?? null, status: spec.status ?? 'active' });
  await db.sql`update accounts set password_changed_at = ${spec.changedAt}, sso = ${spec.sso ?? false} where id = ${id}`;
  return { id, email };
}
/** An account without a company whose password expires `ms` after NOW (platform default policy). */
const expiringIn = (ms: number, over: Partial<AccountSpec> = {}) =>
  account({ changedAt: new Date(NOW.getTime() + ms - DEFAULT_PASSWORD_MAX_AGE_DAYS * DAY), ...over });

/** A whole sweep at `now`: batches until the cursor runs out. */
async function sweep(mailer: Mailer, now = NOW, limit = 500) {
  const { sweepPasswordExpiryBatch } = createPasswordExpiryActivities({ sql: db.sql, mailer });
  const batches: SweepBatchResult[] = [];
  const cursors: (SweepCursor | null)[] = [];
  let cursor: SweepCursor | null = null;
  do {
    cursors.push(cursor);
    const r: SweepBatchResult = await sweepPasswordExpiryBatch({ now: now.toISOString(), cursor, limit });
    batches.push(r);
    cursor = r.next;
    if (batches.length > 1000) throw new Error('the sweep does not end');
  } while (cursor);
  const sum = (f: (b: SweepBatchResult) => number) => batches.reduce((n, b) => n + f(b), 0);
  return {
    batches, cursors,
    sent: { d14: sum((b) => b.sent.d14), d7: sum((b) => b.sent.d7), d1: sum((b) => b.sent.d1) },
    alreadySent: sum((b) => b.alreadySent),
    failed: sum((b) => b.failed),
    candidates: sum((b) => b.candidates),
  };
}
const subjectsTo = (sent: Mail[], email: string) => sent.filter((m) => m.to === email).map((m) => m.subject);

describe('which reminder is due', () => {
  test('exactly 14, 7 and 1 days before expiry each reminder is due; a millisecond earlier it is not', async () => {
    const cases = {
      d14: await expiringIn(14 * DAY), notYet: await expiringIn(14 * DAY + 1),
      d7: await expiringIn(7 * DAY), still14: await expiringIn(7 * DAY + 1),
      d1: await expiringIn(1 * DAY), still7: await expiringIn(1 * DAY + 1),
      lastMs: await expiringIn(1), expiredNow: await expiringIn(0), expired: await expiringIn(-DAY),
    };
    const { mailer, sent } = recordingMailer();
    const result = await sweep(mailer);
    const got = Object.fromEntries(Object.entries(cases).map(([k, a]) => [k, subjectsTo(sent, a.email)]));
    expect(got).toEqual({
      d14: ['Your Custodian password expires in 14 days'], notYet: [],
      d7: ['Your Custodian password expires in 7 days'], still14: ['Your Custodian password expires in 14 days'],
      d1: ['Your Custodian password expires tomorrow'], still7: ['Your Custodian password expires in 7 days'],
      lastMs: ['Your Custodian password expires tomorrow'], expiredNow: [], expired: [],
    });
    expect(result.sent).toEqual({ d14: 2, d7: 2, d1: 2 });
    // The SQL and the rule agree: the query's candidates are exactly what the rule finds due (plus, at most,
    // the one account a millisecond past the window that the query's slack lets through).
    const rows = await findReminderCandidates(db.sql, {
      now: NOW, days: DEFAULT_PASSWORD_MAX_AGE_DAYS, defaultDays: DEFAULT_PASSWORD_MAX_AGE_DAYS, reminderDays: REMINDER_DAYS, after: null, limit: 100,
    });
    // Everything due was sent, so nothing is a candidate any more but the account a millisecond past the window,
    // which the query's slack lets through and the rule then finds not due.
    expect(rows.map((r) => r.accountId)).toEqual([cases.notYet.id]);
  });

  test('the rule agrees with the pure dueReminder() at every boundary', () => {
    const at = (ms: number) => dueReminder(new Date(NOW.getTime() + ms), NOW);
    expect([at(14 * DAY + 1), at(14 * DAY), at(7 * DAY + 1), at(7 * DAY), at(DAY + 1), at(DAY), at(1), at(0), at(-1)])
      .toEqual([null, 14, 14, 7, 7, 1, 1, null, null]);
    expect(dueReminder(null, NOW)).toBeNull();
  });

  test('SSO accounts, deactivated accounts and companies with no expiry get nothing', async () => {
    const never = await company(0);
    const sso = await expiringIn(DAY, { sso: true });
    const off = await expiringIn(DAY, { status: 'deactivated' });
    const noExpiry = await account({ changedAt: new Date(NOW.getTime() - 89 * DAY), companyId: never });
    const control = await expiringIn(DAY);
    const { mailer, sent } = recordingMailer();
    await sweep(mailer);
    expect(sent.map((m) => m.to)).toEqual([control.email]);
    for (const a of [sso, off, noExpiry]) expect(subjectsTo(sent, a.email)).toEqual([]);
  });

  test('an account without a company follows the platform default; a company account its company\'s policy', async () => {
    const thirty = await company(30);
    const ninety = await company(90);
    // All changed 29 days ago: a 30-day policy expires tomorrow; 90 days (the default, or the company's) in 61 days.
    const changedAt = new Date(NOW.getTime() - 29 * DAY);
    const inThirty = await account({ changedAt, companyId: thirty });
    const inNinety = await account({ changedAt, companyId: ninety });
    const alone = await account({ changedAt });
    // And one without a company 80 days in: the default's 14-day reminder.
    const aloneOld = await account({ changedAt: new Date(NOW.getTime() - 80 * DAY) });
    const { mailer, sent } = recordingMailer();
    const result = await sweep(mailer);
    expect(subjectsTo(sent, inThirty.email)).toEqual(['Your Custodian password expires tomorrow']);
    expect(subjectsTo(sent, inNinety.email)).toEqual([]);
    expect(subjectsTo(sent, alone.email)).toEqual([]);
    expect(subjectsTo(sent, aloneOld.email)).toEqual(['Your Custodian password expires in 14 days']);
    // Policy groups in order: 30, then 90 (the company's and the default together).
    expect(result.cursors.map((c) => c?.days ?? null)).toEqual([null, 90]);
    expect(await nextPolicyGroup(db.sql, 0, DEFAULT_PASSWORD_MAX_AGE_DAYS)).toBe(30);
    expect(await nextPolicyGroup(db.sql, 30, DEFAULT_PASSWORD_MAX_AGE_DAYS)).toBe(90);
    expect(await nextPolicyGroup(db.sql, 90, DEFAULT_PASSWORD_MAX_AGE_DAYS)).toBeUndefined();
  });

  test('a policy changed in the middle of a period applies at once, and never resends a reminder of that period', async () => {
    const co = await company(90);
    const a = await account({ changedAt: new Date(NOW.getTime() - 80 * DAY), companyId: co }); // expires in 10 days
    const { mailer, sent } = recordingMailer();
    await sweep(mailer);
    expect(subjectsTo(sent, a.email)).toEqual(['Your Custodian password expires in 14 days']);

    // Shortened to 85 days: the password now expires in 5 days; the same day's next sweep sends the 7-day one.
    await db.sql`update companies set password_expiry_days = 85 where id = ${co}`;
    await sweep(mailer);
    expect(subjectsTo(sent, a.email)).toHaveLength(2);
    expect(subjectsTo(sent, a.email)[1]).toBe('Your Custodian password expires in 7 days');

    // Lengthened to 100 days (expiry in 20 days): nothing due. Six days later 14 days are left again, but the
    // 14-day reminder of this period was sent: not again. At 7 days left the 7-day one was sent too.
    await db.sql`update companies set password_expiry_days = 100 where id = ${co}`;
    await sweep(mailer);
    await sweep(mailer, new Date(NOW.getTime() + 6 * DAY));
    await sweep(mailer, new Date(NOW.getTime() + 13 * DAY));
    expect(subjectsTo(sent, a.email)).toHaveLength(2);
    // The last day's reminder has not been sent in this period: it goes.
    await sweep(mailer, new Date(NOW.getTime() + 19 * DAY));
    expect(subjectsTo(sent, a.email)).toEqual([
      'Your Custodian password expires in 14 days', 'Your Custodian password expires in 7 days', 'Your Custodian password expires tomorrow',
    ]);
  });

  test('a new password starts a new period: its reminders go again', async () => {
    const a = await expiringIn(DAY);
    const { mailer, sent } = recordingMailer();
    await sweep(mailer);
    // A new password (here as if set a second earlier, so it too expires within a day): a new period, new reminders.
    await db.sql`update accounts set password_changed_at = password_changed_at - interval '1 second' where id = ${a.id}`;
    await sweep(mailer);
    expect(subjectsTo(sent, a.email)).toEqual(['Your Custodian password expires tomorrow', 'Your Custodian password expires tomorrow']);
  });
});

describe('sent once', () => {
  test('two sweeps of the same day: the second reads no candidates and sends nothing', async () => {
    for (let i = 0; i < 5; i++) await expiringIn((i + 1) * 2 * DAY);
    const { mailer, sent } = recordingMailer();
    const first = await sweep(mailer);
    expect(first.sent).toEqual({ d14: 2, d7: 3, d1: 0 }); // expiring in 2, 4 and 6 days: the 7-day one; in 8 and 10: the 14-day one
    expect(sent).toHaveLength(5);
    const second = await sweep(mailer);
    expect(second).toMatchObject({ candidates: 0, sent: { d14: 0, d7: 0, d1: 0 }, alreadySent: 0 });
    expect(sent).toHaveLength(5);
  });

  test('a batch retried after a crash (its sends half done) sends only what is missing', async () => {
    const accounts = await Promise.all([1, 2, 3, 4].map((i) => expiringIn(i * DAY - 1)));
    const failing = new Set([accounts[1]!.email, accounts[3]!.email]);
    const flaky = recordingMailer((m) => failing.has(m.to));
    const first = await sweep(flaky.mailer);
    expect(first).toMatchObject({ failed: 2 });
    expect(flaky.sent).toHaveLength(2);
    // The retry, whatever did or did not finish before: only the two that failed.
    const healthy = recordingMailer();
    const retry = await sweep(healthy.mailer);
    expect(retry).toMatchObject({ failed: 0, candidates: 2 });
    expect(healthy.sent.map((m) => m.to).sort()).toEqual([...failing].sort());
    // A row left "sending" by a worker that died mid-exchange is another worker's to finish, not a second copy.
    const again = recordingMailer();
    await sweep(again.mailer);
    expect(again.sent).toHaveLength(0);
  });
});

describe('paging', () => {
  test('keyset pages cover every due account exactly once, across policy groups and equal change times', async () => {
    const thirty = await company(30);
    const sameInstant = new Date(NOW.getTime() - 80 * DAY);
    const due: string[] = [];
    for (let i = 0; i < 7; i++) due.push((await account({ changedAt: sameInstant })).email); // ties: ordered by id
    for (let i = 0; i < 5; i++) due.push((await expiringIn(i * DAY + 12 * 3600_000)).email);
    for (let i = 0; i < 4; i++) due.push((await account({ changedAt: new Date(NOW.getTime() - (20 + i) * DAY), companyId: thirty })).email);
    for (let i = 0; i < 3; i++) await expiringIn(30 * DAY + i); // not due
    const { mailer, sent } = recordingMailer();
    const result = await sweep(mailer, NOW, 3);
    expect(sent.map((m) => m.to).sort()).toEqual([...due].sort());
    expect(result.candidates).toBe(due.length);
    expect(result.batches.length).toBeGreaterThanOrEqual(Math.ceil(due.length / 3));
    // Every cursor after the first names its group and a row of it, or the start of the next group.
    expect(result.cursors.slice(1).every((c) => c && (c.days === 30 || c.days === 90))).toBe(true);
  });

  test('expiry is the one rule: what the sweep sends matches passwordExpiresAt() for each account', async () => {
    const co = await company(45);
    const created = [];
    for (let i = 0; i < 20; i++) {
      const changedAt = new Date(NOW.getTime() - Math.floor(((i * 7919) % 100) * 0.9 * DAY) - i * 1000);
      created.push({ ...(await account({ changedAt, companyId: i % 2 ? co : null })), changedAt, days: i % 2 ? 45 : DEFAULT_PASSWORD_MAX_AGE_DAYS });
    }
    const { mailer, sent } = recordingMailer();
    await sweep(mailer, NOW, 4);
    for (const a of created) {
      const due = dueReminder(passwordExpiresAt(a.changedAt, a.days, false), NOW);
      expect({ email: a.email, mails: subjectsTo(sent, a.email).length }).toEqual({ email: a.email, mails: due ? 1 : 0 });
    }
  });
});
