import { randomUUID } from 'node:crypto';
import type { Client, WorkflowHandle, WorkflowStartOptions } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../../activities';
import type * as workflows from '../../workflows';
import { infra } from './infra';
import { quietSdk } from './stack';

/** Every activity of the task queue, with its real signature: what a mock must look like. */
export type Activities = ReturnType<typeof createActivities>;
/** The workflows the bundle exports (workflows/index.ts), by name: a new flow is startable once exported there. */
export type Workflows = typeof workflows;
export type WorkflowName = keyof Workflows;

/** The activity names, taken from the real factory (building it touches none of its clients). */
const ACTIVITY_NAMES = Object.keys(createActivities({} as ActivityDeps)) as (keyof Activities)[];

/** The type an unmocked activity fails with: a test that reaches one sees its name, not a hang. */
export const NOT_MOCKED = 'NotMocked';

/**
 * The activities for a worker: the given mocks, and for every other activity one that fails at once
 * (non-retryable, or the workflows' unbounded retry policies would hide the mistake behind a hang).
 */
export function mockActivities(mocks: Partial<Activities>): Activities {
  const all: Record<string, unknown> = {};
  for (const name of ACTIVITY_NAMES) {
    all[name] = mocks[name] ?? (async () => {
      throw ApplicationFailure.create({ type: NOT_MOCKED, message: `activity ${name} is not mocked in this test`, nonRetryable: true });
    });
  }
  return all as Activities;
}

export type StartOptions = Omit<WorkflowStartOptions, 'args' | 'taskQueue' | 'workflowId'>;

/** A worker of one test, on its own task queue, and the means to start workflows on that queue. */
export interface TestWorker {
  client: Client;
  taskQueue: string;
  /**
   * Starts `name` with `input`, a fresh workflow id and this worker's queue; whatever is still open after the
   * test is terminated. `options` for the rare test that needs one (a short workflowTaskTimeout, say).
   */
  start<N extends WorkflowName>(name: N, input: Parameters<Workflows[N]>[0], options?: StartOptions): Promise<WorkflowHandle<Workflows[N]>>;
  /** Stops this worker now (it is stopped after the test anyway). */
  shutdown(): Promise<void>;
}

/**
 * Workflow tests against mocked activities, for the calling jest suite: the shared Temporal dev server
 * and the prebuilt workflow bundle, but no Postgres, SMTP or API. Durations are inputs of the flows
 * (ttlMs, code policy), so tests choose short ones instead of skipping time.
 *
 *   const suite = workflowSuite();
 *   test('…', () => suite.run({ sendVerificationCode: async () => ({ codeHmac }) }, async ({ start }) => {
 *     const handle = await start('mergeProfile', input);
 *   }));
 *
 * Each `worker()`/`run()` gets a fresh task queue; after each test every workflow it started that is still
 * open is terminated and its workers are shut down.
 */
export function workflowSuite() {
  let env: TestWorkflowEnvironment | undefined;
  let started: WorkflowHandle[] = [];
  let running: { worker: Worker; done: Promise<void> }[] = [];

  beforeAll(async () => {
    quietSdk();
    env = await TestWorkflowEnvironment.createFromExistingServer({ address: infra().temporalAddress, namespace: 'default' });
  });

  /** Terminates what the test left open, then stops its workers (in that order: no task is in flight). */
  async function cleanUp(): Promise<void> {
    const handles = started;
    const workers = running;
    started = [];
    running = [];
    // A closed run refuses the terminate: that is the expected case, not an error.
    await Promise.allSettled(handles.map((h) => h.terminate('test finished')));
    await Promise.all(workers.map(stop));
  }
  afterEach(cleanUp);
  afterAll(async () => {
    await cleanUp();
    await env?.teardown();
  });

  async function stop(w: { worker: Worker; done: Promise<void> }): Promise<void> {
    if (w.worker.getState() === 'RUNNING') w.worker.shutdown();
    await w.done;
  }

  const client = (): Client => {
    if (!env) throw new Error('the workflow suite is not connected: use it inside hooks and tests only');
    return env.client;
  };

  /** Starts a worker on a fresh task queue with `activities` mocked; it runs until the test ends. */
  async function worker(activities: Partial<Activities> = {}): Promise<TestWorker> {
    if (!env) throw new Error('the workflow suite is not connected: use it inside hooks and tests only');
    const taskQueue = `test-${randomUUID()}`;
    const w = await Worker.create({
      connection: env.nativeConnection,
      namespace: 'default',
      taskQueue,
      workflowBundle: { codePath: infra().workflowBundlePath },
      activities: mockActivities(activities),
      // A mock a test left blocked must not hold the suite: cancelled after 1 s, abandoned after 5.
      shutdownGraceTime: '1s',
      shutdownForceTime: '5s',
    });
    const entry = { worker: w, done: w.run() };
    entry.done.catch(() => undefined); // a worker that fails early is reported by the cleanup awaiting `done`
    running.push(entry);
    const c = env.client;
    return {
      client: c,
      taskQueue,
      async start(name, input, options = {}) {
        const handle = await c.workflow.start<Workflows[typeof name]>(name, {
          ...options,
          workflowId: `test-${name}-${randomUUID()}`,
          taskQueue,
          args: [input],
          // Every workflow here takes one input; TypeScript cannot see that through the union of names.
        } as never);
        started.push(handle);
        return handle;
      },
      shutdown: () => stop(entry),
    };
  }

  /** Runs `body` with a worker whose activities are `activities`; the worker stops when the body ends. */
  async function run<T>(activities: Partial<Activities>, body: (w: TestWorker) => Promise<T>): Promise<T> {
    const w = await worker(activities);
    try {
      return await body(w);
    } finally {
      await cleanUp();
    }
  }

  return { worker, run, client };
}
export type WorkflowSuite = ReturnType<typeof workflowSuite>;
