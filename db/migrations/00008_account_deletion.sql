-- Deleting an account (seed §3.2) and erasing the person when it was their profile's last account
-- (README "Deleting an account and erasure").

-- One row per deletion: the status resource GET /v1/accounts/deletions/{id}, and the key that makes the
-- removal idempotent. Its id is the deletion workflow's first run id. It names no account and no profile:
-- it outlives both, and an erasure must leave nothing that points at the person.
create table account_deletions (
  id                 uuid primary key,
  step               text not null default 'requested'
                     constraint account_deletions__step__enum
                     check (step in ('requested', 'credentials_revoked', 'account_removed', 'completed')),
  profile_erased     boolean,
  -- The confirmation email's address waits in a pending row from the removal until it is sent (or given up),
  -- and that row is then deleted: the address outlives the account by one email, nowhere but there.
  notify_address_id  uuid constraint account_deletions__notify_address_id__fkey references pending_addresses(id) on delete set null,
  confirmation       text constraint account_deletions__confirmation__enum check (confirmation in ('sent', 'undelivered', 'none')),
  requested_at       timestamptz not null default now(),
  completed_at       timestamptz
);

-- Replaces every key of `redaction` (an id) by its value (a tombstone) in `input`. Ids are lowercase UUIDs
-- everywhere they are written, so a plain replace finds them in text, JSON and workflow ids alike.
create function redact_ids(input text, redaction jsonb) returns text language plpgsql immutable as $$
declare
  e record;
begin
  if input is null then return null; end if;
  for e in select r.key, r.value #>> '{}' as tombstone from jsonb_each(redaction) r loop
    input := replace(input, e.key, e.tombstone);
  end loop;
  return input;
end $$;

-- The audit log stays append-only, with one narrow exception: erasure may replace the ids of an erased
-- person by tombstones. The redaction is a transaction-local setting, `custodian.audit_redaction`, that
-- maps ids to tombstones; only audit_log_redact() sets it. While it is set, an UPDATE is let through the
-- statement trigger, and the row trigger then decides the whole new row: the old row with those ids
-- replaced (and a client address beside them dropped). Whatever else the UPDATE asked for is ignored, so
-- no entry can be reworded, re-dated or re-attributed. DELETE and TRUNCATE stay refused, always.

-- Tombstones are UUIDs with a fixed prefix (`e7a5ed00-`, "erased"): a redaction can turn an id into a
-- tombstone, never into another subject's id, and never a tombstone into anything.
create function audit_log__redaction() returns jsonb language plpgsql stable as $$
declare
  raw text := current_setting('custodian.audit_redaction', true);
  m jsonb;
begin
  if raw is null or raw = '' then return null; end if;
  m := raw::jsonb;
  if jsonb_typeof(m) <> 'object' then
    raise exception 'an audit_log redaction maps ids to tombstones only'
      using errcode = 'P0001', constraint = 'audit_log__append_only';
  end if;
  if exists (
    select 1 from jsonb_each(m) e
     where e.key !~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
        or e.key like 'e7a5ed00-%'
        or jsonb_typeof(e.value) <> 'string'
        or (e.value #>> '{}') !~ '^e7a5ed00-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$'
  ) then
    raise exception 'an audit_log redaction maps ids to tombstones only'
      using errcode = 'P0001', constraint = 'audit_log__append_only';
  end if;
  return m;
end $$;

create or replace function audit_log__append_only() returns trigger language plpgsql as $$
begin
  if tg_op = 'UPDATE' and audit_log__redaction() is not null then return null; end if;
  raise exception 'audit_log is append-only' using errcode = 'P0001', constraint = 'audit_log__append_only';
end $$;

create function audit_log__redact_row() returns trigger language plpgsql as $$
declare
  m jsonb := audit_log__redaction();
  touched boolean;
begin
  if m is null then
    raise exception 'audit_log is append-only' using errcode = 'P0001', constraint = 'audit_log__append_only';
  end if;
  new := old;
  new.actor_account_id := redact_ids(old.actor_account_id::text, m)::uuid;
  new.subject_id := redact_ids(old.subject_id, m);
  new.details := redact_ids(old.details::text, m)::jsonb;
  touched := new.actor_account_id is distinct from old.actor_account_id
          or new.subject_id is distinct from old.subject_id
          or new.details is distinct from old.details;
  -- A client address next to an erased person's id is their personal data too (auth.signin_failed).
  if touched then new.details := new.details - 'address'; end if;
  return new;
end $$;
create trigger audit_log__redact_row before update on audit_log for each row execute function audit_log__redact_row();

-- Rewrites every entry that mentions a key of `redaction`; answers how many. The only door to the
-- exception above: it validates the map (through the triggers), and closes the door again before returning.
create function audit_log_redact(redaction jsonb) returns integer language plpgsql as $$
declare
  n integer;
begin
  perform set_config('custodian.audit_redaction', redaction::text, true);
  perform audit_log__redaction();
  update audit_log a set action = a.action
   where a.actor_account_id::text in (select jsonb_object_keys(redaction))
      or exists (select 1 from jsonb_object_keys(redaction) k where strpos(a.subject_id, k) > 0 or strpos(a.details::text, k) > 0);
  get diagnostics n = row_count;
  perform set_config('custodian.audit_redaction', '', true);
  return n;
end $$;
