// Offboarding's branches as committed histories (test/fixtures/histories/offboardPerson/, offboardingBatch/): runs
// started over HTTP as an HR system starts them, on the real activities, Postgres and SMTP sink.
import { randomUUID } from 'node:crypto';
import { createOffboardingBatches } from '../../../libraries/offboarding/batches';
import { sessionPrincipal } from '../../../libraries/principal';
import { workflowIds } from '../../../workflows/shared/ids';
import { createCompany, type TestCompany } from '../company';
import { leaver, waitForRun, type Leaver } from '../offboarding';
import type { Recording, Scenario } from '../replayScenarios';
import type { TestStack } from '../stack';
import { eventually } from '../waiting';

/** Everything of the leaver's that must stay out of history: addresses, names, token names, HR's reason. */
const secretsOf = (l: Leaver, c: TestCompany) => [
  ...l.person.emails, `Leaver ${l.tag}`, `CI deploy ${l.tag}`, `Model SDK ${l.tag}`, `Old script ${l.tag}`, `Reason ${l.tag}`, c.member.email, c.admin.email,
];

async function offboard(stack: TestStack, opts: { effectiveInMs?: number; email?: string } = {}) {
  const company = await createCompany(stack);
  const l = await leaver(stack, company);
  const call = stack.http;
  const body = {
    email: opts.email ?? l.person.emails[0], successor: company.member.email, trainingApps: ['no-other-members'], reason: `Reason ${l.tag}`,
    ...(opts.effectiveInMs ? { effectiveAt: new Date(Date.now() + opts.effectiveInMs).toISOString() } : {}),
  };
  const r = await call('POST', `/v1/companies/${company.companyId}/offboardings`, { headers: company.admin.headers, body });
  expect(r.status).toBe(202);
  const id = r.body.id as string;
  return {
    company, l, id, call,
    handle: stack.client.workflow.getHandle(workflowIds.offboarding(id)),
    recording: (): Recording => ({ handle: stack.client.workflow.getHandle(workflowIds.offboarding(id)), secrets: secretsOf(l, company) }),
  };
}

const person = (branch: string, s: Omit<Scenario, 'workflowType' | 'branch'>): Scenario => ({ workflowType: 'offboardPerson', branch, ...s });
const batch = (branch: string, s: Omit<Scenario, 'workflowType' | 'branch'>): Scenario => ({ workflowType: 'offboardingBatch', branch, ...s });

const STEPS = [
  'beginOffboarding', 'findOffboardingAccounts', 'listOffboardingAutomations', 'reassignOffboardingApps', 'deleteOffboardingTrainingApps',
  'revokeOffboardingAccess', 'deactivateOffboardingAccounts', 'notifyOffboardingSuccessor', 'writeOffboardingReport', 'deliverWebhook',
];

/**
 * A batch of `size` leavers, person `failing` with their own second account as successor (refused: their run fails
 * at once), started through the business layer as the API starts one, with 2 children per run so it continues as new.
 */
async function batchOf(stack: TestStack, size: number, failing: number) {
  const company = await createCompany(stack);
  const people: Leaver[] = [];
  for (let i = 0; i < size; i++) people.push(await leaver(stack, company));
  const batches = createOffboardingBatches({
    sql: stack.sql, temporal: stack.client, call: (run) => run(), addressKey: stack.config.keys.addressKey,
    settings: { taskQueue: stack.taskQueue }, batch: { concurrency: 2, childrenPerRun: 2 },
  });
  const admin = company.admin;
  const principal = sessionPrincipal(randomUUID(), {
    accountId: admin.accountId, profileId: admin.person.profileId, companyId: company.companyId, isCompanyAdmin: true, isServiceAccount: false,
  }, false);
  const { view } = await batches.start({ principal, ip: null, requestId: null }, company.companyId, {
    people: people.map((p, i) => ({ email: p.person.emails[0], successor: i === failing ? p.person.emails[1]! : company.member.email, trainingApps: [] })),
    effectiveAt: new Date(Date.now() + 1_000).toISOString(),
  });
  const workflowId = workflowIds.offboardingBatch(view.id);
  const handle = stack.client.workflow.getHandle(workflowId);
  const result = await handle.result();
  return { handle, workflowId, result, secrets: people.flatMap((p) => secretsOf(p, company)) };
}

export const OFFBOARDING_SCENARIOS: Scenario[] = [
  person('completed', {
    async record(stack) {
      const o = await offboard(stack);
      expect(await o.handle.result()).toEqual({ offboardingId: o.id, status: 'completed', result: 'offboarded' });
      return o.recording();
    },
    covers(h) {
      expect(h.result).toMatchObject({ status: 'completed', result: 'offboarded' });
      expect(h.activities).toEqual(STEPS);
      expect(h.indexOf('TIMER_STARTED')).toBe(-1);
    },
  }),

  person('no-account', {
    async record(stack) {
      const o = await offboard(stack, { email: 'nobody-at-all@test.custodian.test' });
      expect(await o.handle.result()).toEqual({ offboardingId: o.id, status: 'completed', result: 'no_account' });
      return { ...o.recording(), secrets: [...o.recording().secrets, 'nobody-at-all@test.custodian.test'] };
    },
    covers(h) {
      expect(h.result).toMatchObject({ status: 'completed', result: 'no_account' });
      expect(h.activities).toEqual(['beginOffboarding', 'findOffboardingAccounts', 'writeOffboardingReport', 'deliverWebhook']);
    },
  }),

  person('cancelled', {
    async record(stack) {
      const o = await offboard(stack, { effectiveInMs: 3_600_000 });
      const r = await o.call('DELETE', `/v1/companies/${o.company.companyId}/offboardings/${o.id}`, { headers: o.company.admin.headers });
      expect(r.body).toMatchObject({ status: 'cancelled' });
      expect(await o.handle.result()).toEqual({ offboardingId: o.id, status: 'cancelled', result: null });
      return o.recording();
    },
    covers(h) {
      expect(h.result).toMatchObject({ status: 'cancelled' });
      expect(h.indexOf('TIMER_STARTED')).toBeGreaterThan(0);
      expect(h.indexOf('WORKFLOW_EXECUTION_SIGNALED')).toBeGreaterThan(h.indexOf('TIMER_STARTED'));
      expect(h.activities).toEqual(['beginOffboarding']);
    },
  }),

  person('failed-step', {
    async record(stack) {
      const o = await offboard(stack, { effectiveInMs: 1_500 });
      // The successor leaves before the run is due.
      await stack.sql`update accounts set status = 'deactivated' where id = ${o.company.member.accountId}`;
      const done = await waitForRun(o.call, o.company, o.id, 'failed');
      expect(done).toMatchObject({ failure: 'offboarding.successor_deactivated', report: { failure: { step: 'reassign_apps' } } });
      await eventually(async () => expect((await o.handle.describe()).status.name).toBe('FAILED'));
      return o.recording();
    },
    covers(h) {
      expect(h.closedAs).toBe('FAILED');
      expect(h.failureType).toBe('SuccessorUnavailable');
      expect(h.indexOf('TIMER_FIRED')).toBeGreaterThan(0);
      expect(h.activities).toEqual([
        'beginOffboarding', 'findOffboardingAccounts', 'listOffboardingAutomations', 'reassignOffboardingApps', 'failOffboarding', 'deliverWebhook',
      ]);
      expect(h.payloads).toContain('offboarding.successor_deactivated');
    },
  }),

  batch('continue-as-new', {
    async record(stack) {
      const b = await batchOf(stack, 3, 1);
      expect(b.result).toEqual({ started: 3, completed: 2, failed: 1, cancelled: 0, reused: 0, runs: 2 });
      // The first run of the chain: the one that continued as new (visibility lists every run of the id).
      const first = await eventually(async () => {
        for await (const w of stack.client.workflow.list({ query: `WorkflowId = "${b.workflowId}"` })) {
          if (w.status.name === 'CONTINUED_AS_NEW') return w.runId;
        }
        throw new Error('the first run is not listed yet');
      });
      return { handle: stack.client.workflow.getHandle(b.workflowId, first), secrets: b.secrets };
    },
    covers(h) {
      expect(h.closedAs).toBe('CONTINUED_AS_NEW');
      expect(h.indexOf('TIMER_FIRED')).toBeGreaterThan(0);
      expect(h.count('START_CHILD_WORKFLOW_EXECUTION_INITIATED')).toBe(2);
      expect(h.activities).toEqual(['beginOffboardingBatch', 'loadOffboardingBatchPage']);
      expect(h.payloads).toContain('"runs":2');
    },
  }),

  batch('completed', {
    async record(stack) {
      const b = await batchOf(stack, 3, 2);
      expect(b.result).toEqual({ started: 3, completed: 2, failed: 1, cancelled: 0, reused: 0, runs: 2 });
      return { handle: b.handle, secrets: b.secrets };
    },
    covers(h) {
      expect(h.closedAs).toBe('COMPLETED');
      expect(h.indexOf('TIMER_STARTED')).toBe(-1);
      expect(h.count('CHILD_WORKFLOW_EXECUTION_FAILED')).toBe(1);
      expect(h.activities).toEqual(['loadOffboardingBatchPage', 'finishOffboardingBatch']);
      expect(h.result).toEqual({ started: 3, completed: 2, failed: 1, cancelled: 0, reused: 0, runs: 2 });
    },
  }),
];
