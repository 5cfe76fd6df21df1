import type { Queryable } from '../client';

/**
 * Password expiry: what sign-in and every authenticated request need to decide whether a password has
 * expired, the company policy, and the daily sweep's pages. The rule itself (when a password expires,
 * which reminder is due) is TypeScript in workflows/shared/; the sweep's SQL only selects candidates for
 * it, with the same arithmetic (days of exactly 24 hours, millisecond epochs), and skips reminders whose
 * outbox key is already sent.
 */

/** What decides whether one account's password has expired. */
export interface PasswordAge {
  passwordChangedAt: Date | null;
  sso: boolean;
  companyId: string | null;
  /** The company's `password_expiry_days` (0 = never); null without a company. */
  companyPasswordExpiryDays: number | null;
}

export async function findPasswordAge(sql: Queryable, accountId: string): Promise<PasswordAge | undefined> {
  const [row] = await sql<PasswordAge[]>`
    select a.password_changed_at, a.sso, a.company_id, c.password_expiry_days as company_password_expiry_days
      from accounts a left join companies c on c.id = a.company_id
     where a.id = ${accountId}`;
  return row;
}

/** A company's password lifetime in days, 0 = never; undefined for an unknown company. */
export async function findCompanyPasswordExpiryDays(sql: Queryable, companyId: string): Promise<number | undefined> {
  const [row] = await sql<{ passwordExpiryDays: number }[]>`select password_expiry_days from companies where id = ${companyId}`;
  return row?.passwordExpiryDays;
}

/** Sets a company's password lifetime (0 = never). Answers the previous value, or undefined for an unknown company. */
export async function setCompanyPasswordExpiryDays(sql: Queryable, companyId: string, days: number): Promise<number | undefined> {
  const [row] = await sql<{ previous: number }[]>`
    update companies c set password_expiry_days = ${days}
      from (select id, password_expiry_days from companies where id = ${companyId} for update) old
     where c.id = old.id
    returning old.password_expiry_days as previous`;
  return row?.previous;
}

/**
 * The policy group after `afterDays`: the smallest password lifetime above it that any account can have,
 * a company's (0, never, excluded) or the platform default for accounts without a company. Undefined
 * when there is none: the sweep is done.
 */
export async function nextPolicyGroup(sql: Queryable, afterDays: number, defaultDays: number): Promise<number | undefined> {
  const [row] = await sql<{ days: number | null }[]>`
    select least(
      (select min(password_expiry_days) from companies where password_expiry_days > greatest(${afterDays}::int, 0)),
      case when ${defaultDays}::int > ${afterDays}::int then ${defaultDays}::int end
    ) as days`;
  return row?.days ?? undefined;
}

export interface ReminderCandidate {
  accountId: string;
  email: string;
  passwordChangedAt: Date;
  /** password_changed_at in Postgres's text form, microseconds included: the keyset cursor. */
  changedAtText: string;
}

export interface CandidatePage {
  /** The instant the sweep evaluates. */
  now: Date;
  /** The policy group: accounts whose password lifetime is this many days. */
  days: number;
  /** The lifetime of accounts without a company. */
  defaultDays: number;
  /** The reminder thresholds in days, e.g. [14, 7, 1]. */
  reminderDays: readonly number[];
  /** Read after this (password_changed_at text, account id); null from the group's start. */
  after: { changedAt: string; accountId: string } | null;
  limit: number;
}

/**
 * One page of the sweep: active, non-SSO accounts with a password whose lifetime is `days` and whose
 * password expires within the widest reminder window after `now` (now < expiry <= now + max(reminderDays)),
 * and whose most urgent due reminder is not sent yet, in (password_changed_at, id) order after `after`.
 *
 * A range scan of accounts__password_changed_at__idx from the cursor, in its order, stopping at `limit`: a
 * password of lifetime `days` expires in (now, now + window] exactly when it changed in
 * (now - days, now - days + window]. The companies of the group are one hashed set per page, each reminder's
 * outbox row a primary-key lookup; reminders already sent cost only that lookup, so a second sweep of the
 * same day reads the window once and returns nothing.
 */
export async function findReminderCandidates(sql: Queryable, p: CandidatePage): Promise<ReminderCandidate[]> {
  const window = Math.max(...p.reminderDays);
  const after = p.after ?? { changedAt: '-infinity', accountId: '00000000-0000-0000-0000-000000000000' };
  return sql<ReminderCandidate[]>`
    select a.id as account_id, a.email, a.password_changed_at, a.password_changed_at::text as changed_at_text
      from accounts a
     where not a.sso
       and a.status = 'active'
       and a.password_hash is not null
       and a.password_changed_at >  ${p.now}::timestamptz - ${p.days}::int * interval '24 hours'
       -- One millisecond of slack: the rule (TypeScript) sees password_changed_at in milliseconds, Postgres in
       -- microseconds; the page may hold a row the rule then finds not due, never miss one it finds due.
       and a.password_changed_at <= ${p.now}::timestamptz + (${window}::int - ${p.days}::int) * interval '24 hours' + interval '1 millisecond'
       -- Sent as text, parsed by Postgres: a JavaScript Date would drop the microseconds and repeat rows.
       and (a.password_changed_at, a.id) > (${after.changedAt}::text::timestamptz, ${after.accountId}::uuid)
       -- The policy as a filter, not a join: the index scan then streams in keyset order and the page stops at
       -- \`limit\` rows (a join made the planner read the whole window and sort it, on every page).
       and (case when a.company_id is null then ${p.defaultDays}::int = ${p.days}::int
                 else exists (select 1 from companies c where c.id = a.company_id and c.password_expiry_days = ${p.days}::int) end)
       and not exists (
         select 1 from email_outbox o
          where o.sent_at is not null
            and o.idempotency_key = 'password-expiry/' || a.id::text || '/'
                || floor(extract(epoch from a.password_changed_at) * 1000)::bigint::text || '/'
                || (select min(r) from unnest(${p.reminderDays as number[]}::int[]) r
                     where a.password_changed_at + (${p.days}::int - r) * interval '24 hours' <= ${p.now}::timestamptz)::text)
     order by a.password_changed_at, a.id
     limit ${p.limit}`;
}
