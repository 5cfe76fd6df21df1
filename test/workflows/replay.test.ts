// Every committed history (test/fixtures/histories/<workflowType>/v<N>-<branch>.json) replays on the current
// workflow code. A change that makes one fail would break runs already in flight on that version: guard it
// with `patched()` and record the new version's histories (replayRecord.test.ts, README "Tests"); never
// re-record or edit a committed history.
import fs from 'node:fs';
import os from 'node:os';
import {
  absolutePathsInStackTraces, canonicalFixtureText, listFixtures, readFixture, replayHistory, scrubIdentities, historyShape, workflowTypeOf, type Fixture,
} from '../helpers/replayFixtures';
import { CURRENT_VERSIONS, SCENARIOS, scenarioOf } from '../helpers/replayScenarios';

const recording = process.env.RECORD_HISTORIES === '1';
const fixtures = listFixtures();

/** The string values of a decoded payload (the payload itself when it is not JSON). */
function jsonStrings(text: string): string[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return [text];
  }
  const out: string[] = [];
  const walk = (n: unknown): void => {
    if (typeof n === 'string') out.push(n);
    else if (Array.isArray(n)) n.forEach(walk);
    else if (n && typeof n === 'object') Object.values(n).forEach(walk);
  };
  walk(value);
  return out;
}
const EMAIL_SHAPED = /[\w.+-]+@[\w-]+(\.[\w-]+)*\.[a-z]{2,}/i;

describe.each(fixtures)('$name', (fixture: Fixture) => {
  const text = fs.readFileSync(fixture.file, 'utf8');

  test('replays on the current workflow code', async () => {
    await expect(replayHistory(readFixture(fixture))).resolves.toBeUndefined();
  });

  test('is a whole, canonical history of its folder\'s workflow type, scrubbed of host identity', () => {
    const history = readFixture(fixture);
    expect(workflowTypeOf(history)).toBe(fixture.workflowType);
    expect(history.events[0]!.eventType).toBe('EVENT_TYPE_WORKFLOW_EXECUTION_STARTED');
    expect(historyShape(history).closedAs).toMatch(/^(COMPLETED|FAILED|CANCELED|TERMINATED|TIMED_OUT|CONTINUED_AS_NEW)$/);
    expect(text).toBe(canonicalFixtureText(text)); // historyToJSON's form, pretty printed
    expect(scrubIdentities(history)).toEqual(history);
    expect(absolutePathsInStackTraces(history)).toEqual([]);
    expect(text).not.toContain(`@${os.hostname()}`); // worker identities are `pid@host`
  });

  const scenario = scenarioOf(fixture.workflowType, fixture.branch);
  (scenario ? test : test.skip)(`covers its branch, ${fixture.branch}`, () => {
    scenario!.covers(historyShape(readFixture(fixture)));
  });

  test('holds ids, verdicts and HMACs only: no email address, name or code', () => {
    const payloads = historyShape(readFixture(fixture)).payloads;
    // The only '@' is the SDK's: its build id (`@temporalio/worker@x.y.z+hash`) and its files in stack traces.
    for (const s of [text.replace(/@temporalio\/[\w.+-]+(@[\w.+-]+)?/g, ''), payloads]) {
      expect(s).not.toContain('@');
      expect(s).not.toMatch(EMAIL_SHAPED);
      expect(s).not.toContain('Person ');
    }
    const values = payloads.split('\n').flatMap(jsonStrings);
    expect(values.filter((v) => /^\d{6}$/.test(v))).toEqual([]);
  });
});

test('replay does check: a history whose commands differ from the code is a determinism violation', async () => {
  const fixture = fixtures.find((f) => historyShape(readFixture(f)).activities.length > 0)!;
  const tampered = readFixture(fixture);
  const scheduled = tampered.events.find((e) => e.eventType === 'EVENT_TYPE_ACTIVITY_TASK_SCHEDULED')!;
  (scheduled.activityTaskScheduledEventAttributes as { activityType: { name: string } }).activityType.name = 'someOtherActivity';
  await expect(replayHistory(tampered)).rejects.toThrow(/nondetermin/i);
});

test('no history is of a version newer than its workflow\'s current code', () => {
  const ahead = fixtures.filter((f) => f.version > (CURRENT_VERSIONS[f.workflowType] ?? 0)).map((f) => f.name);
  expect(ahead).toEqual([]);
});

// While recording, the recorder (replayRecord.test.ts) is still writing them.
(recording ? test.skip : test)('every branch of the current versions has a committed history (else: RECORD_HISTORIES=1)', () => {
  const names = new Set(fixtures.map((f) => f.name));
  const missing = SCENARIOS.map((s) => `${s.workflowType}/v${CURRENT_VERSIONS[s.workflowType]}-${s.branch}.json`).filter((n) => !names.has(n));
  expect(missing).toEqual([]);
});
