import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from '../helpers/scripts';

const run = promisify(execFile);

interface LintReport {
  totals: { errors: number; warnings: number; ignored: number };
  problems: { ruleId: string; severity: string; message: string; location: { pointer?: string }[] }[];
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'custodian-openapi-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('the served OpenAPI document passes `redocly lint` under redocly.yaml without a single problem', async () => {
  const file = path.join(dir, 'openapi.json');
  // As `npm run openapi:lint` does it; the timeout also catches a script that never exits.
  await run(process.execPath, ['--import', 'tsx', 'scripts/openapi.ts', file], { cwd: ROOT, timeout: 15_000 });
  expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ openapi: '3.1.0', info: { title: 'Custodian API' } });

  const redocly = path.join(ROOT, 'node_modules/.bin/redocly');
  const args = [redocly, 'lint', '--config', path.join(ROOT, 'redocly.yaml'), '--format', 'json', file];
  const { stdout } = await run(process.execPath, args, { cwd: ROOT, timeout: 15_000 }).catch((err: { code?: unknown; stdout?: string }) => {
    if (err.code === 1 && err.stdout) return { stdout: err.stdout }; // it exits 1 when it reports errors
    throw err;
  });
  const report = JSON.parse(stdout) as LintReport;
  expect(report.problems.map((p) => `${p.severity} ${p.ruleId} at ${p.location[0]?.pointer}: ${p.message}`)).toEqual([]);
  expect(report.totals).toEqual({ errors: 0, warnings: 0, ignored: 0 });
});
