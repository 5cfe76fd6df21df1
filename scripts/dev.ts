import fs from 'node:fs';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import pinoPretty from 'pino-pretty';
import { migrate } from '../db/migrate';
import { createSql } from '../db/client';
import { DEMO, seedDemo } from '../db/queries/demo';
import { loadConfigOrExit } from '../lib/config';
import { hashPassword } from '../lib/passwords';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from './devstack/embeddedPostgres';
import { ensurePortsFree, isListening, waitFor } from './devstack/ports';
import { prefixLines, spawnNode, stopChild } from './devstack/processes';
import { registerSchedules } from './devstack/schedules';
import { registerSearchAttributes } from './devstack/searchAttributes';
import { ensureTemporalCli, startTemporalDevServer } from './devstack/temporalCli';
import { Leftovers } from './devstack/leftovers';

/**
 * `npm start`: the whole stack on one machine with nothing configured. Whatever DATABASE_URL,
 * TEMPORAL_ADDRESS or SMTP_URL names is used as is; whatever is unset is started here, with its data
 * in .data/ so the next start finds it.
 */
const ROOT = path.resolve(__dirname, '..');
const DATA = path.join(ROOT, '.data');
const EXT = path.extname(__filename);
const PORTS = { postgres: 5433, temporal: 7233, temporalUi: 8233, temporalMetrics: 9090, workerMetrics: 9464, smtp: 1025, inbox: 1080 };
const say = (msg: string) => process.stdout.write(`[dev] ${msg}\n`);

async function main(): Promise<void> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  const infra: { name: string; stop: () => Promise<void> }[] = [];
  const apps: ChildProcess[] = [];
  let stopping = false;
  const mutes: { mute(): void }[] = [];
  const leftovers = new Leftovers(path.join(DATA, 'dev-stack.json'));

  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    say('stopping…');
    await Promise.all(apps.map((c) => stopChild(c, 'SIGTERM')));
    mutes.forEach((m) => m.mute());
    for (const s of infra.reverse()) await s.stop().catch((err) => say(`${s.name} did not stop cleanly: ${err}`));
    leftovers.clear();
    say('stopped');
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));

  try {
    const urls: string[] = [];
    fs.mkdirSync(DATA, { recursive: true });
    await leftovers.reap(say);
    // A port already taken (a MailDev from another checkout, say) would silently serve this stack.
    await ensurePortsFree([
      ...(env.DATABASE_URL ? [] : [{ name: 'embedded Postgres', port: PORTS.postgres }]),
      ...(env.TEMPORAL_ADDRESS ? [] : [
        { name: 'Temporal dev server', port: PORTS.temporal }, { name: 'Temporal UI', port: PORTS.temporalUi },
        { name: 'Temporal metrics', port: PORTS.temporalMetrics },
      ]),
      ...(env.WORKER_METRICS_ADDRESS ? [] : [{ name: 'worker metrics', port: PORTS.workerMetrics }]),
      ...(env.SMTP_URL ? [] : [{ name: 'MailDev SMTP', port: PORTS.smtp }, { name: 'MailDev inbox', port: PORTS.inbox }]),
      { name: 'API', port: loadConfigOrExit(env).port },
    ]);
    if (!env.DATABASE_URL) {
      say(`starting embedded Postgres on port ${PORTS.postgres} (data in .data/postgres)`);
      const pg: EmbeddedPostgresHandle = await startEmbeddedPostgres({ dataDir: path.join(DATA, 'postgres'), port: PORTS.postgres });
      infra.push({ name: 'postgres', stop: pg.stop });
      leftovers.add('postgres', pg.pid, 'postgres');
      const { default: postgres } = await import('postgres');
      const admin = postgres(pg.url('postgres'), { onnotice: () => undefined });
      const [has] = await admin`select 1 from pg_database where datname = 'custodian'`;
      if (!has) await admin`create database custodian`;
      await admin.end();
      env.DATABASE_URL = pg.url('custodian');
    }

    if (!env.TEMPORAL_ADDRESS) {
      const cli = ensureTemporalCli(say, env);
      say(`starting the Temporal dev server on port ${PORTS.temporal} (history in .data/temporal.db)`);
      const server = await startTemporalDevServer({
        cli, dbFile: path.join(DATA, 'temporal.db'), port: PORTS.temporal, uiPort: PORTS.temporalUi, metricsPort: PORTS.temporalMetrics, detached: true,
      });
      leftovers.add('temporal', server.child.pid, 'start-dev');
      mutes.push(prefixLines(server.child, '[temporal]'));
      infra.push({ name: 'temporal', stop: () => stopChild(server.child, 'SIGTERM') });
      env.TEMPORAL_ADDRESS = server.address;
      urls.push(`Temporal UI   http://localhost:${PORTS.temporalUi}`);
      urls.push(`Temporal metrics  http://localhost:${PORTS.temporalMetrics}/metrics`);
    } else {
      urls.push(`Temporal      ${env.TEMPORAL_ADDRESS} (external; its UI is wherever you run it)`);
    }

    if (!env.SMTP_URL) {
      say(`starting the MailDev catcher (SMTP ${PORTS.smtp}, inbox ${PORTS.inbox})`);
      const maildev = spawnNode(require.resolve('maildev/bin/maildev'), [
        '--smtp', String(PORTS.smtp), '--web', String(PORTS.inbox), '--ip', '127.0.0.1', '--silent',
      ], env, { detached: true });
      leftovers.add('maildev', maildev.pid, 'maildev');
      mutes.push(prefixLines(maildev, '[mail]'));
      infra.push({ name: 'maildev', stop: () => stopChild(maildev, 'SIGTERM') });
      await waitFor('MailDev', () => isListening(PORTS.smtp), 30_000);
      env.SMTP_URL = `smtp://127.0.0.1:${PORTS.smtp}`;
      urls.push(`Mail inbox    http://localhost:${PORTS.inbox}`);
    } else {
      urls.push(`Mail          ${env.SMTP_URL.replace(/\/\/[^@/]*@/, '//***@')} (external)`);
    }

    env.WORKER_METRICS_ADDRESS ??= `127.0.0.1:${PORTS.workerMetrics}`;
    const config = loadConfigOrExit(env);
    await migrate(config.databaseUrl, say);
    await registerSearchAttributes(config.temporal.address, config.temporal.namespace);
    for (const line of await registerSchedules(config)) say(line);
    const sql = createSql({ databaseUrl: config.databaseUrl, max: 1 });
    try {
      if (await seedDemo(sql, await hashPassword(DEMO.password))) say('demo data created');
    } finally {
      await sql.end();
    }

    for (const name of ['worker', 'api'] as const) {
      const child = spawnNode(path.join(ROOT, name === 'api' ? 'api/server' : 'worker/main') + EXT, [], env);
      child.stdout!.pipe(pinoPretty({ colorize: process.stdout.isTTY, translateTime: 'HH:MM:ss', ignore: 'pid,hostname' }));
      child.stderr!.pipe(process.stderr);
      child.once('exit', (code, signal) => {
        if (!stopping) {
          say(`${name} exited (${signal ?? code}); stopping the stack`);
          void shutdown(1);
        }
      });
      apps.push(child);
    }
    await waitFor('the API', () => isListening(config.port), 60_000);

    say('ready:');
    for (const line of [
      `API           http://localhost:${config.port}`,
      `API docs      http://localhost:${config.port}/docs   (OpenAPI: /openapi.json)`,
      `API metrics   http://localhost:${config.port}/metrics`,
      `Worker metrics  http://${env.WORKER_METRICS_ADDRESS}/metrics`,
      ...urls,
      `Demo sign-in  ${DEMO.emails.ada} / ${DEMO.emails.adaKing}, password ${DEMO.password}`,
      'Ctrl-C stops everything.',
    ]) say(`  ${line}`);
  } catch (err) {
    say(`start failed: ${err instanceof Error ? err.message : String(err)}`);
    await shutdown(1);
  }
}

void main();
