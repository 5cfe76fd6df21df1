-- An erasure clears the client address (`ip`, 00014) of every entry it redacts, as it already drops the
-- details' `address`: next to an erased person's id, where they connected from is their personal data too.
-- The chain (00015) treats an absent ip as a part an erasure may close, so verification stays valid.
create or replace function audit_log__redact_row() returns trigger language plpgsql as $$
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
  if touched then
    new.details := new.details - 'address';
    new.ip := null;
  end if;
  return new;
end $$;
