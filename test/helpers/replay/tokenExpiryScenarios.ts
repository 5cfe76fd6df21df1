// The personal access token expiry sweep's branches as committed histories (test/fixtures/histories/tokenExpirySweep/):
// a whole sweep, and one that continues as new. Each records on its own instant, so tokens of one never fall due in another.
import { randomUUID } from 'node:crypto';
import type { WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { sha256 } from '../../../lib/crypto';
import type { tokenExpirySweep } from '../../../workflows/tokenExpirySweep';
import type { TokenExpirySweepInput } from '../../../workflows/shared/tokenExpirySweep';
import { DAY_MS, ownInstant } from '../passwordExpiry';
import { createPerson, type Person } from '../people';
import type { Recording, Scenario } from '../replayScenarios';
import type { TestStack } from '../stack';

async function sweep(stack: TestStack, input: TokenExpirySweepInput): Promise<WorkflowHandleWithFirstExecutionRunId<typeof tokenExpirySweep>> {
  return stack.client.workflow.start<typeof tokenExpirySweep>('tokenExpirySweep', {
    taskQueue: stack.taskQueue, workflowId: `token-expiry-sweep-${randomUUID()}`, args: [input],
  });
}

/** People whose token expires `inMs` after `now`; the token names are secrets too (they reach the email only). */
async function withExpiringTokens(stack: TestStack, now: Date, inMs: number[]): Promise<{ people: Person[]; secrets: string[] }> {
  const people: Person[] = [];
  const secrets: string[] = [];
  for (const ms of inMs) {
    const p = await createPerson(stack.sql);
    const name = `Token of ${p.profileId.slice(0, 8)}`;
    await stack.sql`
      insert into personal_access_tokens (account_id, name, token_hash, scopes, expires_at)
      values (${p.accountIds[0]!}, ${name}, ${sha256(randomUUID())}, '{profile:read}', ${new Date(now.getTime() + ms)})`;
    people.push(p);
    secrets.push(...p.emails, `Person ${p.profileId.slice(0, 8)}`, name);
  }
  return { people, secrets };
}

const scenario = (branch: string, s: Omit<Scenario, 'workflowType' | 'branch'>): Scenario => ({ workflowType: 'tokenExpirySweep', branch, ...s });

export const TOKEN_EXPIRY_SCENARIOS: Scenario[] = [
  scenario('happy-path', {
    async record(stack): Promise<Recording> {
      const now = ownInstant(31);
      const { secrets } = await withExpiringTokens(stack, now, [DAY_MS, 6 * DAY_MS]);
      const handle = await sweep(stack, { now: now.toISOString() });
      expect(await handle.result()).toMatchObject({ runs: 1, sent: 2, failed: 0 });
      return { handle, secrets };
    },
    covers(h) {
      expect(h.closedAs).toBe('COMPLETED');
      expect(h.result).toMatchObject({ runs: 1, sent: 2, failed: 0 });
      expect(new Set(h.activities)).toEqual(new Set(['sweepTokenExpiryBatch']));
    },
  }),

  scenario('continue-as-new', {
    async record(stack): Promise<Recording> {
      const now = ownInstant(32);
      const { secrets } = await withExpiringTokens(stack, now, [DAY_MS, 2 * DAY_MS, 3 * DAY_MS]);
      const handle = await sweep(stack, { now: now.toISOString(), batchSize: 1, batchesPerRun: 2 });
      expect(await handle.result()).toMatchObject({ sent: 3 });
      return { handle: stack.client.workflow.getHandle(handle.workflowId, handle.firstExecutionRunId), secrets };
    },
    covers(h) {
      expect(h.closedAs).toBe('CONTINUED_AS_NEW');
      expect(h.activities).toEqual(['sweepTokenExpiryBatch', 'sweepTokenExpiryBatch']);
      expect(h.payloads).toContain('"cursor"');
      expect(h.payloads).toContain('"runs":2');
    },
  }),
];
