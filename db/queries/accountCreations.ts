import type { Queryable, Sql } from '../client';

export type CreationKind = 'sign-up' | 'account-creation';
export type CreationOutcome = 'completed' | 'cancelled' | 'expired' | 'failed';

/** One request to create an account (a sign-up or a creation inside a profile): ids and an HMAC only. */
export interface CreationRecord {
  id: string;
  kind: CreationKind;
  workflowId: string;
  runId: string | null;
  addressHmac: string;
  profileId: string | null;
  startedByAccountId: string | null;
  pendingAddressId: string | null;
  createdAt: Date;
  expiresAt: Date;
  verifiedAt: Date | null;
  outcome: CreationOutcome | null;
  failureReason: string | null;
  createdAccountId: string | null;
  closedAt: Date | null;
}

export interface OpenCreation {
  id: string;
  kind: CreationKind;
  workflowId: string;
  addressHmac: string;
  profileId: string | null;
  startedByAccountId: string | null;
  address: string;
  passwordHash: string;
  marketingOptIn: boolean;
  ttlMs: number;
}

/**
 * Records a request with its pending rows (the address, and the account to be: hash, marketing choice,
 * profile), atomically. Answers the pending address's id, the recipient a new run names.
 */
export async function openCreation(sql: Sql, c: OpenCreation): Promise<{ pendingAddressId: string }> {
  const secs = c.ttlMs / 1000;
  return sql.begin(async (tx) => {
    const [address] = await tx<{ id: string }[]>`
      insert into pending_addresses (address, expires_at) values (${c.address}, now() + make_interval(secs => ${secs})) returning id`;
    await tx`
      insert into account_creations (id, kind, workflow_id, address_hmac, profile_id, started_by_account_id, pending_address_id, expires_at)
      values (${c.id}, ${c.kind}, ${c.workflowId}, ${c.addressHmac}, ${c.profileId}, ${c.startedByAccountId}, ${address!.id},
              now() + make_interval(secs => ${secs}))`;
    await tx`
      insert into pending_accounts (creation_id, pending_address_id, password_hash, marketing_opt_in, profile_id, expires_at)
      values (${c.id}, ${address!.id}, ${c.passwordHash}, ${c.marketingOptIn}, ${c.profileId}, now() + make_interval(secs => ${secs}))`;
    return { pendingAddressId: address!.id };
  });
}

/** Binds a request to the run it started or joined, and to that run's expiry. */
export async function bindCreationToRun(sql: Queryable, id: string, runId: string, expiresAt: Date): Promise<void> {
  await sql`update account_creations set run_id = ${runId}, expires_at = ${expiresAt} where id = ${id}`;
}

/** Removes a request whose run could never start, with its pending rows. */
export async function discardCreation(sql: Sql, id: string): Promise<void> {
  await sql.begin((tx) => [
    tx`delete from pending_addresses where id = (select pending_address_id from account_creations where id = ${id})`,
    tx`delete from account_creations where id = ${id}`,
  ]);
}

/**
 * A request as its owner sees it: a sign-up by its id alone (the id is the capability), a creation inside a
 * profile only for that profile. Anyone else gets nothing.
 */
export async function findCreation(sql: Queryable, id: string, owner: { kind: 'sign-up' } | { kind: 'account-creation'; profileId: string }): Promise<CreationRecord | undefined> {
  const [row] = owner.kind === 'sign-up'
    ? await sql<CreationRecord[]>`select * from account_creations where id = ${id} and kind = 'sign-up'`
    : await sql<CreationRecord[]>`select * from account_creations where id = ${id} and kind = 'account-creation' and profile_id = ${owner.profileId}`;
  return row;
}

/**
 * Marks the request whose code was just verified. At most one request per run can be marked (a partial
 * unique index), and only while it is open: false when the mark was refused.
 */
export async function markCreationVerified(sql: Queryable, id: string): Promise<boolean> {
  const rows = await sql`update account_creations set verified_at = now() where id = ${id} and closed_at is null and verified_at is null returning id`;
  return rows.length === 1;
}

/** How many requests of the run are still open. */
export async function countOpenCreationsOfRun(sql: Queryable, workflowId: string, runId: string): Promise<number> {
  const [row] = await sql<{ n: number }[]>`
    select count(*)::int as n from account_creations where workflow_id = ${workflowId} and run_id = ${runId} and closed_at is null`;
  return row?.n ?? 0;
}

/** Closes one request (its owner cancelled it) and deletes its pending account. Idempotent. */
export async function closeCreation(sql: Sql, id: string, outcome: CreationOutcome): Promise<CreationRecord | undefined> {
  const [, [row]] = await sql.begin((tx) => [
    tx`delete from pending_accounts where creation_id = ${id}`,
    tx<CreationRecord[]>`
      update account_creations set outcome = coalesce(outcome, ${outcome}), closed_at = coalesce(closed_at, now()) where id = ${id} returning *`,
  ]);
  return row;
}

/** The request, locked for the creation transaction, if it belongs to this run. */
export async function lockCreationOfRun(tx: Queryable, id: string, workflowId: string, runId: string): Promise<CreationRecord | undefined> {
  const [row] = await tx<CreationRecord[]>`
    select * from account_creations where id = ${id} and workflow_id = ${workflowId} and run_id = ${runId} for update`;
  return row;
}

export interface PendingAccount {
  address: string;
  passwordHash: string;
  marketingOptIn: boolean;
  profileId: string | null;
}

/** The account a request will create; undefined once its pending rows are gone. */
export async function findPendingAccount(tx: Queryable, creationId: string): Promise<PendingAccount | undefined> {
  const [row] = await tx<PendingAccount[]>`
    select a.address, p.password_hash, p.marketing_opt_in, p.profile_id
      from pending_accounts p join pending_addresses a on a.id = p.pending_address_id
     where p.creation_id = ${creationId}`;
  return row;
}

/** Records the created account on its request, closes it and drops its pending account. */
export function completeCreation(tx: Queryable, id: string, accountId: string) {
  return [
    tx`
      update account_creations set outcome = 'completed', failure_reason = null, created_account_id = ${accountId}, closed_at = now()
       where id = ${id}`,
    tx`delete from pending_accounts where creation_id = ${id}`,
  ];
}

/** How long past its expiry a pending row of a request that never reached a run is kept before it is purged. */
const LEFTOVER_MARGIN = '1 hour';

export interface CloseRun {
  workflowId: string;
  runId: string;
  /** The run's recipient, which no request may own (its starter's row may be gone). */
  pendingAddressId: string;
  outcome: CreationOutcome;
  failureReason: string | null;
}

/**
 * Closes every open request of a run and deletes every pending row it held, in one transaction. The
 * request whose code was verified gets the run's outcome; the others get `expired` when one was verified
 * (they were overtaken), else the run's outcome. Also purges the pending rows of requests that expired
 * an hour ago or more (a request whose API process died before it reached a run). Answers the outcome the record holds:
 * `completed` when any request of the run created its account.
 */
export async function closeRun(sql: Sql, r: CloseRun): Promise<CreationOutcome> {
  return sql.begin(async (tx) => {
    const [verified] = await tx<{ id: string }[]>`
      select id from account_creations where workflow_id = ${r.workflowId} and run_id = ${r.runId} and verified_at is not null`;
    await tx`
      update account_creations
         set outcome = case when ${verified?.id ?? null}::uuid is null or id = ${verified?.id ?? null}::uuid then ${r.outcome} else 'expired' end,
             failure_reason = case when ${verified?.id ?? null}::uuid is null or id = ${verified?.id ?? null}::uuid then ${r.failureReason} else null end,
             closed_at = now()
       where workflow_id = ${r.workflowId} and run_id = ${r.runId} and closed_at is null`;
    // Deleting an address deletes the pending accounts that name it (on delete cascade).
    await tx`
      delete from pending_addresses
       where id = ${r.pendingAddressId}
          or id in (select pending_address_id from account_creations where workflow_id = ${r.workflowId} and run_id = ${r.runId})
          or id in (select pending_address_id from account_creations where expires_at < now() - ${LEFTOVER_MARGIN}::interval)`;
    await tx`delete from pending_accounts where expires_at < now() - ${LEFTOVER_MARGIN}::interval`;
    const [completed] = await tx`
      select 1 from account_creations where workflow_id = ${r.workflowId} and run_id = ${r.runId} and outcome = 'completed' limit 1`;
    return completed ? 'completed' : r.outcome;
  });
}

export interface NewAccount {
  id: string;
  profileId: string;
  email: string;
  passwordHash: string;
  marketingOptIn: boolean;
}

/** A new account with a password set now (which starts its expiry period). */
export async function insertCreatedAccount(tx: Queryable, a: NewAccount): Promise<void> {
  await tx`
    insert into accounts (id, profile_id, email, password_hash, marketing_opt_in, password_changed_at)
    values (${a.id}, ${a.profileId}, ${a.email}, ${a.passwordHash}, ${a.marketingOptIn}, now())`;
}

/** The profile of an account created earlier, for a repeated creation. */
export async function findAccountProfile(tx: Queryable, accountId: string): Promise<string | undefined> {
  const [row] = await tx<{ profileId: string }[]>`select profile_id from accounts where id = ${accountId}`;
  return row?.profileId;
}

/** Locks the profile an account goes into; false when it no longer exists (merged away, erased). */
export async function lockProfile(tx: Queryable, profileId: string): Promise<boolean> {
  const rows = await tx`select id from profiles where id = ${profileId} for update`;
  return rows.length === 1;
}
