-- Developer settings (README "Developer settings", User Settings §5.2–5.3): API keys and personal access tokens.
--
-- Both are credentials of one account: an `account_id` and a `revoked_at`, so db/queries/credentials.ts
-- revokes them with the account's sessions (test/db/accountErasure.test.ts checks that every such table is
-- listed there), and they go with the account (on delete cascade).
--
-- Only the SHA-256 of a secret is stored: the secrets are 256 random bits, so no dictionary or brute force
-- reaches them, and a fast hash keeps the lookup of every authenticated request one indexed read.
-- Revoking (deleting, in the API's words) sets `revoked_at`; the row stays while its account does, so the
-- audit trail and offboarding ("automations that used the person's tokens") can still name what it was.

create table api_keys (
  id            uuid primary key default gen_random_uuid(),
  account_id    uuid not null constraint api_keys__account_id__fkey references accounts(id) on delete cascade,
  name          text not null constraint api_keys__name__length check (length(name) between 1 and 100),
  key_hash      bytea not null constraint api_keys__key_hash__length check (length(key_hash) = 32),
  created_at    timestamptz not null default now(),
  -- Refreshed at most once a minute per key, so an authenticated request is a read (as sessions.last_seen_at).
  last_used_at  timestamptz,
  revoked_at    timestamptz
);
create unique index api_keys__key_hash__unique on api_keys (key_hash);
create index api_keys__account_id__idx on api_keys (account_id, created_at);

create table personal_access_tokens (
  id            uuid primary key default gen_random_uuid(),
  account_id    uuid not null constraint personal_access_tokens__account_id__fkey references accounts(id) on delete cascade,
  name          text not null constraint personal_access_tokens__name__length check (length(name) between 1 and 100),
  token_hash    bytea not null constraint personal_access_tokens__token_hash__length check (length(token_hash) = 32),
  -- Names from the published catalogue (libraries/scopes.ts), in its order; at least one.
  scopes        text[] not null constraint personal_access_tokens__scopes__count check (cardinality(scopes) between 1 and 64),
  created_at    timestamptz not null default now(),
  -- Null: never expires (the seed's default); otherwise chosen at creation, and reminded 7 days before.
  expires_at    timestamptz constraint personal_access_tokens__expires_at__after check (expires_at is null or expires_at > created_at),
  last_used_at  timestamptz,
  revoked_at    timestamptz
);
create unique index personal_access_tokens__token_hash__unique on personal_access_tokens (token_hash);
create index personal_access_tokens__account_id__idx on personal_access_tokens (account_id, created_at);
-- The daily reminder sweep's range scan: live tokens with an expiry, by (expires_at, id).
create index personal_access_tokens__expires_at__idx on personal_access_tokens (expires_at, id)
  where revoked_at is null and expires_at is not null;
