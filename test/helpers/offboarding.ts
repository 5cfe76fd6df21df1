// Builders for the offboarding tests: a leaver with a footprint everywhere offboarding touches (two accounts in the
// company, apps as technical contact and as sole member, a licensed app, tokens and keys used recently and long ago,
// a live session), and a wait for a run to reach a status over HTTP.
import { randomUUID } from 'node:crypto';
import type { Sql } from '../../db/client';
import { sha256 } from '../../lib/crypto';
import type { TestCompany } from './company';
import type { HttpResult, TestStack } from './stack';
import { createPerson, type Person } from './people';
import { eventually } from './waiting';

const DAY = 24 * 3_600_000;

async function app(sql: Sql, companyId: string, name: string, opts: { contact?: string; members?: string[]; license?: 'free' | 'licensed' } = {}) {
  const [row] = await sql<{ id: string }[]>`
    insert into apps (company_id, name, license_type, technical_contact_account_id)
    values (${companyId}, ${name}, ${opts.license ?? 'free'}, ${opts.contact ?? null}) returning id`;
  for (const m of opts.members ?? []) await sql`insert into app_members (app_id, account_id) values (${row!.id}, ${m})`;
  return row!.id;
}

async function token(sql: Sql, accountId: string, name: string, lastUsedDaysAgo: number | null, scopes = ['apps:read', 'offboarding:read']) {
  const lastUsed = lastUsedDaysAgo === null ? null : new Date(Date.now() - lastUsedDaysAgo * DAY);
  const [row] = await sql<{ id: string }[]>`
    insert into personal_access_tokens (account_id, name, token_hash, scopes, last_used_at)
    values (${accountId}, ${name}, ${sha256(randomUUID())}, ${scopes}::text[], ${lastUsed}) returning id`;
  return row!.id;
}

async function apiKey(sql: Sql, accountId: string, name: string, lastUsedDaysAgo: number) {
  const [row] = await sql<{ id: string }[]>`
    insert into api_keys (account_id, name, key_hash, last_used_at)
    values (${accountId}, ${name}, ${sha256(randomUUID())}, ${new Date(Date.now() - lastUsedDaysAgo * DAY)}) returning id`;
  return row!.id;
}

/**
 * A person leaving `company`: two accounts in it, technical contact of two apps (one per account), sole member of a
 * free training app and of a licensed app, a colleague's app they are a member of, a token and a key used within 30
 * days (automations), a token used 40 days ago (not one), and a signed-in session.
 */
export async function leaver(stack: TestStack, company: TestCompany, tag = randomUUID().slice(0, 6)) {
  const person: Person = await createPerson(stack.sql, { accounts: 2, profile: { displayName: `Leaver ${tag}` } });
  const [a0, a1] = person.accountIds as [string, string];
  await stack.sql`update accounts set company_id = ${company.companyId} where id = any(${person.accountIds}::uuid[])`;
  const colleague = await company.addMember();
  const apps = {
    contact0: await app(stack.sql, company.companyId, `Portal ${tag}`, { contact: a0, members: [a0, colleague.accountId] }),
    contact1: await app(stack.sql, company.companyId, `Billing ${tag}`, { contact: a1, members: [a1] }),
    training: await app(stack.sql, company.companyId, `Training ${tag}`, { members: [a0] }),
    licensed: await app(stack.sql, company.companyId, `Sandbox ${tag}`, { members: [a1], license: 'licensed' }),
    colleagues: await app(stack.sql, company.companyId, `Shared ${tag}`, { contact: colleague.accountId, members: [a0, colleague.accountId] }),
  };
  const tokens = {
    recent: await token(stack.sql, a0, `CI deploy ${tag}`, 5),
    stale: await token(stack.sql, a0, `Old script ${tag}`, 40),
    unused: await token(stack.sql, a1, `Never used ${tag}`, null),
    key: await apiKey(stack.sql, a1, `Model SDK ${tag}`, 1),
  };
  const session = await stack.signIn(person.emails[0]!);
  return { person, tag, colleague, apps, tokens, session };
}
export type Leaver = Awaited<ReturnType<typeof leaver>>;

type Call = (method: string, path: string, opts?: Parameters<TestStack['http']>[2]) => Promise<HttpResult>;

/** Polls the run until its status is `status` (or one of them), and answers it. */
export function waitForRun(call: Call, company: TestCompany, id: string, status: string | string[] = ['completed', 'failed'], timeoutMs = 30_000) {
  const wanted = Array.isArray(status) ? status : [status];
  return eventually(async () => {
    const r = await call('GET', `/v1/companies/${company.companyId}/offboardings/${id}`, { headers: company.admin.headers });
    if (r.status !== 200 || !wanted.includes(r.body.status)) throw new Error(`run ${id} is ${r.body.status}, waiting for ${wanted.join('|')}`);
    return r.body;
  }, timeoutMs);
}

/** The account's live credentials, by kind. */
export async function liveCredentials(sql: Sql, accountIds: string[]) {
  const [row] = await sql<{ sessions: number; pats: number; keys: number }[]>`
    select (select count(*)::int from sessions where account_id = any(${accountIds}::uuid[]) and revoked_at is null) as sessions,
           (select count(*)::int from personal_access_tokens where account_id = any(${accountIds}::uuid[]) and revoked_at is null) as pats,
           (select count(*)::int from api_keys where account_id = any(${accountIds}::uuid[]) and revoked_at is null) as keys`;
  return row!;
}
