import { request } from 'node:http';
import { appendAudit } from '../../db/queries/audit';
import { checkedHttp, expectError } from '../helpers/http';
import { suiteStack } from '../helpers/suiteStack';

const stack = suiteStack({ worker: false });
const { call, signedIn } = checkedHttp(stack);

/** A raw GET: the headers as sent, and the body as the chunks that arrived. */
function rawGet(path: string, token: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; chunks: Buffer[] }> {
  return new Promise((resolve, reject) => {
    const req = request(stack.baseUrl + path, { headers: { authorization: `Bearer ${token}` } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, chunks }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('GET /v1/personal-data', () => {
  test('answers the person\'s data in the documented format, without secrets or anyone else\'s data', async () => {
    const { person, token } = await signedIn({ accounts: 2, profile: { jobTitle: 'Keeper', skills: ['Rust'] } });
    const other = await signedIn();
    await call('PATCH', '/v1/notification-settings', { token, body: { buzz: { dailyDigest: true } } });
    const r = await call('GET', '/v1/personal-data', { token });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^application\/json/);
    expect(r.headers.get('content-disposition')).toBeNull();
    expect(r.headers.get('cache-control')).toBe('no-store');
    expect(r.body).toEqual(expect.objectContaining({
      format: 'custodian.personal-data', version: 1, schema: '/v1/personal-data/schema', profileId: person.profileId,
    }));
    const s = r.body.sections;
    expect(s.profile).toEqual([expect.objectContaining({ id: person.profileId, job_title: 'Keeper' })]);
    expect(s.accounts.map((a: { id: string }) => a.id).sort()).toEqual([...person.accountIds].sort());
    expect(s.accounts[0]).not.toHaveProperty('password_hash');
    expect(s.skills).toEqual([expect.objectContaining({ name: 'Rust' })]);
    expect(s.notificationSettings).toEqual([expect.objectContaining({ key: 'buzz.daily_digest', value: true })]);
    expect(s.sessions.length).toBeGreaterThan(0);
    expect(s.sessions[0]).not.toHaveProperty('token_hash');
    expect(s.auditEntries.map((e: { action: string }) => e.action)).toEqual(expect.arrayContaining(['session.created']));
    const text = JSON.stringify(r.body);
    expect(text).not.toMatch(/\$argon2/);
    for (const id of [other.person.profileId, ...other.person.accountIds]) expect(text).not.toContain(id);
  });

  test('download: the same document as an attachment', async () => {
    const { person, token } = await signedIn();
    const r = await call('GET', '/v1/personal-data/download', { token });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-disposition')).toMatch(/^attachment; filename="personal-data-\d{4}-\d{2}-\d{2}\.json"$/);
    expect(r.body).toEqual(expect.objectContaining({ format: 'custodian.personal-data', version: 1, profileId: person.profileId }));
    expect(Object.keys(r.body.sections)).toEqual(Object.keys((await call('GET', '/v1/personal-data', { token })).body.sections));
  });

  test('a long history is streamed: chunked, in many writes, with no Content-Length', async () => {
    const { person, token } = await signedIn();
    await stack.sql`
      insert into audit_log (actor_account_id, action, subject_type, subject_id, details)
      select ${person.accountIds[0]!}::uuid, 'test.bulk', 'account', ${person.accountIds[0]!}, jsonb_build_object('n', n, 'pad', repeat('x', 200))
        from generate_series(1, 5000) n`;
    await appendAudit(stack.sql, { actorAccountId: null, action: 'test.last', subjectType: 'profile', subjectId: person.profileId, details: {} });
    const r = await rawGet('/v1/personal-data/download', token);
    expect(r.status).toBe(200);
    expect(r.headers['transfer-encoding']).toBe('chunked');
    expect(r.headers['content-length']).toBeUndefined();
    // 5,000 entries of ~300 bytes, written 100 rows at a time as the cursor reads them.
    expect(r.chunks.length).toBeGreaterThan(10);
    const doc = JSON.parse(Buffer.concat(r.chunks).toString('utf8'));
    expect(doc.sections.auditEntries.filter((e: { action: string }) => e.action === 'test.bulk')).toHaveLength(5000);
    expect(doc.sections.auditEntries.at(-1).action).toBe('test.last');
  });

  test('a client hanging up mid-download ends the read: its transaction and connection are released', async () => {
    const { person, token } = await signedIn();
    await stack.sql`
      insert into audit_log (actor_account_id, action, subject_type, subject_id, details)
      select ${person.accountIds[0]!}::uuid, 'test.bulk', 'account', ${person.accountIds[0]!}, jsonb_build_object('pad', repeat('y', 2000))
        from generate_series(1, 20000) n`;
    await new Promise<void>((resolve, reject) => {
      const req = request(stack.baseUrl + '/v1/personal-data/download', { headers: { authorization: `Bearer ${token}` } }, (res) => {
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.on('error', (err) => (req.destroyed ? undefined : reject(err)));
      req.end();
    });
    const open = () => stack.sql<{ n: number }[]>`
      select count(*)::int as n from pg_stat_activity
       where datname = current_database() and xact_start is not null and pid <> pg_backend_pid()`;
    const deadline = Date.now() + 10_000;
    while ((await open())[0]!.n > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect((await open())[0]!.n).toBe(0);
    // And the API still answers.
    expect((await call('GET', '/v1/notification-settings', { token })).status).toBe(200);
  });

  test('no session: 401', async () => {
    expectError(await call('GET', '/v1/personal-data'), 401, 'auth.unauthenticated');
    expectError(await call('GET', '/v1/personal-data/download'), 401, 'auth.unauthenticated');
  });
});

test('GET /v1/personal-data/schema serves the committed JSON Schema, without a session', async () => {
  const r = await call('GET', '/v1/personal-data/schema');
  expect(r.status).toBe(200);
  expect(r.body).toEqual(expect.objectContaining({ $schema: 'https://json-schema.org/draft/2020-12/schema', $id: '/v1/personal-data/schema' }));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  expect(r.body).toEqual(require('../../docs/personal-data.schema.json'));
});
