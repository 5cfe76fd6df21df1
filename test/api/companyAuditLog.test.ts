// GET /v1/companies/{id}/audit-log (issue 13 "Audit"): a company's admins and its service accounts with
// `audit:read` read that company's entries only, filtered, newest first by cursor or as CSV; an export is
// audited itself; everyone else is refused.
import { randomUUID } from 'node:crypto';
import { appendAudit, type AuditEntry } from '../../db/queries/audit';
import { parseCsv } from '../../libraries/csv';
import { verifyAuditChains } from '../../libraries/auditChain';
import { createCompany, type TestCompany } from '../helpers/company';
import { checkedHttp, expectError } from '../helpers/http';
import { suiteStack } from '../helpers/suiteStack';

const stack = suiteStack({ worker: false });
const { call } = checkedHttp(stack);
const logOf = (companyId: string, query = '') => `/v1/companies/${companyId}/audit-log${query}`;

let company: TestCompany;
let other: TestCompany;
beforeAll(async () => {
  company = await createCompany(stack);
  other = await createCompany(stack);
});

/** An entry of `companyId`'s log, written as the company API writes them; answers its id. */
async function audit(companyId: string | null, e: Partial<AuditEntry> & { action: string }): Promise<string> {
  await appendAudit(stack.sql, {
    actorAccountId: randomUUID(), actorCredential: 'pat', subjectType: 'account', subjectId: randomUUID(), companyId,
    ip: '203.0.113.9', requestId: `req-${randomUUID().slice(0, 8)}`, details: {}, ...e,
  });
  return lastId(companyId);
}

async function lastId(companyId: string | null): Promise<string> {
  const [row] = await stack.sql<{ id: string }[]>`select max(id)::text as id from audit_log where company_id is not distinct from ${companyId}::uuid`;
  return row!.id;
}

const ids = (r: { body: { items: { id: string }[] } }) => r.body.items.map((i) => i.id);

describe('who may read it', () => {
  test('the admin and a service account with audit:read see the company\'s entries, newest first, in the documented shape', async () => {
    const c = await createCompany(stack);
    const service = await c.serviceAccount(['audit:read']);
    const actorAccountId = randomUUID();
    const first = await audit(c.companyId, {
      actorAccountId, actorCredential: 'session', action: 'member.deactivated', subjectId: 'acc-1', outcome: 'succeeded',
      details: { reason: 'left', apps: 2 },
    });
    const second = await audit(c.companyId, { action: 'member.looked_up', outcome: 'failed', ip: null, requestId: null });
    // Neither another company's entries nor entries without a company, even by the same actor.
    await audit(other.companyId, { actorAccountId, action: 'member.deactivated' });
    await audit(null, { actorAccountId, action: 'member.deactivated' });

    for (const headers of [c.admin.headers, service.headers]) {
      const r = await call('GET', logOf(c.companyId), { headers });
      expect(r.status).toBe(200);
      expect(r.body).toEqual({ items: [expect.objectContaining({ id: second, outcome: 'failed', ip: null, requestId: null }), expect.any(Object)], nextCursor: null });
      expect(r.body.items[1]).toEqual({
        id: first, occurredAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/), actor: { accountId: actorAccountId, credential: 'session' },
        action: 'member.deactivated', subject: { type: 'account', id: 'acc-1' }, outcome: 'succeeded', ip: '203.0.113.9',
        requestId: expect.stringMatching(/^req-/), details: { reason: 'left', apps: 2 },
      });
    }
  });

  test('refusals: a member 403, another company\'s admin 404, a token without audit:read 403, no credential 401', async () => {
    expectError(await call('GET', logOf(company.companyId), { headers: company.member.headers }), 403, 'company.admin_required');
    expectError(await call('GET', logOf(company.companyId), { headers: other.admin.headers }), 404, 'company.not_found');
    expectError(await call('GET', logOf(randomUUID()), { headers: company.admin.headers }), 404, 'company.not_found');
    const noScope = await company.serviceAccount(['company-users:read', 'apps:read']);
    expectError(await call('GET', logOf(company.companyId), { headers: noScope.headers }), 403, 'auth.insufficient_scope');
    expectError(await call('GET', logOf(company.companyId) + '?format=csv', { headers: noScope.headers }), 403, 'auth.insufficient_scope');
    expectError(await call('GET', logOf(company.companyId)), 401, 'auth.unauthenticated');
    // Another company's service account, with the scope: still another company.
    const memberService = await other.serviceAccount(['audit:read']);
    expectError(await call('GET', logOf(company.companyId), { headers: memberService.headers }), 404, 'company.not_found');
  });
});

describe('filters', () => {
  test('by actor, by action exactly or by prefix, and by time; invalid ones are 400', async () => {
    const c = await createCompany(stack);
    const ann = randomUUID();
    const a1 = await audit(c.companyId, { actorAccountId: ann, action: 'member.deactivated' });
    const a2 = await audit(c.companyId, { actorAccountId: ann, action: 'app.technical_contact_changed' });
    const b1 = await audit(c.companyId, { action: 'member.reactivated' });
    const b2 = await audit(c.companyId, { action: 'members.exported' });
    // An hour ago: written with that time, as if its transaction had started then (the trigger chains it as any other).
    await stack.sql`
      insert into audit_log (actor_account_id, action, subject_type, subject_id, company_id, occurred_at)
      values (${randomUUID()}, 'member.deactivated', 'account', 'acc-old', ${c.companyId}, now() - interval '1 hour')`;
    const old = await lastId(c.companyId);
    const get = async (q: string) => ids(await call('GET', logOf(c.companyId, q), { headers: c.admin.headers }));

    expect(await get(`?actor=${ann}`)).toEqual([a2, a1]);
    expect(await get('?action=member.deactivated')).toEqual([old, a1]);
    expect(await get('?action=member.')).toEqual([old, b1, a1]);
    expect(await get(`?action=member.&actor=${ann}`)).toEqual([a1]);
    const halfAnHourAgo = new Date(Date.now() - 30 * 60_000).toISOString();
    expect(await get(`?from=${halfAnHourAgo}`)).toEqual([b2, b1, a2, a1]);
    expect(await get(`?to=${halfAnHourAgo}`)).toEqual([old]);
    expect(await get(`?from=${encodeURIComponent(new Date(Date.now() - 2 * 3_600_000).toISOString().replace('Z', '+00:00'))}&to=${halfAnHourAgo}&action=member.`))
      .toEqual([old]);

    for (const q of [
      '?actor=ann', '?action=Member.%25', '?from=yesterday', '?to=2026-01-01', '?limit=0', '?limit=501', '?format=xml',
      // Well-formed instants Postgres cannot take: year 0000, and 9999-12-31 at -23:59, which is year 10000 in UTC.
      '?from=0000-01-01T00:00:00Z', '?to=9999-12-31T23:59:59-23:59', '?to=0001-01-01T00:00:00Z',
    ]) {
      expectError(await call('GET', logOf(c.companyId, q), { headers: c.admin.headers }), 400, 'request.invalid');
    }
  });
});

describe('paging', () => {
  test('a cursor names the last entry seen: pages stay stable while entries are written, each entry once', async () => {
    const c = await createCompany(stack);
    const seeded: string[] = [];
    for (let i = 0; i < 7; i++) seeded.push(await audit(c.companyId, { action: `test.page_${i}` }));
    const page = (cursor?: string) => call('GET', logOf(c.companyId, `?limit=3${cursor ? `&cursor=${cursor}` : ''}`), { headers: c.admin.headers });

    const p1 = await page();
    expect(ids(p1)).toEqual(seeded.slice(4).reverse());
    const added = await audit(c.companyId, { action: 'test.page_new' });
    const p2 = await page(p1.body.nextCursor);
    await audit(c.companyId, { action: 'test.page_newer' });
    const p3 = await page(p2.body.nextCursor);
    expect([...ids(p1), ...ids(p2), ...ids(p3)]).toEqual([...seeded].reverse());
    expect(p3.body.nextCursor).toBeNull();
    // The first page again shows what was written meanwhile.
    expect(ids(await page())[0]).not.toBe(ids(p1)[0]);
    expect(ids(await page())).toContain(added);

    for (const bad of [
      'not-a-cursor', Buffer.from('["x"]').toString('base64url'), Buffer.from('[1,2]').toString('base64url'),
      Buffer.from('["99999999999999999999"]').toString('base64url'), Buffer.from('[1.5]').toString('base64url'), Buffer.from('["-1"]').toString('base64url'),
    ]) {
      expectError(await page(bad), 400, 'request.invalid_cursor');
    }
  });
});

describe('CSV', () => {
  test('?format=csv or Accept: text/csv: the whole filtered log as a dated attachment, formulas defused; an export is audited', async () => {
    const c = await createCompany(stack);
    const service = await c.serviceAccount(['audit:read']);
    for (let i = 0; i < 4; i++) await audit(c.companyId, { action: 'member.deactivated', details: { i } });
    await audit(c.companyId, { action: 'member.looked_up', subjectType: 'lookup', subjectId: '=HYPERLINK("http://evil.test")' });
    await audit(c.companyId, { action: 'app.technical_contact_changed' });

    for (const [query, headers] of [['?format=csv&action=member.&limit=1', c.admin.headers], ['?action=member.', { ...service.headers, accept: 'text/csv' }]] as const) {
      const r = await call('GET', logOf(c.companyId, query), { headers });
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toBe('text/csv; charset=utf-8');
      expect(r.headers.get('content-disposition')).toBe(`attachment; filename="audit-log-${new Date().toISOString().slice(0, 10)}.csv"`);
      expect(String(r.body).split('\r\n')[0]).toBe('Id,OccurredAt,ActorAccountId,ActorCredential,Action,SubjectType,SubjectId,Outcome,Ip,RequestId,Details');
      const rows = parseCsv(Buffer.from(String(r.body)), { maxRows: 100 });
      expect(rows.map((row) => row.Action)).toEqual(['member.looked_up', 'member.deactivated', 'member.deactivated', 'member.deactivated', 'member.deactivated']);
      expect(rows[0]!.SubjectId).toBe('\'=HYPERLINK("http://evil.test")');
      expect(JSON.parse(rows[1]!.Details!)).toEqual({ i: 3 });
      expect(rows[1]).toMatchObject({ Ip: '203.0.113.9', Outcome: 'succeeded', ActorCredential: 'pat', OccurredAt: expect.stringMatching(/Z$/) });
    }

    // Each export is an entry of the log it exports, by its caller; an unfiltered export lists itself first.
    const exports = await call('GET', logOf(c.companyId, '?action=audit_log.exported'), { headers: c.admin.headers });
    expect(exports.body.items).toEqual([
      expect.objectContaining({ actor: { accountId: service.accountId, credential: 'pat' }, subject: { type: 'company', id: c.companyId }, outcome: 'succeeded' }),
      expect.objectContaining({ actor: { accountId: c.admin.accountId, credential: 'session' }, outcome: 'succeeded', ip: expect.any(String), requestId: expect.any(String) }),
    ]);
    const whole = await call('GET', logOf(c.companyId, '?format=csv'), { headers: c.admin.headers });
    expect(parseCsv(Buffer.from(String(whole.body)), { maxRows: 100 })[0]).toMatchObject({ Action: 'audit_log.exported', ActorAccountId: c.admin.accountId });
    // A page read is not audited.
    await call('GET', logOf(c.companyId), { headers: c.admin.headers });
    expect((await call('GET', logOf(c.companyId, '?action=audit_log.'), { headers: c.admin.headers })).body.items).toHaveLength(3);
  });

  test('a refused export is audited as denied in the caller\'s own log; the chain stays valid throughout', async () => {
    const c = await createCompany(stack);
    expectError(await call('GET', logOf(c.companyId, '?format=csv'), { headers: c.member.headers }), 403, 'company.admin_required');
    expectError(await call('GET', logOf(c.companyId, '?format=csv'), { headers: other.admin.headers }), 404, 'company.not_found');
    const denied = await call('GET', logOf(c.companyId, '?action=audit_log.exported'), { headers: c.admin.headers });
    expect(denied.body.items).toEqual([expect.objectContaining({ actor: { accountId: c.member.accountId, credential: 'session' }, outcome: 'denied' })]);
    const theirs = await call('GET', logOf(other.companyId, '?action=audit_log.exported'), { headers: other.admin.headers });
    expect(theirs.body.items[0]).toMatchObject({ actor: { accountId: other.admin.accountId }, outcome: 'denied', details: { code: 'company.not_found', otherCompany: true } });
    for (const companyId of [c.companyId, other.companyId]) expect(await verifyAuditChains(stack.sql, { companyId })).toMatchObject({ ok: true });
  });
});
