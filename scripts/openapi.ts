import { Client, Connection } from '@temporalio/client';
import { mkdir, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { createApp } from '../api/app';
import { createSql } from '../db/client';
import { loadConfig } from '../lib/config';
import { createLogger } from '../lib/logger';

// `node --import tsx scripts/openapi.ts [out.json]`: writes the OpenAPI document the API serves at
// /openapi.json to the given file, or to stdout. Needs neither Postgres nor Temporal: the app is
// built over clients that connect on first use, and building the document uses neither.

/** The document exactly as `GET /openapi.json` answers it, from the real app on a loopback port. */
export async function buildOpenApiDocument(): Promise<unknown> {
  // Defaults only, so the document does not depend on the caller's environment.
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent' });
  const sql = createSql({ databaseUrl: config.databaseUrl, max: 1, applicationName: 'custodian-openapi' });
  const connection = Connection.lazy({ address: config.temporal.address });
  const temporal = new Client({ connection, namespace: config.temporal.namespace });
  const app = createApp({ config, sql, temporal, logger: createLogger(config, 'openapi') });
  const server = app.listen(0, '127.0.0.1');
  try {
    await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
    const { port } = server.address() as AddressInfo;
    const res = await fetch(`http://127.0.0.1:${port}/openapi.json`);
    if (!res.ok) throw new Error(`GET /openapi.json answered ${res.status}`);
    return await res.json();
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await Promise.allSettled([connection.close(), sql.end({ timeout: 1 })]);
  }
}

async function main(out: string | undefined): Promise<void> {
  const json = `${JSON.stringify(await buildOpenApiDocument(), null, 2)}\n`;
  if (!out) {
    process.stdout.write(json);
    return;
  }
  await mkdir(path.dirname(path.resolve(out)), { recursive: true });
  await writeFile(out, json);
  process.stderr.write(`wrote ${out}\n`);
}

if (require.main === module) {
  main(process.argv[2]).catch((err) => {
    process.stderr.write(`openapi failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
}
