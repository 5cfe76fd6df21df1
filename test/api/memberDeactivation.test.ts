// Deactivating and reactivating a member of a company (the seed's step 2 of offboarding; issue 14's separate,
// audited reactivation): every credential ends in the same transaction, idempotent, never oneself, never
// another company's, and reactivation gives back no revoked credential.
import { deactivateMember, reactivateMember } from '../../libraries/memberDeactivation';
import { createCompany, type Caller } from '../helpers/company';
import { apiKeyHeaders, developerSettingsApi, patHeaders } from '../helpers/developerSettings';
import { expectError } from '../helpers/http';
import { PASSWORD } from '../helpers/people';
import { suiteStack } from '../helpers/suiteStack';

const stack = suiteStack({ worker: false });
const { call, createPat, createApiKey } = developerSettingsApi(stack);
const path = (companyId: string, accountId: string) => `/v1/companies/${companyId}/members/${accountId}/deactivation`;
const sessionOf = (c: Caller) => c.headers.authorization!.replace('Bearer ', '');

const audit = (subjectId: string) => stack.sql<{
  action: string; outcome: string; actorAccountId: string; actorCredential: string; companyId: string; details: Record<string, unknown>;
}[]>`select action, outcome, actor_account_id, actor_credential, company_id, details from audit_log where subject_id = ${subjectId} and action like 'member.%' order by id`;

/** A member with a session, a token and an API key: every kind of way in. */
async function memberWithCredentials(company: Awaited<ReturnType<typeof createCompany>>) {
  const member = await company.addMember();
  const pat = await createPat(sessionOf(member), { scopes: ['profile:read'] });
  const key = await createApiKey(sessionOf(member));
  const probes = {
    session: () => call('GET', '/v1/profile', { headers: member.headers }),
    pat: () => call('GET', '/v1/profile', { headers: patHeaders(pat.token) }),
    apiKey: () => call('GET', '/v1/profile', { headers: apiKeyHeaders(key.username, key.key) }),
  };
  return { member, probes };
}

describe('POST .../members/{memberId}/deactivation', () => {
  test('an admin deactivates a member: status, and every session, key and token ended in the same call; audited', async () => {
    const company = await createCompany(stack);
    const { member, probes } = await memberWithCredentials(company);
    for (const probe of Object.values(probes)) expect((await probe()).status).toBe(200);

    const r = await call('POST', path(company.companyId, member.accountId), { headers: company.admin.headers });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      accountId: member.accountId, companyId: company.companyId, status: 'deactivated', deactivatedAt: expect.any(String), changed: true,
      revokedCredentials: { sessions: 1, apiKeys: 1, personalAccessTokens: 1 },
    });

    expectError(await probes.session(), 401, 'auth.unauthenticated');
    expectError(await probes.pat(), 403, 'auth.invalid_token');
    expectError(await probes.apiKey(), 403, 'auth.invalid_api_key');
    expectError(await call('POST', '/v1/sessions', { body: { email: member.email, password: PASSWORD } }), 403, 'auth.account_deactivated');

    expect(await audit(member.accountId)).toContainEqual({
      action: 'member.deactivated', outcome: 'succeeded', actorAccountId: company.admin.accountId, actorCredential: 'session',
      companyId: company.companyId, details: { changed: true, sessions: 1, apiKeys: 1, personalAccessTokens: 1 },
    });
  });

  test('idempotent: deactivating a deactivated member answers 200 with its state, changed: false, the first date kept', async () => {
    const company = await createCompany(stack);
    const first = await call('POST', path(company.companyId, company.member.accountId), { headers: company.admin.headers });
    const again = await call('POST', path(company.companyId, company.member.accountId), { headers: company.admin.headers });
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ ...first.body, changed: false, revokedCredentials: { sessions: 0, apiKeys: 0, personalAccessTokens: 0 } });
    const rows = await audit(company.member.accountId);
    expect(rows.map((e) => [e.action, e.details.changed])).toEqual([['member.deactivated', true], ['member.deactivated', false]]);
  });

  test('an admin cannot deactivate themselves: 409, audited as failed, still active', async () => {
    const company = await createCompany(stack);
    const r = await call('POST', path(company.companyId, company.admin.accountId), { headers: company.admin.headers });
    expectError(r, 409, 'member.cannot_deactivate_self');
    expect((await call('GET', '/v1/profile', { headers: company.admin.headers })).status).toBe(200);
    expect(await audit(company.admin.accountId)).toEqual([
      expect.objectContaining({ action: 'member.deactivated', outcome: 'failed', details: { code: 'member.cannot_deactivate_self' } }),
    ]);
  });

  test('a service account with company-users:deactivate may (the seed\'s HR automation); without the scope it may not', async () => {
    const company = await createCompany(stack);
    const hr = await company.serviceAccount(['company-users:read', 'company-users:deactivate']);
    const writer = await company.serviceAccount(['company-users:write', 'apps:write']);
    expectError(await call('POST', path(company.companyId, company.member.accountId), { headers: writer.headers }), 403, 'auth.insufficient_scope');
    const r = await call('POST', path(company.companyId, company.member.accountId), { headers: hr.headers });
    expect(r.status).toBe(200);
    expect(r.body.status).toBe('deactivated');
    expect(await audit(company.member.accountId)).toEqual([
      expect.objectContaining({ action: 'member.deactivated', outcome: 'succeeded', actorAccountId: hr.accountId, actorCredential: 'pat' }),
    ]);
  });

  test('boundaries: a member 403, another company\'s admin 404, another company\'s member 404, no credential 401', async () => {
    const company = await createCompany(stack);
    const other = await createCompany(stack);
    const target = path(company.companyId, company.member.accountId);
    const colleague = await company.addMember();

    expectError(await call('POST', path(company.companyId, colleague.accountId), { headers: company.member.headers }), 403, 'company.admin_required');
    expectError(await call('POST', target, { headers: other.admin.headers }), 404, 'company.not_found');
    expectError(await call('POST', path(company.companyId, other.member.accountId), { headers: company.admin.headers }), 404, 'member.not_found');
    expectError(await call('POST', target), 401, 'auth.unauthenticated');
    expectError(await call('POST', path(company.companyId, 'not-a-uuid'), { headers: company.admin.headers }), 400, 'request.invalid');

    // Nobody was deactivated, and each refusal of a known caller is on record.
    const [row] = await stack.sql<{ n: number }[]>`
      select count(*)::int as n from accounts where id in (${company.member.accountId}, ${colleague.accountId}, ${other.member.accountId}) and status <> 'active'`;
    expect(row!.n).toBe(0);
    expect((await audit(colleague.accountId)).map((e) => e.outcome)).toEqual(['denied']);
    const theirs = await audit(company.member.accountId);
    expect(theirs).toEqual([expect.objectContaining({ outcome: 'denied', companyId: other.companyId, details: { code: 'company.not_found', otherCompany: true } })]);
  });

  test('a service account is not a member here: 404 member.not_found (it is revoked at its own endpoint)', async () => {
    const company = await createCompany(stack);
    const svc = await company.serviceAccount(['apps:read']);
    expectError(await call('POST', path(company.companyId, svc.accountId), { headers: company.admin.headers }), 404, 'member.not_found');
  });
});

describe('DELETE .../members/{memberId}/deactivation (reactivation)', () => {
  test('restores the status only: the revoked credentials stay revoked; a new sign-in works; audited separately', async () => {
    const company = await createCompany(stack);
    const { member, probes } = await memberWithCredentials(company);
    await call('POST', path(company.companyId, member.accountId), { headers: company.admin.headers });

    const r = await call('DELETE', path(company.companyId, member.accountId), { headers: company.admin.headers });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ accountId: member.accountId, companyId: company.companyId, status: 'active', deactivatedAt: null, changed: true });

    expectError(await probes.session(), 401, 'auth.unauthenticated');
    expectError(await probes.pat(), 403, 'auth.invalid_token');
    expectError(await probes.apiKey(), 403, 'auth.invalid_api_key');
    expect((await call('POST', '/v1/sessions', { body: { email: member.email, password: PASSWORD } })).status).toBe(201);

    expect((await audit(member.accountId)).map((e) => [e.action, e.outcome])).toEqual([
      ['member.deactivated', 'succeeded'], ['member.reactivated', 'succeeded'],
    ]);
  });

  test('idempotent: reactivating an active member answers 200, changed: false', async () => {
    const company = await createCompany(stack);
    const r = await call('DELETE', path(company.companyId, company.member.accountId), { headers: company.admin.headers });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ status: 'active', changed: false, deactivatedAt: null });
  });

  test('the same boundaries: a member 403, another company\'s admin 404, the scope is company-users:deactivate', async () => {
    const company = await createCompany(stack);
    const other = await createCompany(stack);
    const target = path(company.companyId, company.member.accountId);
    expectError(await call('DELETE', target, { headers: (await company.addMember()).headers }), 403, 'company.admin_required');
    expectError(await call('DELETE', target, { headers: other.admin.headers }), 404, 'company.not_found');
    expectError(await call('DELETE', target, { headers: (await company.serviceAccount(['company-users:write'])).headers }), 403, 'auth.insufficient_scope');
    expect((await call('DELETE', target, { headers: (await company.serviceAccount(['company-users:deactivate'])).headers })).status).toBe(200);
  });
});

describe('deactivateMember / reactivateMember (what offboarding\'s activities call)', () => {
  test('run in the caller\'s transaction, idempotent, refusing an account of another company', async () => {
    const company = await createCompany(stack);
    const other = await createCompany(stack);
    const input = { companyId: company.companyId, accountId: company.member.accountId };
    const first = await stack.sql.begin((tx) => deactivateMember(tx, input));
    expect(first).toMatchObject({ status: 'deactivated', changed: true, revokedCredentials: { sessions: 1, apiKeys: 0, personalAccessTokens: 0 } });
    expect(await stack.sql.begin((tx) => deactivateMember(tx, input))).toMatchObject({ changed: false, deactivatedAt: first.deactivatedAt });
    await expect(stack.sql.begin((tx) => deactivateMember(tx, { companyId: company.companyId, accountId: other.member.accountId })))
      .rejects.toMatchObject({ status: 404, code: 'member.not_found' });
    expect(await stack.sql.begin((tx) => reactivateMember(tx, input))).toMatchObject({ status: 'active', changed: true });
  });
});
