-- Password expiry (README "Password expiry"): the daily sweep pages through the accounts whose password
-- expires within the reminder window, one policy at a time, by keyset on (password_changed_at, id). The
-- expiry itself is never stored: it is password_changed_at plus the company's current policy (or the
-- platform default without a company), so a policy change takes effect on every account at once.
--
-- `companies.password_expiry_days` keeps its meaning: 1..3650 days, 0 = never (the API's `null`).

-- The sweep's range scan per policy. Partial: SSO accounts never expire and are never swept.
create index accounts__password_changed_at__idx on accounts (password_changed_at, id) where not sso;

-- The sweep's list of distinct policies (min(days) > previous), without reading every company.
create index companies__password_expiry_days__idx on companies (password_expiry_days);
