-- The verification kit: a narrower at-least-once outbox, pending addresses and durable attempt budgets.

-- `sending_at` marks a send in flight: a retry that finds it recent waits instead of sending in parallel,
-- and one that finds it old resends with the same Message-ID (derived from the key), which mail
-- systems collapse into one message.
alter table email_outbox add column sending_at timestamptz;
alter table email_outbox add column attempts integer not null default 0;

-- An address that has no account yet (sign-up, a new recovery email), held only while a code flow needs
-- it, so the workflow can name it by id. Deleted when the flow ends; `expires_at` bounds a leftover.
create table pending_addresses (
  id          uuid primary key default gen_random_uuid(),
  address     text not null constraint pending_addresses__address__length check (length(address) between 3 and 254),
  expires_at  timestamptz not null,
  created_at  timestamptz not null default now()
);
create index pending_addresses__expires_at__idx on pending_addresses (expires_at);

-- Durable budgets for guessable secrets and for what may be abused by repetition (codes sent, flows
-- started, failed sign-ins), kept by rate-limiter-flexible's RateLimiterPostgres (its own table layout:
-- the key, the points used in the current window, the window's end in epoch milliseconds). Counting is
-- one atomic upsert, so a restarted flow or process never refills a budget, and every API process shares
-- it. Keys are `<budget>:<subject id or HMAC>`, never an address.
create table rate_limits (
  key     varchar(255) primary key,
  points  integer not null default 0,
  expire  bigint
);
create index rate_limits__expire__idx on rate_limits (expire);
