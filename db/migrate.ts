import path from 'node:path';
import postgres from 'postgres';
import shiftModule from 'postgres-shift';

export const MIGRATIONS_DIR = path.join(__dirname, 'migrations');

// postgres-shift is ESM-only; Node's require(esm) may hand back the namespace object.
const shift: typeof shiftModule =
  (shiftModule as unknown as { default?: typeof shiftModule }).default ?? shiftModule;

// Any constant works; it only has to be the same for every process that migrates this database.
const MIGRATION_LOCK = 7_420_001;

/**
 * Applies pending migrations from db/migrations. A session-level advisory lock on a single connection
 * lets several processes (compose's one-shot service, a developer, CI) run this at once safely.
 */
export async function migrate(databaseUrl: string, log: (msg: string) => void = () => undefined): Promise<void> {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => undefined });
  try {
    await sql`select pg_advisory_lock(${MIGRATION_LOCK})`;
    await shift({ sql, path: MIGRATIONS_DIR, before: (m) => log(`applying migration ${m.migration_id} ${m.name}`) });
  } finally {
    await sql`select pg_advisory_unlock(${MIGRATION_LOCK})`.catch(() => undefined);
    await sql.end({ timeout: 5 });
  }
}
