-- Offboarding (README "Offboarding"): one run per person, started by an HR system or a company admin, alone or in
-- a batch of up to 10,000. Rows hold ids, counts and step names; the request's email is resolved to ids by the API
-- and never stored (an address without an account is kept only as its HMAC, in person_key).

create table offboarding_batches (
  id                     uuid primary key,
  company_id             uuid not null constraint offboarding_batches__company_id__fkey references companies(id),
  -- Who asked (an admin or a service account). No foreign key: the row outlives the account, and erasure
  -- replaces the id by a tombstone.
  started_by_account_id  uuid,
  effective_at           timestamptz not null,
  -- Children the parent workflow runs at once: a bound on the load a batch puts on the database and the mail server.
  concurrency            integer not null constraint offboarding_batches__concurrency__range check (concurrency between 1 and 500),
  people                 integer not null constraint offboarding_batches__people__range check (people between 1 and 10000),
  status                 text not null default 'scheduled'
                         constraint offboarding_batches__status__enum check (status in ('scheduled', 'running', 'completed')),
  created_at             timestamptz not null default now(),
  started_at             timestamptz,
  completed_at           timestamptz
);
create index offboarding_batches__company__idx on offboarding_batches (company_id, created_at desc);

create table offboardings (
  id                      uuid primary key,
  -- The listing's order and cursor: newest first, stable under concurrent inserts.
  seq                     bigint generated always as identity,
  company_id              uuid not null constraint offboardings__company_id__fkey references companies(id),
  batch_id                uuid constraint offboardings__batch_id__fkey references offboarding_batches(id),
  -- The idempotency key of "company plus person": `profile:<id>` when the person has accounts here,
  -- `account:<uuid>` for a uuid that names none, `address:<hmac>` for an email that names none.
  person_key              text not null constraint offboardings__person_key__length check (length(person_key) between 8 and 100),
  subject_profile_id      uuid,
  -- The person's (human) accounts in the company when the run was requested; step 1 reads them again.
  subject_account_ids     uuid[] not null default '{}',
  successor_account_id    uuid,
  training_app_ids        uuid[] not null default '{}',
  training_no_other_members boolean not null default false,
  -- Free text from HR: it may name the person, so it is personal data, erased with them.
  reason                  text constraint offboardings__reason__length check (length(reason) <= 1000),
  effective_at            timestamptz not null,
  status                  text not null default 'scheduled'
                          constraint offboardings__status__enum check (status in ('scheduled', 'running', 'completed', 'cancelled', 'failed')),
  result                  text constraint offboardings__result__enum check (result in ('offboarded', 'no_account')),
  -- A batch row the API could not accept (an unusable successor, say): its run fails with this code at once.
  rejection               text constraint offboardings__rejection__length check (length(rejection) <= 100),
  failure                 text constraint offboardings__failure__length check (length(failure) <= 100),
  -- Whether this run answers the person's key: cleared when it is cancelled or fails, or when a completed run's
  -- person is active again, so that a new offboarding may start. The partial unique index below is the rule.
  holds_key               boolean not null default true,
  current_step            text,
  -- One entry per finished step, in order: [{"step", "outcome": "done"|"skipped", "reason"?, "at", ...ids and counts}].
  steps                   jsonb not null default '[]',
  -- Listed before access is revoked: [{kind, id, accountId, name, scopes, lastUsedAt}]. Names are the person's
  -- data; erasure drops them.
  automations             jsonb,
  report                  jsonb,
  started_by_account_id   uuid,
  created_at              timestamptz not null default now(),
  started_at              timestamptz,
  finished_at             timestamptz,
  constraint offboardings__finished__status check ((finished_at is not null) = (status in ('completed', 'cancelled', 'failed')))
);
-- An HR system that retries gets the same run: at most one run per company and person holds the key, decided by
-- this index under any concurrency (INSERT ... ON CONFLICT DO NOTHING, then read the winner).
create unique index offboardings__person__unique on offboardings (company_id, person_key) where holds_key;
create index offboardings__company__idx on offboardings (company_id, seq desc);
create index offboardings__company_status__idx on offboardings (company_id, status, seq desc);
create index offboardings__batch__idx on offboardings (batch_id) where batch_id is not null;

-- The people of a batch, in upload order: each names a run, the batch's own or one that already held the person's
-- key (idempotency across batches and single requests). The parent workflow pages through these by item_no.
create table offboarding_batch_items (
  batch_id        uuid not null constraint offboarding_batch_items__batch_id__fkey references offboarding_batches(id),
  item_no         integer not null,
  offboarding_id  uuid not null constraint offboarding_batch_items__offboarding_id__fkey references offboardings(id),
  primary key (batch_id, item_no)
);
-- A person named twice in a batch: the first item naming a run is the one that starts it.
create index offboarding_batch_items__offboarding__idx on offboarding_batch_items (batch_id, offboarding_id, item_no);

-- `Idempotency-Key` headers, as Stripe honours them: the same key answers the same run; with another request body
-- it is refused. Keys are chosen by the caller (they might contain anything), so only their HMAC is kept.
create table offboarding_request_keys (
  company_id      uuid not null constraint offboarding_request_keys__company_id__fkey references companies(id),
  key_hmac        text not null,
  request_hmac    text not null,
  offboarding_id  uuid constraint offboarding_request_keys__offboarding_id__fkey references offboardings(id),
  batch_id        uuid constraint offboarding_request_keys__batch_id__fkey references offboarding_batches(id),
  created_at      timestamptz not null default now(),
  primary key (company_id, key_hmac),
  constraint offboarding_request_keys__target check ((offboarding_id is null) <> (batch_id is null))
);
