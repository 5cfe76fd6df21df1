// The password expiry sweep's branches as committed histories (test/fixtures/histories/passwordExpirySweep/):
// a whole sweep, a sweep that continues as new, and a page tried again after the mail server refused.
// Each records on its own instant (`ownInstant`), so the accounts of one never fall due in another.
import { randomUUID } from 'node:crypto';
import type { WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import type { passwordExpirySweep } from '../../../workflows/passwordExpirySweep';
import type { PasswordExpirySweepInput } from '../../../workflows/shared/passwordExpirySweep';
import { DAY_MS, ownInstant, personExpiringIn } from '../passwordExpiry';
import type { Person } from '../people';
import type { Recording, Scenario } from '../replayScenarios';
import type { TestStack } from '../stack';
import { eventually } from '../waiting';

async function sweep(stack: TestStack, input: PasswordExpirySweepInput): Promise<WorkflowHandleWithFirstExecutionRunId<typeof passwordExpirySweep>> {
  return stack.client.workflow.start<typeof passwordExpirySweep>('passwordExpirySweep', {
    taskQueue: stack.taskQueue, workflowId: `password-expiry-sweep-${randomUUID()}`, args: [input],
  });
}

/** The addresses and names of the people a sweep reminded: none may appear in its history. */
const secretsOf = (people: Person[]) => people.flatMap((p) => [...p.emails, `Person ${p.profileId.slice(0, 8)}`]);

const passwordExpirySweepScenario = (branch: string, s: Omit<Scenario, 'workflowType' | 'branch'>): Scenario =>
  ({ workflowType: 'passwordExpirySweep', branch, ...s });

export const PASSWORD_EXPIRY_SCENARIOS: Scenario[] = [
  passwordExpirySweepScenario('happy-path', {
    async record(stack): Promise<Recording> {
      const now = ownInstant(11);
      const people = await Promise.all([14 * DAY_MS, 7 * DAY_MS, DAY_MS - 1].map((ms) => personExpiringIn(stack.sql, now, ms)));
      const handle = await sweep(stack, { now: now.toISOString() });
      expect(await handle.result()).toMatchObject({ runs: 1, sent: { d14: 1, d7: 1, d1: 1 }, failed: 0 });
      return { handle, secrets: secretsOf(people) };
    },
    covers(h) {
      expect(h.closedAs).toBe('COMPLETED');
      expect(h.result).toMatchObject({ runs: 1, sent: { d14: 1, d7: 1, d1: 1 }, failed: 0, pageRetries: 0 });
      expect(h.activities.length).toBeGreaterThan(0);
      expect(new Set(h.activities)).toEqual(new Set(['sweepPasswordExpiryBatch']));
      expect(h.indexOf('TIMER_STARTED')).toBe(-1);
    },
  }),

  passwordExpirySweepScenario('continue-as-new', {
    async record(stack): Promise<Recording> {
      const now = ownInstant(12);
      const people = await Promise.all([2, 3, 4].map((d) => personExpiringIn(stack.sql, now, d * DAY_MS)));
      const handle = await sweep(stack, { now: now.toISOString(), batchSize: 1, batchesPerRun: 2 });
      expect(await handle.result()).toMatchObject({ sent: { d7: 3 } }); // follows the runs to the last
      // The first run's history: it ends by continuing as new, with the cursor and the totals.
      const first = stack.client.workflow.getHandle(handle.workflowId, handle.firstExecutionRunId);
      return { handle: first, secrets: secretsOf(people) };
    },
    covers(h) {
      expect(h.closedAs).toBe('CONTINUED_AS_NEW');
      expect(h.activities).toEqual(['sweepPasswordExpiryBatch', 'sweepPasswordExpiryBatch']);
      expect(h.payloads).toContain('"cursor"');
      expect(h.payloads).toContain('"runs":2');
    },
  }),

  passwordExpirySweepScenario('page-retry', {
    async record(stack): Promise<Recording> {
      const now = ownInstant(13);
      const person = await personExpiringIn(stack.sql, now, 3 * DAY_MS);
      stack.mail.setRefusing(true);
      try {
        const handle = await sweep(stack, { now: now.toISOString(), retryDelayMs: 1_500 });
        await eventually(async () => {
          const [row] = await stack.sql<{ n: number }[]>`
            select count(*)::int as n from email_outbox where starts_with(idempotency_key, ${`password-expiry/${person.accountIds[0]!}/`})`;
          if (!row || row.n === 0) throw new Error('not tried yet');
        });
        stack.mail.setRefusing(false);
        expect(await handle.result()).toMatchObject({ sent: { d7: 1 }, failed: 0 });
        return { handle, secrets: secretsOf([person]) };
      } finally {
        stack.mail.setRefusing(false);
      }
    },
    covers(h) {
      expect(h.closedAs).toBe('COMPLETED');
      expect(h.indexOf('TIMER_FIRED')).toBeGreaterThan(0);
      expect(h.payloads).toContain('"failed":1');
      expect((h.result as { pageRetries: number }).pageRetries).toBeGreaterThanOrEqual(1);
      expect(h.activities.filter((a) => a === 'sweepPasswordExpiryBatch').length).toBeGreaterThanOrEqual(2);
    },
  }),
];
