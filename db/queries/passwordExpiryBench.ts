import type { Queryable } from '../client';

/**
 * `npm run bench:expiry`'s data (scripts/bench-expiry.ts): `count` accounts, one profile each, with
 * expiry dates spread evenly over the `spreadDays` after `now`, inserted with generate_series in a few
 * statements. Every row carries the run's tag, and `deleteExpiryBench` removes them all again. Nobody can
 * sign in with them: the password hash is not a hash.
 */
export interface ExpiryBenchSeed {
  tag: string;
  count: number;
  now: Date;
  /** The password lifetime of every bench account (half in a bench company with this policy, half without a company). */
  maxAgeDays: number;
  /** Expiry dates fall evenly in (now, now + spreadDays]. */
  spreadDays: number;
  /** Reminder thresholds, e.g. [14, 7, 1]: those already past a day before `now` are marked sent (the steady state). */
  reminderDays: readonly number[];
}

export async function seedExpiryBench(sql: Queryable, s: ExpiryBenchSeed): Promise<{ accounts: number; markedSent: number; companyId: string }> {
  const [company] = await sql<{ id: string }[]>`
    insert into companies (name, password_expiry_days) values (${`Bench expiry ${s.tag}`}, ${s.maxAgeDays}) returning id`;
  await sql`
    insert into profiles (id, display_name)
    select md5(${s.tag} || '/profile/' || i)::uuid, ${`Bench expiry ${s.tag}`}
      from generate_series(1, ${s.count}::int) i`;
  // Account i expires at now + spreadDays * (i - 0.5) / count: evenly spread, none at a boundary.
  const accounts = await sql`
    insert into accounts (id, profile_id, email, password_hash, company_id, password_changed_at)
    select md5(${s.tag} || '/account/' || i)::uuid,
           md5(${s.tag} || '/profile/' || i)::uuid,
           'bench-expiry-' || ${s.tag} || '-' || i || '@bench.custodian.test',
           'bench: not a password hash',
           case when i % 2 = 0 then ${company!.id}::uuid end,
           ${s.now}::timestamptz - ${s.maxAgeDays}::int * interval '24 hours'
             + (${s.spreadDays}::float8 * (i - 0.5) / ${s.count}::int) * interval '24 hours'
      from generate_series(1, ${s.count}::int) i`;
  // The outbox as daily sweeps until yesterday left it: every reminder whose threshold passed before
  // `now - 1 day` was sent. Today's sweep then has exactly one day's cohort to send.
  const marked = await sql`
    insert into email_outbox (idempotency_key, template, sent_at, attempts)
    select 'password-expiry/' || a.id::text || '/' || floor(extract(epoch from a.password_changed_at) * 1000)::bigint::text || '/' || r,
           'password-expiry-' || r, ${s.now}::timestamptz - interval '1 day', 1
      from accounts a cross join unnest(${s.reminderDays as number[]}::int[]) r
     where a.email like ${`bench-expiry-${s.tag}-%`}
       and a.password_changed_at + (${s.maxAgeDays}::int - r) * interval '24 hours' <= ${s.now}::timestamptz - interval '1 day'`;
  // Fresh statistics, as autovacuum would soon have: the planner then sees the rows the sweep will read.
  await sql`analyze accounts`;
  await sql`analyze email_outbox`;
  return { accounts: accounts.count, markedSent: marked.count, companyId: company!.id };
}

/** Rows a bench run holds: its accounts and the outbox rows of their reminders. */
export async function countExpiryBench(sql: Queryable, tag: string): Promise<{ accounts: number; outboxRows: number; outboxSent: number }> {
  const [row] = await sql<{ accounts: number; outboxRows: number; outboxSent: number }[]>`
    select (select count(*)::int from accounts where email like ${`bench-expiry-${tag}-%`}) as accounts,
           count(*)::int as outbox_rows, count(o.sent_at)::int as outbox_sent
      from accounts a join email_outbox o on split_part(o.idempotency_key, '/', 2) = a.id::text
     where a.email like ${`bench-expiry-${tag}-%`} and starts_with(o.idempotency_key, 'password-expiry/')`;
  return row!;
}

/** Removes everything `seedExpiryBench` and the sweeps made for `tag`. Answers the accounts removed. */
export async function deleteExpiryBench(sql: Queryable, tag: string): Promise<number> {
  await sql`
    delete from email_outbox o using accounts a
     where a.email like ${`bench-expiry-${tag}-%`} and starts_with(o.idempotency_key, 'password-expiry/')
       and split_part(o.idempotency_key, '/', 2) = a.id::text`;
  const removed = await sql`delete from accounts where email like ${`bench-expiry-${tag}-%`}`;
  await sql`delete from profiles where display_name = ${`Bench expiry ${tag}`}`;
  await sql`delete from companies where name = ${`Bench expiry ${tag}`}`;
  return removed.count;
}
