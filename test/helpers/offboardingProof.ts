// What the offboarding proofs (test/e2e/offboardingKill.test.ts, offboardingOutage.test.ts) check once a batch has
// finished through crashes and outages: every run completed exactly once, every effect happened exactly once, and
// no email or webhook went out more often than the retries that are recorded for it.
import { createHash } from 'node:crypto';
import type { Sql } from '../../db/client';
import { successorNoticeKey } from '../../libraries/offboarding/notice';
import type { MailSink } from './mailSink';
import type { WebhookReceiver } from './webhookReceiver';

/** The batch's runs by status, from the database. */
export async function batchCounts(sql: Sql, batchId: string): Promise<Record<string, number>> {
  const rows = await sql<{ status: string; n: number }[]>`
    select o.status, count(*)::int as n from offboarding_batch_items i join offboardings o on o.id = i.offboarding_id
     where i.batch_id = ${batchId} group by o.status`;
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}

export interface Leavers {
  companyId: string;
  accountIds: string[];
  /** The successor of each person, by index. */
  successorOf: (i: number) => { accountId: string; email: string };
}

/** Every run completed once and did each thing once: accounts, audit rows, apps, credentials. */
export async function expectOffboardedOnce(sql: Sql, batchId: string, l: Leavers): Promise<{ runIdOf: Map<string, string> }> {
  const runs = await sql<{ id: string; status: string; result: string | null; subjectAccountIds: string[]; successorAccountId: string }[]>`
    select o.id, o.status, o.result, o.subject_account_ids, o.successor_account_id
      from offboarding_batch_items i join offboardings o on o.id = i.offboarding_id where i.batch_id = ${batchId} order by i.item_no`;
  expect(runs).toHaveLength(l.accountIds.length);
  expect(runs.filter((r) => r.status !== 'completed' || r.result !== 'offboarded')).toEqual([]);
  expect(runs.map((r) => r.subjectAccountIds)).toEqual(l.accountIds.map((a) => [a]));
  const runIdOf = new Map(runs.map((r) => [r.subjectAccountIds[0]!, r.id]));

  const [accounts] = await sql<{ active: number; deactivated: number }[]>`
    select count(*) filter (where status = 'active')::int as active, count(*) filter (where status = 'deactivated')::int as deactivated
      from accounts where id = any(${l.accountIds}::uuid[])`;
  expect(accounts).toEqual({ active: 0, deactivated: l.accountIds.length });

  // One audit row per effect of the batch's runs: a repeated step would have written a second.
  const audit = await sql<{ action: string; subjectId: string; n: number }[]>`
    select action, subject_id, count(*)::int as n from audit_log
     where company_id = ${l.companyId} and details->>'offboardingId' = any(${runs.map((r) => r.id)}::text[])
       and action in ('member.deactivated', 'app.technical_contact_changed', 'offboarding.access_revoked', 'offboarding.completed')
     group by action, subject_id`;
  const byAction = (a: string) => audit.filter((r) => r.action === a);
  const apps = await sql<{ id: string; contact: string; owner: string }[]>`
    select a.id, a.technical_contact_account_id as contact, m.account_id as owner
      from apps a join app_members m on m.app_id = a.id and m.role = 'owner' where m.account_id = any(${l.accountIds}::uuid[])`;
  expect(byAction('member.deactivated').map((r) => [r.subjectId, r.n]).sort()).toEqual(l.accountIds.map((a) => [a, 1]).sort());
  expect(byAction('app.technical_contact_changed').map((r) => [r.subjectId, r.n]).sort()).toEqual(apps.map((a) => [a.id, 1]).sort());
  expect(byAction('offboarding.access_revoked').map((r) => [r.subjectId, r.n]).sort()).toEqual(runs.map((r) => [r.id, 1]).sort());
  expect(byAction('offboarding.completed').map((r) => [r.subjectId, r.n]).sort()).toEqual(runs.map((r) => [r.id, 1]).sort());

  // Every app went to that person's successor.
  const successorByAccount = new Map(l.accountIds.map((a, i) => [a, l.successorOf(i).accountId]));
  expect(apps.filter((a) => a.contact !== successorByAccount.get(a.owner))).toEqual([]);
  const [live] = await sql<{ n: number }[]>`
    select count(*)::int as n from personal_access_tokens where account_id = any(${l.accountIds}::uuid[]) and revoked_at is null`;
  expect(live!.n).toBe(0);
  return { runIdOf };
}

/** lib/mailer.ts's Message-ID for an outbox key: a resend after a crash carries the same one. */
const messageIdOf = (key: string, domain: string) => `<${createHash('sha256').update(key).digest('hex').slice(0, 40)}@${domain}>`;

/**
 * One successor email per run, to that run's successor: the sink received exactly the expected Message-IDs, each
 * once. The outbox (activities/outbox.ts) admits one window, between the server's acceptance and the row being
 * marked sent: a process killed there resends the same message (same Message-ID, which mail systems collapse) after
 * claiming the row again. So a second copy is accepted only for a row claimed more than once, and never a third.
 * Answers how many such resends there were.
 */
export async function expectOneEmailPerRun(sql: Sql, mail: MailSink, l: Leavers, runIdOf: Map<string, string>, domain = 'custodian.test'): Promise<number> {
  const expected = new Map<string, { key: string; to: string }>();
  for (const [i, accountId] of l.accountIds.entries()) {
    const s = l.successorOf(i);
    const key = successorNoticeKey(s.accountId, runIdOf.get(accountId)!);
    expected.set(messageIdOf(key, domain), { key, to: s.email });
  }
  const outbox = await sql<{ idempotencyKey: string; attempts: number; sent: boolean }[]>`
    select idempotency_key, attempts, sent_at is not null as sent from email_outbox
     where idempotency_key = any(${[...expected.values()].map((e) => e.key)}::text[])`;
  expect(outbox).toHaveLength(expected.size);
  expect(outbox.filter((o) => !o.sent)).toEqual([]);
  const attempts = new Map(outbox.map((o) => [o.idempotencyKey, o.attempts]));

  const successors = new Set([...expected.values()].map((e) => e.to));
  const received = new Map<string, { n: number; to: string[] }>();
  for (const m of mail.messages.filter((x) => x.to.some((t) => successors.has(t)))) {
    const id = /^Message-ID:\s*(<[^>]+>)/im.exec(m.raw)?.[1] ?? '(none)';
    const r = received.get(id) ?? { n: 0, to: m.to };
    r.n++;
    received.set(id, r);
  }
  expect([...received.keys()].sort()).toEqual([...expected.keys()].sort());
  let resends = 0;
  for (const [id, r] of received) {
    const e = expected.get(id)!;
    expect({ id, to: r.to }).toEqual({ id, to: [e.to] });
    const allowed = attempts.get(e.key)! > 1 ? 2 : 1;
    expect({ key: e.key, copies: r.n <= allowed }).toEqual({ key: e.key, copies: true });
    resends += r.n - 1;
  }
  return resends;
}

/**
 * One `offboarding.completed` event per run of the batch, and every POST of it carries the same event id; a POST repeats only
 * as a retry of the activity (its attempt number, recorded in webhook_deliveries, is at least the POSTs received).
 * Answers how many repeated POSTs there were.
 */
export async function expectOneWebhookPerRun(sql: Sql, receiver: WebhookReceiver, l: Leavers, runIdOf: Map<string, string>): Promise<number> {
  const eventsOf = new Map<string, Set<string>>();
  const posts = new Map<string, number>();
  const mine = new Set(runIdOf.values());
  for (const r of receiver.received) {
    const body = JSON.parse(r.body) as { id: string; type: string; data: { offboardingId: string } };
    if (!mine.has(body.data.offboardingId)) continue;
    expect({ type: body.type, header: r.headers['custodian-event-id'] }).toEqual({ type: 'offboarding.completed', header: body.id });
    eventsOf.set(body.data.offboardingId, (eventsOf.get(body.data.offboardingId) ?? new Set()).add(body.id));
    posts.set(body.id, (posts.get(body.id) ?? 0) + 1);
  }
  expect([...eventsOf.keys()].sort()).toEqual([...runIdOf.values()].sort());
  expect([...eventsOf.values()].filter((s) => s.size !== 1)).toEqual([]);
  const rows = await sql<{ eventId: string; maxAttempt: number; succeeded: number }[]>`
    select event_id, max(attempt)::int as max_attempt, count(*) filter (where error is null and status_code between 200 and 299)::int as succeeded
      from webhook_deliveries where company_id = ${l.companyId} group by event_id`;
  const recorded = new Map(rows.map((r) => [r.eventId, r]));
  let repeats = 0;
  for (const [eventId, n] of posts) {
    const rec = recorded.get(eventId);
    expect({ eventId, delivered: (rec?.succeeded ?? 0) >= 1, withinRetries: n <= (rec?.maxAttempt ?? 0) }).toEqual({ eventId, delivered: true, withinRetries: true });
    repeats += n - 1;
  }
  return repeats;
}
