// Committed workflow histories (test/fixtures/histories/<workflowType>/v<N>-<branch>.json): where they live,
// how a recording becomes one, and how one replays. The procedure is in README "Tests".
import fs from 'node:fs';
import path from 'node:path';
import { historyFromJSON, historyToJSON, type History } from '@temporalio/common/lib/proto-utils';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { infra } from './infra';

export const HISTORIES_DIR = path.join(__dirname, '..', 'fixtures', 'histories');
const REPO_ROOT = path.resolve(__dirname, '..', '..');

/** `v<version>-<branch>.json`, branch in kebab case: `v2-attempts-exhausted.json`. */
const FIXTURE_NAME = /^v([1-9]\d*)-([a-z0-9]+(?:-[a-z0-9]+)*)\.json$/;

export interface Fixture {
  /** Path below HISTORIES_DIR, as tests name it: `mergeProfile/v1-happy-path.json`. */
  name: string;
  file: string;
  /** The folder: the workflow type the history must be of. */
  workflowType: string;
  version: number;
  branch: string;
}

export const fixtureFile = (workflowType: string, version: number, branch: string) =>
  path.join(HISTORIES_DIR, workflowType, `v${version}-${branch}.json`);

/** Every committed history, in a stable order. A file whose name breaks the convention is an error. */
export function listFixtures(): Fixture[] {
  const fixtures: Fixture[] = [];
  for (const workflowType of fs.readdirSync(HISTORIES_DIR).sort()) {
    const dir = path.join(HISTORIES_DIR, workflowType);
    if (!fs.statSync(dir).isDirectory()) throw new Error(`${dir}: histories live in a folder named after their workflow type`);
    for (const entry of fs.readdirSync(dir).sort()) {
      if (entry.startsWith('.')) continue; // a recorder's file in the making (writeFixtureIfMissing)
      const m = FIXTURE_NAME.exec(entry);
      if (!m) throw new Error(`${path.join(dir, entry)}: a history is named v<version>-<branch>.json`);
      fixtures.push({
        name: `${workflowType}/${entry}`, file: path.join(dir, entry), workflowType, version: Number(m[1]), branch: m[2]!,
      });
    }
  }
  return fixtures;
}

/**
 * Worker and client identities and the sticky task queue name (`pid@hostname...`) say nothing the replay
 * needs and would put the recording machine's name into the repository; so would the checkout's absolute
 * path in failures' stack traces, which become relative to the repository.
 */
export function scrubIdentities(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(scrubIdentities);
  if (node && typeof node === 'object') {
    const sticky = (node as { kind?: unknown }).kind === 'TASK_QUEUE_KIND_STICKY';
    return Object.fromEntries(Object.entries(node).map(([k, v]) => {
      if (k === 'identity') return [k, 'custodian-test'];
      if (sticky && k === 'name') return [k, 'custodian-test-sticky'];
      if (k === 'stackTrace' && typeof v === 'string') return [k, v.split(`${REPO_ROOT}${path.sep}`).join('')];
      return [k, scrubIdentities(v)];
    }));
  }
  return node;
}

/** Stack frames that still name an absolute path (`at f (/home/…` or `at C:\…`): a recording machine's layout. */
export function absolutePathsInStackTraces(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) for (const n of node) absolutePathsInStackTraces(n, out);
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === 'stackTrace' && typeof v === 'string') out.push(...v.split('\n').filter((l) => /[\s(](file:\/\/|\/|[A-Za-z]:\\)/.test(l)));
      else absolutePathsInStackTraces(v, out);
    }
  }
  return out;
}

/**
 * The committed form of a history: Temporal's canonical JSON (historyToJSON, the format of `temporal workflow
 * show --output json` and the UI's download, so an operator's export replays here too), identities
 * scrubbed, pretty printed with historyToJSON's key order.
 */
export function fixtureText(history: History): string {
  return `${JSON.stringify(scrubIdentities(JSON.parse(historyToJSON(history))), null, 2)}\n`;
}

/** A committed history in its committed form again: what a fixture file must equal, byte for byte. */
export const canonicalFixtureText = (text: string) => fixtureText(historyFromJSON(JSON.parse(text)));

/**
 * Writes `text` to `file` unless the file exists: a committed history is never overwritten. The file
 * appears whole or not at all (hard link of a finished temporary file; the link fails if the name is taken),
 * so a replay running alongside never reads half a history.
 */
export function writeFixtureIfMissing(file: string, text: string): 'written' | 'exists' {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  fs.writeFileSync(tmp, text);
  try {
    fs.linkSync(tmp, file);
    return 'written';
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return 'exists';
    throw err;
  } finally {
    fs.unlinkSync(tmp);
  }
}

export interface HistoryJson {
  events: (Record<string, unknown> & { eventType: string })[];
}

export const readFixture = (fixture: Fixture) => JSON.parse(fs.readFileSync(fixture.file, 'utf8')) as HistoryJson;

function startedAttributes(history: HistoryJson) {
  const first = history.events[0] as { workflowExecutionStartedEventAttributes?: { workflowType?: { name?: string }; workflowId?: string } } | undefined;
  return first?.workflowExecutionStartedEventAttributes;
}

/** The workflow type a history is of, from its first event (WorkflowExecutionStarted). */
export function workflowTypeOf(history: HistoryJson): string {
  const name = startedAttributes(history)?.workflowType?.name;
  if (!name) throw new Error('the history does not start with WorkflowExecutionStarted naming a workflow type');
  return name;
}

/**
 * Replays a history on the current workflow bundle (every workflow of workflows/index.ts): the worker runs
 * the workflow function the history's first event names. Rejects with DeterminismViolationError when the
 * code's commands differ from the recorded ones.
 */
export function replayHistory(history: HistoryJson): Promise<void> {
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') }); // the replay worker logs its lifecycle at INFO
  } catch {
    /* already installed in this process */
  }
  workflowTypeOf(history);
  const workflowId = startedAttributes(history)?.workflowId ?? 'fixture-workflow-id';
  return Worker.runReplayHistory({ workflowBundle: { codePath: infra().workflowBundlePath } }, history, workflowId);
}

/** Every payload's data (base64 in the JSON form) decoded: where a leak would hide. */
export function decodedPayloads(node: unknown, out: string[] = [], key = ''): string[] {
  if (typeof node === 'string' && key === 'data') out.push(Buffer.from(node, 'base64').toString('utf8'));
  else if (Array.isArray(node)) for (const n of node) decodedPayloads(n, out);
  else if (node && typeof node === 'object') for (const [k, v] of Object.entries(node)) decodedPayloads(v, out, k);
  return out;
}

/** The first payload of `payloads` decoded as JSON. */
export function firstPayload(payloads: unknown): unknown {
  const data = (payloads as { payloads?: { data?: string }[] } | undefined)?.payloads?.[0]?.data;
  return data === undefined ? undefined : JSON.parse(Buffer.from(data, 'base64').toString('utf8'));
}

/** A history read for its shape: event types, local activities by name, how it closed. */
export function historyShape(history: HistoryJson) {
  const types = history.events.map((e) => e.eventType);
  const last = history.events.at(-1) as Record<string, { result?: unknown; failure?: { applicationFailureInfo?: { type?: string } } }>;
  const localActivities = history.events.map((e) => {
    const marker = e.markerRecordedEventAttributes as { markerName?: string; details?: { data?: unknown } } | undefined;
    if (marker?.markerName !== 'core_local_activity') return undefined;
    return (firstPayload(marker.details?.data) as { activity_type?: string } | undefined)?.activity_type;
  });
  return {
    types,
    /** Index of the first event of `type`, -1 if none. */
    indexOf: (type: string) => types.indexOf(`EVENT_TYPE_${type}`),
    count: (type: string) => types.filter((t) => t === `EVENT_TYPE_${type}`).length,
    /** Index of the first local activity marker of `activityType`, -1 if none. */
    localActivity: (activityType: string) => localActivities.indexOf(activityType),
    activities: history.events.flatMap((e) => {
      const a = e.activityTaskScheduledEventAttributes as { activityType?: { name?: string } } | undefined;
      return a?.activityType?.name ? [a.activityType.name] : [];
    }),
    closedAs: types.at(-1)?.replace(/^EVENT_TYPE_WORKFLOW_EXECUTION_/, ''),
    result: firstPayload(last.workflowExecutionCompletedEventAttributes?.result),
    failureType: last.workflowExecutionFailedEventAttributes?.failure?.applicationFailureInfo?.type,
    payloads: decodedPayloads(history).join('\n'),
  };
}
export type HistoryShape = ReturnType<typeof historyShape>;
