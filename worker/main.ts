import { DefaultLogger, NativeConnection, Runtime, makeTelemetryFilterString, type LogLevel } from '@temporalio/worker';
import { loadConfigOrExit } from '../lib/config';
import { createLogger } from '../lib/logger';
import { createMailer } from '../lib/mailer';
import { createSql } from '../db/client';
import { createWorker } from './createWorker';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const log = createLogger(config, 'worker');
  const pinoLevel: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
    TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error',
  };
  // Route the SDK's own logs through pino so every line of the process is JSON.
  Runtime.install({
    logger: new DefaultLogger('INFO', ({ level, message, meta }) => log[pinoLevel[level]]({ ...meta }, message)),
    // Core's own logs (Rust) are forwarded to the same logger rather than printed to stderr.
    telemetryOptions: {
      logging: { filter: makeTelemetryFilterString({ core: 'WARN' }), forward: {} },
      // Workflow-task schedule-to-start and execution latency, local-activity latency, sticky cache
      // hits and misses, slot use: Core's metrics, for Prometheus.
      ...(config.workerMetrics.address ? { metrics: { prometheus: { bindAddress: config.workerMetrics.address } } } : {}),
    },
  });

  const sql = createSql({ databaseUrl: config.databaseUrl, max: config.databasePoolMax, applicationName: 'custodian-worker' });
  const mailer = createMailer(config);
  const connection = await NativeConnection.connect({ address: config.temporal.address });
  try {
    const worker = await createWorker({
      connection,
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
      sql,
      mailer,
      keys: config.keys,
      previousKeys: config.previousKeys,
      webhooks: config.webhooks,
    });
    // keyId (not secret) lets operators check the api and the workers run with the same HMAC_SECRET.
    log.info({ taskQueue: config.temporal.taskQueue, namespace: config.temporal.namespace, keyId: config.keys.keyId }, 'worker started');
    // Runs until SIGINT/SIGTERM, which the SDK turns into a graceful shutdown.
    await worker.run();
    log.info('worker stopped');
  } finally {
    await connection.close();
    mailer.close();
    await sql.end({ timeout: 5 });
  }
}

main().catch((err) => {
  process.stderr.write(`worker failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
