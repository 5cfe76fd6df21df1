import { randomUUID } from 'node:crypto';
import { listAuditForSubject } from '../../db/queries/audit';
import { findOpenMergesTouching } from '../../db/queries/profileMerges';
import { codeIn } from '../helpers/mailSink';
import { createPerson, PASSWORD, type Person } from '../helpers/people';
import { startTestStack, type HttpResult, type TestStack } from '../helpers/stack';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({ env: { SIGNIN_MAX_FAILURES_PER_ADDRESS: '1000' } });
});
afterAll(async () => {
  await stack.close();
});

type Options = Parameters<TestStack['http']>[2];
const KEYS = new Set(['error', 'code', 'details', 'attemptsLeft']);

/**
 * Every request of this file goes through here: no answer may be a 5xx other than the documented
 * mail.unavailable (in NODE_ENV=test an undocumented status or a schema-breaking body becomes a 500),
 * and every 4xx must be the one JSON error shape.
 */
async function call(method: string, path: string, opts?: Options): Promise<HttpResult> {
  const r = await stack.http(method, path, opts);
  // The one documented 5xx: the mail server refused a code (503 mail.unavailable).
  if (r.status >= 500 && !(r.status === 503 && r.body?.code === 'mail.unavailable')) {
    throw new Error(`${method} ${path} answered ${r.status}: ${JSON.stringify(r.body)}`);
  }
  if (r.status >= 400) expectErrorShape(r, `${method} ${path}`);
  return r;
}

function expectErrorShape(r: HttpResult, what: string): void {
  expect({ what, type: r.headers.get('content-type') }).toEqual({ what, type: expect.stringMatching(/^application\/json/) });
  expect(r.body).toEqual(expect.objectContaining({ error: expect.any(String), code: expect.stringMatching(/^[a-z_]+(\.[a-z_]+)+$/) }));
  expect(Object.keys(r.body).filter((k) => !KEYS.has(k))).toEqual([]);
  if ('details' in r.body) {
    expect(r.body.details).toEqual(expect.arrayContaining([{ path: expect.any(String), message: expect.any(String) }]));
    for (const d of r.body.details) expect(Object.keys(d).sort()).toEqual(['message', 'path']);
  }
}

function expectError(r: HttpResult, status: number, code: string | RegExp): void {
  expect({ status: r.status, code: r.body?.code }).toEqual({ status, code: typeof code === 'string' ? code : expect.stringMatching(code) });
}

function expectInvalid(r: HttpResult, ...paths: string[]): void {
  expectError(r, 400, 'request.invalid');
  expect(r.body.details.map((d: { path: string }) => d.path)).toEqual(expect.arrayContaining(paths));
}

async function signedIn(opts: Parameters<typeof createPerson>[1] = {}): Promise<{ person: Person; token: string }> {
  const person = await createPerson(stack.sql, opts);
  return { person, token: await stack.signIn(person.emails[0]!) };
}

/** Starts a merge of `other` into the signed-in profile; answers its id and first email option. */
async function startMerge(token: string, other: Person): Promise<{ id: string; optionId: string }> {
  const r = await call('POST', '/v1/profile/merges', { token, body: { email: other.emails[0] } });
  expect(r.status).toBe(202);
  return { id: r.body.id, optionId: r.body.emailOptions[0].id };
}

/** The code in the (only) mail sent to `address`; every test here uses fresh people, so one mail each. */
async function codeFor(address: string): Promise<string> {
  return codeIn(await stack.mail.waitFor((m) => m.to.includes(address)));
}

/** A merge at step awaiting_code, with the code that was mailed. */
async function mergeAwaitingCode() {
  const me = await signedIn();
  const other = await createPerson(stack.sql);
  const merge = await startMerge(me.token, other);
  expect((await call('POST', `/v1/profile/merges/${merge.id}/code`, { token: me.token, body: { emailOptionId: merge.optionId } })).status).toBe(200);
  return { ...me, other, ...merge, code: await codeFor(other.emails[0]!) };
}

const statusOf = async (token: string, id: string) => {
  const r = await call('GET', `/v1/profile/merges/${id}`, { token });
  expect(r.status).toBe(200);
  return r.body;
};
const otherCode = (code: string) => (code === '000000' ? '111111' : '000000');

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
    ['GET', '/v1/sessions', 'POST'],
    ['PUT', '/v1/sessions/current', 'DELETE'],
    ['GET', '/v1/profile/merges', 'POST'],
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
  ])('%s %s without a session → 401', async (method, path, body) => {
    expectError(await call(method, path, { body }), 401, 'auth.unauthenticated');
    expectError(await call(method, path, { body, token: 'A'.repeat(43) }), 401, 'auth.unauthenticated');
  });
});

describe('field validation → 400 request.invalid with details, nothing changed', () => {
  test.each<[string, unknown, string[]]>([
    ['missing fields', {}, ['body.email', 'body.password']],
    ['wrong types', { email: 42, password: true }, ['body.email', 'body.password']],
    ['null fields', { email: null, password: null }, ['body.email', 'body.password']],
    ['not an email', { email: 'not-an-email', password: PASSWORD }, ['body.email']],
    ['an over-long email', { email: `${'a'.repeat(250)}@test.custodian.test`, password: PASSWORD }, ['body.email']],
    ['an empty password', { email: 'a@b.co', password: '' }, ['body.password']],
    ['an over-long password', { email: 'a@b.co', password: 'p'.repeat(201) }, ['body.password']],
  ])('sign-in with %s', async (_name, body, paths) => {
    expectInvalid(await call('POST', '/v1/sessions', { body }), ...paths);
  });

  test('sign-in with a NUL character in the password, for a real account, creates no session', async () => {
    const me = await createPerson(stack.sql);
    expectInvalid(await call('POST', '/v1/sessions', { body: { email: me.emails[0], password: `${PASSWORD}\u0000` } }), 'body.password');
    expectInvalid(await call('POST', '/v1/sessions', { body: { email: `${me.emails[0]}\u0000`, password: PASSWORD } }), 'body.email');
    expect(await listAuditForSubject(stack.sql, 'account', me.accountIds[0]!)).toEqual([]);
  });

  test.each<[string, unknown, string]>([
    ['missing email', {}, 'body.email'],
    ['email as a number', { email: 1 }, 'body.email'],
    ['email as an array', { email: ['a@b.co'] }, 'body.email'],
    ['email with NUL', { email: 'a\u0000@b.co' }, 'body.email'],
    ['an over-long email', { email: `${'a'.repeat(300)}@b.co` }, 'body.email'],
  ])('merge start with %s', async (_name, body, path) => {
    const { person, token } = await signedIn();
    expectInvalid(await call('POST', '/v1/profile/merges', { token, body }), path);
    expect(await findOpenMergesTouching(stack.sql, [person.profileId])).toEqual([]);
  });

  test('code request with a missing, empty, over-long, NUL-bearing or non-string option → 400; the merge is unchanged', async () => {
    const me = await signedIn();
    const other = await createPerson(stack.sql);
    const { id } = await startMerge(me.token, other);
    const before = await statusOf(me.token, id);
    for (const body of [{}, { emailOptionId: '' }, { emailOptionId: 'x'.repeat(101) }, { emailOptionId: 'recovery\u0000' }, { emailOptionId: 7 }]) {
      expectInvalid(await call('POST', `/v1/profile/merges/${id}/code`, { token: me.token, body }), 'body.emailOptionId');
    }
    expect(await statusOf(me.token, id)).toEqual(before);
    expect(stack.mail.messages.filter((m) => m.to.includes(other.emails[0]!))).toEqual([]);
  });
});

describe('merges', () => {
  test('another user asking about my merge gets 404 merge.not_found everywhere, and my merge is unaffected', async () => {
    const a = await mergeAwaitingCode();
    const b = await signedIn();
    const before = await statusOf(a.token, a.id);
    const base = `/v1/profile/merges/${a.id}`;
    for (const [method, path, body] of [
      ['GET', base, undefined],
      ['POST', `${base}/code`, { emailOptionId: a.optionId }],
      ['POST', `${base}/verification`, { code: a.code }], // even with the right code
      ['POST', `${base}/confirmation`, undefined],
      ['DELETE', base, undefined],
    ] as const) {
      expectError(await call(method, path, { token: b.token, body }), 404, 'merge.not_found');
    }
    expect(await statusOf(a.token, a.id)).toEqual(before);
    const verified = await call('POST', `${base}/verification`, { token: a.token, body: { code: a.code } });
    expect(verified.status).toBe(200);
    expect(verified.body.step).toBe('awaiting_confirmation');
  });

  test('an unknown merge id → 404 merge.not_found', async () => {
    const { token } = await signedIn();
    expectError(await call('GET', `/v1/profile/merges/${randomUUID()}`, { token }), 404, 'merge.not_found');
  });

  test('start with an unknown email → 404 merge.unknown_account', async () => {
    const { person, token } = await signedIn();
    expectError(await call('POST', '/v1/profile/merges', { token, body: { email: `nobody-${randomUUID()}@test.custodian.test` } }), 404, 'merge.unknown_account');
    expect(await findOpenMergesTouching(stack.sql, [person.profileId])).toEqual([]);
  });

  test('start with an email of my own profile → 409 merge.same_profile', async () => {
    const { person, token } = await signedIn({ accounts: 2 });
    for (const email of [person.emails[0]!, person.emails[1]!, person.emails[1]!.toUpperCase()]) {
      expectError(await call('POST', '/v1/profile/merges', { token, body: { email } }), 409, 'merge.same_profile');
    }
    expect(await findOpenMergesTouching(stack.sql, [person.profileId])).toEqual([]);
  });

  test('a second merge while one runs → 409 merge.already_running', async () => {
    const me = await signedIn();
    const [x, y] = [await createPerson(stack.sql), await createPerson(stack.sql)];
    await startMerge(me.token, x);
    expectError(await call('POST', '/v1/profile/merges', { token: me.token, body: { email: y.emails[0] } }), 409, 'merge.already_running');
    expectError(await call('POST', '/v1/profile/merges', { token: me.token, body: { email: x.emails[0] } }), 409, 'merge.already_running');
    expect(await findOpenMergesTouching(stack.sql, [me.person.profileId])).toHaveLength(1);
    expect(await findOpenMergesTouching(stack.sql, [y.profileId])).toEqual([]);
  });

  test('→ 409 merge.already_running when the other profile is already being merged into someone else', async () => {
    const a = await signedIn();
    const c = await signedIn();
    const shared = await createPerson(stack.sql);
    await startMerge(a.token, shared);
    expectError(await call('POST', '/v1/profile/merges', { token: c.token, body: { email: shared.emails[0] } }), 409, 'merge.already_running');
    expect(await findOpenMergesTouching(stack.sql, [c.person.profileId])).toEqual([]);
  });

  // Regression: the open-merge lock once was two per-column partial unique indexes, so a profile could be
  // the target of one open merge and the source of another.
  test('→ 409 when the other profile has an open merge of its own (it is a target)', async () => {
    const a = await signedIn();
    await startMerge(a.token, await createPerson(stack.sql));
    const c = await signedIn();
    expectError(await call('POST', '/v1/profile/merges', { token: c.token, body: { email: a.person.emails[0] } }), 409, 'merge.already_running');
  });

  test('→ 409 when my profile is already being merged into someone else (it is a source)', async () => {
    const a = await signedIn();
    const b = await signedIn();
    await startMerge(a.token, b.person);
    expectError(await call('POST', '/v1/profile/merges', { token: b.token, body: { email: (await createPerson(stack.sql)).emails[0] } }), 409, 'merge.already_running');
  });

  test('verification codes that are not 6 digits → 400, and spend no attempt; a wrong code answers attemptsLeft', async () => {
    const m = await mergeAwaitingCode();
    const url = `/v1/profile/merges/${m.id}/verification`;
    expect((await statusOf(m.token, m.id)).attemptsLeft).toBe(5);
    for (const code of ['12345', '1234567', 'abcdef', ' 12345', '12 345', '١٢٣٤٥٦', '', 123456, null]) {
      expectInvalid(await call('POST', url, { token: m.token, body: { code } }), 'body.code');
    }
    expectInvalid(await call('POST', url, { token: m.token, body: {} }), 'body.code');
    expect(await statusOf(m.token, m.id)).toMatchObject({ step: 'awaiting_code', attemptsLeft: 5 });

    const wrong = await call('POST', url, { token: m.token, body: { code: otherCode(m.code) } });
    expectError(wrong, 422, 'verification_code.invalid');
    expect(wrong.body).toEqual({ error: expect.any(String), code: 'verification_code.invalid', attemptsLeft: 4 });
    expect((await statusOf(m.token, m.id)).attemptsLeft).toBe(4);
  });

  test('five wrong codes fail the merge; afterwards it is closed', async () => {
    const m = await mergeAwaitingCode();
    const url = `/v1/profile/merges/${m.id}/verification`;
    for (let left = 4; left >= 1; left--) {
      expect((await call('POST', url, { token: m.token, body: { code: otherCode(m.code) } })).body.attemptsLeft).toBe(left);
    }
    const last = await call('POST', url, { token: m.token, body: { code: otherCode(m.code) } });
    expectError(last, 422, 'verification_code.attempts_exhausted');
    expect(last.body.attemptsLeft).toBe(0);
    // Even the right code cannot revive it.
    expectError(await call('POST', url, { token: m.token, body: { code: m.code } }), 409, /^merge\.(closed|invalid_step)$/);
    expect(await statusOf(m.token, m.id)).toMatchObject({ step: 'failed', outcome: 'failed' });
  });

  test('an unknown emailOptionId → 422 merge.unknown_email_option; the merge stays at its step', async () => {
    const me = await signedIn();
    const other = await createPerson(stack.sql);
    const { id } = await startMerge(me.token, other);
    for (const emailOptionId of ['recovery-email', `account-${randomUUID()}`, `account-${me.person.accountIds[0]}`]) {
      expectError(await call('POST', `/v1/profile/merges/${id}/code`, { token: me.token, body: { emailOptionId } }), 422, 'merge.unknown_email_option');
    }
    expect(await statusOf(me.token, id)).toMatchObject({ step: 'awaiting_email_choice', attemptsLeft: 5, codeExpiresAt: null });
  });

  test('verify before a code was sent, and confirm before verifying → 409 merge.invalid_step', async () => {
    const me = await signedIn();
    const other = await createPerson(stack.sql);
    const { id, optionId } = await startMerge(me.token, other);
    expectError(await call('POST', `/v1/profile/merges/${id}/verification`, { token: me.token, body: { code: '123456' } }), 409, 'merge.invalid_step');
    expectError(await call('POST', `/v1/profile/merges/${id}/confirmation`, { token: me.token }), 409, 'merge.invalid_step');
    expect((await call('POST', `/v1/profile/merges/${id}/code`, { token: me.token, body: { emailOptionId: optionId } })).status).toBe(200);
    expectError(await call('POST', `/v1/profile/merges/${id}/confirmation`, { token: me.token }), 409, 'merge.invalid_step');
    expect(await statusOf(me.token, id)).toMatchObject({ step: 'awaiting_code', attemptsLeft: 5 });
  });

  test('a second code request within a minute → 429 with Retry-After; the first code stays valid', async () => {
    const m = await mergeAwaitingCode();
    const again = await call('POST', `/v1/profile/merges/${m.id}/code`, { token: m.token, body: { emailOptionId: m.optionId } });
    expectError(again, 429, 'verification_code.resend_too_soon');
    expect(again.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(Number(again.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(again.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    const verified = await call('POST', `/v1/profile/merges/${m.id}/verification`, { token: m.token, body: { code: m.code } });
    expect(verified.status).toBe(200);
  });

  test('a refusing mail server → 503 mail.unavailable; once it accepts again, the merge goes on at once', async () => {
    const me = await signedIn();
    const other = await createPerson(stack.sql);
    const { id, optionId } = await startMerge(me.token, other);
    const url = `/v1/profile/merges/${id}/code`;
    stack.mail.setRefusing(true);
    let refused: HttpResult;
    try {
      refused = await call('POST', url, { token: me.token, body: { emailOptionId: optionId } });
    } finally {
      stack.mail.setRefusing(false);
    }
    expectError(refused, 503, 'mail.unavailable');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await statusOf(me.token, id)).toMatchObject({ step: 'awaiting_email_choice', attemptsLeft: 5 });

    // A failed send does not start the resend interval.
    const sent = await call('POST', url, { token: me.token, body: { emailOptionId: optionId } });
    expect(sent.status).toBe(200);
    const code = await codeFor(other.emails[0]!);
    expect((await call('POST', `/v1/profile/merges/${id}/verification`, { token: me.token, body: { code } })).status).toBe(200);
  });

  test('a cancelled merge answers 200 cancelled, then refuses every further action with 409', async () => {
    const m = await mergeAwaitingCode();
    const base = `/v1/profile/merges/${m.id}`;
    const cancelled = await call('DELETE', base, { token: m.token });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ id: m.id, step: 'cancelled', outcome: 'cancelled', preview: null });

    for (const [method, path, body] of [
      ['POST', `${base}/code`, { emailOptionId: m.optionId }],
      ['POST', `${base}/verification`, { code: m.code }],
      ['POST', `${base}/confirmation`, undefined],
      ['DELETE', base, undefined],
    ] as const) {
      expectError(await call(method, path, { token: m.token, body }), 409, /^merge\.(closed|invalid_step)$/);
    }
    expect(await statusOf(m.token, m.id)).toMatchObject({ step: 'cancelled', outcome: 'cancelled' });
  });

  test('after a cancel the same profiles can start a new merge', async () => {
    const me = await signedIn();
    const other = await createPerson(stack.sql);
    const first = await startMerge(me.token, other);
    expect((await call('DELETE', `/v1/profile/merges/${first.id}`, { token: me.token })).status).toBe(200);
    // The lock is released when the workflow closes the record, just after the cancel answers.
    const deadline = Date.now() + 15_000;
    let r: HttpResult;
    do {
      r = await call('POST', '/v1/profile/merges', { token: me.token, body: { email: other.emails[0] } });
      if (r.status === 202) break;
      expectError(r, 409, 'merge.already_running');
      await new Promise((resolve) => setTimeout(resolve, 200));
    } while (Date.now() < deadline);
    expect(r.status).toBe(202);
    expect(r.body.id).not.toBe(first.id);
  });
});
