import type { Sql } from '../../db/client';
import { DEFAULT_PASSWORD_MAX_AGE_DAYS } from '../../workflows/shared/passwordExpiry';
import { createPerson, type Person } from './people';

export const DAY_MS = 24 * 3600 * 1000;

/**
 * A person whose one account (no company: the platform default policy) has a password expiring `inMs` after
 * `now`. Sweeps evaluate `now`, so a test picks an instant of its own (days or years ahead) and no account
 * of another test in the same database is due at it.
 */
export async function personExpiringIn(sql: Sql, now: Date, inMs: number): Promise<Person> {
  const person = await createPerson(sql);
  const changedAt = new Date(now.getTime() + inMs - DEFAULT_PASSWORD_MAX_AGE_DAYS * DAY_MS);
  await sql`update accounts set password_changed_at = ${changedAt} where id = ${person.accountIds[0]!}`;
  return person;
}

/** An instant of a test's own: `slot` × 1000 days from today, so sweeps of different tests never meet. */
export const ownInstant = (slot: number) => new Date(Math.floor(Date.now() / 1000) * 1000 + slot * 1000 * DAY_MS);
