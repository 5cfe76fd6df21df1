// Records the committed histories the current workflow code lacks, one per branch (test/helpers/replayScenarios.ts):
//   RECORD_HISTORIES=1 npx jest test/workflows/replay
// It writes test/fixtures/histories/<workflowType>/v<CURRENT_VERSIONS>-<branch>.json only where that file does
// not exist yet, and names the ones it skipped: a committed history is never overwritten. Review the new
// files and commit them. Without RECORD_HISTORIES=1 every test here is skipped.
import fs from 'node:fs';
import { fixtureFile, fixtureText, historyShape, replayHistory, writeFixtureIfMissing, type HistoryJson } from '../helpers/replayFixtures';
import { CURRENT_VERSIONS, SCENARIOS } from '../helpers/replayScenarios';
import { startTestStack, type TestStack } from '../helpers/stack';

const recording = process.env.RECORD_HISTORIES === '1';

const targets = SCENARIOS.map((scenario) => {
  const version = CURRENT_VERSIONS[scenario.workflowType];
  if (!version) throw new Error(`CURRENT_VERSIONS has no version for ${scenario.workflowType}`);
  const file = fixtureFile(scenario.workflowType, version, scenario.branch);
  return { name: `${scenario.workflowType}/v${version}-${scenario.branch}.json`, file, scenario };
});
const written: string[] = [];
const skipped: string[] = [];

let stack: TestStack | undefined; // started for the first missing history only
afterAll(async () => {
  await stack?.close();
  if (recording) {
    process.stderr.write(`[histories] recorded: ${written.join(', ') || 'none'}\n`);
    process.stderr.write(`[histories] skipped, already committed: ${skipped.join(', ') || 'none'}\n`);
  }
});

/** Strings bounded so a code inside a longer number (a timestamp) does not count. */
const occurs = (text: string, secret: string) =>
  /^\d+$/.test(secret) ? new RegExp(`(?<!\\d)${secret}(?!\\d)`).test(text) : text.includes(secret);

(recording ? test : test.skip).each(targets)('records $name unless it exists', async ({ name, file, scenario }) => {
  if (fs.existsSync(file)) {
    skipped.push(name);
    return;
  }
  stack ??= await startTestStack();
  const { handle, secrets } = await scenario.record(stack);
  const text = fixtureText(await handle.fetchHistory());
  const history = JSON.parse(text) as HistoryJson;

  scenario.covers(historyShape(history));
  const payloads = historyShape(history).payloads;
  for (const secret of secrets) {
    expect({ secret, inHistory: occurs(text, secret) || occurs(payloads, secret) }).toEqual({ secret, inHistory: false });
  }
  await replayHistory(history); // the code replays what it just did

  (writeFixtureIfMissing(file, text) === 'written' ? written : skipped).push(name);
}, 60_000); // a project's testTimeout does not apply (jest reads it from the root config only)
