import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { bundleWorkflowCode } from '@temporalio/worker';
import { migrate } from '../../db/migrate';
import { startEmbeddedPostgres } from '../../scripts/devstack/embeddedPostgres';
import { freePort } from '../../scripts/devstack/ports';
import { ensureTemporalCli, startTemporalDevServer } from '../../scripts/devstack/temporalCli';
import { INFRA_ENV } from './infra';

const TEMPLATE = 'custodian_template';

/**
 * Starts the real infrastructure once per run: an embedded Postgres holding a migrated template
 * database (each suite clones it), a Temporal dev server from the CLI, and one workflow bundle.
 */
export default async function globalSetup(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'custodian-test-'));
  fs.chmodSync(dir, 0o755); // the embedded server may run as the `postgres` user
  const log = (m: string) => process.stderr.write(`[test-infra] ${m}\n`);

  const [pgPort, temporalPort] = [await freePort(), await freePort()];
  const cli = ensureTemporalCli(log);
  const [pg, temporal, bundle] = await Promise.all([
    startEmbeddedPostgres({ dataDir: path.join(dir, 'pg'), port: pgPort, durable: false }),
    startTemporalDevServer({ cli, dbFile: path.join(dir, 'temporal.db'), port: temporalPort }),
    bundleWorkflowCode({ workflowsPath: require.resolve('../../workflows'), logger: quietLogger }),
  ]);

  const admin = postgres(pg.url('postgres'), { onnotice: () => undefined });
  await admin.unsafe(`create database ${TEMPLATE}`);
  await admin.end();
  await migrate(pg.url(TEMPLATE));

  const bundlePath = path.join(dir, 'workflow-bundle.js');
  fs.writeFileSync(bundlePath, bundle.code);

  process.env[INFRA_ENV.pgAdminUrl] = pg.url('postgres');
  process.env[INFRA_ENV.pgTemplate] = TEMPLATE;
  process.env[INFRA_ENV.temporalAddress] = temporal.address;
  process.env[INFRA_ENV.workflowBundle] = bundlePath;
  (globalThis as Record<string, unknown>).__custodianInfra = { pg, temporal, dir };
}

const quietLogger = {
  log: () => undefined, trace: () => undefined, debug: () => undefined, info: () => undefined,
  warn: (m: string) => process.stderr.write(`[bundle] ${m}\n`),
  error: (m: string) => process.stderr.write(`[bundle] ${m}\n`),
};
