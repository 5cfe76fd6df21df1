import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { listAuditForSubject } from '../../db/queries/audit';
import { findMergeOfProfile } from '../../db/queries/profileMerges';
import { freePort } from '../../scripts/devstack/ports';
import { stopChild } from '../../scripts/devstack/processes';
import { ensureTemporalCli, startTemporalDevServer } from '../../scripts/devstack/temporalCli';
import { codeFromMail } from '../helpers/mailSink';
import { createPerson } from '../helpers/people';
import { startTestStack, type HttpResult, type TestStack } from '../helpers/stack';

/**
 * Durability: the Temporal server itself goes away mid-merge and a new server process comes back on the
 * same port with the same database file. The in-process worker and the API's client reconnect on their
 * own, and the merge carries on from where it was and completes exactly once.
 */
const CASE_TIMEOUT_MS = 240_000;
const RECOVERY_TIMEOUT_MS = 60_000;

/**
 * Every /readyz answered 503 during the outage leaves a getSystemInfo call that the client's gRPC retry
 * interceptor keeps retrying until its deadline has passed and the next attempt runs (backoff up to 5 s
 * plus jitter). Closing the connection while such a retry waits makes its timer throw "Channel has been
 * shut down" outside any promise (a bug in the client library), failing the suite after the test passed.
 * So the stack is closed only after one maximal backoff has passed since the last 503.
 */
const MAX_RETRY_GAP_MS = 6_500;
/** When the last probe that answered 503 was sent. */
let outageProbeAt: number | undefined;

interface DevServer {
  child: ChildProcess;
  address: string;
  /** stdout and stderr lines, shown when something fails. */
  lines: string[];
}

let dir: string | undefined;
let port: number;
let cli: string;
let stack: TestStack | undefined;
const servers: DevServer[] = [];
// Whatever happens to this jest worker, no Temporal server may outlive it.
const killAll = () => servers.forEach((s) => s.child.exitCode === null && s.child.signalCode === null && s.child.kill('SIGKILL'));
process.once('exit', killAll);

async function startServer(): Promise<DevServer> {
  const { child, address } = await startTemporalDevServer({ cli, dbFile: path.join(dir!, 'temporal.db'), port });
  const server: DevServer = { child, address, lines: [] };
  servers.push(server);
  // Drained so a chatty server never blocks on a full pipe; kept for the failure message.
  for (const stream of [child.stdout, child.stderr]) {
    if (stream) readline.createInterface({ input: stream }).on('line', (l) => server.lines.push(l));
  }
  return server;
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'custodian-temporal-restart-'));
  cli = ensureTemporalCli(() => undefined);
  port = await freePort();
  const server = await startServer();
  stack = await startTestStack({ temporalAddress: server.address });
}, 120_000);

afterAll(async () => {
  try {
    if (outageProbeAt !== undefined) {
      await new Promise((r) => setTimeout(r, Math.max(0, outageProbeAt! + MAX_RETRY_GAP_MS - Date.now())));
    }
    await stack?.close();
  } finally {
    await Promise.allSettled(servers.map((s) => stopChild(s.child, 'SIGTERM', 10_000)));
    process.removeListener('exit', killAll);
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  }
}, 90_000);

/** Polls /readyz until `accept` holds and returns that answer; on timeout throws with the last one and the servers' logs. */
async function readyzUntil(accept: (r: HttpResult) => boolean, timeoutMs: number, what: string): Promise<HttpResult> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const at = Date.now();
    const r = await stack!.http('GET', '/readyz');
    if (r.status !== 200) outageProbeAt = at;
    if (accept(r)) return r;
    if (Date.now() > deadline) {
      const logs = servers.flatMap((s) => s.lines).slice(-30).join('\n');
      throw new Error(`${what} within ${timeoutMs / 1000} s; last /readyz: ${r.status} ${JSON.stringify(r.body)}\n${logs}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

test('a merge started before the Temporal server restarts (database kept) completes once afterwards', async () => {
  const s = stack!;
  const me = await createPerson(s.sql, { profile: { points: 10, credits: 2 } });
  const other = await createPerson(s.sql, { profile: { jobTitle: 'Analyst', points: 5, credits: 1 } });
  const token = await s.signIn(me.emails[0]!);

  const started = await s.http('POST', '/v1/profile/merges', { token, body: { email: other.emails[0] } });
  expect(started.status).toBe(202);
  const id = started.body.id as string;
  const sent = await s.http('POST', `/v1/profile/merges/${id}/code`, { token, body: { emailOptionId: `account-${other.accountIds[0]}` } });
  expect(sent.status).toBe(200);
  const code = codeFromMail(await s.mail.waitFor((m) => m.to.includes(other.emails[0]!), 30_000));

  // Down: the API reports Temporal unavailable.
  const first = servers[0]!;
  await stopChild(first.child, 'SIGTERM');
  const down = await readyzUntil((r) => r.status === 503, 15_000, 'readiness did not drop while Temporal was down');
  expect(down.body).toEqual({ status: 'unavailable', checks: { postgres: 'ok', temporal: 'unavailable' } });

  // Back: a new process on the same port and database file; nothing in the stack is recreated.
  const second = await startServer();
  expect(second.address).toBe(first.address);
  const up = await readyzUntil((r) => r.status === 200, RECOVERY_TIMEOUT_MS, 'readiness did not return after the restart');
  expect(up.body).toEqual({ status: 'ready', checks: { postgres: 'ok', temporal: 'ok' } });

  // The workflow's state came back from the kept database, and the old worker serves it.
  const verified = await s.http('POST', `/v1/profile/merges/${id}/verification`, { token, body: { code } });
  expect({ status: verified.status, body: verified.body }).toMatchObject({ status: 200, body: { step: 'awaiting_confirmation' } });
  expect(verified.body.preview.merged.points).toEqual({ signedIn: 10, other: 5, result: 15 });
  expect(verified.body.preview.kept).toContainEqual({ field: 'jobTitle', value: 'Analyst', source: 'other' });

  const confirmed = await s.http('POST', `/v1/profile/merges/${id}/confirmation`, { token });
  expect({ status: confirmed.status, body: confirmed.body }).toMatchObject({ status: 200, body: { outcome: 'completed' } });

  // Applied once, counted after the workflow has ended (so every effect it will ever have has happened).
  expect(await s.client.workflow.getHandle((await findMergeOfProfile(s.sql, id, me.profileId))!.workflowId).result()).toEqual({ outcome: 'completed' });
  await s.mail.waitFor((m) => m.subject.includes('merged') && m.to.includes(me.emails[0]!), 30_000);
  expect(s.mail.messages.filter((m) => m.subject.includes('merged') && m.to.includes(me.emails[0]!))).toHaveLength(1);
  expect(s.mail.messages.filter((m) => m.to.includes(other.emails[0]!))).toHaveLength(1); // the one code
  const merged = (await listAuditForSubject(s.sql, 'profile', me.profileId)).filter((e) => e.action === 'profile.merged');
  expect(merged).toHaveLength(1);
  expect(merged[0]!.details).toMatchObject({ mergeId: id, removedProfileId: other.profileId });
  expect(await findMergeOfProfile(s.sql, id, me.profileId)).toMatchObject({
    outcome: 'completed', appliedAt: expect.any(Date), closedAt: expect.any(Date),
  });
  const status = await s.http('GET', `/v1/profile/merges/${id}`, { token });
  expect(status.body).toMatchObject({ step: 'completed', outcome: 'completed' });
}, CASE_TIMEOUT_MS);
