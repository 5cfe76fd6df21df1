import type { Queryable } from '../client';

/**
 * `npm run bench:members`'s data (scripts/bench-members.ts), in a database of its own: a company of `members`
 * accounts with profiles, certifications, apps, memberships and technical contacts, and a partner company whose
 * `externals` accounts are members of its apps. A handful of set-based statements (generate_series), so 100,000
 * members take seconds. Emails start with a hash, so their order (the listing's) is not the insertion order:
 * pages read the table's pages in random order, as a real company's would.
 */
export interface MembersBenchSeed {
  tag: string;
  members: number;
  externals: number;
  /** Members per app, on average: the company has members / appsEvery apps. */
  appsEvery: number;
  now: Date;
}

const FIRST = ['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara', 'Ken', 'Margaret', 'Donald', 'Frances', 'Niklaus', 'Radia', 'Tim'];
const LAST = ['Lovelace', 'Hopper', 'Turing', 'Dijkstra', 'Liskov', 'Thompson', 'Hamilton', 'Knuth', 'Allen', 'Wirth', 'Perlman', 'Berners-Lee'];

export async function seedMembersBench(sql: Queryable, s: MembersBenchSeed): Promise<{ companyId: string; partnerId: string; apps: number; memberships: number }> {
  const [company] = await sql<{ id: string }[]>`insert into companies (name) values (${`Bench members ${s.tag}`}) returning id`;
  const [partner] = await sql<{ id: string }[]>`insert into companies (name) values (${`Bench partner ${s.tag}`}) returning id`;
  const total = s.members + s.externals;
  // Profiles 1..members belong to the company, the rest to the partner.
  await sql`
    insert into profiles (id, display_name, job_title, country, location, created_at)
    select md5(${s.tag} || '/profile/' || i)::uuid,
           (${FIRST}::text[])[1 + i % 12] || ' ' || (${LAST}::text[])[1 + (i / 12) % 12] || ' ' || i,
           (array['Developer', 'Architect', 'Tester', 'Product owner', null])[1 + i % 5],
           (array['NL', 'DE', 'US', 'GB', 'FR', 'IN', null])[1 + i % 7],
           (array['Rotterdam', 'Berlin', 'Boston', 'London', null])[1 + i % 5],
           ${s.now}::timestamptz - (i % 1800) * interval '1 day'
      from generate_series(1, ${total}::int) i`;
  // SSO accounts: no password hash to compute, and nobody signs in with them.
  await sql`
    insert into accounts (id, profile_id, email, password_hash, sso, status, company_id, is_company_admin, created_at, last_login_at)
    select md5(${s.tag} || '/account/' || i)::uuid, md5(${s.tag} || '/profile/' || i)::uuid,
           substr(md5(${s.tag} || '/email/' || i), 1, 8) || '.m' || i || '@' || case when i <= ${s.members}::int then 'members' else 'partner' end || '-' || ${s.tag} || '.bench.test',
           null, true,
           case when i % 10 = 0 then 'deactivated' else 'active' end,
           case when i <= ${s.members}::int then ${company!.id}::uuid else ${partner!.id}::uuid end,
           i % 500 = 1,
           ${s.now}::timestamptz - (i % 1800) * interval '1 day',
           case when i % 7 = 0 then null else ${s.now}::timestamptz - (i % 400) * interval '1 day' - (i % 1440) * interval '1 minute' end
      from generate_series(1, ${total}::int) i`;
  await sql`
    insert into certifications (profile_id, certification)
    select md5(${s.tag} || '/profile/' || i)::uuid, c
      from generate_series(1, ${total}::int) i
      cross join lateral unnest(case i % 5 when 0 then array['rapid', 'intermediate'] when 1 then array['advanced'] when 2 then array['rapid'] else array[]::text[] end) c`;
  const apps = Math.max(1, Math.floor(s.members / s.appsEvery));
  // Each app's technical contact is a member; apps are free or licensed.
  await sql`
    insert into apps (id, company_id, name, license_type, is_training, technical_contact_account_id)
    select md5(${s.tag} || '/app/' || j)::uuid, ${company!.id}::uuid, 'App ' || j,
           case when j % 3 = 0 then 'licensed' else 'free' end, j % 11 = 0,
           md5(${s.tag} || '/account/' || (1 + (j * 37) % ${s.members}::int))::uuid
      from generate_series(1, ${apps}::int) j`;
  // Two memberships for 60% of the members, none for the rest; every external is in one app.
  const memberships = await sql`
    insert into app_members (app_id, account_id, role)
    select distinct on (app, acct) app, acct, (array['owner', 'developer', 'viewer'])[1 + k % 3]
      from (
        select md5(${s.tag} || '/app/' || (1 + (i * k * 7919) % ${apps}::int))::uuid as app,
               md5(${s.tag} || '/account/' || i)::uuid as acct, k
          from generate_series(1, ${total}::int) i cross join generate_series(1, 2) k
         where i > ${s.members}::int and k = 1 or i <= ${s.members}::int and i % 5 < 3
      ) x`;
  // Fresh statistics, as autovacuum would soon have.
  for (const t of ['profiles', 'accounts', 'certifications', 'apps', 'app_members']) await sql.unsafe(`analyze ${t}`);
  return { companyId: company!.id, partnerId: partner!.id, apps, memberships: memberships.count };
}

/** A service account of the company with a personal access token (its SHA-256 given) of these scopes: the bench's caller. */
export async function insertBenchServiceAccount(sql: Queryable, companyId: string, tag: string, tokenHash: Buffer, scopes: string[]): Promise<string> {
  const [row] = await sql<{ id: string }[]>`
    with p as (insert into profiles (display_name) values ('Bench HR sync') returning id)
    insert into accounts (profile_id, email, password_hash, company_id, is_service_account)
    select p.id, ${`bench-hr-${tag}@service.bench.test`}, null, ${companyId}, true from p
    returning id`;
  await sql`insert into personal_access_tokens (account_id, name, token_hash, scopes) values (${row!.id}, 'bench', ${tokenHash}, ${scopes}::text[])`;
  return row!.id;
}

/** Members the listing shows with this status (service accounts are not members). */
export async function countBenchMembers(sql: Queryable, companyId: string, status: 'active' | 'deactivated'): Promise<number> {
  const [row] = await sql<{ n: number }[]>`
    select count(*)::int as n from accounts where company_id = ${companyId} and not is_service_account and status = ${status}`;
  return row!.n;
}
