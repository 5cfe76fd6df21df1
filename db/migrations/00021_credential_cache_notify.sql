-- The API's per-process cache of personal access token lookups (README "Developer settings", "The token cache")
-- is invalidated by NOTIFY on channel `credential_cache`, sent by triggers in the transaction that makes a cached
-- lookup wrong, so every path is covered: the API's, the workflows' activities (offboarding, account deletion and
-- erasure, merges), scripts, and any written later. The notification is delivered on commit, never for a
-- rollback. Payloads (JSON): {"tokens": [ids]}, {"accounts": [ids]}, or {"all": true} when the ids would not fit
-- in one notification (8000 bytes) or a table is truncated.
--
-- What a cached lookup rests on: the token's hash, owner, scopes, expiry and revocation, and the owner's status,
-- profile, company, company-admin and service-account flags. A change to anything else (last_used_at, names,
-- last_login_at, password hashes) sends nothing: the recording of last use must not empty the caches it serves.
--
-- The triggers also set `custodian.credential_cache_evicted` for the rest of the transaction, so the business
-- layer knows, before it commits, that it must wait for every API process to evict (libraries/credentialCache).
-- Statement-level with transition tables: one notification per statement, however many rows it touched.

create function credential_cache_notify(kind text, ids uuid[]) returns void language plpgsql as $$
declare
  payload text;
begin
  if ids is null or cardinality(ids) = 0 then
    return;
  end if;
  payload := json_build_object(kind, ids)::text;
  if octet_length(payload) > 7900 then
    payload := '{"all":true}';
  end if;
  perform pg_notify('credential_cache', payload);
  perform set_config('custodian.credential_cache_evicted', 'on', true);
end $$;

create function personal_access_tokens__credential_cache() returns trigger language plpgsql as $$
begin
  if tg_op = 'UPDATE' then
    perform credential_cache_notify('tokens', (
      select array_agg(o.id) from old_rows o join new_rows n on n.id = o.id
       where (o.token_hash, o.account_id, o.scopes, o.expires_at, o.revoked_at)
             is distinct from (n.token_hash, n.account_id, n.scopes, n.expires_at, n.revoked_at)));
  elsif tg_op = 'DELETE' then
    perform credential_cache_notify('tokens', (select array_agg(o.id) from old_rows o));
  end if;
  return null;
end $$;

create function accounts__credential_cache() returns trigger language plpgsql as $$
begin
  if tg_op = 'UPDATE' then
    perform credential_cache_notify('accounts', (
      select array_agg(o.id) from old_rows o join new_rows n on n.id = o.id
       where (o.status, o.profile_id, o.company_id, o.is_company_admin, o.is_service_account)
             is distinct from (n.status, n.profile_id, n.company_id, n.is_company_admin, n.is_service_account)));
  elsif tg_op = 'DELETE' then
    perform credential_cache_notify('accounts', (select array_agg(o.id) from old_rows o));
  end if;
  return null;
end $$;

create function credential_cache_truncated() returns trigger language plpgsql as $$
begin
  perform pg_notify('credential_cache', '{"all":true}');
  perform set_config('custodian.credential_cache_evicted', 'on', true);
  return null;
end $$;

-- Inserts need nothing: a lookup that failed is never cached.
create trigger personal_access_tokens__credential_cache__update after update on personal_access_tokens
  referencing old table as old_rows new table as new_rows
  for each statement execute function personal_access_tokens__credential_cache();
create trigger personal_access_tokens__credential_cache__delete after delete on personal_access_tokens
  referencing old table as old_rows
  for each statement execute function personal_access_tokens__credential_cache();
create trigger personal_access_tokens__credential_cache__truncate after truncate on personal_access_tokens
  for each statement execute function credential_cache_truncated();

create trigger accounts__credential_cache__update after update on accounts
  referencing old table as old_rows new table as new_rows
  for each statement execute function accounts__credential_cache();
create trigger accounts__credential_cache__delete after delete on accounts
  referencing old table as old_rows
  for each statement execute function accounts__credential_cache();
create trigger accounts__credential_cache__truncate after truncate on accounts
  for each statement execute function credential_cache_truncated();
