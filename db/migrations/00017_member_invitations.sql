-- Onboarding of company members (README "Company user management" → "Onboarding").

-- A member created by a company admin has an account before it has a password: status `invited` until its
-- owner accepts the invitation and sets one. Only an active account must have a password (or single sign-on,
-- or be a service account): an invited one has none yet, and one deactivated before it accepted still has none.
alter table accounts drop constraint accounts__status__enum;
alter table accounts add constraint accounts__status__enum check (status in ('active', 'deactivated', 'invited'));
alter table accounts drop constraint accounts__password__sso;
alter table accounts add constraint accounts__password__sso check (sso or password_hash is not null or is_service_account or status <> 'active');

-- One row per invitation, driven by its `memberInvitation` workflow (id `member-invitation/<id>`). The code it
-- emails is never stored: the run holds its HMAC, and the password chosen at acceptance waits, hashed, in
-- `password_reset_passwords` under the run and the code's HMAC, as a reset's does.
create table member_invitations (
  id                     uuid primary key,
  company_id             uuid not null constraint member_invitations__company_id__fkey references companies(id),
  -- The invited account; its rows go with it when it is erased. Null once an invitation that ended unaccepted
  -- removed the account it had created (nobody ever signed in with it): the row stays as the company's record.
  account_id             uuid constraint member_invitations__account_id__fkey references accounts(id) on delete cascade,
  -- Who invited: an admin or a service account of the company; null once that account is erased.
  invited_by_account_id  uuid constraint member_invitations__invited_by_account_id__fkey references accounts(id) on delete set null,
  -- The bulk import the member came from, if any (ids only; the report was the import's answer).
  import_id              uuid,
  workflow_id            text not null,
  status                 text not null default 'pending'
                         constraint member_invitations__status__enum check (status in ('pending', 'accepted', 'expired', 'revoked', 'failed')),
  resends                integer not null default 0 constraint member_invitations__resends__range check (resends >= 0),
  created_at             timestamptz not null default now(),
  expires_at             timestamptz not null,
  closed_at              timestamptz,
  constraint member_invitations__closed check ((status = 'pending') = (closed_at is null))
);
-- At most one open invitation per account.
create unique index member_invitations__account_id__pending on member_invitations (account_id) where status = 'pending';
create index member_invitations__account_id__idx on member_invitations (account_id);
create index member_invitations__invited_by__idx on member_invitations (invited_by_account_id);
-- The company's invitations, newest first, by cursor; `?status=` filters within the same range.
create index member_invitations__company__idx on member_invitations (company_id, created_at desc, id desc);
