import type { Queryable } from '../client';

/** Two-factor authentication (migration 00011): an account's method, its sealed TOTP secret, recovery codes and sign-in challenges. */

export type TwoFactorMethod = 'sms' | 'authenticator_app';

export interface TwoFactorRow {
  method: TwoFactorMethod;
  secretSealed: Buffer | null;
  keyId: string | null;
  enabledAt: Date | null;
  enrolmentExpiresAt: Date | null;
  lastUsedStep: string | null;
}

export async function findTwoFactor(sql: Queryable, accountId: string): Promise<TwoFactorRow | undefined> {
  const [row] = await sql<TwoFactorRow[]>`
    select method, secret_sealed, key_id, enabled_at, enrolment_expires_at, last_used_step::text
      from two_factor where account_id = ${accountId}`;
  return row;
}

/** Whether the account has 2FA on, and how: the one read sign-in adds. */
export async function findEnabledMethod(sql: Queryable, accountId: string): Promise<TwoFactorMethod | undefined> {
  const [row] = await sql<{ method: TwoFactorMethod }[]>`
    select method from two_factor where account_id = ${accountId} and enabled_at is not null`;
  return row?.method;
}

export async function countUnusedRecoveryCodes(sql: Queryable, accountId: string): Promise<number> {
  const [row] = await sql<{ n: number }[]>`
    select count(*)::int as n from two_factor_recovery_codes where account_id = ${accountId} and used_at is null`;
  return row!.n;
}

/**
 * Starts (or restarts) an authenticator-app enrolment with a new sealed secret. Answers false, changing
 * nothing, when 2FA is already on: enabling over an active method would need its deactivation first.
 */
export async function startEnrolment(
  sql: Queryable,
  e: { accountId: string; keyId: string; secretSealed: Buffer; expiresAt: Date },
): Promise<boolean> {
  const rows = await sql`
    insert into two_factor (account_id, method, secret_sealed, key_id, enrolment_expires_at)
    values (${e.accountId}, 'authenticator_app', ${e.secretSealed}, ${e.keyId}, ${e.expiresAt})
    on conflict (account_id) do update
       set method = excluded.method, secret_sealed = excluded.secret_sealed, key_id = excluded.key_id,
           enrolment_expires_at = excluded.enrolment_expires_at, last_used_step = null, created_at = now()
     where two_factor.enabled_at is null
    returning account_id`;
  return rows.count === 1;
}

/**
 * Turns a live enrolment on, recording the step of the code that proved it, and replaces the account's
 * recovery codes. Answers when it was enabled, or undefined when no live enrolment was there (someone
 * else finished it, or it expired). Call inside a transaction.
 */
export async function activateEnrolment(
  sql: Queryable,
  // `secretSealed`: the secret the code was checked against, so a concurrent re-enrolment is not activated by it.
  a: { accountId: string; secretSealed: Buffer; step: number; recoveryCodeHashes: Buffer[] },
): Promise<Date | undefined> {
  const [row] = await sql<{ enabledAt: Date }[]>`
    update two_factor set enabled_at = now(), enrolment_expires_at = null, last_used_step = ${a.step}
     where account_id = ${a.accountId} and enabled_at is null and enrolment_expires_at > now() and secret_sealed = ${a.secretSealed}
    returning enabled_at`;
  if (!row) return undefined;
  await sql`delete from two_factor_recovery_codes where account_id = ${a.accountId}`;
  const rows = a.recoveryCodeHashes.map((codeHash) => ({ accountId: a.accountId, codeHash }));
  await sql`insert into two_factor_recovery_codes ${sql(rows, 'accountId', 'codeHash')}`;
  return row.enabledAt;
}

/**
 * Accepts a TOTP time step once: only a step later than the last accepted one passes, atomically, so
 * two requests with the same code (or an older one) cannot both succeed. Answers whether it passed.
 */
export async function acceptTotpStep(sql: Queryable, accountId: string, step: number): Promise<boolean> {
  const r = await sql`
    update two_factor set last_used_step = ${step}
     where account_id = ${accountId} and enabled_at is not null and method = 'authenticator_app'
       and (last_used_step is null or last_used_step < ${step})`;
  return r.count === 1;
}

/** Seals a secret again under the current key (after a rotation), if nobody changed it meanwhile. */
export async function resealSecret(
  sql: Queryable,
  r: { accountId: string; fromKeyId: string; fromSealed: Buffer; keyId: string; secretSealed: Buffer },
): Promise<void> {
  await sql`
    update two_factor set key_id = ${r.keyId}, secret_sealed = ${r.secretSealed}
     where account_id = ${r.accountId} and key_id = ${r.fromKeyId} and secret_sealed = ${r.fromSealed}`;
}

/**
 * Uses one recovery code, given as its possible hashes (one per pepper in use): marks it used, once.
 * Answers how many unused codes remain, or undefined when none of them was an unused code of the account.
 */
export async function useRecoveryCode(sql: Queryable, accountId: string, codeHashes: Buffer[]): Promise<number | undefined> {
  const used = await sql`
    update two_factor_recovery_codes set used_at = now()
     where ctid = (select ctid from two_factor_recovery_codes
                    where account_id = ${accountId} and code_hash in ${sql(codeHashes)} and used_at is null
                    limit 1 for update)
       and used_at is null`;
  if (used.count !== 1) return undefined;
  return countUnusedRecoveryCodes(sql, accountId);
}

/**
 * Turns 2FA off: deletes the method, the recovery codes and the open sign-in challenges. Answers the
 * method that was on, or undefined when none was. Call inside a transaction.
 */
export async function disableTwoFactor(sql: Queryable, accountId: string): Promise<TwoFactorMethod | undefined> {
  const [row] = await sql<{ method: TwoFactorMethod }[]>`
    delete from two_factor where account_id = ${accountId} and enabled_at is not null returning method`;
  if (!row) return undefined;
  await sql`delete from two_factor_recovery_codes where account_id = ${accountId}`;
  await sql`delete from sign_in_challenges where account_id = ${accountId}`;
  return row.method;
}

// Sign-in challenges.

export async function insertChallenge(
  sql: Queryable,
  c: { accountId: string; attempts: number; expiresAt: Date },
): Promise<{ id: string; expiresAt: Date }> {
  const [row] = await sql<{ id: string; expiresAt: Date }[]>`
    insert into sign_in_challenges (account_id, attempts_left, expires_at)
    values (${c.accountId}, ${c.attempts}, ${c.expiresAt})
    returning id, expires_at`;
  return row!;
}

/** Deletes up to `limit` expired challenges (by the expiry index): each new challenge sweeps a few. */
export async function deleteExpiredChallenges(sql: Queryable, limit = 100): Promise<number> {
  const r = await sql`
    delete from sign_in_challenges
     where id in (select id from sign_in_challenges where expires_at < now() limit ${limit})`;
  return r.count;
}

/**
 * Spends one attempt of a live challenge, atomically. Answers its account (with the account's profile and
 * status) and the attempts left after this one, or undefined when the challenge is unknown, expired or out
 * of attempts.
 */
export async function takeChallengeAttempt(
  sql: Queryable,
  id: string,
): Promise<{ accountId: string; profileId: string; status: 'active' | 'deactivated'; attemptsLeft: number } | undefined> {
  const [row] = await sql<{ accountId: string; profileId: string; status: 'active' | 'deactivated'; attemptsLeft: number }[]>`
    update sign_in_challenges c set attempts_left = c.attempts_left - 1
      from accounts a
     where c.id = ${id} and a.id = c.account_id and c.attempts_left > 0 and c.expires_at > now()
    returning c.account_id, a.profile_id, a.status, c.attempts_left`;
  return row;
}

export async function giveBackChallengeAttempt(sql: Queryable, id: string): Promise<void> {
  await sql`update sign_in_challenges set attempts_left = attempts_left + 1 where id = ${id}`;
}

/** Ends a challenge once its second factor was right; answers whether this call ended it (so one session per challenge). */
export async function consumeChallenge(sql: Queryable, id: string): Promise<boolean> {
  const r = await sql`delete from sign_in_challenges where id = ${id} and expires_at > now()`;
  return r.count === 1;
}
