// Bulk onboarding over HTTP (README "Onboarding"): a JSON list and a CSV upload with good, invalid, duplicate
// and existing rows, reported row by row; every good row created and invited on its own; unreadable uploads
// refused whole; the company boundary.
import { listAuditForSubject } from '../../db/queries/audit';
import { BUDGETS } from '../../libraries/budgets';
import { createCompany, type TestCompany } from '../helpers/company';
import { checkedHttp, expectError, expectErrorShape } from '../helpers/http';
import { newEmail, onboardingApi } from '../helpers/memberOnboarding';
import { suiteStack } from '../helpers/suiteStack';

const stack = suiteStack();
const CONFLICTS = BUDGETS.memberConflictsPerCompany.limit;
const { call } = checkedHttp(stack);
const api = onboardingApi(stack, call);

let acme: TestCompany;
let other: TestCompany;
beforeAll(async () => {
  acme = await createCompany(stack);
  other = await createCompany(stack);
});
const path = () => `/v1/companies/${acme.companyId}/member-imports`;
const invited = async (email: string) =>
  (await stack.sql<{ status: string; companyId: string }[]>`select status, company_id from accounts where email = ${email}`)[0];

test('JSON: good, invalid, duplicate and existing rows; 207 with a report row by row; good rows created and invited', async () => {
  const [a, b] = [newEmail('a'), newEmail('b')];
  const members = [
    { email: a, name: 'Alan Turing', jobTitle: 'Cryptanalyst', country: 'GB' },
    { email: 'not-an-email', name: 'Broken' },
    { email: a.toUpperCase(), name: 'Alan again' },
    { email: other.member.email, name: 'Exists elsewhere' },
    { email: b, name: 'Barbara Liskov' },
    'not even an object',
  ];
  const r = await call('POST', path(), { headers: acme.admin.headers, body: { members } });
  expect(r.status).toBe(207);
  expect(r.body.summary).toEqual({ total: 6, created: 2, exists: 1, invalid: 3, failed: 0, rate_limited: 0 });
  expect(r.body.rows).toEqual([
    { row: 1, email: a, status: 'created', accountId: expect.any(String), invitationId: expect.any(String) },
    { row: 2, email: 'not-an-email', status: 'invalid', errors: [{ code: 'request.invalid', path: 'email', message: expect.any(String) }] },
    { row: 3, email: a.toUpperCase(), status: 'invalid', errors: [{ code: 'member_import.duplicate_email', path: 'email', message: 'The same email as row 1' }] },
    { row: 4, email: other.member.email, status: 'exists', errors: [{ code: 'member.exists', message: expect.any(String) }] },
    { row: 5, email: b, status: 'created', accountId: expect.any(String), invitationId: expect.any(String) },
    { row: 6, status: 'invalid', errors: [expect.objectContaining({ code: 'request.invalid' })] },
  ]);
  expect(await invited(a)).toEqual({ status: 'invited', companyId: acme.companyId });
  expect(await invited(other.member.email)).toMatchObject({ companyId: other.companyId, status: 'active' });
  // Each created member got its invitation email, and is audited with the import's id.
  for (const email of [a, b]) expect(await api.code(email)).toMatch(/^\d{6}$/);
  const created = await listAuditForSubject(stack.sql, 'account', r.body.rows[0].accountId);
  expect(created[0]).toMatchObject({ action: 'member.created', details: expect.objectContaining({ importId: r.body.importId }) });
  expect(await listAuditForSubject(stack.sql, 'member_import', r.body.importId)).toEqual([expect.objectContaining({
    action: 'member_import.completed', outcome: 'succeeded', details: { total: 6, created: 2, exists: 1, invalid: 3, failed: 0, rateLimited: 0 },
  })]);
});

test('CSV: header names in any spelling, empty cells absent, bad rows reported; 200 when every row is created', async () => {
  const [c, d, e] = [newEmail('c'), newEmail('d'), newEmail('e')];
  const mixed = `Email,Name,Job title,COUNTRY\r\n${c},Claude Shannon,,US\r\n${d},,Engineer,NL\r\n"${e}","=HYPERLINK(""x"")",,zz\r\n`;
  const r = await api.upload(path(), acme.admin.headers, 'text/csv', mixed);
  expect(r.status).toBe(207);
  expect(r.body.rows.map((row: { status: string }) => row.status)).toEqual(['created', 'invalid', 'invalid']);
  expect(r.body.rows[1].errors).toEqual([expect.objectContaining({ path: 'name' })]);
  expect(r.body.rows[2].errors).toEqual([expect.objectContaining({ path: 'country' })]);
  expect(await invited(c)).toMatchObject({ status: 'invited' });
  expect(await invited(d)).toBeUndefined();

  const f = newEmail('f');
  const good = await api.upload(path(), acme.admin.headers, 'text/csv; charset=utf-8', `email,name\n${f},Frances Allen\n`);
  expect(good.status).toBe(200);
  expect(good.body.summary).toEqual({ total: 1, created: 1, exists: 0, invalid: 0, failed: 0, rate_limited: 0 });
  // The same file again: the member exists now.
  const again = await api.upload(path(), acme.admin.headers, 'text/csv', `email,name\n${f},Frances Allen\n`);
  expect(again.status).toBe(207);
  expect(again.body.rows).toEqual([expect.objectContaining({ row: 1, status: 'exists' })]);
});

test(`rows that meet an account outside the company: ${CONFLICTS} a day, each audited; past them every address outside the company is rate_limited`, async () => {
  const probe = await createCompany(stack);
  const own = probe.member.email;
  const foreign = [other.member.email, other.admin.email, acme.member.email, acme.admin.email];
  // One import can hold an address once: the budget is spent over a few imports, as an enumeration would.
  const upload = (emails: string[]) =>
    call('POST', `/v1/companies/${probe.companyId}/member-imports`, { headers: probe.admin.headers, body: { members: emails.map((email) => ({ email, name: 'Probe' })) } });
  let hits = 0;
  while (hits < CONFLICTS) {
    const batch = foreign.slice(0, Math.min(foreign.length, CONFLICTS - hits));
    const r = await upload([own, ...batch]);
    expect(r.body.rows.map((row: { status: string }) => row.status)).toEqual(['exists', ...batch.map(() => 'exists')]);
    hits += batch.length;
  }
  const fresh = newEmail('fresh');
  const r = await upload([own, foreign[0]!, fresh]);
  expect(r.status).toBe(207);
  expect(r.body.summary).toEqual({ total: 3, created: 0, exists: 1, invalid: 0, failed: 0, rate_limited: 2 });
  // An address with no account is refused like one with an account elsewhere: the answer tells nothing more.
  expect(r.body.rows).toEqual([
    expect.objectContaining({ row: 1, status: 'exists' }),
    { row: 2, email: foreign[0], status: 'rate_limited', errors: [{ code: 'member.too_many_conflicts', message: expect.any(String) }] },
    { row: 3, email: fresh, status: 'rate_limited', errors: [{ code: 'member.too_many_conflicts', message: expect.any(String) }] },
  ]);
  expect(await invited(fresh)).toBeUndefined();
  // Every hit is audited in the company's log, with ids only; the own company's member is not a hit.
  const audited = await stack.sql<{ subjectId: string; details: Record<string, unknown> }[]>`
    select subject_id, details from audit_log where company_id = ${probe.companyId} and action = 'member.create_conflict'`;
  expect(audited).toHaveLength(CONFLICTS);
  expect(new Set(audited.map((a) => a.subjectId))).toEqual(new Set([other.member.accountId, other.admin.accountId, acme.member.accountId, acme.admin.accountId]));
  expect(JSON.stringify(audited)).not.toContain('@');
  // Another company's budget is its own.
  expect((await call('POST', path(), { headers: acme.admin.headers, body: { members: [{ email: newEmail(), name: 'Unaffected' }] } })).status).toBe(200);
});

test.each([
  ['an unknown column', 'email,name,role\nx@onboarding.custodian.test,X,admin\n', /Unknown column role/],
  ['a column named twice', 'email,name,Email\nx@onboarding.custodian.test,X,y@onboarding.custodian.test\n', /named more than once: Email \(columns 1 and 3\)/],
  ['two spellings of one column', 'email,name,jobTitle,Job title\nx@onboarding.custodian.test,X,A,B\n', /named more than once: Job title/],
  ['no name column', 'email\nx@onboarding.custodian.test\n', /no name column/],
  ['no rows', 'email,name\n', /no members/],
  ['rows of different lengths', 'email,name\nx@onboarding.custodian.test,X,extra\n', /could not be read/],
])('a CSV with %s is refused whole: 400 request.invalid_csv', async (_name, csv, message) => {
  const r = await api.upload(path(), acme.admin.headers, 'text/csv', csv);
  expectErrorShape(r, 'csv');
  expectError(r, 400, 'request.invalid_csv');
  expect(r.body.error).toMatch(message);
});

test('more than 1,000 rows, an empty list, another media type: refused whole', async () => {
  const rows = Array.from({ length: 1001 }, (_, i) => `m${i}@onboarding.custodian.test,M ${i}`).join('\n');
  expectError(await api.upload(path(), acme.admin.headers, 'text/csv', `email,name\n${rows}\n`), 400, 'request.invalid_csv');
  expectError(await call('POST', path(), { headers: acme.admin.headers, body: { members: [] } }), 400, 'request.invalid');
  expectError(await api.upload(path(), acme.admin.headers, 'text/plain', 'email,name\n'), 415, 'request.unsupported_media_type');
});

test('a member is 403 and another company\'s admin 404; nothing is created', async () => {
  const email = newEmail();
  const body = { members: [{ email, name: 'Nope' }] };
  expectError(await call('POST', path(), { headers: acme.member.headers, body }), 403, 'company.admin_required');
  expectError(await call('POST', path(), { headers: other.admin.headers, body }), 404, 'company.not_found');
  const reader = await acme.serviceAccount(['company-users:read']);
  expectError(await call('POST', path(), { headers: reader.headers, body }), 403, 'auth.insufficient_scope');
  expect(await invited(email)).toBeUndefined();
  const writer = await acme.serviceAccount(['company-users:write']);
  expect((await call('POST', path(), { headers: writer.headers, body })).status).toBe(200);
});
