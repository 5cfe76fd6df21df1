// Service accounts over HTTP (issue 13 "Who may call it"): a company admin creates one with a token (secret
// shown once), lists them with their tokens' metadata, rotates tokens and revokes them; the token works until
// revoked, then every request is refused. A service account, or any token, can never mint service accounts.
import { createCompany, type Caller, type TestCompany } from '../helpers/company';
import { apiKeyHeaders, developerSettingsApi, patHeaders } from '../helpers/developerSettings';
import { expectError } from '../helpers/http';
import { suiteStack } from '../helpers/suiteStack';

const stack = suiteStack({ worker: false });
const { call, createPat, createApiKey } = developerSettingsApi(stack);
const base = (companyId: string) => `/v1/companies/${companyId}/service-accounts`;
const sessionOf = (c: Caller) => c.headers.authorization!.replace('Bearer ', '');
const whoAmI = (token: string) => call('GET', '/v1/credentials/current', { headers: patHeaders(token) });

const audit = (subjectId: string) => stack.sql<{ action: string; outcome: string; actorAccountId: string; details: Record<string, unknown> }[]>`
  select action, outcome, actor_account_id, details from audit_log where subject_id = ${subjectId} and action like 'service_account.%' order by id`;

async function create(company: TestCompany, body: { name: string; scopes: string[] } = { name: 'Workday offboarding', scopes: ['company-users:read', 'company-users:deactivate'] }) {
  const r = await call('POST', base(company.companyId), { headers: company.admin.headers, body });
  if (r.status !== 201) throw new Error(`creation failed: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body as { serviceAccount: { id: string; name: string; tokens: { id: string }[] }; token: { id: string; token: string; scopes: string[] } };
}

describe('creating a service account', () => {
  test('201: a passwordless account named as asked, with a synthetic undeliverable address, and a working token shown once', async () => {
    const company = await createCompany(stack);
    const r = await call('POST', base(company.companyId), {
      headers: company.admin.headers, body: { name: 'Workday offboarding', scopes: ['company-users:deactivate', 'company-users:read'] },
    });
    expect(r.status).toBe(201);
    const { token: secret, ...shown } = r.body.token;
    expect(r.body).toEqual({
      serviceAccount: {
        id: expect.any(String), companyId: company.companyId, name: 'Workday offboarding', status: 'active', createdAt: expect.any(String), revokedAt: null,
        tokens: [shown],
      },
      token: {
        id: expect.any(String), name: 'Workday offboarding', scopes: ['company-users:read', 'company-users:deactivate'], createdAt: expect.any(String),
        lastUsedAt: null, expiresAt: null, expired: false, token: expect.stringMatching(/^mxp_[0-9A-Za-z]{49}$/),
      },
    });
    const id = r.body.serviceAccount.id;
    const [row] = await stack.sql<{ email: string; passwordHash: string | null; isServiceAccount: boolean; isCompanyAdmin: boolean; displayName: string; profileEmail: string | null }[]>`
      select a.email, a.password_hash, a.is_service_account, a.is_company_admin, p.display_name, p.profile_email
        from accounts a join profiles p on p.id = a.profile_id where a.id = ${id}`;
    expect(row).toEqual({ email: `svc-${id}@service-accounts.invalid`, passwordHash: null, isServiceAccount: true, isCompanyAdmin: false, displayName: 'Workday offboarding', profileEmail: null });

    const me = await whoAmI(secret);
    expect(me.body).toMatchObject({ kind: 'pat', accountId: id, companyId: company.companyId, isServiceAccount: true, scopes: ['company-users:read', 'company-users:deactivate'] });
    // It does what its scopes allow: the seed's HR automation deactivates a member.
    const deactivation = await call('POST', `/v1/companies/${company.companyId}/members/${company.member.accountId}/deactivation`, { headers: patHeaders(secret) });
    expect(deactivation.status).toBe(200);

    const [created] = await stack.sql<{ action: string; actorAccountId: string; details: Record<string, unknown> }[]>`
      select action, actor_account_id, details from audit_log where action = 'service_account.created' and company_id = ${company.companyId}`;
    expect(created).toEqual({
      action: 'service_account.created', actorAccountId: company.admin.accountId,
      details: { serviceAccountId: id, tokenId: r.body.token.id, scopes: ['company-users:read', 'company-users:deactivate'] },
    });
    expect(JSON.stringify(created)).not.toContain(secret);
  });

  test('with an admin\'s API key too; never with a token, not even the admin\'s own, nor a service account\'s', async () => {
    const company = await createCompany(stack);
    const body = { name: 'Okta sync', scopes: ['company-users:read'] };
    const key = await createApiKey(sessionOf(company.admin));
    expect((await call('POST', base(company.companyId), { headers: apiKeyHeaders(key.username, key.key), body })).status).toBe(201);
    const adminPat = await createPat(sessionOf(company.admin), { scopes: ['company-users:write', 'company-users:read'] });
    expectError(await call('POST', base(company.companyId), { headers: patHeaders(adminPat.token), body }), 403, 'auth.credential_not_accepted');
    const svc = await company.serviceAccount(['company-users:write', 'company-users:read']);
    expectError(await call('POST', base(company.companyId), { headers: svc.headers, body }), 403, 'auth.credential_not_accepted');
    const [row] = await stack.sql<{ n: number }[]>`select count(*)::int as n from accounts where company_id = ${company.companyId} and is_service_account`;
    expect(row!.n).toBe(2); // the API key's, and the helper's
  });

  test('boundaries: a member 403, another company\'s admin 404, no credential 401, a bad body 400', async () => {
    const company = await createCompany(stack);
    const other = await createCompany(stack);
    const body = { name: 'x', scopes: ['apps:read'] };
    expectError(await call('POST', base(company.companyId), { headers: company.member.headers, body }), 403, 'company.admin_required');
    expectError(await call('POST', base(company.companyId), { headers: other.admin.headers, body }), 404, 'company.not_found');
    expectError(await call('POST', base(company.companyId), { body }), 401, 'auth.unauthenticated');
    expectError(await call('POST', base(company.companyId), { headers: company.admin.headers, body: { name: ' ', scopes: [] } }), 400, 'request.invalid');
    expectError(await call('POST', base(company.companyId), { headers: company.admin.headers, body: { name: 'x', scopes: ['root'] } }), 400, 'request.invalid');
    const [row] = await stack.sql<{ n: number }[]>`select count(*)::int as n from accounts where company_id = ${company.companyId} and is_service_account`;
    expect(row!.n).toBe(0);
    const denied = await stack.sql<{ outcome: string }[]>`
      select outcome from audit_log where action = 'service_account.created' and actor_account_id = ${company.member.accountId}`;
    expect(denied).toEqual([{ outcome: 'denied' }]);
  });
});

describe('listing, rotating and revoking', () => {
  test('the list shows each token\'s name, scopes and last use, never a secret; audited', async () => {
    const company = await createCompany(stack);
    const created = await create(company);
    await whoAmI(created.token.token);
    const r = await call('GET', base(company.companyId), { headers: company.admin.headers });
    expect(r.status).toBe(200);
    expect(r.body.items).toEqual([expect.objectContaining({
      id: created.serviceAccount.id, status: 'active',
      tokens: [expect.objectContaining({ id: created.token.id, name: 'Workday offboarding', scopes: created.token.scopes, lastUsedAt: expect.any(String) })],
    })]);
    expect(JSON.stringify(r.body)).not.toContain(created.token.token);
    const [listed] = await stack.sql<{ outcome: string }[]>`
      select outcome from audit_log where action = 'service_account.listed' and subject_id = ${company.companyId}`;
    expect(listed).toEqual({ outcome: 'succeeded' });
  });

  test('the list: an admin\'s token with company-users:read may; a service account or a member may not', async () => {
    const company = await createCompany(stack);
    const other = await createCompany(stack);
    const adminPat = await createPat(sessionOf(company.admin), { scopes: ['company-users:read'] });
    expect((await call('GET', base(company.companyId), { headers: patHeaders(adminPat.token) })).status).toBe(200);
    const svc = await company.serviceAccount(['company-users:read']);
    expectError(await call('GET', base(company.companyId), { headers: svc.headers }), 403, 'service_account.not_permitted');
    expectError(await call('GET', base(company.companyId), { headers: company.member.headers }), 403, 'company.admin_required');
    expectError(await call('GET', base(company.companyId), { headers: other.admin.headers }), 404, 'company.not_found');
    expectError(await call('GET', base(company.companyId), { headers: (await company.serviceAccount(['apps:read'])).headers }), 403, 'auth.insufficient_scope');
  });

  test('rotation: a second token works alongside; deleting the old one refuses it at once; both audited', async () => {
    const company = await createCompany(stack);
    const created = await create(company);
    const id = created.serviceAccount.id;
    const r = await call('POST', `${base(company.companyId)}/${id}/tokens`, { headers: company.admin.headers, body: { name: 'Workday, rotated', scopes: ['company-users:read'] } });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ name: 'Workday, rotated', scopes: ['company-users:read'], expiresAt: null, token: expect.stringMatching(/^mxp_/) });
    expect((await whoAmI(r.body.token)).body.accountId).toBe(id);
    expect((await whoAmI(created.token.token)).status).toBe(200);

    expect((await call('DELETE', `${base(company.companyId)}/${id}/tokens/${created.token.id}`, { headers: company.admin.headers })).status).toBe(204);
    expectError(await whoAmI(created.token.token), 403, 'auth.invalid_token');
    expect((await whoAmI(r.body.token)).status).toBe(200);
    expectError(await call('DELETE', `${base(company.companyId)}/${id}/tokens/${created.token.id}`, { headers: company.admin.headers }), 404, 'personal_access_token.not_found');
    expect((await audit(id)).map((e) => [e.action, e.outcome, e.details.tokenId ?? e.details.code])).toEqual([
      ['service_account.token_created', 'succeeded', r.body.id],
      ['service_account.token_revoked', 'succeeded', created.token.id],
      ['service_account.token_revoked', 'failed', 'personal_access_token.not_found'],
    ]);
  });

  test('revoking: deactivated and every token refused on its next request; idempotent; still listed; no new token', async () => {
    const company = await createCompany(stack);
    const created = await create(company);
    const id = created.serviceAccount.id;
    const r = await call('DELETE', `${base(company.companyId)}/${id}`, { headers: company.admin.headers });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ id, status: 'deactivated', revokedAt: expect.any(String), tokens: [] });
    expectError(await whoAmI(created.token.token), 403, 'auth.invalid_token');

    const again = await call('DELETE', `${base(company.companyId)}/${id}`, { headers: company.admin.headers });
    expect(again.body).toEqual(r.body);
    expect((await call('GET', base(company.companyId), { headers: company.admin.headers })).body.items).toEqual([r.body]);
    expectError(await call('POST', `${base(company.companyId)}/${id}/tokens`, { headers: company.admin.headers, body: { name: 'again', scopes: ['apps:read'] } }), 409, 'service_account.revoked');
    expect((await audit(id)).map((e) => [e.action, e.outcome, e.details.changed ?? e.details.code])).toEqual([
      ['service_account.revoked', 'succeeded', true],
      ['service_account.revoked', 'succeeded', false],
      ['service_account.token_created', 'failed', 'service_account.revoked'],
    ]);
  });

  test('boundaries: only the company\'s own service accounts, never a member through this door, never by a token', async () => {
    const company = await createCompany(stack);
    const other = await createCompany(stack);
    const theirs = await create(other);
    const path = (accountId: string) => `${base(company.companyId)}/${accountId}`;
    expectError(await call('DELETE', path(theirs.serviceAccount.id), { headers: company.admin.headers }), 404, 'service_account.not_found');
    expectError(await call('DELETE', path(company.member.accountId), { headers: company.admin.headers }), 404, 'service_account.not_found');
    expectError(await call('POST', `${path(theirs.serviceAccount.id)}/tokens`, { headers: company.admin.headers, body: { name: 'x', scopes: ['apps:read'] } }), 404, 'service_account.not_found');
    expectError(await call('DELETE', `${base(other.companyId)}/${theirs.serviceAccount.id}`, { headers: company.admin.headers }), 404, 'company.not_found');
    expectError(await call('DELETE', `${base(other.companyId)}/${theirs.serviceAccount.id}`, { headers: patHeaders(theirs.token.token) }), 403, 'auth.credential_not_accepted');
    expectError(await call('DELETE', path(theirs.serviceAccount.id), { headers: company.member.headers }), 403, 'company.admin_required');
    expectError(await call('DELETE', path(theirs.serviceAccount.id)), 401, 'auth.unauthenticated');
    expect((await whoAmI(theirs.token.token)).status).toBe(200);
    const [member] = await stack.sql<{ status: string }[]>`select status from accounts where id = ${company.member.accountId}`;
    expect(member!.status).toBe('active');
  });
});
