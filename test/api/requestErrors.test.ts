// Requests the API refuses before any business rule runs: bodies it cannot read, routes and methods it
// does not have, parameters of the wrong shape, and missing sessions.
import { randomUUID } from 'node:crypto';
import { listAuditForSubject } from '../../db/queries/audit';
import { checkedHttp, expectError, expectInvalid } from '../helpers/http';
import { createPerson, PASSWORD } from '../helpers/people';
import { suiteStack } from '../helpers/suiteStack';

const stack = suiteStack({ env: { SIGNIN_MAX_FAILURES_PER_ADDRESS: '1000' } });
const { call, signedIn } = checkedHttp(stack);

describe('request bodies', () => {
  test('malformed JSON → 400 request.malformed_json, and nothing is signed in', async () => {
    const me = await createPerson(stack.sql);
    const raw = `{"email":"${me.emails[0]}","password":"${PASSWORD}"`;
    expectError(await call('POST', '/v1/sessions', { raw, headers: { 'content-type': 'application/json' } }), 400, 'request.malformed_json');
    expectError(await call('POST', '/v1/sessions', { raw: '{email: 1}', headers: { 'content-type': 'application/json' } }), 400, 'request.malformed_json');
    // Strict JSON: a bare string is not a request body.
    expectError(await call('POST', '/v1/sessions', { raw: '"x"', headers: { 'content-type': 'application/json' } }), 400, 'request.malformed_json');
    expect(await listAuditForSubject(stack.sql, 'account', me.accountIds[0]!)).toEqual([]);
  });

  test('valid JSON of the wrong kind → 400 request.invalid', async () => {
    expectInvalid(await call('POST', '/v1/sessions', { raw: '[]', headers: { 'content-type': 'application/json' } }), 'body');
    expectInvalid(await call('POST', '/v1/sessions', { raw: '{}', headers: { 'content-type': 'application/json' } }), 'body.email', 'body.password');
  });

  test.each([
    ['text/plain', 'text/plain'],
    ['form-urlencoded', 'application/x-www-form-urlencoded'],
    ['multipart', 'multipart/form-data; boundary=x'],
    ['xml', 'application/xml'],
  ])('a %s body → 415', async (_name, type) => {
    const me = await createPerson(stack.sql);
    const raw = type.includes('urlencoded') ? `email=${encodeURIComponent(me.emails[0]!)}&password=${PASSWORD}` : JSON.stringify({ email: me.emails[0], password: PASSWORD });
    expectError(await call('POST', '/v1/sessions', { raw, headers: { 'content-type': type } }), 415, 'request.unsupported_media_type');
    expect(await listAuditForSubject(stack.sql, 'account', me.accountIds[0]!)).toEqual([]);
  });

  test('a body without a content type → 415 (fetch sends text/plain for a string body)', async () => {
    expectError(await call('POST', '/v1/sessions', { raw: '{"email":"a@b.co","password":"x"}' }), 415, 'request.unsupported_media_type');
  });

  test('an unsupported charset → 415', async () => {
    const headers = { 'content-type': 'application/json; charset=latin1' };
    expectError(await call('POST', '/v1/sessions', { raw: '{"email":"a@b.co","password":"x"}', headers }), 415, 'request.unsupported_charset');
  });

  test('a body over 16kb → 413 request.too_large, on every body route', async () => {
    const { token } = await signedIn();
    const big = 'x'.repeat(17 * 1024);
    expectError(await call('POST', '/v1/sessions', { body: { email: 'a@b.co', password: big } }), 413, 'request.too_large');
    expectError(await call('POST', '/v1/profile/merges', { token, body: { email: big } }), 413, 'request.too_large');
    expectError(await call('POST', `/v1/profile/merges/${randomUUID()}/code`, { token, body: { emailOptionId: big } }), 413, 'request.too_large');
    expectError(await call('POST', `/v1/profile/merges/${randomUUID()}/verification`, { token, body: { code: big } }), 413, 'request.too_large');
  });

  test('a body route without a body → 400 request.invalid', async () => {
    const { token } = await signedIn();
    expectInvalid(await call('POST', '/v1/sessions'), 'body');
    expectInvalid(await call('POST', '/v1/profile/merges', { token }), 'body');
  });
});

describe('routes and parameters', () => {
  test.each([
    ['GET', '/nope'],
    ['POST', `/v1/profile/merges/${randomUUID()}/unknown`],
  ])('%s %s → 404 route.not_found', async (method, path) => {
    expectError(await call(method, path), 404, 'route.not_found');
  });

  test.each([
    ['GET', '/v1/sessions', 'DELETE, POST'],
    ['PUT', '/v1/sessions/current', 'DELETE'],
    ['PUT', '/v1/profile/merges', 'GET, HEAD, POST'],
    ['PATCH', `/v1/profile/merges/${randomUUID()}`, 'DELETE, GET, HEAD'],
    ['POST', '/healthz', 'GET, HEAD'],
  ])('%s %s → 405 with Allow: %s', async (method, path, allow) => {
    const r = await call(method, path);
    expectError(r, 405, 'request.method_not_allowed');
    expect(r.headers.get('allow')).toBe(allow);
  });

  test.each([
    ['GET', '', undefined],
    ['POST', '/code', { emailOptionId: 'recovery-email' }],
    ['POST', '/verification', { code: '123456' }],
    ['POST', '/confirmation', undefined],
    ['DELETE', '', undefined],
  ])('%s merge%s: an id that is not a UUID → 400 on params.id; without a session → 401', async (method, suffix, body) => {
    const { token } = await signedIn();
    for (const bad of ['not-a-uuid', '123', `${randomUUID()}x`, "1' or '1'='1"]) {
      expectInvalid(await call(method, `/v1/profile/merges/${encodeURIComponent(bad)}${suffix}`, { token, body }), 'params.id');
    }
    // Broken percent-encoding never reaches the handler; Express's own error still answers 400.
    expectError(await call(method, `/v1/profile/merges/%E0%A4%A${suffix}`, { token, body }), 400, /^request\./);
    const r = await call(method, `/v1/profile/merges/not-a-uuid${suffix}`, { body });
    expectError(r, 401, 'auth.unauthenticated');
    expect(r.headers.get('www-authenticate')).toMatch(/^Bearer/);
  });

  test.each([
    ['POST', '/v1/profile/merges', { email: 'a@b.co' }],
    ['GET', `/v1/profile/merges/${randomUUID()}`, undefined],
    ['POST', `/v1/profile/merges/${randomUUID()}/code`, { emailOptionId: 'recovery-email' }],
    ['POST', `/v1/profile/merges/${randomUUID()}/verification`, { code: '123456' }],
    ['POST', `/v1/profile/merges/${randomUUID()}/confirmation`, undefined],
    ['DELETE', `/v1/profile/merges/${randomUUID()}`, undefined],
    ['GET', '/v1/profile/merges?role=source', undefined],
  ])('%s %s without a session → 401', async (method, path, body) => {
    expectError(await call(method, path, { body }), 401, 'auth.unauthenticated');
    expectError(await call(method, path, { body, token: 'A'.repeat(43) }), 401, 'auth.unauthenticated');
  });
});
