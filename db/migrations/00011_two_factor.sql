-- Two-factor authentication (README "Two-factor authentication", User Settings §5.1). Everything here is
-- one account's own and goes with it (on delete cascade). No table has `revoked_at`: none is a credential
-- a request can present (a challenge only leads to a session, after its second factor).

-- One row per account that has 2FA on, or is enrolling an authenticator app (`enabled_at` null, until
-- `enrolment_expires_at`). `sms` is a status the platform knows of (imported, set by operators); this
-- service sends no SMS and never writes one.
create table two_factor (
  account_id            uuid primary key constraint two_factor__account_id__fkey references accounts(id) on delete cascade,
  method                text not null constraint two_factor__method__enum check (method in ('sms', 'authenticator_app')),
  -- The TOTP secret, never in plain text: AES-256-GCM (lib/secretBox.ts) under the `totp-encryption`
  -- subkey of the secret whose key id is `key_id`, with the account id as additional data.
  -- `secret_sealed` = version ‖ 96-bit IV ‖ 128-bit tag ‖ ciphertext.
  secret_sealed         bytea,
  key_id                text constraint two_factor__key_id__format check (key_id ~ '^[0-9a-f]{8}$'),
  enabled_at            timestamptz,
  enrolment_expires_at  timestamptz,
  -- The TOTP time step of the last accepted code: only a later step is accepted, so no code is used twice.
  last_used_step        bigint,
  created_at            timestamptz not null default now(),
  constraint two_factor__secret check ((method = 'authenticator_app') = (secret_sealed is not null and key_id is not null)),
  constraint two_factor__state check (enabled_at is not null or enrolment_expires_at is not null)
);
-- How many secrets each key still seals, for finishing a rotation (README "Secrets").
create index two_factor__key_id__idx on two_factor (key_id);

-- Single-use recovery codes of an account with 2FA on: HMAC-SHA-256 under the `recovery-code-pepper`
-- subkey (lib/recoveryCodes.ts). A new activation replaces them; deactivation deletes them.
create table two_factor_recovery_codes (
  account_id  uuid not null constraint two_factor_recovery_codes__account_id__fkey references accounts(id) on delete cascade,
  code_hash   bytea not null constraint two_factor_recovery_codes__code_hash__length check (length(code_hash) = 32),
  used_at     timestamptz,
  created_at  timestamptz not null default now(),
  constraint two_factor_recovery_codes__pkey primary key (account_id, code_hash)
);

-- The step between a right password and a session when 2FA is on: a random id bound to the account,
-- short-lived, with its own attempts. A right code deletes it (then the session is opened); a leftover is
-- deleted once expired.
create table sign_in_challenges (
  id             uuid primary key default gen_random_uuid(),
  account_id     uuid not null constraint sign_in_challenges__account_id__fkey references accounts(id) on delete cascade,
  attempts_left  smallint not null constraint sign_in_challenges__attempts_left__range check (attempts_left >= 0),
  created_at     timestamptz not null default now(),
  expires_at     timestamptz not null
);
create index sign_in_challenges__account_id__idx on sign_in_challenges (account_id);
create index sign_in_challenges__expires_at__idx on sign_in_challenges (expires_at);
