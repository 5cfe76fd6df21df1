import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import readline from 'node:readline';
import { SMTPServer } from 'smtp-server';
import { waitFor } from '../devstack/ports';

/**
 * The pieces a benchmark runs beside the system under test: the API and the worker as processes of their own (as
 * in production, so /proc gives each one's CPU), an SMTP server that counts and drops, and a webhook receiver
 * that answers 200 at once and counts.
 */
const ROOT = path.resolve(__dirname, '..', '..');

export interface Service {
  child: ChildProcess;
  /** Its output, for the error message when it fails. */
  lines: string[];
  stop(): Promise<void>;
}

function spawnService(entry: string, env: Record<string, string>, nodeFlags: string[] = []): Service {
  const child = spawn(process.execPath, [...nodeFlags, '--import', 'tsx', path.join(ROOT, entry)], {
    cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  for (const s of [child.stdout, child.stderr]) readline.createInterface({ input: s }).on('line', (l) => lines.length < 2000 && lines.push(l));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    lines,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** `api/server.ts` on `port`; resolves once /healthz answers. */
export async function startApiProcess(port: number, env: Record<string, string>): Promise<Service & { url: string }> {
  const api = spawnService('api/server.ts', { ...env, PORT: String(port) });
  const url = `http://127.0.0.1:${port}`;
  await waitFor('the API', async () => {
    if (api.child.exitCode !== null) throw new Error(`the API exited:\n${api.lines.slice(-20).join('\n')}`);
    return (await fetch(`${url}/healthz`)).ok;
  }, 60_000);
  return { ...api, url };
}

/**
 * `worker/main.ts` (it bundles the workflows itself, as in production); resolves once it logs `worker started`.
 * With `cpuProfileDir`, V8 writes the worker's CPU profile there when it stops (open it in Chrome's DevTools).
 */
export async function startWorkerProcess(env: Record<string, string>, { cpuProfileDir, timeoutMs = 180_000 }: { cpuProfileDir?: string; timeoutMs?: number } = {}): Promise<Service> {
  const worker = spawnService('worker/main.ts', { ...env, LOG_LEVEL: 'info' }, cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfileDir}`] : []);
  const deadline = Date.now() + timeoutMs;
  while (!worker.lines.some((l) => l.includes('"msg":"worker started"'))) {
    if (worker.child.exitCode !== null || Date.now() > deadline) {
      await worker.stop();
      throw new Error(`the worker did not start:\n${worker.lines.slice(-20).join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return worker;
}

/** An SMTP server that accepts every message, counts it, and keeps none. */
export async function startSmtpSink(): Promise<{ url: string; received: () => number; close(): Promise<void> }> {
  let received = 0;
  const server = new SMTPServer({
    authOptional: true, disabledCommands: ['STARTTLS'], logger: false,
    onData(stream, _session, callback) {
      stream.on('data', () => undefined);
      stream.on('end', () => {
        received++;
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return { url: `smtp://127.0.0.1:${port}`, received: () => received, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** A webhook endpoint that answers 200 at once and counts the POSTs and their distinct event ids. */
export async function startWebhookSink(): Promise<{ url: string; received: () => { posts: number; events: number }; close(): Promise<void> }> {
  let posts = 0;
  const events = new Set<string>();
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      posts++;
      events.add(String(req.headers['custodian-event-id']));
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/bench`,
    received: () => ({ posts, events: events.size }),
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/**
 * The worker's Prometheus histograms (WORKER_METRICS_ADDRESS), as sums and counts per label set: read before and
 * after a phase, their difference is that phase's mean latencies.
 */
export async function scrapeHistograms(address: string): Promise<Map<string, { sum: number; count: number }>> {
  const text = await (await fetch(`http://${address}/metrics`)).text();
  const out = new Map<string, { sum: number; count: number }>();
  for (const line of text.split('\n')) {
    const m = /^(\w+)_(sum|count)(\{[^}]*\})? ([\d.eE+-]+)$/.exec(line);
    if (!m) continue;
    const labels = (m[3] ?? '').replace(/,?(service_name|namespace|task_queue|worker_type)="[^"]*"/g, '').replace(/^\{,?/, '{');
    const key = `${m[1]}${labels === '{}' ? '' : labels}`;
    const e = out.get(key) ?? { sum: 0, count: 0 };
    e[m[2] as 'sum' | 'count'] += Number(m[4]);
    out.set(key, e);
  }
  return out;
}

/** Mean (ms) and count of each histogram between two scrapes, the busiest first. */
export function histogramDelta(before: Map<string, { sum: number; count: number }>, after: Map<string, { sum: number; count: number }>) {
  return [...after].map(([key, a]) => {
    const b = before.get(key) ?? { sum: 0, count: 0 };
    const count = a.count - b.count;
    return { key, count, meanMs: count > 0 ? Math.round(((a.sum - b.sum) / count) * 10) / 10 : 0 };
  }).filter((h) => h.count > 0).sort((x, y) => y.count * y.meanMs - x.count * x.meanMs);
}
