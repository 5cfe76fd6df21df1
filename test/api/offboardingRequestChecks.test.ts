// What an offboarding request may ask for (README "Offboarding"): explicit training apps are the person's own apps
// only, checked at the request and again by the run before it deletes; an Idempotency-Key is the caller's own.
import { createCompany, type TestCompany } from '../helpers/company';
import { checkedHttp, expectError } from '../helpers/http';
import { leaver, waitForRun } from '../helpers/offboarding';
import { suiteStack } from '../helpers/suiteStack';

const stack = suiteStack();
const { call } = checkedHttp(stack);
const runs = (c: TestCompany) => `/v1/companies/${c.companyId}/offboardings`;
const start = (c: TestCompany, body: Record<string, unknown>, headers = c.admin.headers) => call('POST', runs(c), { headers, body });
const later = () => new Date(Date.now() + 3_600_000).toISOString();
const appExists = async (id: string) => (await stack.sql`select id from apps where id = ${id}`).length === 1;

/** A free app of the company that only `accountId` belongs to. */
async function appOf(c: TestCompany, accountId: string, name = 'Someone else\'s') {
  const [app] = await stack.sql<{ id: string }[]>`
    insert into apps (company_id, name, technical_contact_account_id) values (${c.companyId}, ${name}, ${accountId}) returning id`;
  await stack.sql`insert into app_members (app_id, account_id) values (${app!.id}, ${accountId})`;
  return app!.id;
}

describe('explicit training apps are the person\'s own', () => {
  test('an app of the company the person does not belong to is 422 offboarding.not_person_app, for an admin and an HR token alike', async () => {
    const company = await createCompany(stack);
    const l = await leaver(stack, company);
    const theirs = await appOf(company, company.member.accountId);
    const hr = await company.serviceAccount(['offboarding:write']);
    const body = { email: l.person.emails[0], successor: company.member.email, trainingApps: [l.apps.training, theirs], effectiveAt: later() };
    for (const headers of [company.admin.headers, hr.headers]) {
      const r = await start(company, body, headers);
      expectError(r, 422, 'offboarding.not_person_app');
      expect(r.body.details).toEqual([{ path: 'body.trainingApps', message: expect.stringContaining(theirs) }]);
    }
    // In a batch, the row's run fails at once with the same code; the app stays.
    const { effectiveAt: _now, ...person } = body;
    const batch = await call('POST', `/v1/companies/${company.companyId}/offboarding-batches`, { headers: hr.headers, body: { people: [person] } });
    expect(batch.status).toBe(202);
    const [item] = await stack.sql<{ offboardingId: string }[]>`select offboarding_id from offboarding_batch_items where batch_id = ${batch.body.id}`;
    expect(await waitForRun(call, company, item!.offboardingId)).toMatchObject({ status: 'failed', failure: 'offboarding.not_person_app' });
    expect(await appExists(theirs)).toBe(true);
    // The person's own apps: as a member (training), as the technical contact (contact1).
    const ok = await start(company, { ...body, trainingApps: [l.apps.training, l.apps.contact1] });
    expect(ok.status).toBe(202);
    await call('DELETE', `${runs(company)}/${ok.body.id}`, { headers: company.admin.headers });
  });

  test('the run checks again before deleting: an app the person left meanwhile is skipped as not_person_app, and stays', async () => {
    const company = await createCompany(stack);
    const l = await leaver(stack, company);
    const r = await start(company, {
      email: l.person.emails[0], successor: company.member.email, trainingApps: [l.apps.training, l.apps.contact1],
      effectiveAt: new Date(Date.now() + 2_500).toISOString(),
    });
    expect(r.status).toBe(202);
    // Before the run is due, the person is taken off the training app, and a colleague takes it over.
    await stack.sql`delete from app_members where app_id = ${l.apps.training}`;
    await stack.sql`insert into app_members (app_id, account_id) values (${l.apps.training}, ${l.colleague.accountId})`;
    const done = await waitForRun(call, company, r.body.id);
    expect(done).toMatchObject({ status: 'completed', result: 'offboarded' });
    expect(done.report.trainingApps).toEqual({
      designated: [l.apps.contact1, l.apps.training].sort(),
      // contact1 went from the person to the successor in the step before: still the person's app to delete.
      deleted: [l.apps.contact1],
      skipped: [{ appId: l.apps.training, reason: 'not_person_app' }],
    });
    expect(await appExists(l.apps.training)).toBe(true);
    expect(await appExists(l.apps.contact1)).toBe(false);
  });
});

describe('Idempotency-Key', () => {
  test('is the caller\'s own: another caller\'s key of the same text is another key, replayed only to its own caller', async () => {
    const company = await createCompany(stack);
    const [a, b] = [await company.addMember(), await company.addMember()];
    const hr = await company.serviceAccount(['offboarding:write']);
    const key = { 'idempotency-key': 'hr-sync-1' };
    const bodyA = { email: a.email, successor: company.member.email, effectiveAt: later() };
    const bodyB = { email: b.email, successor: company.member.email, effectiveAt: later() };
    const first = await start(company, bodyA, { ...company.admin.headers, ...key });
    expect(first.status).toBe(202);
    // The same text from the HR system, with another request: its own key, not the admin's (no 422, no replay of a's run).
    const second = await start(company, bodyB, { ...hr.headers, ...key });
    expect(second.status).toBe(202);
    expect(second.body.id).not.toBe(first.body.id);
    expect(await start(company, bodyB, { ...hr.headers, ...key })).toMatchObject({ status: 200, body: { id: second.body.id } });
    expect(await start(company, bodyA, { ...company.admin.headers, ...key })).toMatchObject({ status: 200, body: { id: first.body.id } });
    expectError(await start(company, bodyB, { ...company.admin.headers, ...key }), 422, 'offboarding.idempotency_key_reused');
    expectError(await start(company, bodyA, { ...hr.headers, ...key }), 422, 'offboarding.idempotency_key_reused');
    expect(await stack.sql`select 1 from offboarding_request_keys where company_id = ${company.companyId}`).toHaveLength(2);
    for (const id of [first.body.id, second.body.id]) await call('DELETE', `${runs(company)}/${id}`, { headers: company.admin.headers });
  });
});
