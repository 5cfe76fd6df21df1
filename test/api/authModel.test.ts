// The one authentication model on the existing routes: each takes the credentials it should, a PAT only with the
// scope it needs, and the routes that need a session by design refuse tokens and keys. Deleting an account
// revokes its tokens and keys with its sessions.
import { revokeAllCredentials } from '../../db/queries/credentials';
import { SCOPE_CATALOGUE } from '../../libraries/scopes';
import { developerSettingsApi } from '../helpers/developerSettings';
import { expectError } from '../helpers/http';
import { PASSWORD } from '../helpers/people';
import { suiteStack } from '../helpers/suiteStack';
import { eventually } from '../helpers/waiting';

const stack = suiteStack();
const { call, signedIn, createPat, createApiKey, withPat, withKey } = developerSettingsApi(stack);
const EVERY_SCOPE = SCOPE_CATALOGUE.map((s) => s.scope);

describe('scopes on the existing routes', () => {
  test('reading merges takes profile:read, starting one profile:write', async () => {
    const me = await signedIn();
    const reader = await createPat(me.token, { scopes: ['profile:read'] });
    const writer = await createPat(me.token, { scopes: ['profile:write'] });
    expect((await withPat('GET', '/v1/profile/merges', reader.token)).status).toBe(200);
    expectError(await withPat('GET', '/v1/profile/merges', writer.token), 403, 'auth.insufficient_scope');
    expectError(await withPat('POST', '/v1/profile/merges', reader.token, { email: 'nobody@test.custodian.test' }), 403, 'auth.insufficient_scope');
    // With the scope, the request reaches the merge service: an unknown email is its 404.
    expectError(await withPat('POST', '/v1/profile/merges', writer.token, { email: 'nobody@test.custodian.test' }), 404, 'merge.unknown_account');
  });

  test('the company password policy: company:read to read, company:write to change, and the admin flag still decides', async () => {
    const [company] = await stack.sql<{ id: string }[]>`insert into companies (name) values ('Scope Corp') returning id`;
    const admin = await signedIn();
    await stack.sql`update accounts set company_id = ${company!.id}, is_company_admin = true where id = ${admin.person.accountIds[0]!}`;
    const path = `/v1/companies/${company!.id}/password-policy`;
    const read = await createPat(admin.token, { scopes: ['company:read'] });
    const write = await createPat(admin.token, { scopes: ['company:write'] });
    expect((await withPat('GET', path, read.token)).status).toBe(200);
    expectError(await withPat('PUT', path, read.token, { maxAgeDays: 10 }), 403, 'auth.insufficient_scope');
    expect((await withPat('PUT', path, write.token, { maxAgeDays: 10 })).status).toBe(200);
  });

  test('listing accounts takes accounts:read', async () => {
    const me = await signedIn();
    expectError(await withPat('GET', '/v1/accounts', (await createPat(me.token, { scopes: ['profile:read'] })).token), 403, 'auth.insufficient_scope');
    expect((await withPat('GET', '/v1/accounts', (await createPat(me.token, { scopes: ['accounts:read'] })).token)).status).toBe(200);
  });

  test('a session still reaches every route as before; a bad bearer token is still 401', async () => {
    const me = await signedIn();
    expect((await call('GET', '/v1/accounts', { token: me.token })).status).toBe(200);
    expect((await call('GET', '/v1/credentials/current', { token: me.token })).body).toMatchObject({ kind: 'session', scopes: EVERY_SCOPE, passwordExpired: false });
    expectError(await call('GET', '/v1/accounts', { token: 'A'.repeat(43) }), 401, 'auth.unauthenticated');
  });
});

describe('routes that need a session by design refuse tokens and keys, whatever their scopes', () => {
  // Three columns each: jest takes a test function's extra parameter for a `done` callback.
  const SESSION_ONLY: [string, string, unknown][] = [
    ['DELETE', '/v1/sessions/current', undefined],
    ['DELETE', '/v1/sessions', undefined],
    ['PUT', '/v1/accounts/current/password', { currentPassword: PASSWORD, newPassword: 'An0ther-Passw0rd!x' }],
    ['DELETE', '/v1/accounts/current', undefined],
    ['POST', '/v1/accounts', { email: 'new@test.custodian.test', password: 'An0ther-Passw0rd!x', marketingOptIn: false }],
  ];
  test.each(SESSION_ONLY)('%s %s: 403 auth.credential_not_accepted, and nothing happens', async (method, path, body) => {
    const me = await signedIn();
    const pat = await createPat(me.token, { scopes: EVERY_SCOPE });
    const key = await createApiKey(me.token);
    expectError(await withPat(method, path, pat.token, body), 403, 'auth.credential_not_accepted');
    expectError(await withKey(method, path, key.username, key.key, body), 403, 'auth.credential_not_accepted');
    // Everything still stands: the session, the token, the key, the account.
    expect((await call('GET', '/v1/credentials/current', { token: me.token })).status).toBe(200);
    expect((await withPat('GET', '/v1/accounts', pat.token)).status).toBe(200);
    expect((await withKey('GET', '/v1/accounts', key.username, key.key)).status).toBe(200);
  });
});

describe('an account\'s deletion revokes its tokens and keys with its sessions', () => {
  test('revokeAllCredentials ends sessions, API keys and tokens at once', async () => {
    const me = await signedIn();
    const pat = await createPat(me.token);
    const key = await createApiKey(me.token);
    expect(await revokeAllCredentials(stack.sql, me.person.accountIds[0]!)).toEqual({ sessions: 1, api_keys: 1, personal_access_tokens: 1 });
    expectError(await withPat('GET', '/v1/credentials/current', pat.token), 403, 'auth.invalid_token');
    expectError(await withKey('GET', '/v1/credentials/current', key.username, key.key), 403, 'auth.invalid_api_key');
    expectError(await call('GET', '/v1/credentials/current', { token: me.token }), 401, 'auth.unauthenticated');
  });

  test('DELETE /v1/accounts/current: the token and the key are refused, and their rows go with the account', async () => {
    const me = await signedIn();
    const pat = await createPat(me.token, { scopes: ['accounts:read'] });
    const key = await createApiKey(me.token);
    const r = await call('DELETE', '/v1/accounts/current', { token: me.token });
    expect(r.status).toBe(202);
    await eventually(async () => {
      const status = await call('GET', r.headers.get('location')!);
      if (status.body.status !== 'completed') throw new Error(`deletion ${status.body.status}`);
    }, 30_000);
    expectError(await withPat('GET', '/v1/accounts', pat.token), 403, 'auth.invalid_token');
    expectError(await withKey('GET', '/v1/accounts', key.username, key.key), 403, 'auth.invalid_api_key');
    const left = await stack.sql`
      select 1 from personal_access_tokens where account_id = ${me.person.accountIds[0]!}
      union all select 1 from api_keys where account_id = ${me.person.accountIds[0]!}`;
    expect(left).toHaveLength(0);
  });
});
