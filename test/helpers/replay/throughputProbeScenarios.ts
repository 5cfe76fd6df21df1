// The throughput probe's branches as committed histories (test/fixtures/histories/throughputProbe/): the floor
// `npm run bench:offboarding` measures offboardings against (workflows/throughputProbe.ts). A parent of 3 children,
// 2 at once and 2 per run, so it continues as new once; each child runs 2 no-op activities.
import { randomUUID } from 'node:crypto';
import type { Scenario } from '../replayScenarios';
import type { TestStack } from '../stack';
import { eventually } from '../waiting';

const probe = (branch: string, s: Omit<Scenario, 'workflowType' | 'branch'>): Scenario => ({ workflowType: 'throughputProbe', branch, ...s });

/** Runs a whole probe and answers its workflow id once every run of it has closed. */
async function runProbe(stack: TestStack): Promise<string> {
  const workflowId = `throughput-probe/${randomUUID()}`;
  const handle = await stack.client.workflow.start('throughputProbe', {
    taskQueue: stack.taskQueue, workflowId, args: [{ runs: 3, activities: 2, concurrency: 2, childrenPerRun: 2 }],
  });
  expect(await handle.result()).toEqual({ runs: 3, activities: 2 });
  return workflowId;
}

export const THROUGHPUT_PROBE_SCENARIOS: Scenario[] = [
  probe('continue-as-new', {
    async record(stack) {
      const workflowId = await runProbe(stack);
      // The first run of the chain: the one that continued as new (visibility lists every run of the id).
      const first = await eventually(async () => {
        for await (const w of stack.client.workflow.list({ query: `WorkflowId = "${workflowId}"` })) {
          if (w.status.name === 'CONTINUED_AS_NEW') return w.runId;
        }
        throw new Error('the first run is not listed yet');
      });
      return { handle: stack.client.workflow.getHandle(workflowId, first), secrets: [] };
    },
    covers(h) {
      expect(h.closedAs).toBe('CONTINUED_AS_NEW');
      expect(h.count('START_CHILD_WORKFLOW_EXECUTION_INITIATED')).toBe(2);
      expect(h.count('CHILD_WORKFLOW_EXECUTION_COMPLETED')).toBe(2);
      expect(h.activities).toEqual([]);
      expect(h.payloads).toContain('"started":2');
    },
  }),

  probe('completed', {
    async record(stack) {
      return { handle: stack.client.workflow.getHandle(await runProbe(stack)), secrets: [] };
    },
    covers(h) {
      expect(h.closedAs).toBe('COMPLETED');
      expect(h.count('START_CHILD_WORKFLOW_EXECUTION_INITIATED')).toBe(1);
      expect(h.result).toEqual({ runs: 3, activities: 2 });
    },
  }),

  probe('child', {
    async record(stack) {
      const workflowId = await runProbe(stack);
      return { handle: stack.client.workflow.getHandle(`${workflowId}/0`), secrets: [] };
    },
    covers(h) {
      expect(h.closedAs).toBe('COMPLETED');
      expect(h.activities).toEqual(['probeStep', 'probeStep']);
      expect(h.result).toEqual({ runs: 0, activities: 2 });
    },
  }),
];
