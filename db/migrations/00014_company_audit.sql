-- The company API's audit (README "Company user management"): every action of a company admin or a service
-- account is written with who (actor account and the kind of credential), what (action, subject), when,
-- from where (the client address as Express resolves it under TRUST_PROXY, and the request id) and its
-- outcome. Rows stay ids-only as before; `company_id` scopes what a company's admins may read.
alter table audit_log
  add column company_id        uuid constraint audit_log__company_id__fkey references companies(id),
  add column actor_credential  text constraint audit_log__actor_credential__enum check (actor_credential in ('session', 'apiKey', 'pat', 'system')),
  add column ip                inet,
  add column request_id        text constraint audit_log__request_id__length check (length(request_id) <= 64),
  add column outcome           text not null default 'succeeded'
                               constraint audit_log__outcome__enum check (outcome in ('succeeded', 'failed', 'denied'));

-- The company's log, newest first, by cursor (the id).
create index audit_log__company__idx on audit_log (company_id, id desc) where company_id is not null;
