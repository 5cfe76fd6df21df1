// Re-record after an intended change to workflows/mergeProfile.ts:
//   RECORD_HISTORIES=1 npx jest test/workflows/replay.test.ts
// then review and commit test/fixtures/mergeProfile.history.json. If replay fails and you did not mean
// to change the workflow's commands, the change would break merges already running: guard it with
// `patched()` instead of re-recording.
//
// The fixture is Temporal's canonical JSON history (historyToJSON), the same format `temporal workflow show
// --output json` writes and the UI downloads, so an operator's export can be replayed here too.
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { startMergeWorkflow } from '../../libraries/merges/workflow';
import { openMergeRecord } from '../../db/queries/profileMerges';
import { listEmailOptions } from '../../db/queries/profiles';
import { codeHmac } from '../../lib/verificationCode';
import { confirmMergeUpdate, mergeCodeUpdates } from '../../workflows/shared/mergeContract';
import { DEFAULT_CHALLENGE_POLICY } from '../../workflows/shared/codeChallenge';
import { workflowIds } from '../../workflows/shared/ids';
import { infra } from '../helpers/infra';
import { codeIn } from '../helpers/mailSink';
import { createPerson } from '../helpers/people';
import { startTestStack } from '../helpers/stack';

const FIXTURE = path.join(__dirname, '..', 'fixtures', 'mergeProfile.history.json');
const recording = process.env.RECORD_HISTORIES === '1';

/**
 * Worker and client identities and the sticky task queue name (`pid@hostname...`) say nothing the replay
 * needs and would put the recording machine's name into the repository.
 */
function scrubIdentities(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(scrubIdentities);
  if (node && typeof node === 'object') {
    const sticky = (node as { kind?: unknown }).kind === 'TASK_QUEUE_KIND_STICKY';
    return Object.fromEntries(Object.entries(node).map(([k, v]) => {
      if (k === 'identity') return [k, 'custodian-test'];
      if (sticky && k === 'name') return [k, 'custodian-test-sticky'];
      return [k, scrubIdentities(v)];
    }));
  }
  return node;
}

(recording ? test : test.skip)('records a full merge: code, one wrong code, the right code, confirmation', async () => {
  const stack = await startTestStack();
  try {
    const me = await createPerson(stack.sql);
    const other = await createPerson(stack.sql);
    const mergeId = randomUUID();
    const workflowId = workflowIds.profileMerge({ sourceProfileId: other.profileId, mergeId });
    await openMergeRecord(stack.sql, {
      id: mergeId, workflowId, targetProfileId: me.profileId, sourceProfileId: other.profileId, startedByAccountId: me.accountIds[0]!,
    });
    const handle = await startMergeWorkflow(stack.client, stack.taskQueue, {
      mergeId, targetProfileId: me.profileId, sourceProfileId: other.profileId, accountId: me.accountIds[0]!,
      ttlMs: 24 * 3_600_000, challenge: DEFAULT_CHALLENGE_POLICY,
    });
    const [option] = await listEmailOptions(stack.sql, other.profileId);
    await handle.executeUpdate(mergeCodeUpdates.requestCode, { args: [{ emailOptionId: option!.id }] });
    const code = codeIn(await stack.mail.waitFor((m) => m.to.includes(other.emails[0]!)));
    const hmacOf = (c: string) => codeHmac(stack.config.hmacSecret, workflowId, c);
    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
    expect(await handle.executeUpdate(mergeCodeUpdates.verifyCode, { args: [{ codeHmac: hmacOf(wrong) }] })).toMatchObject({ verdict: 'wrong' });
    expect(await handle.executeUpdate(mergeCodeUpdates.verifyCode, { args: [{ codeHmac: hmacOf(code) }] })).toMatchObject({ verdict: 'verified' });
    expect(await handle.executeUpdate(confirmMergeUpdate)).toMatchObject({ step: 'completed' });
    expect(await handle.result()).toEqual({ outcome: 'completed' });

    const json = JSON.parse(historyToJSON(await handle.fetchHistory())) as unknown;
    fs.mkdirSync(path.dirname(FIXTURE), { recursive: true });
    fs.writeFileSync(FIXTURE, `${JSON.stringify(scrubIdentities(json), null, 2)}\n`);
  } finally {
    await stack.close();
  }
});

function replay(json: object): Promise<void> {
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') }); // the replay worker logs its lifecycle at INFO
  } catch {
    /* already installed in this process */
  }
  return Worker.runReplayHistory({ workflowBundle: { codePath: infra().workflowBundlePath } }, json, 'fixture-workflow-id');
}
const fixture = () => JSON.parse(fs.readFileSync(FIXTURE, 'utf8')) as { events: Record<string, unknown>[] };

test('the committed merge history replays on the current workflow code', async () => {
  await expect(replay(fixture())).resolves.toBeUndefined();
});

test('replay does check: a history whose commands differ from the code is a determinism violation', async () => {
  const tampered = fixture();
  const scheduled = tampered.events.find((e) => e.eventType === 'EVENT_TYPE_ACTIVITY_TASK_SCHEDULED') as
    { activityTaskScheduledEventAttributes: { activityType: { name: string } } };
  scheduled.activityTaskScheduledEventAttributes.activityType.name = 'someOtherActivity';
  await expect(replay(tampered)).rejects.toThrow(/nondetermin/i);
});

test('the fixture covers the whole flow and holds no personal data', () => {
  const text = fs.readFileSync(FIXTURE, 'utf8');
  const history = JSON.parse(text) as { events: { eventType: string }[] };
  const types = history.events.map((e) => e.eventType);
  expect(types[0]).toBe('EVENT_TYPE_WORKFLOW_EXECUTION_STARTED');
  expect(types.at(-1)).toBe('EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED');
  expect(types.filter((t) => t === 'EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED')).toHaveLength(4);

  // Payloads are base64 in the JSON form: decode them, or a leak would hide there.
  const decoded: string[] = [];
  const walk = (node: unknown, key = ''): void => {
    if (typeof node === 'string' && key === 'data') decoded.push(Buffer.from(node, 'base64').toString('utf8'));
    else if (Array.isArray(node)) node.forEach((n) => walk(n));
    else if (node && typeof node === 'object') for (const [k, v] of Object.entries(node)) walk(v, k);
  };
  walk(history);
  const payloads = decoded.join('\n');
  expect(payloads).toContain('"verdict":"wrong"');
  expect(payloads).toContain('"outcome":"completed"');

  // The only '@' is the SDK's own build id (`@temporalio/worker@x.y.z+hash`).
  for (const s of [text.replace(/@temporalio\/worker@[\w.+-]+/g, ''), payloads]) {
    expect(s).not.toContain('@');
    expect(s).not.toContain('Person ');
  }
});
