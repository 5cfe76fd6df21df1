// Nobody can lock a company's admins out (README "Deactivating and reactivating members", "Offboarding"): a company
// admin's account is deactivated, reactivated or offboarded only by a company admin as a person (never by a service
// account's token), and the company's last active admin never, neither through the API, nor by a run whose world
// changed between its request and its effectiveAt.
import { randomUUID } from 'node:crypto';
import { findOffboarding, insertOffboarding } from '../../db/queries/offboardings';
import { deactivateMember } from '../../libraries/memberDeactivation';
import { resolveRequests } from '../../libraries/offboarding/requests';
import { createOffboardingSteps } from '../../libraries/offboarding/steps';
import { createCompany, type Caller, type TestCompany } from '../helpers/company';
import { checkedHttp, expectError } from '../helpers/http';
import { suiteStack } from '../helpers/suiteStack';
import { eventually } from '../helpers/waiting';

const stack = suiteStack();
const { call } = checkedHttp(stack);
const deactivation = (c: TestCompany, accountId: string) => `/v1/companies/${c.companyId}/members/${accountId}/deactivation`;
const runs = (c: TestCompany) => `/v1/companies/${c.companyId}/offboardings`;
const soon = () => new Date(Date.now() + 2_500).toISOString();

const statusOf = async (accountId: string) => (await stack.sql<{ status: string }[]>`select status from accounts where id = ${accountId}`)[0]!.status;
const activeAdmins = async (c: TestCompany) => (await stack.sql<{ n: number }[]>`
  select count(*)::int as n from accounts where company_id = ${c.companyId} and is_company_admin and status = 'active'`)[0]!.n;

/** Polls a run as `viewer` until it has finished. */
const finished = (c: TestCompany, id: string, viewer: Caller) => eventually(async () => {
  const r = await call('GET', `${runs(c)}/${id}`, { headers: viewer.headers });
  if (r.body.status !== 'completed' && r.body.status !== 'failed') throw new Error(`run ${id} is ${r.body.status}`);
  return r.body;
}, 30_000);

describe('deactivating and reactivating a company admin', () => {
  test('a service account is 403 member.admin_target_requires_admin either way, audited as denied; an admin, as a person, may', async () => {
    const company = await createCompany(stack);
    const second = await company.addMember(true);
    const hr = await company.serviceAccount(['company-users:deactivate']);
    for (const admin of [company.admin, second]) {
      expectError(await call('POST', deactivation(company, admin.accountId), { headers: hr.headers }), 403, 'member.admin_target_requires_admin');
      expect(await statusOf(admin.accountId)).toBe('active');
    }
    expect((await call('GET', '/v1/profile', { headers: second.headers })).status).toBe(200);

    expect((await call('POST', deactivation(company, second.accountId), { headers: company.admin.headers })).body).toMatchObject({ status: 'deactivated' });
    // A deactivated admin is brought back by a person too, never by the token.
    expectError(await call('DELETE', deactivation(company, second.accountId), { headers: hr.headers }), 403, 'member.admin_target_requires_admin');
    expect(await statusOf(second.accountId)).toBe('deactivated');
    expect((await call('DELETE', deactivation(company, second.accountId), { headers: company.admin.headers })).body).toMatchObject({ status: 'active', changed: true });
    // Ordinary members stay the HR system's to deactivate.
    expect((await call('POST', deactivation(company, company.member.accountId), { headers: hr.headers })).body).toMatchObject({ status: 'deactivated' });

    const refusals = await stack.sql<{ action: string; outcome: string; details: Record<string, unknown> }[]>`
      select action, outcome, details from audit_log where actor_account_id = ${hr.accountId} and outcome <> 'succeeded' order by id`;
    expect(refusals).toEqual([
      ...[1, 2].map(() => ({ action: 'member.deactivated', outcome: 'denied', details: { code: 'member.admin_target_requires_admin' } })),
      { action: 'member.reactivated', outcome: 'denied', details: { code: 'member.admin_target_requires_admin' } },
    ]);
  });

  test('the last active admin is never deactivated: 409 member.last_admin; invited or deactivated admins do not count', async () => {
    const company = await createCompany(stack);
    const input = { companyId: company.companyId, accountId: company.admin.accountId };
    await expect(stack.sql.begin((tx) => deactivateMember(tx, input))).rejects.toMatchObject({ status: 409, code: 'member.last_admin' });
    const gone = await company.addMember(true);
    await stack.sql`update accounts set status = 'deactivated' where id = ${gone.accountId}`;
    await expect(stack.sql.begin((tx) => deactivateMember(tx, input))).rejects.toMatchObject({ status: 409, code: 'member.last_admin' });
    const second = await company.addMember(true);
    expect(await stack.sql.begin((tx) => deactivateMember(tx, input))).toMatchObject({ status: 'deactivated', changed: true });
    // Now the second admin is the last one: the API refuses too (a first admin's stale credentials, say).
    await expect(stack.sql.begin((tx) => deactivateMember(tx, { ...input, accountId: second.accountId })))
      .rejects.toMatchObject({ status: 409, code: 'member.last_admin' });
    expect(await activeAdmins(company)).toBe(1);
  });

  test('two admins deactivating each other at once: never both, one admin always remains', async () => {
    for (let i = 0; i < 3; i++) {
      const company = await createCompany(stack);
      const second = await company.addMember(true);
      const answers = await Promise.all([
        call('POST', deactivation(company, second.accountId), { headers: company.admin.headers }),
        call('POST', deactivation(company, company.admin.accountId), { headers: second.headers }),
      ]);
      expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
      // The other was decided after it: the last admin (409), or its credentials already ended (401).
      const loser = answers.find((a) => a.status !== 200)!;
      if (loser.status === 409) expectError(loser, 409, 'member.last_admin');
      else expectError(loser, 401, 'auth.unauthenticated');
      expect(await activeAdmins(company)).toBe(1);
    }
  });
});

describe('offboarding a company admin', () => {
  test('a service account is refused: 403 for a single run, a failed run for a batch row; nothing is done to the admin', async () => {
    const company = await createCompany(stack);
    const second = await company.addMember(true);
    const hr = await company.serviceAccount(['offboarding:write', 'offboarding:read']);
    const body = { email: second.email, successor: company.member.email };
    expectError(await call('POST', runs(company), { headers: hr.headers, body }), 403, 'member.admin_target_requires_admin');
    const batch = await call('POST', `/v1/companies/${company.companyId}/offboarding-batches`, { headers: hr.headers, body: { people: [body] } });
    expect(batch.status).toBe(202);
    const [item] = await stack.sql<{ offboardingId: string }[]>`select offboarding_id from offboarding_batch_items where batch_id = ${batch.body.id}`;
    const run = await finished(company, item!.offboardingId, company.admin);
    expect(run).toMatchObject({ status: 'failed', failure: 'member.admin_target_requires_admin', report: { accountsDeactivated: [] } });
    expect(await statusOf(second.accountId)).toBe('active');
    expect((await call('GET', '/v1/profile', { headers: second.headers })).status).toBe(200);
    // An admin, as a person, may.
    const started = await call('POST', runs(company), { headers: company.admin.headers, body: { ...body, effectiveAt: soon() } });
    expect(started.status).toBe(202);
    await call('DELETE', `${runs(company)}/${started.body.id}`, { headers: company.admin.headers });
  });

  test('the request refuses the last active admin (409 member.last_admin), whoever the caller is', async () => {
    const company = await createCompany(stack);
    const [resolved] = await resolveRequests(stack.sql, {
      // A caller who is no active admin of the company any more (credentials not yet refused), offboarding its only one.
      companyId: company.companyId, actor: { accountId: randomUUID(), isServiceAccount: false }, addressKey: stack.config.keys.addressKey, now: new Date(),
    }, [{ email: company.admin.email, successor: company.member.email, trainingApps: [] }]);
    expect(resolved!.refusal).toMatchObject({ status: 409, code: 'member.last_admin' });
  });

  test('checked again when the run begins: the last admin, or an admin a service account asked for, fails the run before anything is done', async () => {
    const [company, other] = [await createCompany(stack), await createCompany(stack)];
    const second = await company.addMember(true);
    const promoted = await other.addMember(false);
    const hr = await other.serviceAccount(['offboarding:write', 'offboarding:read']);
    // Requested while allowed: the second admin by the first; an ordinary member by the HR system.
    const ofSecond = await call('POST', runs(company), { headers: company.admin.headers, body: { email: second.email, successor: company.member.email, effectiveAt: soon() } });
    const ofPromoted = await call('POST', runs(other), { headers: hr.headers, body: { email: promoted.email, successor: other.member.email, effectiveAt: soon() } });
    expect([ofSecond.status, ofPromoted.status]).toEqual([202, 202]);
    // Before they are due: the first admin leaves (the second is now the last), and the member becomes an admin.
    expect((await call('POST', deactivation(company, company.admin.accountId), { headers: second.headers })).status).toBe(200);
    await stack.sql`update accounts set is_company_admin = true where id = ${promoted.accountId}`;

    const [a, b] = [await finished(company, ofSecond.body.id, second), await finished(other, ofPromoted.body.id, other.admin)];
    expect(a).toMatchObject({ status: 'failed', failure: 'member.last_admin', report: { failure: { step: 'find_accounts', code: 'member.last_admin' } } });
    expect(b).toMatchObject({ status: 'failed', failure: 'member.admin_target_requires_admin' });
    for (const run of [a, b]) {
      expect(run.report).toMatchObject({ appsReassigned: [], accountsDeactivated: [], credentialsRevoked: { sessions: 0, apiKeys: 0, personalAccessTokens: 0 } });
    }
    expect([await statusOf(second.accountId), await statusOf(promoted.accountId)]).toEqual(['active', 'active']);
    expect((await call('GET', '/v1/profile', { headers: second.headers })).status).toBe(200);
  });

  test('and when it deactivates: the last admin is kept active and reported (keptActive, last_admin), the run completes', async () => {
    const company = await createCompany(stack);
    const second = await company.addMember(true);
    const [resolved] = await resolveRequests(stack.sql, {
      companyId: company.companyId, actor: { accountId: company.admin.accountId, isServiceAccount: false }, addressKey: stack.config.keys.addressKey, now: new Date(),
    }, [{ email: second.email, successor: company.member.email, trainingApps: [] }]);
    expect(resolved!.refusal).toBeUndefined();
    // The run's steps, driven here one by one as its activities would (no workflow): the first admin leaves once it has begun.
    const id = randomUUID();
    await insertOffboarding(stack.sql, { ...resolved!.row, id, companyId: company.companyId, batchId: null, startedByAccountId: company.admin.accountId });
    const steps = createOffboardingSteps({ sql: stack.sql });
    const now = new Date();
    expect(await steps.begin(id, now)).toEqual({ state: 'running' });
    await stack.sql`update accounts set status = 'deactivated' where id = ${company.admin.accountId}`;
    for (const step of [steps.findAccounts, steps.listAutomations, steps.reassignApps, steps.deleteTrainingApps, steps.revokeAccess]) await step(id, now);
    expect(await steps.deactivateAccounts(id, now)).toEqual({ outcome: 'skipped', count: 0 });
    await steps.recordNotification(id, now, { skipped: 'nothing_to_tell' });
    expect(await steps.writeReport(id)).toEqual({ result: 'offboarded' });

    const row = (await findOffboarding(stack.sql, company.companyId, id))!;
    expect(row.report).toMatchObject({
      accountsDeactivated: [], accountsKeptActive: [{ accountId: second.accountId, reason: 'last_admin' }],
      steps: expect.arrayContaining([{ step: 'deactivate_accounts', outcome: 'skipped', reason: 'last_admin' }]),
    });
    expect(await statusOf(second.accountId)).toBe('active');
    const [entry] = await stack.sql<{ outcome: string; details: Record<string, unknown> }[]>`
      select outcome, details from audit_log where subject_id = ${second.accountId} and action = 'member.deactivated'`;
    expect(entry).toEqual({ outcome: 'failed', details: { offboardingId: id, code: 'member.last_admin' } });
  });
});
