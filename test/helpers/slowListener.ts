import { createConnection, createServer, type AddressInfo, type Server } from 'node:net';
import { secondApi } from './developerSettings';
import type { TestStack } from './stack';

/**
 * A TCP proxy to Postgres that holds what the server sends for `delayMs`: a listener behind it hears every
 * notification late, as the listener of a busy process on another machine may.
 */
export async function slowProxy(databaseUrl: string, delayMs: number): Promise<{ url: string; close(): Promise<void> }> {
  const target = new URL(databaseUrl);
  const server: Server = createServer((client) => {
    const upstream = createConnection(Number(target.port), target.hostname);
    client.pipe(upstream);
    upstream.on('data', (chunk) => setTimeout(() => client.writable && client.write(chunk), delayMs));
    upstream.on('close', () => setTimeout(() => client.destroy(), delayMs));
    client.on('close', () => upstream.destroy());
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = new URL(databaseUrl);
  url.host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url: url.toString(), close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** Another API process whose token cache hears every notification `delayMs` late (its queries are not delayed). */
export async function withSlowProcess(
  stack: TestStack, fn: (slow: Awaited<ReturnType<typeof secondApi>>) => Promise<void>, delayMs = 300,
): Promise<void> {
  const proxy = await slowProxy(stack.db.url, delayMs);
  const slow = await secondApi(stack, { listenerUrl: proxy.url });
  try {
    if (!slow.credentialCache?.listening) throw new Error('the slow process does not listen');
    await fn(slow);
  } finally {
    await slow.close();
    await proxy.close();
  }
}
