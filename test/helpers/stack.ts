import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, type Worker } from '@temporalio/worker';
import { createApp } from '../../api/app';
import { loadConfig, type Config } from '../../lib/config';
import { createCredentialCache } from '../../libraries/credentialCache';
import { createLogger } from '../../lib/logger';
import { createMailer } from '../../lib/mailer';
import { createWorker } from '../../worker/createWorker';
import { createTestDatabase, existingDatabase } from './database';
import { infra } from './infra';
import { startMailSink } from './mailSink';
import { PASSWORD } from './people';

export interface HttpResult {
  status: number;
  headers: Headers;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests inspect arbitrary JSON
  body: any;
}

/**
 * The whole system for one suite, in-process but on the real things: a fresh database, the shared
 * Temporal dev server (own task queue), a worker on the shared bundle, an SMTP sink and the API on a
 * random port.
 */
let runtimeInstalled = false;
/** The SDK logs every worker state change at INFO; tests only want to hear about problems. */
export function quietSdk(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch {
    /* already installed in this process */
  }
}

export async function startTestStack(
  { env = {}, worker: withWorker = true, temporalAddress = infra().temporalAddress, databaseUrl }:
  // databaseUrl: a migrated database of the caller's own, used (and left) as it is, instead of a fresh copy.
  { env?: Record<string, string>; worker?: boolean; temporalAddress?: string; databaseUrl?: string } = {},
) {
  quietSdk();
  const { workflowBundlePath } = infra();
  const db = databaseUrl ? existingDatabase(databaseUrl) : await createTestDatabase();
  const mail = await startMailSink();
  const taskQueue = `test-${randomUUID()}`;
  const config: Config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATABASE_URL: db.url,
    TEMPORAL_ADDRESS: temporalAddress,
    TEMPORAL_TASK_QUEUE: taskQueue,
    SMTP_URL: mail.url,
    ...env,
  });
  const testEnv = await TestWorkflowEnvironment.createFromExistingServer({ address: temporalAddress, namespace: 'default' });
  const mailer = createMailer(config);

  let worker: Worker | undefined;
  let running: Promise<void> | undefined;
  const startWorker = async () => {
    worker = await createWorker({
      connection: testEnv.nativeConnection,
      namespace: 'default',
      taskQueue,
      workflowBundle: { codePath: workflowBundlePath },
      sql: db.sql,
      mailer,
      keys: config.keys,
      webhooks: config.webhooks,
      shutdownGraceTime: '1s',
    });
    running = worker.run();
  };
  if (withWorker) await startWorker();

  // The API process's token cache, as api/server.ts makes it (AUTH_CACHE=false: none).
  const logger = createLogger(config, 'api');
  const credentialCache = config.authCache ? createCredentialCache({ sql: db.sql, databaseUrl: db.url, logger }) : undefined;
  await credentialCache?.start();
  const app = createApp({ config, sql: db.sql, temporal: testEnv.client, logger, credentialCache });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  async function http(
    method: string,
    path: string,
    { token, body, raw, headers = {} }: { token?: string; body?: unknown; raw?: string; headers?: Record<string, string> } = {},
  ): Promise<HttpResult> {
    const h: Record<string, string> = { ...headers };
    if (token) h.authorization = `Bearer ${token}`;
    let payload: string | undefined = raw;
    if (body !== undefined) {
      payload = JSON.stringify(body);
      h['content-type'] ??= 'application/json';
    }
    const res = await fetch(baseUrl + path, { method, headers: h, body: payload });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      /* not JSON: keep the text */
    }
    return { status: res.status, headers: res.headers, body: parsed };
  }

  async function signIn(email: string, password = PASSWORD): Promise<string> {
    const r = await http('POST', '/v1/sessions', { body: { email, password } });
    if (r.status !== 201) throw new Error(`sign-in failed: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body.token as string;
  }

  return {
    config,
    db,
    sql: db.sql,
    mail,
    client: testEnv.client,
    testEnv,
    credentialCache,
    taskQueue,
    baseUrl,
    http,
    signIn,
    startWorker,
    async stopWorker() {
      worker?.shutdown();
      await running;
      worker = undefined;
    },
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await credentialCache?.close();
      if (worker) {
        worker.shutdown();
        await running;
      }
      mailer.close();
      await mail.close();
      await testEnv.teardown();
      await db.drop();
    },
  };
}
export type TestStack = Awaited<ReturnType<typeof startTestStack>>;
