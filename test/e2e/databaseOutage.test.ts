// Postgres goes away under a running API: every request that needs it answers 503 database.unavailable
// with Retry-After (never a 500), readiness says so, and the API serves again as soon as Postgres is back.
// The suite runs its own Postgres: stopping the shared one would take every other suite down with it.
import { randomUUID } from 'node:crypto';
import { expectError, expectErrorShape } from '../helpers/http';
import { createPerson, PASSWORD } from '../helpers/people';
import { startOwnDatabase, type OwnDatabase } from '../helpers/postgresProcess';
import { startTestStack, type HttpResult, type TestStack } from '../helpers/stack';

let db: OwnDatabase | undefined;
let stack: TestStack | undefined;


beforeAll(async () => {
  db = await startOwnDatabase('custodian-outage-');
  // No worker: nothing here runs a workflow, and the worker's activities would only retry against the outage.
  stack = await startTestStack({ worker: false, databaseUrl: db.url });
});

afterAll(async () => {
  await stack?.close();
  await db?.remove();
});

function expectOutage(r: HttpResult, what: string): void {
  expect({ what, status: r.status, code: r.body?.code }).toEqual({ what, status: 503, code: 'database.unavailable' });
  expectErrorShape(r, what);
  expect({ what, retryAfter: r.headers.get('retry-after') }).toEqual({ what, retryAfter: expect.stringMatching(/^[1-9]\d*$/) });
  expect({ what, cacheControl: r.headers.get('cache-control') }).toEqual({ what, cacheControl: 'no-store' });
}

test('while Postgres is down every request that needs it answers 503 database.unavailable with Retry-After; afterwards the API serves again', async () => {
  const s = stack!;
  const person = await createPerson(s.sql);
  const email = person.emails[0]!;
  const token = await s.signIn(email);
  expect((await s.http('GET', '/readyz')).status).toBe(200);

  await db!.stop();

  expectOutage(await s.http('POST', '/v1/sessions', { body: { email, password: PASSWORD } }), 'sign-in, right password');
  expectOutage(await s.http('POST', '/v1/sessions', { body: { email, password: 'Wrong-password-1!' } }), 'sign-in, wrong password');
  expectOutage(await s.http('POST', '/v1/sessions', { body: { email: `nobody-${randomUUID()}@example.com`, password: PASSWORD } }), 'sign-in, unknown email');
  expectOutage(await s.http('GET', `/v1/profile/merges/${randomUUID()}`, { token }), 'merge status');
  expectOutage(await s.http('POST', '/v1/profile/merges', { token, body: { email: 'someone@example.com' } }), 'merge start');
  expectOutage(await s.http('DELETE', '/v1/sessions/current', { token }), 'sign-out');
  // What needs no database still answers as usual.
  expectError(await s.http('POST', '/v1/sessions', { body: {} }), 400, 'request.invalid');
  expect((await s.http('GET', '/healthz')).status).toBe(200);

  const ready = await s.http('GET', '/readyz');
  expect({ status: ready.status, body: ready.body }).toEqual({ status: 503, body: { status: 'unavailable', checks: { postgres: 'unavailable', temporal: 'ok' } } });

  await db!.start();

  // The pool reconnects on demand: the same data, the old session and a new sign-in all work.
  const again = await s.http('POST', '/v1/sessions', { body: { email, password: PASSWORD } });
  expect({ status: again.status, token: typeof again.body?.token }).toEqual({ status: 201, token: 'string' });
  expectError(await s.http('GET', `/v1/profile/merges/${randomUUID()}`, { token }), 404, /^merge\./);
  expect((await s.http('GET', '/readyz')).status).toBe(200);
});
