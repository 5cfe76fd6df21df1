-- Company webhooks (README "Webhooks"): one endpoint per company that HR systems register to hear about
-- offboarding runs. The signing secret must be read back to sign, so it is sealed (AES-256-GCM under the
-- `webhook-secret-encryption` subkey of HMAC_SECRET, lib/secretBox.ts), never hashed; `secret_key_id`
-- says which key opens it, so HMAC_SECRET can be rotated.
create table company_webhooks (
  company_id     uuid primary key constraint company_webhooks__company_id__fkey references companies(id) on delete cascade,
  url            text not null constraint company_webhooks__url__length check (length(url) between 8 and 2048),
  secret_key_id  text not null,
  secret_sealed  bytea not null,
  created_at     timestamptz not null default now(),
  updated_at     timestamptz not null default now()
);

-- Every delivery attempt, ids and outcomes only: no body (the body is ids only anyway) and no response body.
-- The webhook being removed keeps its history; the company being removed takes it along.
create table webhook_deliveries (
  id            uuid primary key default gen_random_uuid(),
  company_id    uuid not null constraint webhook_deliveries__company_id__fkey references companies(id) on delete cascade,
  -- Chosen by the sender (a workflow: its offboarding id and outcome, say), the same on every retry of one event.
  event_id      text not null constraint webhook_deliveries__event_id__format check (event_id ~ '^[A-Za-z0-9._:/-]{1,200}$'),
  type          text not null constraint webhook_deliveries__type__enum
                check (type in ('ping', 'offboarding.completed', 'offboarding.failed')),
  attempt       integer not null constraint webhook_deliveries__attempt__range check (attempt >= 1),
  -- The receiver's HTTP status, when it answered; otherwise the error class (`timeout`, `connection`...).
  status_code   integer,
  error         text constraint webhook_deliveries__error__enum
                check (error in ('timeout', 'connection', 'dns', 'address_not_allowed', 'secret_unreadable')),
  duration_ms   integer not null constraint webhook_deliveries__duration_ms__range check (duration_ms >= 0),
  attempted_at  timestamptz not null default now(),
  constraint webhook_deliveries__outcome__present check (status_code is not null or error is not null)
);

-- The company's deliveries, newest first, by cursor (attempted_at, id).
create index webhook_deliveries__company__idx on webhook_deliveries (company_id, attempted_at desc, id desc);
