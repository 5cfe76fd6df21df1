import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  /** The request's path and query. */
  path: string;
  headers: http.IncomingHttpHeaders;
  /** The raw body, exactly as sent: what a signature is checked against. */
  body: string;
}

/**
 * A local HTTP server standing in for an HR system's webhook endpoint: records every request and answers each
 * with the next planned status (a 3xx points back at it, at `/followed`) (200 once the plan runs out); `hang` holds the answer past any timeout.
 */
export async function startWebhookReceiver() {
  const received: ReceivedWebhook[] = [];
  const plan: (number | 'hang')[] = [];
  const sockets = new Set<import('node:net').Socket>();
  let port = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      const next = plan.shift() ?? 200;
      if (next === 'hang') return;
      res.writeHead(next, next >= 300 && next < 400 ? { Location: `http://127.0.0.1:${port}/followed` } : {}).end('a body nobody stores');
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  ({ port } = server.address() as AddressInfo);
  return {
    url: `http://127.0.0.1:${port}/hooks/custodian`,
    received,
    /** The statuses of the next answers, in order. */
    answer: (...statuses: (number | 'hang')[]) => plan.push(...statuses),
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
export type WebhookReceiver = Awaited<ReturnType<typeof startWebhookReceiver>>;
