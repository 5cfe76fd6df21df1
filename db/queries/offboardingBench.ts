import type { Queryable } from '../client';

/**
 * Leavers in bulk, for `npm run bench:offboarding` (scripts/bench-offboarding.ts) and the offboarding proofs
 * (test/e2e/offboardingKill.test.ts, offboardingOutage.test.ts): `people` members of a company, each the technical
 * contact and owner of `appsEach` apps and holding `tokensEach` personal access tokens used in the last days (so
 * every run lists automations and revokes them). A few set-based statements (generate_series): 1,000 people in a
 * second, not 1,000 round trips. SSO accounts: no password hash to compute, and nobody signs in with them.
 * Ids are md5s of the tag (so two seeds with different tags never collide), shaped as version-4 UUIDs, which is what
 * the API's validation asks of a uuid.
 */
export interface LeaversSeed {
  tag: string;
  companyId: string;
  people: number;
  appsEach: number;
  tokensEach: number;
  now: Date;
}

export async function seedLeavers(sql: Queryable, s: LeaversSeed): Promise<{ accountIds: string[]; appIds: string[] }> {
  const id = (kind: 'profile' | 'account' | 'app', suffix = sql``) =>
    sql`overlay(overlay(md5(${s.tag} || ${`/${kind}/`} || i ${suffix}) placing '4' from 13) placing '8' from 17)::uuid`;
  const app = id('app', sql`|| '/' || k`);
  await sql`
    insert into profiles (id, display_name)
    select ${id('profile')}, 'Leaver ' || i || ' ' || ${s.tag}
      from generate_series(1, ${s.people}::int) i`;
  const accounts = await sql<{ id: string }[]>`
    insert into accounts (id, profile_id, email, password_hash, sso, company_id)
    select ${id('account')}, ${id('profile')},
           'leaver' || i || '-' || ${s.tag} || '@offboarding.bench.test', null, true, ${s.companyId}
      from generate_series(1, ${s.people}::int) i
     order by i
    returning id`;
  const apps = await sql<{ id: string }[]>`
    insert into apps (id, company_id, name, technical_contact_account_id)
    select ${app}, ${s.companyId}, 'App ' || i || '.' || k, ${id('account')}
      from generate_series(1, ${s.people}::int) i cross join generate_series(1, ${s.appsEach}::int) k
     order by i, k
    returning id`;
  await sql`
    insert into app_members (app_id, account_id, role)
    select ${app}, ${id('account')}, 'owner'
      from generate_series(1, ${s.people}::int) i cross join generate_series(1, ${s.appsEach}::int) k`;
  await sql`
    insert into personal_access_tokens (account_id, name, token_hash, scopes, last_used_at)
    select ${id('account')}, 'Automation ' || k, sha256(convert_to(${s.tag} || '/token/' || i || '/' || k, 'UTF8')),
           array['apps:read'], ${s.now}::timestamptz - k * interval '1 day'
      from generate_series(1, ${s.people}::int) i cross join generate_series(1, ${s.tokensEach}::int) k`;
  for (const t of ['profiles', 'accounts', 'apps', 'app_members', 'personal_access_tokens']) await sql.unsafe(`analyze ${t}`);
  return { accountIds: accounts.map((a) => a.id), appIds: apps.map((a) => a.id) };
}

/** A company and one active member of it (the successor), for the bench. */
export async function insertBenchCompanyWithSuccessor(sql: Queryable, tag: string): Promise<{ companyId: string; successorAccountId: string }> {
  const [company] = await sql<{ id: string }[]>`insert into companies (name) values (${`Bench offboarding ${tag}`}) returning id`;
  const [successor] = await sql<{ id: string }[]>`
    with p as (insert into profiles (display_name) values ('Bench successor') returning id)
    insert into accounts (profile_id, email, password_hash, sso, company_id)
    select p.id, ${`successor-${tag}@offboarding.bench.test`}, null, true, ${company!.id} from p
    returning id`;
  return { companyId: company!.id, successorAccountId: successor!.id };
}
