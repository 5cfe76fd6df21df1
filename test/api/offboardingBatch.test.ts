// Offboarding in bulk (issue 14, "Bulk"): a batch of ~20 people as JSON, with a person the API cannot accept, one whose
// successor leaves before the batch runs, one who already has a run and one named twice. One parent workflow runs them
// with bounded concurrency, continuing as new every few children; failures stay in their own reports. And the same as CSV.
import { workflowIds } from '../../workflows/shared/ids';
import { offboardingBatchProgressQuery, type BatchTotals } from '../../workflows/shared/offboardingContract';
import { offboardCommand } from '../../scripts/offboardCli';
import { createCompany, type TestCompany } from '../helpers/company';
import { checkedHttp, expectError } from '../helpers/http';
import { createPerson } from '../helpers/people';
import { runScript } from '../helpers/scripts';
import { suiteStack } from '../helpers/suiteStack';
import { eventually } from '../helpers/waiting';

const stack = suiteStack({ env: { OFFBOARDING_BATCH_CONCURRENCY: '3', OFFBOARDING_BATCH_CHILDREN_PER_RUN: '5' } });
const { call } = checkedHttp(stack);
const batches = (c: TestCompany) => `/v1/companies/${c.companyId}/offboarding-batches`;

/** A member of the company, technical contact of one app of their own. */
async function employee(company: TestCompany) {
  const person = await createPerson(stack.sql);
  const accountId = person.accountIds[0]!;
  await stack.sql`update accounts set company_id = ${company.companyId} where id = ${accountId}`;
  const [app] = await stack.sql<{ id: string }[]>`
    insert into apps (company_id, name, technical_contact_account_id) values (${company.companyId}, 'App', ${accountId}) returning id`;
  return { accountId, email: person.emails[0]!, appId: app!.id };
}

const runsOf = (batchId: string) => stack.sql<{ id: string; status: string; failure: string | null; result: string | null; subjectAccountIds: string[] }[]>`
  select o.id, o.status, o.failure, o.result, o.subject_account_ids from offboarding_batch_items i join offboardings o on o.id = i.offboarding_id
   where i.batch_id = ${batchId} order by i.item_no`;

test('20 people: bounded concurrency, continue-as-new, one failure each way that stops nobody else, progress on GET and by query', async () => {
  const company = await createCompany(stack);
  const people = [];
  for (let i = 0; i < 20; i++) people.push(await employee(company));
  const leavingSuccessor = await company.addMember();
  // Someone whose offboarding was already requested (for later): the batch answers with that run.
  const earlier = await call('POST', `/v1/companies/${company.companyId}/offboardings`, {
    headers: company.admin.headers,
    body: { email: people[3]!.email, successor: company.member.email, effectiveAt: new Date(Date.now() + 3_600_000).toISOString() },
  });
  expect(earlier.status).toBe(202);

  const effectiveAt = new Date(Date.now() + 2_000).toISOString();
  const body = {
    people: [
      ...people.map((p, i) => ({
        email: p.email,
        successor: i === 5 ? 'not-a-member@test.custodian.test' : i === 7 ? leavingSuccessor.email : company.member.email,
      })),
      { uuid: people[0]!.accountId, successor: company.member.accountId }, // named twice
    ],
  };
  const headers = { ...company.admin.headers, 'idempotency-key': `batch-${company.companyId}` };
  const r = await call('POST', `${batches(company)}?effectiveAt=${encodeURIComponent(effectiveAt)}`, { headers, body });
  expect(r.status).toBe(202);
  expect(r.headers.get('location')).toBe(`${batches(company)}/${r.body.id}`);
  expect(r.body).toMatchObject({ status: 'scheduled', concurrency: 3, progress: { total: 21, scheduled: 21, finished: 0, percent: 0 } });
  // The successor of person 7 leaves before the batch runs.
  await stack.sql`update accounts set status = 'deactivated' where id = ${leavingSuccessor.accountId}`;
  // The HR system retries with its key: the same batch.
  const retried = await call('POST', `${batches(company)}?effectiveAt=${encodeURIComponent(effectiveAt)}`, { headers, body });
  expect(retried).toMatchObject({ status: 200, body: { id: r.body.id } });
  expectError(await call('POST', batches(company), { headers, body: { people: body.people.slice(1) } }), 422, 'offboarding.idempotency_key_reused');

  const handle = stack.client.workflow.getHandle(workflowIds.offboardingBatch(r.body.id));
  const totals = (await handle.result()) as BatchTotals;
  // 19 children of its own (20 people, one of whom already had a run), at most 5 per run.
  expect(totals).toEqual({ started: 19, completed: 17, failed: 2, cancelled: 0, reused: 2, runs: 4 });
  expect(await handle.query(offboardingBatchProgressQuery)).toMatchObject({ done: true, started: 19, failed: 2, afterItemNo: 21, inFlight: 0 });

  const view = await call('GET', `${batches(company)}/${r.body.id}`, { headers: company.admin.headers });
  expect(view.body).toMatchObject({
    status: 'completed', completedAt: expect.any(String),
    progress: { total: 21, finished: 20, percent: 95, completed: 18, failed: 2, scheduled: 1, running: 0, cancelled: 0 },
  });
  const runs = await runsOf(r.body.id);
  expect(runs[3]!.id).toBe(earlier.body.id);
  expect(runs[20]!.id).toBe(runs[0]!.id);
  expect(runs[5]).toMatchObject({ status: 'failed', failure: 'offboarding.successor_not_member' });
  expect(runs[7]).toMatchObject({ status: 'failed', failure: 'offboarding.successor_deactivated' });
  const failed = await call('GET', `/v1/companies/${company.companyId}/offboardings/${runs[7]!.id}`, { headers: company.admin.headers });
  expect(failed.body.report).toMatchObject({
    failure: { step: 'reassign_apps', code: 'offboarding.successor_deactivated' }, result: null, accountsDeactivated: [],
    steps: expect.arrayContaining([{ step: 'reassign_apps', outcome: 'failed', reason: 'offboarding.successor_deactivated' }, { step: 'revoke_access', outcome: 'not_reached' }]),
  });
  // The failed ones were left alone; every other was offboarded, its app handed to the successor.
  const status = async (accountId: string) => (await stack.sql<{ status: string }[]>`select status from accounts where id = ${accountId}`)[0]!.status;
  for (const [i, p] of people.entries()) {
    expect({ i, status: await status(p.accountId) }).toEqual({ i, status: i === 3 || i === 5 || i === 7 ? 'active' : 'deactivated' });
  }
  const [app] = await stack.sql<{ contact: string }[]>`select technical_contact_account_id as contact from apps where id = ${people[0]!.appId}`;
  expect(app!.contact).toBe(company.member.accountId);
  // A failed run frees the person: a new request is a new run.
  const again = await call('POST', `/v1/companies/${company.companyId}/offboardings`, {
    headers: company.admin.headers, body: { email: people[7]!.email, successor: company.member.email, effectiveAt: new Date(Date.now() + 3_600_000).toISOString() },
  });
  expect(again.status).toBe(202);
  for (const id of [again.body.id, earlier.body.id]) await call('DELETE', `/v1/companies/${company.companyId}/offboardings/${id}`, { headers: company.admin.headers });

  // The operators' command line, on the same database: the batch's progress bar, a run's steps, the company's list.
  const cli = await runScript('scripts/custodian.ts', { DATABASE_URL: stack.db.url, NODE_ENV: 'test' }, ['offboard', 'status', r.body.id]);
  expect(cli).toMatchObject({ status: 0, stderr: '' });
  expect(cli.stdout).toContain(`offboarding batch ${r.body.id}`);
  // Person 3's earlier run was cancelled above: every item has finished now.
  expect(cli.stdout).toMatch(/\[█+\]\s+100%\s+21\/21\s+completed 18, failed 2, running 0, scheduled 0, cancelled 1/);
  let text = '';
  const out = (t: string) => void (text += t);
  expect(await offboardCommand(stack.sql, ['status', runs[7]!.id], out)).toBe(0);
  expect(text).toContain('status: failed (offboarding.successor_deactivated)');
  expect(text).toMatch(/✘ reassign_apps\s+failed \(offboarding.successor_deactivated\)/);
  text = '';
  expect(await offboardCommand(stack.sql, ['list', '--company', company.companyId, '--status', 'failed'], out)).toBe(0);
  expect(text).toContain(`${runs[5]!.id}  failed`);
  expect(text).not.toContain(runs[0]!.id);
  expect(await runScript('scripts/custodian.ts', { DATABASE_URL: stack.db.url, NODE_ENV: 'test' }, ['offboard', 'list'])).toMatchObject({ status: 2 });
}, 120_000);

test('as CSV: a header row and columns email, uuid, successor, trainingApps, reason; a bad row is a 400 naming its line', async () => {
  const company = await createCompany(stack);
  const [a, b] = [await employee(company), await employee(company)];
  // Headers in any case: the canonical names are matched without case, spaces, `_` or `-`.
  const csv = 'Email,UUID,Successor,training_apps,Reason\r\n' +
    `${a.email},,${company.member.email},no-other-members,"Left, 2026"\r\n` +
    `,${b.accountId},${company.member.accountId},,\r\n`;
  const headers = { ...company.admin.headers, 'content-type': 'text/csv' };
  const r = await call('POST', batches(company), { headers, raw: csv });
  expect(r.status).toBe(202);
  await eventually(async () => {
    const v = await call('GET', `${batches(company)}/${r.body.id}`, { headers: company.admin.headers });
    expect(v.body).toMatchObject({ status: 'completed', progress: { total: 2, completed: 2 } });
  }, 30_000);
  const runs = await runsOf(r.body.id);
  expect(runs.map((x) => x.subjectAccountIds)).toEqual([[a.accountId], [b.accountId]]);
  // "no-other-members": person a's own app, which nobody else belonged to, went.
  expect(await stack.sql`select id from apps where id = ${a.appId}`).toHaveLength(0);
  expect(await stack.sql`select id from apps where id = ${b.appId}`).toHaveLength(1);

  const bad = await call('POST', batches(company), { headers, raw: `email,successor\r\nnot-an-email,${company.member.email}\r\n` });
  expectError(bad, 400, 'request.invalid');
  expect(bad.body.details).toEqual([expect.objectContaining({ path: 'body.people.0.email', message: expect.stringContaining('line 2') })]);
  // An ambiguous header is refused whole, naming the columns: one named twice (the second would be read silently), an
  // unknown one (a typo would be an empty column), no successor column.
  for (const [header, message] of [
    ['email,successor,EMAIL', /named more than once: EMAIL \(columns 1 and 3\)/],
    ['email,successor,trainingApp', /Unknown column trainingApp/],
    ['email,uuid,reason', /no successor column/],
  ] as const) {
    const refused = await call('POST', batches(company), { headers, raw: `${header}\r\n${a.email},${company.member.email},x\r\n` });
    expectError(refused, 400, 'request.invalid_csv');
    expect(refused.body.error).toMatch(message);
  }
  expectError(await call('POST', batches(company), { headers: { ...company.admin.headers, 'content-type': 'text/plain' }, raw: 'x' }), 415, 'request.unsupported_media_type');
  expectError(await call('POST', batches(company), { headers: company.admin.headers, body: { people: [] } }), 400, 'request.invalid');
  expectError(await call('POST', batches(company), { headers: company.member.headers, body: { people: [{ email: a.email, successor: b.email }] } }), 403, 'company.admin_required');
  expectError(await call('GET', `${batches(company)}/${company.companyId}`, { headers: company.admin.headers }), 404, 'offboarding_batch.not_found');
}, 60_000);
