import { randomUUID } from 'node:crypto';
import type { Queryable } from '../client';

/**
 * The SQL of removing an account and erasing a person (libraries/accountDeletion/remove.ts runs it in one
 * transaction). Rows owned by an account or a profile go by their foreign keys' ON DELETE CASCADE (sessions,
 * memberships, watched apps, skills, industries, community data) or SET NULL (technical contacts); what
 * only mentions a person (budgets, outbox keys, merge records, the audit log) is handled here.
 */

/** Tombstones replace an erased id where the row must stay; the prefix reads "erased" (see 00008). */
export const TOMBSTONE_PREFIX = 'e7a5ed00';
export const newTombstone = () => `${TOMBSTONE_PREFIX}${randomUUID().slice(TOMBSTONE_PREFIX.length)}`;
/** id → tombstone, for one erasure. */
export type Redaction = Record<string, string>;

export async function findAccountProfileId(tx: Queryable, accountId: string): Promise<string | undefined> {
  const [row] = await tx<{ profileId: string }[]>`select profile_id from accounts where id = ${accountId}`;
  return row?.profileId;
}

export interface LockedAccount {
  id: string;
  profileId: string;
  email: string;
  /** The profile's other accounts, deactivated ones included: 0 means this is its last. */
  otherAccounts: number;
}

/**
 * Locks the profile, then the account (the merge's apply locks profiles before it moves accounts, so the
 * order is the same), and counts the profile's other accounts under that lock: two deletions of a profile's
 * last two accounts cannot both believe the other one remains. Undefined if the account is gone or has
 * moved to another profile meanwhile (the caller reads the profile again).
 */
export async function lockAccountInProfile(tx: Queryable, accountId: string, profileId: string): Promise<LockedAccount | undefined> {
  await tx`select id from profiles where id = ${profileId} for update`;
  const [row] = await tx<LockedAccount[]>`
    select a.id, a.profile_id, a.email,
           (select count(*)::int from accounts o where o.profile_id = a.profile_id and o.id <> a.id) as other_accounts
      from accounts a where a.id = ${accountId} and a.profile_id = ${profileId} for update of a`;
  return row;
}

/**
 * Everything that identifies the person behind a profile: its id, the ids of the profiles merged into it
 * (their records name them), and the addresses the profile itself holds.
 */
export async function identityOfProfile(tx: Queryable, profileId: string): Promise<{ profileIds: string[]; emails: string[] }> {
  const ids = await tx<{ id: string }[]>`
    with recursive merged(id) as (
      select ${profileId}::uuid
      union
      select m.source_profile_id from profile_merges m join merged on m.target_profile_id = merged.id where m.outcome = 'completed'
    ) select id from merged`;
  const [p] = await tx<{ profileEmail: string | null; recoveryEmail: string | null }[]>`
    select profile_email, recovery_email from profiles where id = ${profileId}`;
  const emails = [p?.profileEmail, p?.recoveryEmail].filter((e): e is string => typeof e === 'string');
  return { profileIds: ids.map((r) => r.id), emails };
}

/**
 * Closes, as cancelled, the open merges an erased account started or an erased profile takes part in, and
 * frees their locks. Their runs find the record closed: a confirmation fails with MergeClosed, an expiry
 * reports what the record says.
 */
export async function cancelOpenMergesOf(tx: Queryable, { accountIds, profileIds }: { accountIds: string[]; profileIds: string[] }): Promise<number> {
  const [row] = await tx<{ n: number }[]>`
    with closed as (
      update profile_merges set outcome = 'cancelled', closed_at = now()
       where closed_at is null
         and (started_by_account_id = any(${accountIds}::uuid[])
              or target_profile_id = any(${profileIds}::uuid[]) or source_profile_id = any(${profileIds}::uuid[]))
      returning id
    ), freed as (delete from profile_merge_locks where merge_id in (select id from closed))
    select count(*)::int as n from closed`;
  return row?.n ?? 0;
}

/** Cascades to sessions, app memberships and watched apps; technical contacts become null. */
export async function deleteAccountRow(tx: Queryable, accountId: string): Promise<void> {
  await tx`delete from accounts where id = ${accountId}`;
}

/** Cascades to skills, industries, achievements, certifications and Academy progress. */
export async function deleteProfileRow(tx: Queryable, profileId: string): Promise<void> {
  await tx`delete from profiles where id = ${profileId}`;
}

/**
 * Pending addresses of the person (flows of theirs in progress), except those deletion confirmations still
 * wait to send (this one's, and an earlier deletion's to the same address): their sends delete them.
 */
export async function deletePendingAddressesOf(tx: Queryable, emails: string[], keepId: string | null): Promise<void> {
  await tx`
    delete from pending_addresses p
     where lower(p.address) = any(${emails.map((e) => e.toLowerCase())}::text[]) and p.id is distinct from ${keepId}::uuid
       and not exists (select 1 from account_deletions d where d.notify_address_id = p.id)`;
}

/**
 * Budget and throttle counters about the person. Keys are `<budget>:<subject>` with `|` between the parts
 * of a pair (libraries/budgets.ts, libraries/signInThrottle.ts), so a subject matches only whole, between
 * `:` and the end or a `|`: `ann@x.test` never takes `joann@x.test`'s counters with it.
 */
export async function deleteRateLimitsOf(tx: Queryable, subjects: string[]): Promise<number> {
  const r = await tx`
    delete from rate_limits
     where exists (select 1 from unnest(${subjects.map((s) => s.toLowerCase())}::text[]) s
                    where strpos(lower(key) || '|', ':' || s || '|') > 0)`;
  return r.count;
}

/**
 * Rows of code flows about the person's addresses, by address or by its HMAC: sign-ups and account
 * creations (closed ones keep the HMAC), and password resets (decoys keep the HMAC, open ones the address).
 */
export async function deleteAddressFlowsOf(tx: Queryable, emails: string[], hmacs: string[]): Promise<void> {
  const lowered = emails.map((e) => e.toLowerCase());
  await tx`delete from account_creations where address_hmac = any(${hmacs}::text[])`;
  await tx`delete from password_resets where address_key = any(${hmacs}::text[]) or lower(address) = any(${lowered}::text[])`;
}

/** Outbox rows keyed by an erased id (ids are fixed-length and random, so a substring match is exact). */
export async function deleteOutboxRowsOf(tx: Queryable, ids: string[]): Promise<number> {
  const r = await tx`
    delete from email_outbox where exists (select 1 from unnest(${ids}::text[]) i where strpos(idempotency_key, i) > 0)`;
  return r.count;
}

/**
 * Merge records outlive the profiles they join (the other side may still list them), so an erased
 * person's ids in them become tombstones rather than the rows going.
 */
export async function redactMergeRecords(tx: Queryable, redaction: Redaction): Promise<number> {
  const ids = Object.keys(redaction);
  const map = tx.json(redaction);
  const r = await tx`
    update profile_merges set
      target_profile_id = redact_ids(target_profile_id::text, ${map})::uuid,
      source_profile_id = redact_ids(source_profile_id::text, ${map})::uuid,
      started_by_account_id = redact_ids(started_by_account_id::text, ${map})::uuid,
      workflow_id = redact_ids(workflow_id, ${map})
     where target_profile_id = any(${ids}::uuid[]) or source_profile_id = any(${ids}::uuid[])
        or started_by_account_id = any(${ids}::uuid[])`;
  return r.count;
}

/** The audit log's one permitted change (00008): the erased ids become tombstones. Answers how many entries. */
export async function redactAuditLog(tx: Queryable, redaction: Redaction): Promise<number> {
  const [row] = await tx<{ n: number }[]>`select audit_log_redact(${tx.json(redaction)}) as n`;
  return row?.n ?? 0;
}
