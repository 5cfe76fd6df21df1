-- "Forgot password?" (README "Password reset"). Every request gets a row here, whether or not an account
-- has the address, so the answer and the work behind it are the same for both.

-- One row per request: the opaque id the API answers with, bound to the run of the `resetPassword`
-- workflow it started or joined. `address` is the address as typed, kept only while the run is open (the
-- policy refuses passwords holding its local part, for decoys too); the run's close clears it.
create table password_resets (
  id           uuid primary key,
  workflow_id  text not null,
  run_id       text not null,
  -- The account the address belongs to (deactivated and SSO accounts included), or null with
  -- `address_key` (the address's HMAC, lib/keys.ts `addressKey`) for an address no account has.
  account_id   uuid constraint password_resets__account_id__fkey references accounts(id) on delete cascade,
  address_key  text,
  address      text constraint password_resets__address__length check (length(address) between 3 and 254),
  outcome      text constraint password_resets__outcome__enum check (outcome in ('completed', 'expired', 'failed', 'cancelled')),
  created_at   timestamptz not null default now(),
  expires_at   timestamptz not null,
  closed_at    timestamptz,
  constraint password_resets__subject check (account_id is not null or address_key is not null)
);
create index password_resets__run_id__idx on password_resets (run_id);
create index password_resets__account_id__idx on password_resets (account_id);
create index password_resets__expires_at__idx on password_resets (expires_at);

-- The new password's argon2id hash, made by the API, waiting for its code to be verified: the workflow
-- names it by its run and the code's HMAC (both already in its history), never by the hash. Short-lived:
-- the apply deletes every row of its run, the run's close deletes the rest, and `expires_at` bounds a
-- leftover.
create table password_reset_passwords (
  run_id         text not null,
  code_hmac      text not null,
  account_id     uuid constraint password_reset_passwords__account_id__fkey references accounts(id) on delete cascade,
  password_hash  text not null,
  created_at     timestamptz not null default now(),
  expires_at     timestamptz not null,
  constraint password_reset_passwords__pkey primary key (run_id, code_hmac)
);
create index password_reset_passwords__expires_at__idx on password_reset_passwords (expires_at);
create index password_reset_passwords__account_id__idx on password_reset_passwords (account_id);

-- The idempotency key of the apply: a run sets a password at most once. A retried activity (a worker
-- lost between the commit and reporting it) finds its row and answers alreadyApplied.
create table password_reset_applies (
  run_id      text constraint password_reset_applies__pkey primary key,
  account_id  uuid not null constraint password_reset_applies__account_id__fkey references accounts(id) on delete cascade,
  applied_at  timestamptz not null default now()
);
create index password_reset_applies__account_id__idx on password_reset_applies (account_id);
