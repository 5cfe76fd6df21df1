// The scheduled test (issue 14, "Proof"): an offboarding with an effectiveAt a few seconds ahead waits on a durable
// timer; cancelled before it, nothing is done to the person; another, left alone, runs once the moment has come, and
// can no longer be cancelled. Operators find the runs by company in Temporal's visibility, never by personal data.
import { workflowIds } from '../../workflows/shared/ids';
import { offboardingProgressQuery } from '../../workflows/shared/offboardingContract';
import { createCompany } from '../helpers/company';
import { checkedHttp, expectError } from '../helpers/http';
import { leaver, liveCredentials, waitForRun } from '../helpers/offboarding';
import { suiteStack } from '../helpers/suiteStack';
import { eventually, sleepUntil } from '../helpers/waiting';

const stack = suiteStack();
const { call } = checkedHttp(stack);

// The injected duration: far enough ahead for the cancel to come first, near enough for a test.
const DELAY_MS = 4_000;

test('cancelled before its effectiveAt, a run does nothing; another runs after the delay and is then past cancelling', async () => {
  const company = await createCompany(stack);
  const runs = `/v1/companies/${company.companyId}/offboardings`;
  const [stays, goes] = [await leaver(stack, company), await leaver(stack, company)];
  const effectiveAt = new Date(Date.now() + DELAY_MS).toISOString();
  const start = (l: typeof stays) => call('POST', runs, {
    headers: company.admin.headers, body: { email: l.person.emails[0], successor: company.member.email, trainingApps: ['no-other-members'], effectiveAt },
  });
  const [cancelled, scheduled] = [await start(stays), await start(goes)];
  expect([cancelled.status, scheduled.status]).toEqual([202, 202]);
  expect(scheduled.body).toMatchObject({ status: 'scheduled', effectiveAt, startedAt: null });

  // Waiting, by query and in the UI's search attributes.
  const handle = stack.client.workflow.getHandle(workflowIds.offboarding(scheduled.body.id));
  expect(await handle.query(offboardingProgressQuery)).toMatchObject({ offboardingId: scheduled.body.id, status: 'scheduled', step: null });
  await eventually(async () => {
    const found: string[] = [];
    for await (const w of stack.client.workflow.list({ query: `CompanyId = "${company.companyId}" AND FlowStep = "scheduled"` })) found.push(w.workflowId);
    expect(found.sort()).toEqual([workflowIds.offboarding(cancelled.body.id), workflowIds.offboarding(scheduled.body.id)].sort());
  });

  const del = await call('DELETE', `${runs}/${cancelled.body.id}`, { headers: company.admin.headers });
  expect(del.status).toBe(200);
  expect(del.body).toMatchObject({ status: 'cancelled', finishedAt: expect.any(String), report: null });
  // The signal wakes the run at once: it ends cancelled well before its effectiveAt.
  expect(await stack.client.workflow.getHandle(workflowIds.offboarding(cancelled.body.id)).result())
    .toEqual({ offboardingId: cancelled.body.id, status: 'cancelled', result: null });
  expect(Date.now()).toBeLessThan(Date.parse(effectiveAt));
  expect((await call('DELETE', `${runs}/${cancelled.body.id}`, { headers: company.admin.headers })).body.status).toBe('cancelled');

  const done = await waitForRun(call, company, scheduled.body.id, 'completed', DELAY_MS + 30_000);
  expect(Date.parse(done.startedAt)).toBeGreaterThanOrEqual(Date.parse(effectiveAt));
  expect(done).toMatchObject({ result: 'offboarded', report: { accountsDeactivated: expect.arrayContaining(goes.person.accountIds) } });
  expectError(await call('DELETE', `${runs}/${scheduled.body.id}`, { headers: company.admin.headers }), 409, 'offboarding.not_cancellable');
  expect(await handle.query(offboardingProgressQuery)).toMatchObject({ status: 'completed', stepsDone: 8, stepsTotal: 8 });

  // The cancelled person: untouched, even after the moment has passed.
  await sleepUntil(Date.parse(effectiveAt) + 500);
  const accounts = await stack.sql<{ status: string }[]>`select status from accounts where id = any(${stays.person.accountIds}::uuid[])`;
  expect(accounts.map((a) => a.status)).toEqual(['active', 'active']);
  expect(await liveCredentials(stack.sql, stays.person.accountIds)).toEqual({ sessions: 1, pats: 3, keys: 1 });
  const apps = await stack.sql`select id from apps where id = any(${Object.values(stays.apps)}::uuid[])`;
  expect(apps).toHaveLength(Object.values(stays.apps).length);
  const [contact] = await stack.sql<{ id: string }[]>`select technical_contact_account_id as id from apps where id = ${stays.apps.contact0}`;
  expect(contact!.id).toBe(stays.person.accountIds[0]);
  expect(stack.mail.messages.filter((m) => m.subject.includes(`Leaver ${stays.tag}`))).toEqual([]);
  expect(stack.mail.messages.filter((m) => m.subject.includes(`Leaver ${goes.tag}`))).toHaveLength(1);
}, 60_000);
