// Personal access tokens over HTTP (User Settings §5.3): the scope catalogue, creating (secret shown once, only a
// hash stored), listing, details, deleting, using them with `Authorization: mxtoken`, and every refusal.
import { createHash } from 'node:crypto';
import { listAuditForSubject } from '../../db/queries/audit';
import { SCOPE_CATALOGUE } from '../../libraries/scopes';
import { newSecret } from '../../lib/tokenFormat';
import { TOKENS, developerSettingsApi, secondApi } from '../helpers/developerSettings';
import { expectError } from '../helpers/http';
import { suiteStack } from '../helpers/suiteStack';

const stack = suiteStack({ worker: false });
const { call, signedIn, createPat, withPat, withKey, createApiKey } = developerSettingsApi(stack);
const UUID = /^[0-9a-f-]{36}$/;

describe('GET /v1/pat-scopes', () => {
  test('publishes the catalogue, with a description per scope, without a credential', async () => {
    const r = await call('GET', '/v1/pat-scopes');
    expect(r.status).toBe(200);
    expect(r.body.scopes).toEqual(SCOPE_CATALOGUE.map((s) => ({ scope: s.scope, group: expect.any(String), description: expect.stringMatching(/^[A-Z].{20,}\.$/) })));
    // What the company API and offboarding build on: reading apart from writing, deactivation its own scope.
    const names = r.body.scopes.map((s: { scope: string }) => s.scope);
    expect(names).toEqual(expect.arrayContaining([
      'profile:read', 'profile:write', 'accounts:read', 'developer-settings:read', 'company-users:read', 'company-users:write',
      'company-users:deactivate', 'apps:read', 'apps:write', 'audit:read', 'offboarding:write',
    ]));
  });
});

describe('creating a token', () => {
  test('201 with the secret once (prefix and checksum) and Location; list and details never show it again', async () => {
    const me = await signedIn();
    const r = await call('POST', TOKENS, { token: me.token, body: { name: 'Release pipeline', scopes: ['accounts:read', 'profile:read', 'profile:read'] } });
    expect(r.status).toBe(201);
    expect(r.body).toEqual({
      id: expect.stringMatching(UUID), name: 'Release pipeline', scopes: ['profile:read', 'accounts:read'], token: expect.stringMatching(/^mxp_[0-9A-Za-z]{49}$/),
      createdAt: expect.any(String), lastUsedAt: null, expiresAt: null, expired: false,
    });
    expect(r.headers.get('location')).toBe(`${TOKENS}/${r.body.id}`);

    const { token: secret, ...shown } = r.body;
    const list = await call('GET', TOKENS, { token: me.token });
    expect(list.body).toEqual({ tokens: [shown] });
    const details = await call('GET', `${TOKENS}/${r.body.id}`, { token: me.token });
    expect(details.status).toBe(200);
    expect(details.body).not.toHaveProperty('token');
    expect(JSON.stringify([list.body, details.body])).not.toContain(secret);
  });

  test('only the SHA-256 of the secret is stored; the name and scopes are in the row, the secret in no column', async () => {
    const me = await signedIn();
    const created = await createPat(me.token);
    const [row] = await stack.sql<{ tokenHash: Buffer; asText: string }[]>`
      select token_hash, t::text as as_text from personal_access_tokens t where id = ${created.id}`;
    expect(row!.tokenHash).toEqual(createHash('sha256').update(created.token).digest());
    expect(row!.asText).not.toContain(created.token);
    expect(row!.asText).not.toContain(created.token.slice(4, 20));
  });

  test('an optional expiry, in the future; a token without one never expires', async () => {
    const me = await signedIn();
    const at = new Date(Date.now() + 30 * 24 * 3600_000).toISOString();
    const withExpiry = await createPat(me.token, { expiresAt: at });
    expect(withExpiry.expiresAt).toBe(at);
    expect((await createPat(me.token, { expiresAt: null })).expiresAt).toBeNull();
  });

  test.each([
    ['no scope', { name: 'x', scopes: [] }, 'body.scopes'],
    ['an unknown scope', { name: 'x', scopes: ['profile:read', 'root'] }, 'body.scopes.1'],
    ['a blank name', { name: '   ', scopes: ['profile:read'] }, 'body.name'],
    ['a name over 100 characters', { name: 'n'.repeat(101), scopes: ['profile:read'] }, 'body.name'],
    ['an expiry in the past', { name: 'x', scopes: ['profile:read'], expiresAt: '2020-01-01T00:00:00Z' }, 'body.expiresAt'],
    ['an expiry that is no date', { name: 'x', scopes: ['profile:read'], expiresAt: 'tomorrow' }, 'body.expiresAt'],
  ])('%s: 400 request.invalid', async (_name, body, path) => {
    const me = await signedIn();
    const r = await call('POST', TOKENS, { token: me.token, body });
    expectError(r, 400, 'request.invalid');
    expect(r.body.details.map((d: { path: string }) => d.path)).toContain(path);
  });

  test('a token or an API key cannot create tokens (403 auth.credential_not_accepted): creating takes a session', async () => {
    const me = await signedIn();
    const pat = await createPat(me.token, { scopes: SCOPE_CATALOGUE.map((s) => s.scope) });
    const key = await createApiKey(me.token);
    const body = { name: 'escalation', scopes: ['profile:read'] };
    expectError(await withPat('POST', TOKENS, pat.token, body), 403, 'auth.credential_not_accepted');
    expectError(await withKey('POST', TOKENS, key.username, key.key, body), 403, 'auth.credential_not_accepted');
    expectError(await withPat('DELETE', `${TOKENS}/${pat.id}`, pat.token), 403, 'auth.credential_not_accepted');
    expect((await call('GET', TOKENS, { token: me.token })).body.tokens).toHaveLength(1);
  });

  test('at most 100 live tokens per account: 409 personal_access_token.limit_reached', async () => {
    const me = await signedIn();
    await stack.sql`
      insert into personal_access_tokens (account_id, name, token_hash, scopes)
      select ${me.person.accountIds[0]!}, 'bulk ' || i, sha256(('bulk' || i || ${me.person.profileId})::bytea), '{profile:read}'
        from generate_series(1, 100) i`;
    expectError(await call('POST', TOKENS, { token: me.token, body: { name: 'one more', scopes: ['profile:read'] } }), 409, 'personal_access_token.limit_reached');
  });

  test('audited on creation and deletion with ids and scopes: never the secret, nor the name', async () => {
    const me = await signedIn();
    const pat = await createPat(me.token, { name: 'Named after Ada', scopes: ['accounts:read'] });
    expect((await call('DELETE', `${TOKENS}/${pat.id}`, { token: me.token })).status).toBe(204);
    const audit = (await listAuditForSubject(stack.sql, 'account', me.person.accountIds[0]!)).filter((e) => e.action.startsWith('personal_access_token.'));
    expect(audit).toEqual([
      expect.objectContaining({ action: 'personal_access_token.created', actorAccountId: me.person.accountIds[0], details: { tokenId: pat.id, scopes: ['accounts:read'], expiresAt: null, sessionId: expect.stringMatching(UUID) } }),
      expect.objectContaining({ action: 'personal_access_token.deleted', actorAccountId: me.person.accountIds[0], details: { tokenId: pat.id, sessionId: expect.stringMatching(UUID) } }),
    ]);
    expect(JSON.stringify(audit)).not.toContain(pat.token);
    expect(JSON.stringify(audit)).not.toContain('Named after Ada');
  });
});

describe('listing, details and deleting: the signed-in account\'s own', () => {
  test('newest first; details show scopes, created, last used and expiry', async () => {
    const me = await signedIn();
    const first = await createPat(me.token, { name: 'first' });
    const second = await createPat(me.token, { name: 'second', scopes: ['apps:read', 'audit:read'] });
    const list = await call('GET', TOKENS, { token: me.token });
    expect(list.body.tokens.map((t: { name: string }) => t.name)).toEqual(['second', 'first']);
    const details = await call('GET', `${TOKENS}/${second.id}`, { token: me.token });
    expect(details.body).toEqual({ id: second.id, name: 'second', scopes: ['apps:read', 'audit:read'], createdAt: second.createdAt, lastUsedAt: null, expiresAt: null, expired: false });
    expect(first.id).not.toBe(second.id);
  });

  test('another user\'s token id is 404 for details and delete, and stays usable; an unknown id is 404 too', async () => {
    const me = await signedIn();
    const other = await signedIn();
    const theirs = await createPat(other.token, { scopes: ['accounts:read'] });
    expectError(await call('GET', `${TOKENS}/${theirs.id}`, { token: me.token }), 404, 'personal_access_token.not_found');
    expectError(await call('DELETE', `${TOKENS}/${theirs.id}`, { token: me.token }), 404, 'personal_access_token.not_found');
    expect((await call('GET', TOKENS, { token: me.token })).body.tokens).toEqual([]);
    expect((await withPat('GET', '/v1/accounts', theirs.token)).status).toBe(200);
    expectError(await call('GET', `${TOKENS}/00000000-0000-4000-8000-000000000000`, { token: me.token }), 404, 'personal_access_token.not_found');
  });

  test('a token with developer-settings:read lists and views them, without it 403', async () => {
    const me = await signedIn();
    const reader = await createPat(me.token, { scopes: ['developer-settings:read'] });
    const other = await createPat(me.token, { scopes: ['profile:read'] });
    expect((await withPat('GET', TOKENS, reader.token)).body.tokens).toHaveLength(2);
    expect((await withPat('GET', `${TOKENS}/${other.id}`, reader.token)).status).toBe(200);
    expectError(await withPat('GET', TOKENS, other.token), 403, 'auth.insufficient_scope');
  });

  test('deleting twice: 204, then 404', async () => {
    const me = await signedIn();
    const pat = await createPat(me.token);
    expect((await call('DELETE', `${TOKENS}/${pat.id}`, { token: me.token })).status).toBe(204);
    expectError(await call('DELETE', `${TOKENS}/${pat.id}`, { token: me.token }), 404, 'personal_access_token.not_found');
    expect((await call('GET', TOKENS, { token: me.token })).body.tokens).toEqual([]);
  });
});

describe('using a token: Authorization: mxtoken <token>', () => {
  test('works on any endpoint its scopes allow, and acts as its account', async () => {
    const me = await signedIn();
    const pat = await createPat(me.token, { scopes: ['accounts:read', 'profile:read'] });
    const accounts = await withPat('GET', '/v1/accounts', pat.token);
    expect(accounts.status).toBe(200);
    expect(accounts.body.accounts.map((a: { id: string }) => a.id)).toEqual(me.person.accountIds);
    expect((await withPat('GET', '/v1/profile/merges', pat.token)).status).toBe(200);
    const who = await withPat('GET', '/v1/credentials/current', pat.token);
    expect(who.body).toEqual({
      kind: 'pat', id: pat.id, accountId: me.person.accountIds[0], profileId: me.person.profileId, companyId: null,
      isCompanyAdmin: false, isServiceAccount: false, scopes: ['profile:read', 'accounts:read'], passwordExpired: false,
    });
  });

  test('a missing scope: 403 application/json {error, code: auth.insufficient_scope}', async () => {
    const me = await signedIn();
    const pat = await createPat(me.token, { scopes: ['profile:read'] });
    const r = await withPat('GET', '/v1/accounts', pat.token);
    expect(r.headers.get('content-type')).toMatch(/^application\/json/);
    expect(r.body).toEqual({ error: expect.stringContaining('accounts:read'), code: 'auth.insufficient_scope' });
    expect(r.status).toBe(403);
    // profile:read does not write: starting a merge needs profile:write.
    expectError(await withPat('POST', '/v1/profile/merges', pat.token, { email: 'x@y.test' }), 403, 'auth.insufficient_scope');
  });

  test.each([
    ['garbage', 'not-a-token'],
    ['a well-formed token nobody issued', newSecret('pat')],
    ['an API key in its place', newSecret('apiKey')],
    ['an empty value', ''],
  ])('an invalid token (%s): 403 auth.invalid_token in the JSON error shape', async (_name, token) => {
    const r = await call('GET', '/v1/credentials/current', { headers: { authorization: `mxtoken ${token}` } });
    expectError(r, 403, 'auth.invalid_token');
    expect(r.headers.get('content-type')).toMatch(/^application\/json/);
  });

  test('a typo in a real token is refused the same way (the checksum), and the real one still works', async () => {
    const me = await signedIn();
    const pat = await createPat(me.token);
    const i = 30;
    const typo = pat.token.slice(0, i) + (pat.token[i] === 'x' ? 'y' : 'x') + pat.token.slice(i + 1);
    expectError(await withPat('GET', '/v1/credentials/current', typo), 403, 'auth.invalid_token');
    expect((await withPat('GET', '/v1/credentials/current', pat.token)).status).toBe(200);
  });

  test('deleted: refused from the very next request on, by this API process and by another one', async () => {
    const me = await signedIn();
    const pat = await createPat(me.token, { scopes: ['accounts:read'] });
    const api2 = await secondApi(stack);
    try {
      expect((await api2.get('/v1/accounts', { authorization: `mxtoken ${pat.token}` })).status).toBe(200);
      expect((await withPat('GET', '/v1/accounts', pat.token)).status).toBe(200);
      expect((await call('DELETE', `${TOKENS}/${pat.id}`, { token: me.token })).status).toBe(204);
      const there = await api2.get('/v1/accounts', { authorization: `mxtoken ${pat.token}` });
      expect({ status: there.status, body: there.body }).toEqual({ status: 403, body: { error: expect.any(String), code: 'auth.invalid_token' } });
      expectError(await withPat('GET', '/v1/accounts', pat.token), 403, 'auth.invalid_token');
    } finally {
      await api2.close();
    }
  });

  test('the owner deactivated: 403 auth.account_deactivated; active again, the token works again', async () => {
    const me = await signedIn();
    const pat = await createPat(me.token, { scopes: ['accounts:read'] });
    await stack.sql`update accounts set status = 'deactivated', deactivated_at = now() where id = ${me.person.accountIds[0]!}`;
    expectError(await withPat('GET', '/v1/accounts', pat.token), 403, 'auth.account_deactivated');
    await stack.sql`update accounts set status = 'active', deactivated_at = null where id = ${me.person.accountIds[0]!}`;
    expect((await withPat('GET', '/v1/accounts', pat.token)).status).toBe(200);
  });

  test('expired: 403 auth.invalid_token; it stays listed as expired until deleted', async () => {
    const me = await signedIn();
    const pat = await createPat(me.token, { expiresAt: new Date(Date.now() + 3600_000).toISOString() });
    await stack.sql`update personal_access_tokens set created_at = now() - interval '2 days', expires_at = now() - interval '1 second' where id = ${pat.id}`;
    expectError(await withPat('GET', '/v1/credentials/current', pat.token), 403, 'auth.invalid_token');
    const [listed] = (await call('GET', TOKENS, { token: me.token })).body.tokens;
    expect(listed).toMatchObject({ id: pat.id, expired: true });
  });

  test('last used: recorded on use, but written at most once a minute per token', async () => {
    const me = await signedIn();
    const pat = await createPat(me.token);
    const lastUsed = async () => (await stack.sql<{ lastUsedAt: Date | null }[]>`select last_used_at from personal_access_tokens where id = ${pat.id}`)[0]!.lastUsedAt;
    // With the token cache, uses are written in batches (test/api/credentialCache.test.ts): write them now.
    const flush = () => stack.credentialCache?.lastUsed.flush();
    expect(await lastUsed()).toBeNull();
    await withPat('GET', '/v1/credentials/current', pat.token);
    await flush();
    const first = await lastUsed();
    expect(first).toBeInstanceOf(Date);
    // Within the minute: no write, whatever the number of requests.
    await stack.sql`update personal_access_tokens set last_used_at = now() - interval '50 seconds' where id = ${pat.id}`;
    const before = await lastUsed();
    for (let i = 0; i < 5; i++) await withPat('GET', '/v1/credentials/current', pat.token);
    await flush();
    expect(await lastUsed()).toEqual(before);
    // Past it: the next request writes once (on another process, whose memory holds no use of this minute).
    await stack.sql`update personal_access_tokens set last_used_at = now() - interval '61 seconds' where id = ${pat.id}`;
    const api2 = await secondApi(stack);
    await api2.get('/v1/credentials/current', { authorization: `mxtoken ${pat.token}` });
    await api2.close();
    expect((await lastUsed())!.getTime()).toBeGreaterThan(before!.getTime() + 50_000);
    expect((await call('GET', `${TOKENS}/${pat.id}`, { token: me.token })).body.lastUsedAt).not.toBeNull();
  });
});
