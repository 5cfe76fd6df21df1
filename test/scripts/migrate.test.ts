import fs from 'node:fs';
import path from 'node:path';
import { createSql } from '../../db/client';
import { listAppliedMigrations, listTables } from '../../db/queries/inspect';
import { createEmptyDatabase } from '../helpers/database';
import { ROOT, runScript, type ScriptRun } from '../helpers/scripts';

// db/migrate.ts itself cannot load under jest (postgres-shift is ESM-only), and the runner is what is under test.
const MIGRATIONS_DIR = path.join(ROOT, 'db', 'migrations');

const runMigrate = (databaseUrl: string) => runScript('scripts/migrate.ts', { DATABASE_URL: databaseUrl });

const applyingLines = (out: string) => out.split('\n').filter((l) => l.startsWith('applying migration'));
const explain = (r: ScriptRun) => `exit ${r.status}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`;

const MIGRATION_FILES = fs.readdirSync(MIGRATIONS_DIR).filter((f) => /^\d{5}_.*\.sql$/.test(f)).sort();

// Other migrations may add tables; these are the ones the code relies on today.
const EXPECTED_TABLES = [
  'academy_progress', 'accounts', 'achievements', 'app_members', 'apps', 'audit_log', 'certifications', 'companies',
  'email_outbox', 'industries', 'migrations', 'profile_industries', 'profile_merges', 'profile_skills', 'profiles',
  'sessions', 'skills', 'watched_apps',
];

const dropAfter: (() => Promise<void>)[] = [];
afterAll(async () => {
  await Promise.allSettled(dropAfter.map((d) => d()));
});

async function emptyDatabase() {
  const db = await createEmptyDatabase();
  const sql = createSql({ databaseUrl: db.url, max: 1 });
  dropAfter.push(async () => {
    await sql.end({ timeout: 5 });
    await db.drop();
  });
  return { url: db.url, sql };
}

test('migrates an empty database, then finds it up to date and re-applies nothing', async () => {
  const db = await emptyDatabase();
  expect(await listTables(db.sql)).toEqual([]);

  const first = await runMigrate(db.url);
  expect({ status: first.status, explain: explain(first) }).toMatchObject({ status: 0 });
  expect(applyingLines(first.stdout)).toHaveLength(MIGRATION_FILES.length);
  expect(first.stdout).toContain('migrations are up to date');
  expect(await listTables(db.sql)).toEqual(expect.arrayContaining(EXPECTED_TABLES));
  const applied = await listAppliedMigrations(db.sql);
  expect(applied.map((m) => m.migrationId)).toEqual(MIGRATION_FILES.map((_, i) => i + 1));

  const second = await runMigrate(db.url);
  expect({ status: second.status, explain: explain(second) }).toMatchObject({ status: 0 });
  expect(applyingLines(second.stdout)).toEqual([]);
  expect(second.stdout).toContain('migrations are up to date');
  expect(await listAppliedMigrations(db.sql)).toEqual(applied);
});

test('two runs at once on a fresh database both succeed and apply each migration once (advisory lock)', async () => {
  const db = await emptyDatabase();

  const [a, b] = await Promise.all([runMigrate(db.url), runMigrate(db.url)]);
  expect({ status: a.status, explain: explain(a) }).toMatchObject({ status: 0 });
  expect({ status: b.status, explain: explain(b) }).toMatchObject({ status: 0 });
  // Whichever took the lock second found nothing left to do.
  const counts = [applyingLines(a.stdout).length, applyingLines(b.stdout).length].sort();
  expect(counts).toEqual([0, MIGRATION_FILES.length]);
  expect(await listAppliedMigrations(db.sql)).toHaveLength(MIGRATION_FILES.length);
  expect(await listTables(db.sql)).toEqual(expect.arrayContaining(EXPECTED_TABLES));
});

test('a DATABASE_URL that is not postgres ends the process with EX_CONFIG (78), naming the variable but not its value', async () => {
  const r = await runMigrate('mysql://x');
  expect(r.status).toBe(78);
  expect(r.stderr).toContain('DATABASE_URL');
  expect(r.stderr).not.toContain('mysql://x');
  expect(r.stdout).not.toContain('up to date');
});
