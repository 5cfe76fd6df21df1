// The credential is checked before the body is read (api/route.ts): an anonymous or refused caller of a bulk upload
// (10 MB) gets its 401/403 at once, without the API buffering and parsing megabytes for it. The answers and their
// codes are those of before, and a caller who is let in still meets the body's own checks (413, 415, 400).
import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { createCompany, type TestCompany } from '../helpers/company';
import { checkedHttp, expectError } from '../helpers/http';
import { suiteStack } from '../helpers/suiteStack';

const stack = suiteStack({ worker: false });
const { call } = checkedHttp(stack);
const batches = (companyId: string) => `/v1/companies/${companyId}/offboarding-batches`;

let company: TestCompany;
beforeAll(async () => {
  company = await createCompany(stack);
});

interface Answer { status: number; head: string; body: { code?: string } }

/**
 * Declares a 5 MB body, sends its first 64 kB and stops: the answer that comes back (or undefined after `waitMs`) was
 * given without the body, since most of it was never sent. A JSON parser would still be waiting for the rest.
 */
function answerToUnfinishedUpload(path: string, headers: Record<string, string>, contentType = 'application/json', waitMs = 4000): Promise<Answer | undefined> {
  const { hostname, port } = new URL(stack.baseUrl);
  const socket = connect(Number(port), hostname);
  const head = [
    `POST ${path} HTTP/1.1`, `Host: ${hostname}`, `Content-Type: ${contentType}`, `Content-Length: ${5 * 1024 * 1024}`,
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`), '', '',
  ].join('\r\n');
  socket.write(head);
  socket.write(`{"people": [${' '.repeat(64 * 1024)}`);
  return new Promise((resolve, reject) => {
    let received = Buffer.alloc(0);
    const done = (answer: Answer | undefined) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(answer);
    };
    const timer = setTimeout(() => done(undefined), waitMs);
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const end = received.indexOf('\r\n\r\n');
      if (end < 0) return;
      const text = received.subarray(0, end).toString('latin1');
      const length = Number(/\r\ncontent-length: *(\d+)/i.exec(text)?.[1] ?? 0);
      if (received.length < end + 4 + length) return;
      done({ status: Number(text.split(' ')[1]), head: text, body: JSON.parse(received.subarray(end + 4, end + 4 + length).toString('utf8')) });
    });
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

describe('a refused caller is answered before its body is read', () => {
  test('no credential: 401 auth.unauthenticated while 5 MB of JSON are still unsent', async () => {
    const r = await answerToUnfinishedUpload(batches(company.companyId), {});
    expect(r && { status: r.status, code: r.body.code }).toEqual({ status: 401, code: 'auth.unauthenticated' });
    expect(r!.head).toMatch(/\r\nWWW-Authenticate: Bearer realm="custodian"/i);
  });

  test('the same for a CSV upload', async () => {
    const r = await answerToUnfinishedUpload(batches(company.companyId), {}, 'text/csv');
    expect(r && { status: r.status, code: r.body.code }).toEqual({ status: 401, code: 'auth.unauthenticated' });
  });

  test('an unknown token: 403 auth.invalid_token', async () => {
    const r = await answerToUnfinishedUpload(batches(company.companyId), { Authorization: 'mxtoken not-a-real-token' });
    expect(r && { status: r.status, code: r.body.code }).toEqual({ status: 403, code: 'auth.invalid_token' });
  });

  test('a token without the route\'s scope: 403 auth.insufficient_scope', async () => {
    const reader = await company.serviceAccount(['offboarding:read']);
    const r = await answerToUnfinishedUpload(batches(company.companyId), reader.headers);
    expect(r && { status: r.status, code: r.body.code }).toEqual({ status: 403, code: 'auth.insufficient_scope' });
  });

  test('a caller who is let in waits for the whole body, as before (nothing is answered early)', async () => {
    const writer = await company.serviceAccount(['offboarding:write']);
    expect(await answerToUnfinishedUpload(batches(company.companyId), writer.headers, 'application/json', 1500)).toBeUndefined();
  });
});

describe('the order of the refusals', () => {
  const malformed = { raw: '{"people": [', headers: { 'content-type': 'application/json' } };

  test('anonymous: 401 before 415, 400 (malformed JSON) and 413', async () => {
    const path = batches(company.companyId);
    expectError(await call('POST', path, { raw: 'hello', headers: { 'content-type': 'text/plain' } }), 401, 'auth.unauthenticated');
    expectError(await call('POST', path, malformed), 401, 'auth.unauthenticated');
    expectError(await call('POST', path, { raw: `{"people": [${' '.repeat(11 * 1024 * 1024)}]}`, headers: { 'content-type': 'application/json' } }), 401, 'auth.unauthenticated');
    // A route with the common 16 kB limit too.
    expectError(await call('POST', '/v1/developer-settings/personal-access-tokens', { raw: 'x'.repeat(20_000), headers: { 'content-type': 'application/json' } }), 401, 'auth.unauthenticated');
  });

  test('let in: the body\'s own refusals, and the handler gets the principal', async () => {
    const writer = await company.serviceAccount(['offboarding:write']);
    const path = batches(company.companyId);
    expectError(await call('POST', path, { raw: 'hello', headers: { ...writer.headers, 'content-type': 'text/plain' } }), 415, 'request.unsupported_media_type');
    expectError(await call('POST', path, { ...malformed, headers: { ...writer.headers, ...malformed.headers } }), 400, 'request.malformed_json');
    expectError(await call('POST', path, { raw: `{"people": [${' '.repeat(11 * 1024 * 1024)}]}`, headers: { ...writer.headers, 'content-type': 'application/json' } }), 413, 'request.too_large');
    expectError(await call('POST', path, { headers: writer.headers, body: { people: [] } }), 400, 'request.invalid');
    // Another company's batches: the handler checked the principal it was handed.
    const body = { people: [{ email: `${randomUUID()}@test.custodian.test`, successor: company.member.email }] };
    expectError(await call('POST', batches((await createCompany(stack)).companyId), { headers: writer.headers, body }), 404, 'company.not_found');
  });
});
