// The company's members (issue 13, "Members" and "A member's apps"): the listing with the Control Center export's
// fields, internal and external, its filters, keyset pages under concurrent inserts, the CSV, the lookups by email
// and OpenID, a member's apps, and who may call them.
import { randomBytes, randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { parse } from 'csv-parse/sync';
import { createApp } from '../../api/app';
import { FEW_NAMES } from '../../db/queries/companyMembers';
import { createLogger } from '../../lib/logger';
import { encodeCursor } from '../../libraries/cursor';
import { createCompany, insertCompany, type TestCompany } from '../helpers/company';
import { checkedHttp, expectError } from '../helpers/http';
import { createPerson } from '../helpers/people';
import { suiteStack } from '../helpers/suiteStack';
import { eventually } from '../helpers/waiting';

const stack = suiteStack({ worker: false });
const { call } = checkedHttp(stack);
const members = (companyId: string, query = '') => `/v1/companies/${companyId}/members${query}`;
const UUID = /^[0-9a-f-]{36}$/;

interface PersonOptions {
  name?: string;
  companyId?: string | null;
  status?: 'active' | 'deactivated';
  lastLoginAt?: Date | null;
  jobTitle?: string;
  country?: string;
  location?: string;
  certifications?: string[];
}

/** A person with one account, placed in a company (or none) directly, as onboarding would have. */
async function person(o: PersonOptions = {}) {
  const p = await createPerson(stack.sql, {
    profile: {
      ...(o.name ? { displayName: o.name } : {}), jobTitle: o.jobTitle ?? null, country: o.country ?? null, certifications: o.certifications ?? [],
    },
    deactivated: o.status === 'deactivated',
  });
  const accountId = p.accountIds[0]!;
  await stack.sql`update accounts set company_id = ${o.companyId ?? null}, last_login_at = ${o.lastLoginAt ?? null} where id = ${accountId}`;
  if (o.location) await stack.sql`update profiles set location = ${o.location} where id = ${p.profileId}`;
  return { accountId, email: p.emails[0]!, profileId: p.profileId };
}

async function app(companyId: string, o: { name?: string; license?: 'free' | 'licensed'; technicalContact?: string } = {}) {
  const [row] = await stack.sql<{ id: string; environmentId: string }[]>`
    insert into apps (company_id, name, license_type, technical_contact_account_id)
    values (${companyId}, ${o.name ?? `App ${randomUUID().slice(0, 8)}`}, ${o.license ?? 'free'}, ${o.technicalContact ?? null})
    returning id, environment_id`;
  return row!;
}

const join = (appId: string, accountId: string, role = 'developer') =>
  stack.sql`insert into app_members (app_id, account_id, role) values (${appId}, ${accountId}, ${role})`;

/** Every page of a listing, following nextCursor. */
async function allPages(c: TestCompany, query: string, headers = c.admin.headers) {
  const items: Record<string, unknown>[] = [];
  let cursor: string | null = null;
  do {
    const sep = query ? '&' : '';
    const r = await call('GET', members(c.companyId, `?${query}${sep}limit=3${cursor ? `&cursor=${cursor}` : ''}`), { headers });
    expect(r.status).toBe(200);
    items.push(...r.body.items);
    cursor = r.body.nextCursor;
  } while (cursor);
  return items;
}

const audit = (companyId: string) => stack.sql<{ action: string; outcome: string; subjectType: string; subjectId: string; details: Record<string, unknown> }[]>`
  select action, outcome, subject_type, subject_id, details from audit_log where company_id = ${companyId} order by id`;

describe('GET /v1/companies/{id}/members', () => {
  test('internal members carry the Control Center export\'s fields, in email order; service accounts are not members', async () => {
    const c = await createCompany(stack);
    await c.serviceAccount(['company-users:read']);
    const ada = await person({
      companyId: c.companyId, name: 'Ada Lovelace', jobTitle: 'Architect', country: 'NL', location: 'Rotterdam',
      certifications: ['rapid', 'advanced', 'intermediate'], lastLoginAt: new Date('2026-01-02T03:04:05Z'),
    });
    // A session used after the last sign-in is the later activity.
    await stack.sql`insert into sessions (account_id, token_hash, expires_at, last_seen_at)
                    values (${ada.accountId}, ${randomBytes(32)}, now() + interval '1 hour', '2026-01-05T00:00:00Z')`;
    const mine = await app(c.companyId, { technicalContact: ada.accountId });
    await join((await app(c.companyId)).id, ada.accountId);
    await join(mine.id, ada.accountId, 'owner'); // a member and the technical contact: one app
    await join((await app(await insertCompany(stack.sql))).id, ada.accountId); // another company's app does not count

    const r = await call('GET', members(c.companyId), { headers: c.admin.headers });
    expect(r.status).toBe(200);
    expect(r.body.nextCursor).toBeNull();
    const emails = r.body.items.map((m: { email: string }) => m.email);
    expect(emails).toEqual([ada.email, c.admin.email, c.member.email].sort());
    expect(r.body.items.find((m: { uuid: string }) => m.uuid === ada.accountId)).toEqual({
      email: ada.email, name: 'Ada Lovelace', status: 'active', certification: 'advanced', numberOfApps: 2,
      signupDate: expect.any(String), mendixAdmin: false, jobTitle: 'Architect', country: 'NL', location: 'Rotterdam',
      uuid: ada.accountId, lastActivity: '2026-01-05T00:00:00.000Z',
    });
    const admin = r.body.items.find((m: { uuid: string }) => m.uuid === c.admin.accountId);
    expect(admin).toMatchObject({ mendixAdmin: true, certification: null, numberOfApps: 0, jobTitle: null, location: null, lastActivity: expect.any(String) });
    expect(Date.now() - Date.parse(admin.signupDate)).toBeLessThan(600_000);
  });

  test('external members: other companies\' (or no company\'s) accounts in the company\'s apps, with their company and apps here', async () => {
    const c = await createCompany(stack);
    const partnerName = `Partner ${randomUUID().slice(0, 8)}`;
    const partner = await insertCompany(stack.sql, partnerName);
    const ext = await person({ companyId: partner, name: 'Grace Hopper', certifications: ['expert'] });
    const freelancer = await person({ companyId: null, status: 'deactivated' });
    const stranger = await person({ companyId: partner }); // in no app of this company
    const [a1, a2] = [await app(c.companyId), await app(c.companyId, { technicalContact: freelancer.accountId })];
    await join(a1.id, ext.accountId);
    await join(a2.id, ext.accountId, 'viewer');
    await join(a1.id, c.member.accountId); // an internal member in an app stays internal

    const r = await call('GET', members(c.companyId, '?type=external'), { headers: c.admin.headers });
    expect(r.status).toBe(200);
    expect(r.body.items).toEqual(expect.arrayContaining([
      { email: ext.email, name: 'Grace Hopper', certification: 'expert', numberOfApps: 2, company: partnerName, status: 'active', uuid: ext.accountId },
      { email: freelancer.email, name: expect.any(String), certification: null, numberOfApps: 1, company: null, status: 'deactivated', uuid: freelancer.accountId },
    ]));
    expect(r.body.items).toHaveLength(2);
    expect(JSON.stringify(r.body)).not.toContain(stranger.accountId);
    const internal = await call('GET', members(c.companyId, '?type=internal'), { headers: c.admin.headers });
    expect(internal.body.items.map((m: { uuid: string }) => m.uuid)).not.toContain(ext.accountId);
  });

  describe('filters', () => {
    let c: TestCompany;
    let people: Record<'old' | 'recent' | 'never' | 'gone', Awaited<ReturnType<typeof person>>>;
    beforeAll(async () => {
      c = await createCompany(stack);
      people = {
        old: await person({ companyId: c.companyId, name: 'Edsger Dijkstra', lastLoginAt: new Date('2025-01-01T00:00:00Z') }),
        recent: await person({ companyId: c.companyId, name: 'Barbara 100% Liskov', lastLoginAt: new Date('2026-03-01T00:00:00Z') }),
        never: await person({ companyId: c.companyId, name: 'Alan Turing', lastLoginAt: null }),
        gone: await person({ companyId: c.companyId, name: 'Ken Thompson', status: 'deactivated', lastLoginAt: new Date('2024-06-01T00:00:00Z') }),
      };
    });
    const ids = async (query: string) => (await allPages(c, query)).map((m) => m.uuid);

    test('status', async () => {
      expect(await ids('status=deactivated')).toEqual([people.gone.accountId]);
      expect(await ids('status=active')).toEqual(expect.not.arrayContaining([people.gone.accountId]));
      expect(await ids('status=active')).toHaveLength(5);
    });

    test('q: a substring of the name or of the email, in any case; % and _ are plain characters', async () => {
      expect(await ids('q=dIJKs')).toEqual([people.old.accountId]);
      expect(await ids(`q=${people.never.email.slice(5, 13).toUpperCase()}`)).toEqual([people.never.accountId]);
      expect(await ids('q=100%25')).toEqual([people.recent.accountId]);
      expect(await ids('q=0_')).toEqual([]);
      expect(await ids('q=%25')).toEqual([people.recent.accountId]);
      expect(await ids('q=Turing&status=deactivated')).toEqual([]);
    });

    test('q: a name many profiles share (over FEW_NAMES, mostly elsewhere) takes the ordered scan\'s plan, with the same answers', async () => {
      const own = await createCompany(stack);
      await stack.sql`insert into profiles (display_name) select 'Zebulon Elsewhere ' || i from generate_series(1, ${FEW_NAMES + 1}::int) i`;
      const zeb = [await person({ companyId: own.companyId, name: 'Zebulon One' }), await person({ companyId: own.companyId, name: 'zebulon two' })];
      const found = async (query: string) => (await allPages(own, query)).map((m) => m.uuid);
      expect((await found('q=ZEBULON')).sort()).toEqual(zeb.map((z) => z.accountId).sort());
      expect(await found('q=zebulon%20two')).toEqual([zeb[1]!.accountId]);
    });

    test('last activity before / after: never active counts as before any date; after is inclusive', async () => {
      expect((await ids('lastActivityBefore=2025-06-01T00:00:00Z')).sort()).toEqual([people.old.accountId, people.never.accountId, people.gone.accountId].sort());
      expect(await ids('lastActivityBefore=2000-01-01T00:00:00Z')).toEqual([people.never.accountId]);
      // The admin and member signed in just now.
      expect((await ids('lastActivityAfter=2026-03-01T00:00:00Z')).sort()).toEqual([people.recent.accountId, c.admin.accountId, c.member.accountId].sort());
      expect(await ids('lastActivityAfter=2025-01-01T00:00:00Z&lastActivityBefore=2026-01-01T00:00:00Z')).toEqual([people.old.accountId]);
    });

    test('invalid filters: 400 request.invalid; last activity does not filter external members', async () => {
      for (const q of [
        'status=gone', 'type=everyone', 'lastActivityBefore=yesterday', 'limit=0', 'limit=501', 'q=', `q=${'x'.repeat(101)}`, 'type=external&lastActivityAfter=2026-01-01T00:00:00Z',
        // Well-formed instants Postgres cannot take: year 0000, and 9999-12-31 at -23:59, which is year 10000 in UTC.
        'lastActivityBefore=0000-01-01T00:00:00Z', 'lastActivityAfter=9999-12-31T23:59:59-23:59', 'lastActivityBefore=1969-12-31T23:59:59Z',
      ]) {
        expectError(await call('GET', members(c.companyId, `?${q}`), { headers: c.admin.headers }), 400, 'request.invalid');
      }
    });
  });

  test('keyset pages: under concurrent inserts no member is listed twice, and none present from the start is skipped', async () => {
    const c = await createCompany(stack);
    for (let i = 0; i < 30; i++) await person({ companyId: c.companyId });
    const before = (await allPages(c, '')).map((m) => m.uuid as string);
    expect(before).toHaveLength(32);

    const seen: string[] = [];
    const added: string[] = [];
    let cursor: string | null = null;
    do {
      const r = await call('GET', members(c.companyId, `?limit=4${cursor ? `&cursor=${cursor}` : ''}`), { headers: c.admin.headers });
      expect(r.status).toBe(200);
      expect(r.body.items.length).toBeLessThanOrEqual(4);
      seen.push(...r.body.items.map((m: { uuid: string }) => m.uuid));
      cursor = r.body.nextCursor;
      // Members join between pages: their random emails land before and after the cursor.
      for (let i = 0; i < 3; i++) added.push((await person({ companyId: c.companyId })).accountId);
    } while (cursor);

    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual(expect.arrayContaining(before));
    expect(seen.filter((id) => !before.includes(id)).every((id) => added.includes(id))).toBe(true);
    // The order is the emails' (then the ids'), in the database's collation, as the cursor walks it.
    const ordered = await stack.sql<{ id: string }[]>`select id from accounts where id = any(${seen}::uuid[]) order by lower(email), id`;
    expect(ordered.map((r) => r.id)).toEqual(seen);
  });

  test('a page that ends on a 252-character email gives a cursor the next request takes', async () => {
    const c = await createCompany(stack);
    const long = await person({ companyId: c.companyId });
    const email = `${'a'.repeat(64)}@${'b'.repeat(60)}.${'c'.repeat(60)}.${'d'.repeat(60)}.test`;
    await stack.sql`update accounts set email = ${email} where id = ${long.accountId}`;
    const first = await call('GET', members(c.companyId, '?limit=1'), { headers: c.admin.headers });
    expect(first.body.items.map((m: { email: string }) => m.email)).toEqual([email]);
    expect(first.body.nextCursor.length).toBeGreaterThan(200);
    const next = await call('GET', members(c.companyId, `?limit=1&cursor=${first.body.nextCursor}`), { headers: c.admin.headers });
    expect(next.status).toBe(200);
    expect(next.body.items).toHaveLength(1);
  });

  test('an invalid cursor is 400 request.invalid_cursor', async () => {
    const c = await createCompany(stack);
    const id = c.member.accountId;
    for (const cursor of [
      'bm90LWpzb24', encodeCursor(['a@b.test']), encodeCursor(['a@b.test', 'not-a-uuid']), encodeCursor([1, 2]),
      // Keys of the right shape that Postgres would refuse: NUL in the email, an id that is no uuid, an endless key.
      encodeCursor(['a\u0000b@x.test', id]), encodeCursor(['a@b.test', `${id}x`]), encodeCursor(['x'.repeat(1025), id]),
    ]) {
      expectError(await call('GET', members(c.companyId, `?cursor=${cursor}`), { headers: c.admin.headers }), 400, 'request.invalid_cursor');
    }
    expectError(await call('GET', members(c.companyId, '?cursor=not%20base64'), { headers: c.admin.headers }), 400, 'request.invalid');
  });
});

describe('CSV', () => {
  test('the whole listing under the export\'s headers, streamed; formulas are defused; audited', async () => {
    const c = await createCompany(stack);
    const evil = await person({ companyId: c.companyId, name: '=HYPERLINK("x")', jobTitle: '+SUM(A1)', location: '@home' });
    for (let i = 0; i < 4; i++) await person({ companyId: c.companyId });

    const r = await call('GET', members(c.companyId, '?format=csv&limit=1'), { headers: c.admin.headers });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(r.headers.get('content-disposition')).toMatch(/^attachment; filename="members-internal-\d{4}-\d{2}-\d{2}\.csv"$/);
    const text = r.body as string;
    expect(text.split('\r\n')[0]).toBe('Email,Name,Status,Certification,NumberOfApps,SignupDate,MendixAdmin,JobTitle,Country,Location,UUID,LastActivity');
    const rows = parse(text, { columns: true }) as Record<string, string>[];
    expect(rows).toHaveLength(7); // limit and cursor do not apply: the whole listing (the admin, the member and five more)
    const ordered = await stack.sql<{ id: string }[]>`select id from accounts where company_id = ${c.companyId} and not is_service_account order by lower(email), id`;
    expect(rows.map((x) => x.UUID)).toEqual(ordered.map((x) => x.id));
    expect(rows.find((x) => x.UUID === evil.accountId)).toMatchObject({
      Email: evil.email, Name: '\'=HYPERLINK("x")', JobTitle: '\'+SUM(A1)', Location: '\'@home', Status: 'active', NumberOfApps: '0', MendixAdmin: 'false', LastActivity: '',
    });
    expect(text).toContain('"\'=HYPERLINK(""x"")"');
    expect(await audit(c.companyId)).toContainEqual({ action: 'members.exported', outcome: 'succeeded', subjectType: 'company', subjectId: c.companyId, details: {} });

    // Accept: text/csv asks the same; filters apply.
    const filtered = await call('GET', members(c.companyId, '?q=hyperlink'), { headers: { ...c.admin.headers, accept: 'text/csv' } });
    expect(filtered.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(parse(filtered.body as string, { columns: true })).toHaveLength(1);
  });

  test('external members: their columns', async () => {
    const c = await createCompany(stack);
    const ext = await person({ companyId: await insertCompany(stack.sql, 'Acme'), name: 'Radia Perlman' });
    await join((await app(c.companyId)).id, ext.accountId);
    const r = await call('GET', members(c.companyId, '?type=external&format=csv'), { headers: c.admin.headers });
    expect(parse(r.body as string, { columns: true })).toEqual([
      { Email: ext.email, Name: 'Radia Perlman', Certification: '', NumberOfApps: '1', Company: 'Acme', Status: 'active', UUID: ext.accountId },
    ]);
  });
});

describe('GET /v1/companies/{id}/members/lookup', () => {
  const lookup = (companyId: string, query: string) => `/v1/companies/${companyId}/members/lookup?${query}`;

  test('by email, in any case: whether the account is here and active; audited with the account found', async () => {
    const c = await createCompany(stack);
    const sa = await c.serviceAccount(['company-users:read']);
    const r = await call('GET', lookup(c.companyId, `email=${encodeURIComponent(c.member.email.toUpperCase())}`), { headers: sa.headers });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ uuid: c.member.accountId, email: c.member.email, status: 'active', active: true, openId: expect.stringMatching(/^urn:custodian:openid:/) });
    await stack.sql`update accounts set status = 'deactivated' where id = ${c.member.accountId}`;
    const after = await call('GET', lookup(c.companyId, `email=${encodeURIComponent(c.member.email)}`), { headers: sa.headers });
    expect(after.body).toMatchObject({ status: 'deactivated', active: false });
    expect(await audit(c.companyId)).toContainEqual({ action: 'member.looked_up', outcome: 'succeeded', subjectType: 'account', subjectId: c.member.accountId, details: {} });
  });

  test('by OpenID: the profile\'s details, the email included', async () => {
    const c = await createCompany(stack);
    const ada = await person({ companyId: c.companyId, name: 'Ada Lovelace', jobTitle: 'Analyst', country: 'GB' });
    const [row] = await stack.sql<{ openid: string }[]>`select openid from accounts where id = ${ada.accountId}`;
    const openid = row!.openid;
    const r = await call('GET', lookup(c.companyId, `openId=${encodeURIComponent(openid)}`), { headers: c.admin.headers });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      email: ada.email, name: 'Ada Lovelace', status: 'active', certification: null, numberOfApps: 0, signupDate: expect.any(String), mendixAdmin: false,
      jobTitle: 'Analyst', country: 'GB', location: null, uuid: ada.accountId, lastActivity: null, openId: openid, active: true,
    });
  });

  test('nobody here by that email or OpenID: 404 member.not_found, audited as failed; another company\'s account is nobody here', async () => {
    const c = await createCompany(stack);
    const other = await createCompany(stack);
    for (const q of [`email=nobody-${randomUUID()}@test.custodian.test`, `email=${encodeURIComponent(other.member.email)}`, 'openId=urn:custodian:openid:nope']) {
      expectError(await call('GET', lookup(c.companyId, q), { headers: c.admin.headers }), 404, 'member.not_found');
    }
    const sa = await c.serviceAccount(['company-users:read']);
    expectError(await call('GET', lookup(c.companyId, `email=${encodeURIComponent(sa.email)}`), { headers: c.admin.headers }), 404, 'member.not_found');
    expect((await audit(c.companyId)).filter((e) => e.action === 'member.looked_up')).toEqual(Array(4).fill(
      { action: 'member.looked_up', outcome: 'failed', subjectType: 'company', subjectId: c.companyId, details: { code: 'member.not_found' } },
    ));
  });

  test('exactly one of email and openId: else 400', async () => {
    const c = await createCompany(stack);
    for (const q of ['', `email=${encodeURIComponent(c.member.email)}&openId=x`, 'email=not-an-email']) {
      expectError(await call('GET', lookup(c.companyId, q), { headers: c.admin.headers }), 400, 'request.invalid');
    }
  });
});

describe('GET /v1/companies/{id}/members/{memberId}/apps', () => {
  const apps = (companyId: string, memberId: string) => `/v1/companies/${companyId}/members/${memberId}/apps`;

  test('each app of the company with the member\'s role, the license, AppId and EnvironmentId', async () => {
    const c = await createCompany(stack);
    const contact = await app(c.companyId, { name: 'B contact', license: 'licensed', technicalContact: c.member.accountId });
    const member = await app(c.companyId, { name: 'A member' });
    const both = await app(c.companyId, { name: 'C both', technicalContact: c.member.accountId });
    await join(member.id, c.member.accountId, 'viewer');
    await join(both.id, c.member.accountId, 'owner');
    await app(c.companyId, { name: 'D not mine' });
    const sa = await c.serviceAccount(['apps:read']);

    const r = await call('GET', apps(c.companyId, c.member.accountId), { headers: sa.headers });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      apps: [
        { appId: member.id, environmentId: member.environmentId, name: 'A member', license: 'free', isTraining: false, role: 'member', appRole: 'viewer' },
        { appId: contact.id, environmentId: contact.environmentId, name: 'B contact', license: 'licensed', isTraining: false, role: 'technicalContact', appRole: null },
        { appId: both.id, environmentId: both.environmentId, name: 'C both', license: 'free', isTraining: false, role: 'technicalContact', appRole: 'owner' },
      ],
    });
    expect(member.environmentId).toMatch(UUID);
    expect(member.environmentId).not.toBe(member.id);
    // An internal member without apps has none; an external member its apps here only.
    expect((await call('GET', apps(c.companyId, c.admin.accountId), { headers: sa.headers })).body).toEqual({ apps: [] });
    const ext = await person({ companyId: await insertCompany(stack.sql) });
    await join(member.id, ext.accountId);
    expect((await call('GET', apps(c.companyId, ext.accountId), { headers: sa.headers })).body.apps.map((a: { appId: string }) => a.appId)).toEqual([member.id]);
  });

  test('anyone who is not a member here: 404 member.not_found', async () => {
    const c = await createCompany(stack);
    const other = await createCompany(stack);
    for (const id of [randomUUID(), other.member.accountId, (await c.serviceAccount(['apps:read'])).accountId]) {
      expectError(await call('GET', apps(c.companyId, id), { headers: c.admin.headers }), 404, 'member.not_found');
    }
    expectError(await call('GET', apps(c.companyId, 'nope'), { headers: c.admin.headers }), 400, 'request.invalid');
  });
});

describe('who may call', () => {
  let c: TestCompany;
  let other: TestCompany;
  beforeAll(async () => {
    c = await createCompany(stack);
    other = await createCompany(stack);
  });
  const paths = () => [
    members(c.companyId), members(c.companyId, '?format=csv'), `/v1/companies/${c.companyId}/members/lookup?email=${encodeURIComponent(c.member.email)}`,
  ];

  test('a member who is not an admin: 403 company.admin_required', async () => {
    for (const p of [...paths(), `/v1/companies/${c.companyId}/members/${c.member.accountId}/apps`]) {
      expectError(await call('GET', p, { headers: c.member.headers }), 403, 'company.admin_required');
    }
  });

  test('another company\'s admin: 404 company.not_found, as for no company', async () => {
    for (const p of [...paths(), `/v1/companies/${c.companyId}/members/${c.member.accountId}/apps`, members(randomUUID())]) {
      expectError(await call('GET', p, { headers: other.admin.headers }), 404, 'company.not_found');
    }
  });

  test('a service account with company-users:read reads members; with apps:read a member\'s apps; a token without the scope 403', async () => {
    const reader = await c.serviceAccount(['company-users:read']);
    const appsReader = await c.serviceAccount(['apps:read']);
    for (const p of paths()) {
      expect((await call('GET', p, { headers: reader.headers })).status).toBe(200);
      expectError(await call('GET', p, { headers: appsReader.headers }), 403, 'auth.insufficient_scope');
    }
    const memberApps = `/v1/companies/${c.companyId}/members/${c.member.accountId}/apps`;
    expect((await call('GET', memberApps, { headers: appsReader.headers })).status).toBe(200);
    expectError(await call('GET', memberApps, { headers: reader.headers }), 403, 'auth.insufficient_scope');
  });

  test('no credential: 401', async () => {
    for (const p of [...paths(), `/v1/companies/${c.companyId}/members/${c.member.accountId}/apps`]) {
      expectError(await call('GET', p), 401, 'auth.unauthenticated');
    }
  });
});

describe('request logs', () => {
  test('hold the path and the query\'s parameter names, never their values (emails, search text, OpenIDs); Idempotency-Key is redacted', async () => {
    const c = await createCompany(stack);
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    // The app as it runs, with its logger at info and written here.
    const app = createApp({ config: stack.config, sql: stack.sql, temporal: stack.client, logger: createLogger({ logLevel: 'info' }, 'api-log', sink) });
    const server: Server = await new Promise((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/companies/${c.companyId}`;
    const openId = 'https://openid.example.test/lovelace-7731';
    const secrets = [c.member.email, encodeURIComponent(c.member.email), openId, encodeURIComponent(openId), 'zebulon-searched', 'hr-key-4711'];
    try {
      for (const query of [`email=${encodeURIComponent(c.member.email)}`, `openId=${encodeURIComponent(openId)}`]) {
        await (await fetch(`${base}/members/lookup?${query}`, { headers: c.admin.headers })).arrayBuffer();
      }
      await (await fetch(`${base}/members?q=zebulon-searched&lastActivityBefore=2026-01-01T00:00:00Z&q=again`, { headers: c.admin.headers })).arrayBuffer();
      await (await fetch(`${base}/offboardings`, {
        method: 'POST', headers: { ...c.admin.headers, 'content-type': 'application/json', 'idempotency-key': 'hr-key-4711' }, body: '{}',
      })).arrayBuffer();
      await eventually(() => expect(lines.length).toBeGreaterThanOrEqual(4));
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    const text = lines.join('');
    for (const secret of secrets) expect(text).not.toContain(secret);
    const logged = lines.map((l) => JSON.parse(l) as { req?: { method: string; url: string; queryParams?: string[]; headers: Record<string, string> } })
      .flatMap((l) => (l.req ? [l.req] : []));
    expect(logged.map((r) => [r.method, r.url, r.queryParams])).toEqual([
      ['GET', `/v1/companies/${c.companyId}/members/lookup`, ['email']],
      ['GET', `/v1/companies/${c.companyId}/members/lookup`, ['openId']],
      ['GET', `/v1/companies/${c.companyId}/members`, ['q', 'lastActivityBefore']],
      ['POST', `/v1/companies/${c.companyId}/offboardings`, undefined],
    ]);
    expect(logged[3]!.headers['idempotency-key']).toBe('[redacted]');
    expect(logged[0]!.headers.authorization).toBe('[redacted]');
  });
});
