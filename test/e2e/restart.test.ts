import { spawn, type ChildProcess } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import readline from 'node:readline';
import { Client, Connection } from '@temporalio/client';
import { createApp } from '../../api/app';
import { createSql } from '../../db/client';
import { listAccountsOfProfile } from '../../db/queries/accounts';
import { listAuditForSubject } from '../../db/queries/audit';
import { countSentEmails } from '../../db/queries/emailOutbox';
import { findMergeOfProfile } from '../../db/queries/profileMerges';
import { loadProfileSnapshot } from '../../db/queries/profiles';
import { createLogger } from '../../lib/logger';
import { stopChild } from '../../scripts/devstack/processes';
import { codeFromMail } from '../helpers/mailSink';
import { createPerson, type Person } from '../helpers/people';
import { startTestStack, type HttpResult, type TestStack } from '../helpers/stack';

/**
 * Durability: the worker runs as a real process that is SIGKILLed mid-merge and replaced. The workflow's
 * state lives in Temporal and its effects are keyed in Postgres, so the merge completes exactly once.
 */
const ROOT = path.resolve(__dirname, '../..');
// Each worker process bundles the workflows itself (as in production); that takes a while on 2 cores.
const WORKER_START_TIMEOUT_MS = 120_000;
const CASE_TIMEOUT_MS = 240_000;
// The API (in this process) and every worker process must share one secret; a random one, like production's.
const HMAC_SECRET = randomBytes(32).toString('hex');

interface WorkerProcess {
  child: ChildProcess;
  /** stdout and stderr lines, shown when something fails. */
  lines: string[];
}

let stack: TestStack;
const workers: WorkerProcess[] = [];
// Whatever happens to this jest worker, no worker process may outlive it.
const killAll = () => workers.forEach((w) => w.child.exitCode === null && w.child.signalCode === null && w.child.kill('SIGKILL'));
process.once('exit', killAll);

beforeAll(async () => {
  stack = await startTestStack({ worker: false, env: { HMAC_SECRET } });
});
afterAll(async () => {
  await Promise.allSettled(workers.map((w) => stopChild(w.child, 'SIGTERM', 5_000)));
  process.removeListener('exit', killAll);
  await stack?.close();
}, 30_000);

function startWorkerProcess(entry = 'worker/main.ts'): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      NODE_ENV: 'test',
      // 'worker started' is an info line.
      LOG_LEVEL: 'info',
      DATABASE_URL: stack.db.url,
      TEMPORAL_ADDRESS: stack.config.temporal.address,
      TEMPORAL_TASK_QUEUE: stack.taskQueue,
      SMTP_URL: stack.mail.url,
      // The API derives code HMACs with the same secret the worker's activity uses.
      HMAC_SECRET,
    },
  });
  const w: WorkerProcess = { child, lines: [] };
  workers.push(w);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error('the worker did not start in time')), WORKER_START_TIMEOUT_MS);
    const fail = (err: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${err.message}\n${w.lines.slice(-30).join('\n')}`));
    };
    child.once('exit', (code, signal) => fail(new Error(`the worker exited with ${signal ?? code} before it started`)));
    readline.createInterface({ input: child.stderr! }).on('line', (l) => w.lines.push(l));
    readline.createInterface({ input: child.stdout! }).on('line', (line) => {
      w.lines.push(line);
      let msg: unknown;
      try {
        msg = (JSON.parse(line) as { msg?: unknown }).msg;
      } catch {
        return;
      }
      if (msg === 'worker started') {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        resolve(w);
      }
    });
  });
}

/** The live worker process, started if there is none. */
async function liveWorker(): Promise<WorkerProcess> {
  const alive = workers.find((w) => w.child.exitCode === null && w.child.signalCode === null);
  return alive ?? startWorkerProcess();
}

function kill(w: WorkerProcess): Promise<void> {
  return new Promise((resolve) => {
    w.child.once('exit', () => resolve());
    w.child.kill('SIGKILL');
  });
}

interface Merge {
  me: Person;
  other: Person;
  token: string;
  id: string;
}

async function startMerge(): Promise<Merge> {
  const me = await createPerson(stack.sql, { profile: { points: 10, credits: 2 } });
  const other = await createPerson(stack.sql, { profile: { jobTitle: 'Analyst', points: 5, credits: 1 } });
  const token = await stack.signIn(me.emails[0]!);
  const started = await stack.http('POST', '/v1/profile/merges', { token, body: { email: other.emails[0] } });
  expect(started.status).toBe(202);
  return { me, other, token, id: started.body.id as string };
}

type Http = (method: string, path: string, opts?: { token?: string; body?: unknown }) => Promise<HttpResult>;

async function requestCode(m: Merge, http: Http = stack.http): Promise<string> {
  const sent = await http('POST', `/v1/profile/merges/${m.id}/code`, { token: m.token, body: { emailOptionId: `account-${m.other.accountIds[0]}` } });
  expect(sent.status).toBe(200);
  return codeFromMail(await stack.mail.waitFor((mail) => mail.to.includes(m.other.emails[0]!), 30_000));
}

async function verify(m: Merge, code: string, http: Http = stack.http): Promise<void> {
  const verified = await http('POST', `/v1/profile/merges/${m.id}/verification`, { token: m.token, body: { code } });
  expect({ status: verified.status, body: verified.body }).toMatchObject({ status: 200, body: { step: 'awaiting_confirmation' } });
}

/** Waits for the workflow to end (so every effect it will ever have has happened), then counts them. */
async function expectAppliedExactlyOnce(m: Merge): Promise<void> {
  const run = stack.client.workflow.getHandle((await findMergeOfProfile(stack.sql, m.id, m.me.profileId))!.workflowId);
  expect(await run.result()).toEqual({ outcome: 'completed' });

  const completionMails = stack.mail.messages.filter((x) => x.subject.includes('merged') && x.to.includes(m.me.emails[0]!));
  expect(completionMails).toHaveLength(1);
  expect(stack.mail.messages.filter((x) => x.to.includes(m.other.emails[0]!))).toHaveLength(1); // the one code
  expect(await countSentEmails(stack.sql, `merge/${m.id}/`)).toBe(1);

  const merged = (await listAuditForSubject(stack.sql, 'profile', m.me.profileId)).filter((e) => e.action === 'profile.merged');
  expect(merged).toHaveLength(1);
  expect(merged[0]!.details).toMatchObject({ mergeId: m.id, removedProfileId: m.other.profileId });
  expect(await findMergeOfProfile(stack.sql, m.id, m.me.profileId)).toMatchObject({
    outcome: 'completed', appliedAt: expect.any(Date), closedAt: expect.any(Date),
  });
  expect(await loadProfileSnapshot(stack.sql, m.me.profileId)).toMatchObject({ points: 15, credits: 3, jobTitle: 'Analyst' });
  expect(await loadProfileSnapshot(stack.sql, m.other.profileId)).toBeUndefined();
  expect(await listAccountsOfProfile(stack.sql, m.me.profileId)).toHaveLength(2);

  const status = await stack.http('GET', `/v1/profile/merges/${m.id}`, { token: m.token });
  expect(status.body).toMatchObject({ step: 'completed', outcome: 'completed' });
}

test('a worker killed after the code was sent is replaced, and the merge completes once', async () => {
  const first = await startWorkerProcess();
  const m = await startMerge();
  const code = await requestCode(m);

  await kill(first);
  await startWorkerProcess();

  await verify(m, code);
  const confirmed = await stack.http('POST', `/v1/profile/merges/${m.id}/confirmation`, { token: m.token });
  expect({ status: confirmed.status, body: confirmed.body }).toMatchObject({ status: 200, body: { outcome: 'completed' } });
  await expectAppliedExactlyOnce(m);
}, CASE_TIMEOUT_MS);

test('a worker killed while a confirmation is pending is replaced, and the pending request completes once', async () => {
  const frozen = await liveWorker();
  const m = await startMerge();
  await verify(m, await requestCode(m));

  // Freeze the worker so it cannot act on the confirmation, then kill it while the request waits.
  frozen.child.kill('SIGSTOP');
  let settled = false;
  const pending = stack.http('POST', `/v1/profile/merges/${m.id}/confirmation`, { token: m.token }).finally(() => {
    settled = true;
  });
  await new Promise((r) => setTimeout(r, 1_500));
  expect(settled).toBe(false);
  await kill(frozen);
  await startWorkerProcess();

  // The request either outlives the outage, or ends at the API's Temporal deadline with 503 and
  // Retry-After; the client's retry then joins the same confirm Update (fixed id) and gets its outcome.
  let confirmed = await pending;
  while (confirmed.status === 503) {
    expect(confirmed.headers.get('retry-after')).toMatch(/^\d+$/);
    confirmed = await stack.http('POST', `/v1/profile/merges/${m.id}/confirmation`, { token: m.token });
  }
  expect({ status: confirmed.status, body: confirmed.body }).toMatchObject({ status: 200, body: { outcome: 'completed' } });
  await expectAppliedExactlyOnce(m);
}, CASE_TIMEOUT_MS);

test('a worker killed between the apply\'s commit and its workflow task\'s completion: a retried confirm completes the merge', async () => {
  // The crashing worker must be the only one polling, so that it is the one that runs the apply.
  await Promise.all(workers.filter((w) => w.child.exitCode === null && w.child.signalCode === null).map(kill));
  const crashing = await startWorkerProcess('test/helpers/crashingWorker.ts');
  const m = await startMerge();
  await verify(m, await requestCode(m));

  // The apply commits, then the worker dies before the confirm Update reaches history.
  const died = new Promise<void>((resolve) => crashing.child.once('exit', () => resolve()));
  const first = stack.http('POST', `/v1/profile/merges/${m.id}/confirmation`, { token: m.token });
  await died;
  expect(await findMergeOfProfile(stack.sql, m.id, m.me.profileId)).toMatchObject({ outcome: 'completed', appliedAt: expect.any(Date) });
  await startWorkerProcess();

  // The first request may still complete, or end at the API's deadline; a client retries until 200.
  let confirmed = await first;
  while (confirmed.status === 503) confirmed = await stack.http('POST', `/v1/profile/merges/${m.id}/confirmation`, { token: m.token });
  expect({ status: confirmed.status, body: confirmed.body }).toMatchObject({ status: 200, body: { step: 'completed', outcome: 'completed' } });
  await expectAppliedExactlyOnce(m);
  const status = await stack.http('GET', `/v1/profile/merges/${m.id}`, { token: m.token });
  expect(status.body).toMatchObject({ step: 'completed', outcome: 'completed' });
}, CASE_TIMEOUT_MS);

test('a restarted API (new Temporal client, new database pool) continues a merge the first one started', async () => {
  await liveWorker();
  const m = await startMerge();

  const sql = createSql({ databaseUrl: stack.db.url, max: 2 });
  const connection = await Connection.connect({ address: stack.config.temporal.address });
  const app = createApp({
    config: stack.config, sql, temporal: new Client({ connection, namespace: stack.config.temporal.namespace }),
    logger: createLogger(stack.config, 'api'),
  });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const http: Http = async (method, urlPath, { token, body } = {}) => {
    const headers: Record<string, string> = {};
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(baseUrl + urlPath, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
  };

  try {
    await verify(m, await requestCode(m, http), http);
    const confirmed = await http('POST', `/v1/profile/merges/${m.id}/confirmation`, { token: m.token });
    expect({ status: confirmed.status, body: confirmed.body }).toMatchObject({ status: 200, body: { outcome: 'completed' } });
    await expectAppliedExactlyOnce(m);
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await connection.close();
    await sql.end({ timeout: 5 });
  }
}, CASE_TIMEOUT_MS);
