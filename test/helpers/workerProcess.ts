import { spawn, type ChildProcess } from 'node:child_process';
import readline from 'node:readline';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { createSql } from '../../db/client';
import { loadConfigOrExit } from '../../lib/config';
import { createMailer } from '../../lib/mailer';
import { createWorker } from '../../worker/createWorker';
import { infra } from './infra';
import { ROOT } from './scripts';

const STARTED = 'worker started';

export interface WorkerProcess {
  child: ChildProcess;
  /** stdout and stderr lines, shown when something fails. */
  lines: string[];
  /** SIGKILL, as a crash would: no shutdown, in-flight tasks are simply lost. Resolves once it has exited. */
  kill(): Promise<void>;
}

/**
 * A worker in a real process of its own, that a test may SIGKILL mid-flight (test/e2e/offboardingKill.test.ts). It
 * is worker/main.ts's worker (createWorker: every activity, the same clients) on the run's shared workflow bundle,
 * so a replacement starts in seconds instead of bundling again. `env` is its configuration (DATABASE_URL,
 * TEMPORAL_ADDRESS, TEMPORAL_TASK_QUEUE, SMTP_URL, HMAC_SECRET…), read by lib/config as in production.
 */
export function startWorkerProcess(env: Record<string, string>, timeoutMs = 60_000): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', __filename], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'warn', ...env },
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const w: WorkerProcess = {
    child,
    lines: [],
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
  readline.createInterface({ input: child.stderr! }).on('line', (l) => w.lines.push(l));
  return new Promise((resolve, reject) => {
    const fail = (why: string) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${why}\n${w.lines.slice(-30).join('\n')}`));
    };
    const timer = setTimeout(() => fail('the worker process did not start in time'), timeoutMs);
    const early = (code: number | null, signal: NodeJS.Signals | null) => fail(`the worker process exited with ${signal ?? code} before it started`);
    child.once('exit', early);
    readline.createInterface({ input: child.stdout! }).on('line', (line) => {
      w.lines.push(line);
      if (line !== STARTED) return;
      clearTimeout(timer);
      child.off('exit', early);
      resolve(w);
    });
  });
}

/** The child: worker/main.ts without its log plumbing, on the shared bundle. */
async function serve(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const config = loadConfigOrExit();
  const sql = createSql({ databaseUrl: config.databaseUrl, max: config.databasePoolMax, applicationName: 'custodian-test-worker' });
  const connection = await NativeConnection.connect({ address: config.temporal.address });
  const worker = await createWorker({
    connection, namespace: config.temporal.namespace, taskQueue: config.temporal.taskQueue,
    workflowBundle: { codePath: infra().workflowBundlePath },
    sql, mailer: createMailer(config), keys: config.keys, webhooks: config.webhooks, shutdownGraceTime: '2s',
  });
  process.stdout.write(`${STARTED}\n`);
  // Until SIGTERM, which the SDK turns into a graceful shutdown.
  await worker.run();
  await connection.close();
  await sql.end({ timeout: 5 });
}

if (require.main === module) {
  serve().catch((err) => {
    process.stderr.write(`worker process failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
}
