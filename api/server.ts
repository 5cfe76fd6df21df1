import { Client, Connection } from '@temporalio/client';
import { createSql } from '../db/client';
import { loadConfigOrExit } from '../lib/config';
import { createLogger } from '../lib/logger';
import { createCredentialCache } from '../libraries/credentialCache';
import { createApp } from './app';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const logger = createLogger(config, 'api');
  const sql = createSql({ databaseUrl: config.databaseUrl, max: config.databasePoolMax, applicationName: 'custodian-api' });
  // One connection per process, opened on first use: the API comes up even while Temporal is still
  // starting, and /readyz says when it is reachable.
  const connection = Connection.lazy({ address: config.temporal.address });
  const temporal = new Client({ connection, namespace: config.temporal.namespace });

  // The token cache serves once its LISTEN runs; until then (and whenever it drops) tokens are read from Postgres.
  // Not awaited: like Temporal, a database still starting must not hold the API's start.
  const credentialCache = config.authCache ? createCredentialCache({ sql, databaseUrl: config.databaseUrl, logger }) : undefined;
  void credentialCache?.start();

  const app = createApp({ config, sql, temporal, logger, credentialCache });
  const server = app.listen(config.port, () => logger.info({ port: config.port, keyId: config.keys.keyId }, 'api listening'));

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'api stopping');
    server.close(() => {
      // The cache first: it writes the last uses still queued, through the pool.
      void Promise.allSettled([connection.close(), credentialCache?.close()])
        .then(() => sql.end({ timeout: 5 }))
        .finally(() => process.exit(0));
    });
    server.closeIdleConnections();
    setTimeout(() => process.exit(0), 10_000).unref();
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err) => {
  process.stderr.write(`api failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
