import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { listAuditForSubject } from '../../db/queries/audit';
import { listColumns } from '../../db/queries/inspect';
import { findLiveSession } from '../../db/queries/sessions';
import { sha256 } from '../../lib/crypto';
import { createPerson, PASSWORD } from '../helpers/people';
import { startTestStack, type HttpResult, type TestStack } from '../helpers/stack';

let stack: TestStack;
beforeAll(async () => {
  // This file fails on purpose many times from one address; the throttle has its own file.
  stack = await startTestStack({ env: { SIGNIN_MAX_FAILURES_PER_ACCOUNT: '1000', SIGNIN_MAX_FAILURES_PER_ADDRESS: '1000' } });
});
afterAll(async () => {
  await stack.close();
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const signIn = (email: string, password: string) => stack.http('POST', '/v1/sessions', { body: { email, password } });
/** An authenticated route whose answer tells "authenticated" (404 for an unknown merge) from "not" (401). */
const probe = (headers: Record<string, string>) => stack.http('GET', `/v1/profile/merges/${randomUUID()}`, { headers });

function expectUnauthenticated(r: HttpResult): void {
  expect(r.status).toBe(401);
  expect(r.headers.get('content-type')).toMatch(/^application\/json/);
  expect(r.headers.get('www-authenticate')).toBe('Bearer realm="custodian"');
  expect(r.body).toEqual({ error: expect.any(String), code: 'auth.unauthenticated' });
}

describe('POST /v1/sessions', () => {
  test('answers 201 with token, accountId, profileId, expiresAt and passwordExpired; the token authenticates', async () => {
    const me = await createPerson(stack.sql);
    const before = Date.now();
    const r = await signIn(me.emails[0]!, PASSWORD);
    expect(r.status).toBe(201);
    expect(r.body).toEqual({ token: expect.any(String), accountId: me.accountIds[0], profileId: me.profileId, expiresAt: expect.any(String), passwordExpired: false });
    expect(Object.keys(r.body).sort()).toEqual(['accountId', 'expiresAt', 'passwordExpired', 'profileId', 'token']);
    expect(r.body.token).toMatch(/^[A-Za-z0-9_-]{43}$/); // 256 bits, base64url
    expect(r.body.accountId).toMatch(UUID);
    // The default session lives 12 hours.
    const ttl = Date.parse(r.body.expiresAt) - before;
    expect(ttl).toBeGreaterThan(12 * 3600_000 - 60_000);
    expect(ttl).toBeLessThan(12 * 3600_000 + 60_000);

    const authed = await probe({ authorization: `Bearer ${r.body.token}` });
    expect(authed.status).toBe(404);
    expect(authed.body.code).toBe('merge.not_found');
  });

  test('each sign-in makes a new, distinct session', async () => {
    const me = await createPerson(stack.sql);
    const [a, b] = [await stack.signIn(me.emails[0]!), await stack.signIn(me.emails[0]!)];
    expect(a).not.toBe(b);
    expect((await findLiveSession(stack.sql, sha256(a)))!.sessionId).not.toBe((await findLiveSession(stack.sql, sha256(b)))!.sessionId);
  });

  test('the email is case-insensitive', async () => {
    const me = await createPerson(stack.sql);
    const r = await signIn(me.emails[0]!.toUpperCase(), PASSWORD);
    expect(r.status).toBe(201);
    expect(r.body.accountId).toBe(me.accountIds[0]);
  });

  test('the password is case-sensitive', async () => {
    const me = await createPerson(stack.sql);
    expect((await signIn(me.emails[0]!, PASSWORD.toUpperCase())).status).toBe(401);
  });

  test('a wrong password and an unknown email get the same 401 body', async () => {
    const me = await createPerson(stack.sql);
    const wrong = await signIn(me.emails[0]!, 'Not-the-password-1!');
    const unknown = await signIn(`nobody-${randomUUID()}@test.custodian.test`, PASSWORD);
    for (const r of [wrong, unknown]) {
      expect(r.status).toBe(401);
      expect(r.body).toEqual({ error: expect.any(String), code: 'auth.invalid_credentials' });
    }
    expect(wrong.body).toEqual(unknown.body);
    expect(wrong.headers.get('www-authenticate')).toBe(unknown.headers.get('www-authenticate'));
  });

  test('a wrong password and an unknown email take similar time (both run argon2)', async () => {
    const me = await createPerson(stack.sql);
    const time = async (email: string) => {
      const t = performance.now();
      const r = await signIn(email, 'Not-the-password-1!');
      expect(r.status).toBe(401);
      return performance.now() - t;
    };
    const unknownEmail = () => `nobody-${randomUUID()}@test.custodian.test`;
    // Warm both paths (the dummy hash is computed on first use).
    await time(me.emails[0]!);
    await time(unknownEmail());
    const wrong: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 5; i++) {
      wrong.push(await time(me.emails[0]!));
      unknown.push(await time(unknownEmail()));
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const [w, u] = [median(wrong), median(unknown)];
    // Loose on purpose: this catches a skipped hash (an order of magnitude), not small jitter.
    expect(Math.max(w, u) / Math.min(w, u)).toBeLessThan(3);
  });

  test('a deactivated account with the right password gets 403; with a wrong one, the usual 401', async () => {
    const gone = await createPerson(stack.sql, { deactivated: true });
    const right = await signIn(gone.emails[0]!, PASSWORD);
    expect(right.status).toBe(403);
    expect(right.body).toEqual({ error: expect.any(String), code: 'auth.account_deactivated' });
    const wrong = await signIn(gone.emails[0]!, 'Not-the-password-1!');
    expect(wrong.status).toBe(401);
    expect(wrong.body.code).toBe('auth.invalid_credentials');
  });
});

describe('DELETE /v1/sessions/current', () => {
  test('revokes the session: 204, then the token gets 401 with WWW-Authenticate; other sessions live on', async () => {
    const me = await createPerson(stack.sql);
    const token = await stack.signIn(me.emails[0]!);
    const other = await stack.signIn(me.emails[0]!);
    const out = await stack.http('DELETE', '/v1/sessions/current', { token });
    expect(out.status).toBe(204);
    expect(out.body).toBeUndefined();

    expectUnauthenticated(await probe({ authorization: `Bearer ${token}` }));
    expectUnauthenticated(await stack.http('DELETE', '/v1/sessions/current', { token }));
    expect(await findLiveSession(stack.sql, sha256(token))).toBeUndefined();
    expect((await probe({ authorization: `Bearer ${other}` })).status).toBe(404);
  });

  test('needs a session', async () => {
    expectUnauthenticated(await stack.http('DELETE', '/v1/sessions/current'));
  });
});

describe('Authorization header', () => {
  test.each<[string, Record<string, string>]>([
    ['missing', {}],
    ['empty', { authorization: '' }],
    ['scheme only', { authorization: 'Bearer' }],
    ['scheme and space', { authorization: 'Bearer ' }],
    ['Basic credentials', { authorization: `Basic ${Buffer.from('a@b.c:pw').toString('base64')}` }],
    ['too short a token', { authorization: 'Bearer abc' }],
    ['characters outside base64url', { authorization: 'Bearer AAAAAAAAAAAAAAAA/AAAAAAAAAAAAAAAAAAAAAA+AA=' }],
    ['two tokens', { authorization: 'Bearer AAAAAAAAAAAAAAAAAAAA BBBBBBBBBBBBBBBBBBBB' }],
    ['overly long', { authorization: `Bearer ${'A'.repeat(4000)}` }],
    ['well-formed but unknown', { authorization: `Bearer ${'A'.repeat(43)}` }],
  ])('%s → 401 in the JSON error shape', async (_name, headers) => {
    expectUnauthenticated(await probe(headers));
  });
});

describe('session storage', () => {
  test('the token is stored only as its SHA-256: lookup works by hash, not by the raw token', async () => {
    const me = await createPerson(stack.sql);
    const token = await stack.signIn(me.emails[0]!);
    expect(await findLiveSession(stack.sql, sha256(token))).toEqual({
      sessionId: expect.stringMatching(UUID),
      accountId: me.accountIds[0],
      profileId: me.profileId,
      companyId: null,
      isCompanyAdmin: false,
      isServiceAccount: false,
    });
    expect(await findLiveSession(stack.sql, sha256('wrong'))).toBeUndefined();
    expect(await findLiveSession(stack.sql, Buffer.from(token))).toBeUndefined();
    expect(await findLiveSession(stack.sql, Buffer.from(token, 'base64url'))).toBeUndefined();
  });

  test('the sessions table has no column for the raw token: the only token column is a 32-byte hash', async () => {
    expect(await listColumns(stack.sql, 'sessions')).toEqual([
      { name: 'id', type: 'uuid' },
      { name: 'account_id', type: 'uuid' },
      { name: 'token_hash', type: 'bytea' },
      { name: 'created_at', type: 'timestamp with time zone' },
      { name: 'expires_at', type: 'timestamp with time zone' },
      { name: 'revoked_at', type: 'timestamp with time zone' },
      { name: 'last_seen_at', type: 'timestamp with time zone' },
    ]);
  });
});

describe('audit log', () => {
  test('records session.created and session.revoked with the session id, and never the token', async () => {
    const me = await createPerson(stack.sql);
    const token = await stack.signIn(me.emails[0]!);
    const { sessionId } = (await findLiveSession(stack.sql, sha256(token)))!;
    expect((await stack.http('DELETE', '/v1/sessions/current', { token })).status).toBe(204);

    const entries = await listAuditForSubject(stack.sql, 'account', me.accountIds[0]!);
    expect(entries.map((e) => e.action)).toEqual(['session.created', 'session.revoked']);
    for (const e of entries) {
      expect(e.actorAccountId).toBe(me.accountIds[0]);
      expect(e.details).toEqual({ sessionId });
      expect(e.occurredAt).toBeInstanceOf(Date);
    }
    expect(JSON.stringify(entries)).not.toContain(token);
  });

  test('a failed sign-in writes a security event, with the address and without the password, and no session entry', async () => {
    const me = await createPerson(stack.sql);
    expect((await signIn(me.emails[0]!, 'Not-the-password-1!')).status).toBe(401);
    const entries = await listAuditForSubject(stack.sql, 'account', me.accountIds[0]!);
    expect(entries.map((e) => [e.action, e.details])).toEqual([['auth.signin_failed', { address: '127.0.0.1' }]]);
    expect(JSON.stringify(entries)).not.toContain('Not-the-password');
  });
});
