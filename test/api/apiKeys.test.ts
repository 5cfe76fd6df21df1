// API keys over HTTP (User Settings §5.2): create (shown once), list, revoke, and use with Mendix-Username +
// Mendix-ApiKey, acting with exactly the privileges of the key's account.
import { createHash } from 'node:crypto';
import { listAuditForSubject } from '../../db/queries/audit';
import { newSecret } from '../../lib/tokenFormat';
import { KEYS, TOKENS, apiKeyHeaders, developerSettingsApi, secondApi } from '../helpers/developerSettings';
import { expectError } from '../helpers/http';
import { suiteStack } from '../helpers/suiteStack';

const stack = suiteStack({ worker: false });
const { call, signedIn, createApiKey, createPat, withKey, withPat } = developerSettingsApi(stack);
const UUID = /^[0-9a-f-]{36}$/;

test('create: 201 with the key once and the username to send it with; the list never shows it; only its hash is stored', async () => {
  const me = await signedIn();
  const r = await call('POST', KEYS, { token: me.token, body: { name: 'Model SDK' } });
  expect(r.status).toBe(201);
  expect(r.body).toEqual({
    id: expect.stringMatching(UUID), name: 'Model SDK', createdAt: expect.any(String), lastUsedAt: null,
    key: expect.stringMatching(/^mxk_[0-9A-Za-z]{49}$/), username: me.person.emails[0],
  });
  const list = await call('GET', KEYS, { token: me.token });
  expect(list.body).toEqual({ apiKeys: [{ id: r.body.id, name: 'Model SDK', createdAt: r.body.createdAt, lastUsedAt: null }] });
  const [row] = await stack.sql<{ keyHash: Buffer; asText: string }[]>`select key_hash, k::text as as_text from api_keys k where id = ${r.body.id}`;
  expect(row!.keyHash).toEqual(createHash('sha256').update(r.body.key).digest());
  expect(row!.asText).not.toContain(r.body.key);
});

test('a key acts with exactly its account\'s privileges: every scope, but no right the account lacks', async () => {
  const [company] = await stack.sql<{ id: string }[]>`insert into companies (name) values ('Keys Corp') returning id`;
  const admin = await signedIn();
  const member = await signedIn();
  await stack.sql`update accounts set company_id = ${company!.id}, is_company_admin = (id = ${admin.person.accountIds[0]!})
                   where id in ${stack.sql([admin.person.accountIds[0]!, member.person.accountIds[0]!])}`;
  const adminKey = await createApiKey(admin.token);
  const memberKey = await createApiKey(member.token);
  const policy = `/v1/companies/${company!.id}/password-policy`;
  expect((await withKey('PUT', policy, adminKey.username, adminKey.key, { maxAgeDays: 60 })).status).toBe(200);
  expectError(await withKey('PUT', policy, memberKey.username, memberKey.key, { maxAgeDays: 30 }), 403, 'company.admin_required');
  expect((await withKey('GET', policy, memberKey.username, memberKey.key)).body).toEqual({ companyId: company!.id, maxAgeDays: 60 });
  const who = await withKey('GET', '/v1/credentials/current', adminKey.username, adminKey.key);
  expect(who.body).toMatchObject({ kind: 'apiKey', id: adminKey.id, accountId: admin.person.accountIds[0], companyId: company!.id, isCompanyAdmin: true });
  expect(who.body.scopes).toEqual((await call('GET', '/v1/pat-scopes')).body.scopes.map((s: { scope: string }) => s.scope));
  // Its own account's data only.
  const accounts = await withKey('GET', '/v1/accounts', memberKey.username, memberKey.key);
  expect(accounts.body.accounts.map((a: { id: string }) => a.id)).toEqual(member.person.accountIds);
});

test('the username is the key account\'s login email, in any case; another account\'s email is refused', async () => {
  const me = await signedIn();
  const other = await signedIn();
  const key = await createApiKey(me.token);
  expect((await withKey('GET', '/v1/accounts', key.username.toUpperCase(), key.key)).status).toBe(200);
  expectError(await withKey('GET', '/v1/accounts', other.person.emails[0]!, key.key), 403, 'auth.invalid_api_key');
});

test.each([
  ['an unknown key', () => ({ 'mendix-username': 'nobody@test.custodian.test', 'mendix-apikey': newSecret('apiKey') })],
  ['a malformed key', () => ({ 'mendix-username': 'nobody@test.custodian.test', 'mendix-apikey': 'abc' })],
  ['the key without its username', () => ({ 'mendix-apikey': newSecret('apiKey') })],
  ['the username without a key', () => ({ 'mendix-username': 'nobody@test.custodian.test' })],
])('%s: 403 auth.invalid_api_key', async (_name, headers) => {
  expectError(await call('GET', '/v1/accounts', { headers: headers() }), 403, 'auth.invalid_api_key');
});

test('an API key and an Authorization header at once: 401, not a guess', async () => {
  const me = await signedIn();
  const key = await createApiKey(me.token);
  const r = await call('GET', '/v1/accounts', { token: me.token, headers: apiKeyHeaders(key.username, key.key) });
  expectError(r, 401, 'auth.unauthenticated');
});

test('revoked: refused from the very next request on, on this API process and another one', async () => {
  const me = await signedIn();
  const key = await createApiKey(me.token);
  const api2 = await secondApi(stack);
  try {
    expect((await api2.get('/v1/accounts', apiKeyHeaders(key.username, key.key))).status).toBe(200);
    expect((await call('DELETE', `${KEYS}/${key.id}`, { token: me.token })).status).toBe(204);
    const there = await api2.get('/v1/accounts', apiKeyHeaders(key.username, key.key));
    expect({ status: there.status, code: there.body.code }).toEqual({ status: 403, code: 'auth.invalid_api_key' });
    expectError(await withKey('GET', '/v1/accounts', key.username, key.key), 403, 'auth.invalid_api_key');
    expect((await call('GET', KEYS, { token: me.token })).body.apiKeys).toEqual([]);
    expectError(await call('DELETE', `${KEYS}/${key.id}`, { token: me.token }), 404, 'api_key.not_found');
  } finally {
    await api2.close();
  }
});

test('another user\'s key id is 404 and the key keeps working', async () => {
  const me = await signedIn();
  const other = await signedIn();
  const theirs = await createApiKey(other.token);
  expectError(await call('DELETE', `${KEYS}/${theirs.id}`, { token: me.token }), 404, 'api_key.not_found');
  expect((await call('GET', KEYS, { token: me.token })).body.apiKeys).toEqual([]);
  expect((await withKey('GET', '/v1/accounts', theirs.username, theirs.key)).status).toBe(200);
});

test('the owner deactivated: 403 auth.account_deactivated', async () => {
  const me = await signedIn();
  const key = await createApiKey(me.token);
  await stack.sql`update accounts set status = 'deactivated', deactivated_at = now() where id = ${me.person.accountIds[0]!}`;
  expectError(await withKey('GET', '/v1/accounts', key.username, key.key), 403, 'auth.account_deactivated');
});

test('keys and tokens cannot create or revoke keys: that takes a session (403 auth.credential_not_accepted)', async () => {
  const me = await signedIn();
  const key = await createApiKey(me.token);
  const pat = await createPat(me.token, { scopes: ['developer-settings:read'] });
  expectError(await withKey('POST', KEYS, key.username, key.key, { name: 'another' }), 403, 'auth.credential_not_accepted');
  expectError(await withPat('POST', KEYS, pat.token, { name: 'another' }), 403, 'auth.credential_not_accepted');
  expectError(await withKey('DELETE', `${KEYS}/${key.id}`, key.username, key.key), 403, 'auth.credential_not_accepted');
  expectError(await withKey('POST', TOKENS, key.username, key.key, { name: 'x', scopes: ['profile:read'] }), 403, 'auth.credential_not_accepted');
  // Reading them is fine: a key has every scope, a token needs developer-settings:read.
  expect((await withKey('GET', KEYS, key.username, key.key)).body.apiKeys).toHaveLength(1);
  expect((await withPat('GET', KEYS, pat.token)).body.apiKeys).toHaveLength(1);
});

test('last used: written on use, at most once a minute', async () => {
  const me = await signedIn();
  const key = await createApiKey(me.token);
  await withKey('GET', '/v1/credentials/current', key.username, key.key);
  const [first] = await stack.sql<{ lastUsedAt: Date }[]>`select last_used_at from api_keys where id = ${key.id}`;
  expect(first!.lastUsedAt).toBeInstanceOf(Date);
  for (let i = 0; i < 3; i++) await withKey('GET', '/v1/credentials/current', key.username, key.key);
  const [again] = await stack.sql<{ lastUsedAt: Date }[]>`select last_used_at from api_keys where id = ${key.id}`;
  expect(again!.lastUsedAt).toEqual(first!.lastUsedAt);
});

test('audited: api_key.created and api_key.revoked, with ids only', async () => {
  const me = await signedIn();
  const key = await createApiKey(me.token, 'Secret-ish name');
  await call('DELETE', `${KEYS}/${key.id}`, { token: me.token });
  const audit = (await listAuditForSubject(stack.sql, 'account', me.person.accountIds[0]!)).filter((e) => e.action.startsWith('api_key.'));
  expect(audit.map((e) => [e.action, e.details])).toEqual([
    ['api_key.created', { apiKeyId: key.id, sessionId: expect.stringMatching(UUID) }],
    ['api_key.revoked', { apiKeyId: key.id, sessionId: expect.stringMatching(UUID) }],
  ]);
  expect(JSON.stringify(audit)).not.toContain(key.key);
});

test('at most 100 live keys per account: 409 api_key.limit_reached', async () => {
  const me = await signedIn();
  await stack.sql`
    insert into api_keys (account_id, name, key_hash)
    select ${me.person.accountIds[0]!}, 'bulk ' || i, sha256(('bulk' || i || ${me.person.profileId})::bytea) from generate_series(1, 100) i`;
  expectError(await call('POST', KEYS, { token: me.token, body: { name: 'one more' } }), 409, 'api_key.limit_reached');
});
