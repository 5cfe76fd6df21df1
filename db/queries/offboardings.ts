import type { Queryable } from '../client';

/**
 * Offboarding runs (00018): one row per run, the key that makes "an HR system that retries gets the same run"
 * hold (the partial unique index on company and person), and the record of each step, which makes every step
 * idempotent: a step found recorded is answered from the row, never done again.
 */

export type RunStatus = 'scheduled' | 'running' | 'completed' | 'cancelled' | 'failed';

/** A step's record as the row keeps it: ids and counts, and why it was skipped. */
export interface StepRecord {
  step: string;
  outcome: 'done' | 'skipped';
  reason?: string;
  at: string;
  [detail: string]: unknown;
}

export interface Automation {
  kind: 'personalAccessToken' | 'apiKey';
  id: string;
  accountId: string;
  name: string;
  /** A token's scopes; an API key carries every right of its account (null). */
  scopes: string[] | null;
  lastUsedAt: string;
}

export interface OffboardingRow {
  id: string;
  seq: string;
  companyId: string;
  batchId: string | null;
  personKey: string;
  subjectProfileId: string | null;
  subjectAccountIds: string[];
  successorAccountId: string | null;
  trainingAppIds: string[];
  trainingNoOtherMembers: boolean;
  reason: string | null;
  effectiveAt: Date;
  status: RunStatus;
  result: 'offboarded' | 'no_account' | null;
  rejection: string | null;
  failure: string | null;
  holdsKey: boolean;
  currentStep: string | null;
  steps: StepRecord[];
  automations: Automation[] | null;
  report: Record<string, unknown> | null;
  startedByAccountId: string | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

export interface NewOffboarding {
  id: string;
  companyId: string;
  batchId: string | null;
  personKey: string;
  subjectProfileId: string | null;
  subjectAccountIds: string[];
  successorAccountId: string | null;
  trainingAppIds: string[];
  trainingNoOtherMembers: boolean;
  reason: string | null;
  effectiveAt: Date;
  rejection: string | null;
  startedByAccountId: string | null;
}

/** Inserts the run unless another run holds the person's key; answers whether it was inserted. */
export async function insertOffboarding(tx: Queryable, o: NewOffboarding): Promise<boolean> {
  const rows = await tx`
    insert into offboardings (id, company_id, batch_id, person_key, subject_profile_id, subject_account_ids, successor_account_id,
                              training_app_ids, training_no_other_members, reason, effective_at, rejection, started_by_account_id)
    values (${o.id}, ${o.companyId}, ${o.batchId}, ${o.personKey}, ${o.subjectProfileId}, ${o.subjectAccountIds}::uuid[],
            ${o.successorAccountId}, ${o.trainingAppIds}::uuid[], ${o.trainingNoOtherMembers}, ${o.reason}, ${o.effectiveAt},
            ${o.rejection}, ${o.startedByAccountId})
    on conflict (company_id, person_key) where holds_key do nothing
    returning id`;
  return rows.length === 1;
}

/** The run that holds the person's key in the company, locked; undefined when none does. */
export async function lockKeyHolder(tx: Queryable, companyId: string, personKey: string): Promise<OffboardingRow | undefined> {
  const [row] = await tx<OffboardingRow[]>`
    select * from offboardings where company_id = ${companyId} and person_key = ${personKey} and holds_key for update`;
  return row;
}

/** The completed run no longer answers for the person (they are active again): a new offboarding may start. */
export async function releaseKey(tx: Queryable, id: string): Promise<void> {
  await tx`update offboardings set holds_key = false where id = ${id}`;
}

export async function findOffboarding(sql: Queryable, companyId: string, id: string): Promise<OffboardingRow | undefined> {
  const [row] = await sql<OffboardingRow[]>`select * from offboardings where id = ${id} and company_id = ${companyId}`;
  return row;
}

/** By id alone: for the workflow's activities and the operators' CLI. */
export async function findOffboardingById(sql: Queryable, id: string): Promise<OffboardingRow | undefined> {
  const [row] = await sql<OffboardingRow[]>`select * from offboardings where id = ${id}`;
  return row;
}

export async function lockOffboarding(tx: Queryable, id: string): Promise<OffboardingRow | undefined> {
  const [row] = await tx<OffboardingRow[]>`select * from offboardings where id = ${id} for update`;
  return row;
}

/** A page of the company's runs, newest first, by keyset on `seq`. */
export async function listOffboardings(
  sql: Queryable,
  p: { companyId: string; status?: RunStatus; beforeSeq?: string; limit: number },
): Promise<OffboardingRow[]> {
  const status = p.status ? sql`and status = ${p.status}` : sql``;
  const before = p.beforeSeq ? sql`and seq < ${p.beforeSeq}::bigint` : sql``;
  return sql<OffboardingRow[]>`
    select * from offboardings where company_id = ${p.companyId} ${status} ${before}
     order by seq desc limit ${p.limit}`;
}

/** Appends a step's record and moves the current step on. */
export async function recordStep(tx: Queryable, id: string, record: StepRecord, nextStep: string): Promise<void> {
  await tx`update offboardings set steps = steps || ${tx.json([record] as never)}, current_step = ${nextStep} where id = ${id}`;
}

export async function setAutomations(tx: Queryable, id: string, automations: Automation[]): Promise<void> {
  await tx`update offboardings set automations = ${tx.json(automations as never)} where id = ${id}`;
}

/** scheduled → running, once its effectiveAt has come. */
export async function markRunning(tx: Queryable, id: string, firstStep: string): Promise<void> {
  await tx`update offboardings set status = 'running', started_at = now(), current_step = ${firstStep} where id = ${id} and status = 'scheduled'`;
}

/**
 * Cancels a scheduled run whose effectiveAt is still ahead, by the database's clock: the one place that decides
 * whether a DELETE came in time. Answers the row as it is afterwards; undefined when it is not the company's.
 */
export async function cancelIfScheduled(tx: Queryable, companyId: string, id: string): Promise<{ row: OffboardingRow; cancelled: boolean } | undefined> {
  const [cancelled] = await tx<OffboardingRow[]>`
    update offboardings set status = 'cancelled', holds_key = false, finished_at = now(), current_step = null
     where id = ${id} and company_id = ${companyId} and status = 'scheduled' and effective_at > now()
    returning *`;
  if (cancelled) return { row: cancelled, cancelled: true };
  const row = await findOffboarding(tx, companyId, id);
  return row && { row, cancelled: false };
}

export async function completeRun(tx: Queryable, id: string, result: 'offboarded' | 'no_account', report: Record<string, unknown>): Promise<void> {
  await tx`
    update offboardings set status = 'completed', result = ${result}, report = ${tx.json(report as never)}, current_step = null, finished_at = now()
     where id = ${id} and status = 'running'`;
}

/** A failed run gives the person's key back: the HR system may start again (with another successor, say). */
export async function failRun(tx: Queryable, id: string, failure: string, report: Record<string, unknown>): Promise<void> {
  await tx`
    update offboardings set status = 'failed', failure = ${failure}, report = ${tx.json(report as never)}, holds_key = false, finished_at = now()
     where id = ${id} and status in ('scheduled', 'running')`;
}

/** An `Idempotency-Key` seen before in this company, and what it answered. */
export interface RequestKeyRow {
  requestHmac: string;
  offboardingId: string | null;
  batchId: string | null;
}

export async function findRequestKey(sql: Queryable, companyId: string, keyHmac: string): Promise<RequestKeyRow | undefined> {
  const [row] = await sql<RequestKeyRow[]>`
    select request_hmac, offboarding_id, batch_id from offboarding_request_keys where company_id = ${companyId} and key_hmac = ${keyHmac}`;
  return row;
}

/** Records the key; answers false when a concurrent request recorded it first (the caller reads that one). */
export async function insertRequestKey(
  tx: Queryable,
  k: { companyId: string; keyHmac: string; requestHmac: string; offboardingId?: string; batchId?: string },
): Promise<boolean> {
  const rows = await tx`
    insert into offboarding_request_keys (company_id, key_hmac, request_hmac, offboarding_id, batch_id)
    values (${k.companyId}, ${k.keyHmac}, ${k.requestHmac}, ${k.offboardingId ?? null}, ${k.batchId ?? null})
    on conflict (company_id, key_hmac) do nothing
    returning key_hmac`;
  return rows.length === 1;
}

/** Serialises the requests that carry one `Idempotency-Key` in a company, until the caller's transaction ends. */
export async function lockRequestKey(tx: Queryable, companyId: string, keyHmac: string): Promise<void> {
  await tx`select pg_advisory_xact_lock(hashtextextended(${`offboarding-request-key/${companyId}/${keyHmac}`}, 0))`;
}

/** The runs holding these people's keys in the company, locked (a batch's lookup, in one statement). */
export async function lockKeyHolders(tx: Queryable, companyId: string, personKeys: readonly string[]): Promise<OffboardingRow[]> {
  if (personKeys.length === 0) return [];
  return tx<OffboardingRow[]>`
    select * from offboardings where company_id = ${companyId} and person_key = any(${personKeys as string[]}::text[]) and holds_key
     order by id for update`;
}

/** Of these completed runs, those whose person has an active account in the company again. */
export async function runsWithActivePerson(tx: Queryable, ids: readonly string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await tx<{ id: string }[]>`
    select o.id from offboardings o
     where o.id = any(${ids as string[]}::uuid[])
       and exists (select 1 from accounts a
                    where a.company_id = o.company_id and not a.is_service_account and a.status = 'active'
                      and (a.profile_id = o.subject_profile_id or a.id = any(o.subject_account_ids)))`;
  return rows.map((r) => r.id);
}

export async function releaseKeys(tx: Queryable, ids: readonly string[]): Promise<void> {
  if (ids.length > 0) await tx`update offboardings set holds_key = false where id = any(${ids as string[]}::uuid[])`;
}

/** Inserts many runs at once; answers the person keys that got a new run (the others are held by another). */
export async function insertOffboardings(tx: Queryable, rows: readonly NewOffboarding[]): Promise<Set<string>> {
  if (rows.length === 0) return new Set();
  const json = rows.map((o) => ({
    id: o.id, company_id: o.companyId, batch_id: o.batchId, person_key: o.personKey, subject_profile_id: o.subjectProfileId,
    subject_account_ids: o.subjectAccountIds, successor_account_id: o.successorAccountId, training_app_ids: o.trainingAppIds,
    training_no_other_members: o.trainingNoOtherMembers, reason: o.reason, effective_at: o.effectiveAt.toISOString(), rejection: o.rejection,
    started_by_account_id: o.startedByAccountId,
  }));
  const inserted = await tx<{ personKey: string }[]>`
    insert into offboardings (id, company_id, batch_id, person_key, subject_profile_id, subject_account_ids, successor_account_id,
                              training_app_ids, training_no_other_members, reason, effective_at, rejection, started_by_account_id)
    select id, company_id, batch_id, person_key, subject_profile_id, subject_account_ids, successor_account_id,
           training_app_ids, training_no_other_members, reason, effective_at, rejection, started_by_account_id
      from jsonb_to_recordset(${tx.json(json as never)}) as x(
        id uuid, company_id uuid, batch_id uuid, person_key text, subject_profile_id uuid, subject_account_ids uuid[], successor_account_id uuid,
        training_app_ids uuid[], training_no_other_members boolean, reason text, effective_at timestamptz, rejection text, started_by_account_id uuid)
    on conflict (company_id, person_key) where holds_key do nothing
    returning person_key`;
  return new Set(inserted.map((r) => r.personKey));
}
