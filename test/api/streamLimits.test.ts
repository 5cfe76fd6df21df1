// Streamed replies hold a pooled connection through their cursor (api/streamReply.ts): a client that stops reading
// is cut off after EXPORT_STALL_TIMEOUT_SECONDS and the connection goes back to the pool, and past
// EXPORT_MAX_CONCURRENT streams at once a process answers 503 export.busy, so a few slow exports cannot starve
// every tenant of the pool.
import { connect, type Socket } from 'node:net';
import { createCompany, type TestCompany } from '../helpers/company';
import { expectError, expectErrorShape } from '../helpers/http';
import { suiteStack } from '../helpers/suiteStack';
import { eventually, sleep } from '../helpers/waiting';

const STALL_SECONDS = 3;
const stack = suiteStack({ worker: false, env: { EXPORT_STALL_TIMEOUT_SECONDS: String(STALL_SECONDS), EXPORT_MAX_CONCURRENT: '1' } });
const logOf = (companyId: string, query = '') => `/v1/companies/${companyId}/audit-log${query}`;

let big: TestCompany;
beforeAll(async () => {
  big = await createCompany(stack);
  // About 24 MB of CSV: far more than the socket buffers on both sides hold, so a client that reads nothing stalls it.
  await stack.sql`
    insert into audit_log (actor_account_id, action, subject_type, subject_id, details, company_id, actor_credential, outcome)
    select gen_random_uuid(), 'member.looked_up', 'account', gen_random_uuid()::text, jsonb_build_object('note', repeat('x', 2000)),
           ${big.companyId}, 'pat', 'succeeded'
      from generate_series(1, 12000)`;
}, 60_000);

/** Backends of this database in the middle of the audit log's export cursor. */
async function exportCursors(): Promise<number> {
  const [row] = await stack.sql<{ n: number }[]>`
    select count(*)::int as n from pg_stat_activity
     where datname = current_database() and pid <> pg_backend_pid() and state <> 'idle' and query like '%from audit_log a where%'`;
  return row!.n;
}

/** Asks for the CSV export, reads the answer's head, then stops reading: a client that went to sleep. */
async function stalledExport(companyId: string, headers: Record<string, string>): Promise<{ socket: Socket; head: string; rest: Buffer }> {
  const { hostname, port } = new URL(stack.baseUrl);
  const socket = connect(Number(port), hostname);
  const lines = [`GET ${logOf(companyId, '?format=csv')} HTTP/1.1`, `Host: ${hostname}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`), '', ''];
  socket.write(lines.join('\r\n'));
  return new Promise((resolve, reject) => {
    let received = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const end = received.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onData).pause();
      resolve({ socket, head: received.subarray(0, end).toString('latin1'), rest: received.subarray(end + 4) });
    };
    socket.on('data', onData).on('error', reject);
  });
}

/** Reads what is left until the server closes the connection: the bytes, and whether the body ended properly. */
function drain(socket: Socket, rest: Buffer): Promise<{ bytes: number; complete: boolean }> {
  return new Promise((resolve) => {
    let tail = rest.subarray(-16);
    let bytes = rest.length;
    socket.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      tail = Buffer.concat([tail, chunk]).subarray(-16);
    });
    // A reset is the server cutting us off too.
    socket.on('error', () => undefined);
    socket.on('close', () => resolve({ bytes, complete: tail.toString('latin1').endsWith('\r\n0\r\n\r\n') }));
    socket.resume();
  });
}

test('a client that stops reading is cut off after the stall deadline, and the cursor\'s connection goes back to the pool', async () => {
  const { socket, head, rest } = await stalledExport(big.companyId, big.admin.headers);
  expect(head).toMatch(/^HTTP\/1\.1 200 /);
  expect(head).toMatch(/\r\ncontent-type: text\/csv; charset=utf-8/i);
  // The export is running: its cursor holds a connection while the socket's buffers fill.
  await eventually(async () => expect(await exportCursors()).toBe(1), 5_000);
  const held = Date.now();
  // Given up on after the deadline: the cursor is closed and its connection idle in the pool again.
  await eventually(async () => expect(await exportCursors()).toBe(0), 15_000);
  expect(Date.now() - held).toBeGreaterThanOrEqual(STALL_SECONDS * 1000 - 1000);
  // The client finds the connection closed before the end of the chunked body: it cannot take it for the whole log.
  const { bytes, complete } = await drain(socket, rest);
  expect(complete).toBe(false);
  expect(bytes).toBeLessThan(20 * 1024 * 1024);
  // The connection serves again: the pool (5 connections in tests) answers five queries at once.
  const answers = await Promise.all(Array.from({ length: 5 }, () => stack.sql`select pg_sleep(0.05), 1 as one`));
  expect(answers).toHaveLength(5);
}, 30_000);

test('past EXPORT_MAX_CONCURRENT streams, 503 export.busy with Retry-After; JSON pages are not held back; the slot comes back', async () => {
  const small = await createCompany(stack);
  const first = await stalledExport(big.companyId, big.admin.headers);
  expect(first.head).toMatch(/^HTTP\/1\.1 200 /);

  // Any streamed reply of the process: the audit log, the member listing, the backup-access report, personal data.
  for (const [path, headers] of [
    [logOf(small.companyId, '?format=csv'), small.admin.headers],
    [`/v1/companies/${small.companyId}/members?format=csv`, small.admin.headers],
    [`/v1/companies/${small.companyId}/reports/backup-access`, { ...small.admin.headers, accept: 'text/csv' }],
    ['/v1/personal-data', small.member.headers],
  ] as const) {
    const r = await stack.http('GET', path, { headers });
    expectError(r, 503, 'export.busy');
    expectErrorShape(r, path);
    expect(r.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
  }
  // Refused before the handler ran: no audit entry claims an export that never happened.
  const [exported] = await stack.sql<{ n: number }[]>`
    select count(*)::int as n from audit_log where company_id = ${small.companyId} and action in ('audit_log.exported', 'members.exported', 'report.backup_access_exported')`;
  expect(exported!.n).toBe(0);
  // Pages are not streams.
  const page = await stack.http('GET', logOf(small.companyId), { headers: small.admin.headers });
  expect(page.status).toBe(200);

  // The stalled export is cut off at its deadline, and its slot serves the next one.
  await eventually(async () => expect(await exportCursors()).toBe(0), 15_000);
  expect((await drain(first.socket, first.rest)).complete).toBe(false);
  await sleep(100);
  const next = await stack.http('GET', logOf(small.companyId, '?format=csv'), { headers: small.admin.headers });
  expect(next.status).toBe(200);
  expect(next.body).toMatch(/^Id,OccurredAt,/);
}, 30_000);

test('the document says so: 503 export.busy with Retry-After on the streamed operations only', async () => {
  const r = await stack.http('GET', '/openapi.json');
  const op = (path: string, method = 'get') => r.body.paths[path][method].responses['503'];
  for (const path of ['/v1/companies/{id}/audit-log', '/v1/companies/{id}/members', '/v1/companies/{id}/reports/backup-access', '/v1/personal-data', '/v1/personal-data/download']) {
    expect({ path, description: op(path).description }).toEqual({ path, description: expect.stringContaining('`export.busy`') });
    expect(op(path).headers['Retry-After']).toBeDefined();
  }
  expect(op('/v1/companies/{id}/offboarding-batches', 'post').description).not.toContain('export.busy');
});
