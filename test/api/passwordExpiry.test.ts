// Password expiry over HTTP: the company policy endpoint and who may use it, sign-in with an expired password
// (a session that may only change the password or sign out), and what a new password or a policy change does
// to such a session at once.
import { randomUUID } from 'node:crypto';
import { listAuditForSubject } from '../../db/queries/audit';
import { DEFAULT_PASSWORD_MAX_AGE_DAYS } from '../../workflows/shared/passwordExpiry';
import { checkedHttp, expectError, expectInvalid } from '../helpers/http';
import { createPerson, PASSWORD, type Person } from '../helpers/people';
import { suiteStack } from '../helpers/suiteStack';

const stack = suiteStack({ worker: false });
const { call } = checkedHttp(stack);
const NEW_PASSWORD = 'Fresh-Start-2026!x';

async function company(expiryDays = 90): Promise<string> {
  const id = randomUUID();
  await stack.sql`insert into companies (id, name, password_expiry_days) values (${id}, ${`Company ${id.slice(0, 8)}`}, ${expiryDays})`;
  return id;
}

/** A person with one account, optionally in a company (as its admin), whose password was set `ageDays` ago. */
async function person({ companyId = null, admin = false, ageDays = 1, sso = false }: { companyId?: string | null; admin?: boolean; ageDays?: number; sso?: boolean } = {}): Promise<Person> {
  const p = await createPerson(stack.sql);
  await stack.sql`
    update accounts set company_id = ${companyId}, is_company_admin = ${admin}, sso = ${sso},
                        password_changed_at = now() - ${ageDays} * interval '24 hours'
     where id = ${p.accountIds[0]!}`;
  return p;
}

const signIn = (p: Person) => call('POST', '/v1/sessions', { body: { email: p.emails[0], password: PASSWORD } });
async function tokenOf(p: Person): Promise<string> {
  const r = await signIn(p);
  expect(r.status).toBe(201);
  return r.body.token as string;
}
const policyPath = (companyId: string) => `/v1/companies/${companyId}/password-policy`;
const setPolicy = (token: string, companyId: string, maxAgeDays: unknown) => call('PUT', policyPath(companyId), { token, body: { maxAgeDays } });
/** An ordinary authenticated route: 200 for a normal session, 403 auth.password_expired for a restricted one. */
const probe = (token: string) => call('GET', '/v1/profile/merges', { token });

describe('PUT /v1/companies/{id}/password-policy', () => {
  test('a company admin sets it, `null` meaning never; it is audited, and stored as 0 (the column\'s "never")', async () => {
    const co = await company(90);
    const admin = await person({ companyId: co, admin: true });
    const token = await tokenOf(admin);

    const r = await setPolicy(token, co, 30);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ companyId: co, maxAgeDays: 30 });
    expect((await call('GET', policyPath(co), { token })).body).toEqual({ companyId: co, maxAgeDays: 30 });

    const never = await setPolicy(token, co, null);
    expect(never.body).toEqual({ companyId: co, maxAgeDays: null });
    const [row] = await stack.sql<{ passwordExpiryDays: number }[]>`select password_expiry_days from companies where id = ${co}`;
    expect(row!.passwordExpiryDays).toBe(0);

    expect(await listAuditForSubject(stack.sql, 'company', co)).toEqual([
      expect.objectContaining({ action: 'company.password_policy_changed', actorAccountId: admin.accountIds[0], details: { previousMaxAgeDays: 90, maxAgeDays: 30 } }),
      expect.objectContaining({ action: 'company.password_policy_changed', actorAccountId: admin.accountIds[0], details: { previousMaxAgeDays: 30, maxAgeDays: null } }),
    ]);
  });

  test('only an admin of that company: a member gets 403, anyone else 404, as for a company that does not exist', async () => {
    const co = await company(90);
    const other = await company(90);
    const member = await tokenOf(await person({ companyId: co }));
    const otherAdmin = await tokenOf(await person({ companyId: other, admin: true }));
    const noCompany = await tokenOf(await person());
    const admin = await tokenOf(await person({ companyId: co, admin: true }));

    expectError(await setPolicy(member, co, 30), 403, 'company.admin_required');
    expectError(await setPolicy(otherAdmin, co, 30), 404, 'company.not_found');
    expectError(await setPolicy(noCompany, co, 30), 404, 'company.not_found');
    expectError(await setPolicy(admin, randomUUID(), 30), 404, 'company.not_found');
    expectError(await call('PUT', policyPath(co), { body: { maxAgeDays: 30 } }), 401, 'auth.unauthenticated');
    // Reading: any member of the company; nobody else.
    expect((await call('GET', policyPath(co), { token: member })).status).toBe(200);
    expectError(await call('GET', policyPath(co), { token: otherAdmin }), 404, 'company.not_found');
    // Nothing changed, and nothing was audited.
    expect((await call('GET', policyPath(co), { token: admin })).body.maxAgeDays).toBe(90);
    expect(await listAuditForSubject(stack.sql, 'company', co)).toEqual([]);
  });

  test('maxAgeDays is a whole number of days from 1 to 3650, or null; it is required', async () => {
    const co = await company(90);
    // Set just now: even a 1-day policy leaves the admin's own session unrestricted.
    const admin = await tokenOf(await person({ companyId: co, admin: true, ageDays: 0 }));
    for (const bad of [0, -1, 3651, 1.5, '30', true]) expectInvalid(await setPolicy(admin, co, bad), 'body.maxAgeDays');
    expectInvalid(await call('PUT', policyPath(co), { token: admin, body: {} }), 'body.maxAgeDays');
    expectInvalid(await setPolicy(admin, 'not-a-uuid', 30), 'params.id');
    for (const good of [1, 3650]) expect((await setPolicy(admin, co, good)).body.maxAgeDays).toBe(good);
  });
});

describe('sign-in with an expired password', () => {
  test('an account within its period signs in normally: passwordExpired false', async () => {
    const r = await signIn(await person({ ageDays: DEFAULT_PASSWORD_MAX_AGE_DAYS - 1 }));
    expect(r.status).toBe(201);
    expect(r.body.passwordExpired).toBe(false);
    expect((await probe(r.body.token)).status).toBe(200);
  });

  test('past the platform default: 201 with passwordExpired true, and a session that can only change the password or sign out', async () => {
    const p = await person({ ageDays: DEFAULT_PASSWORD_MAX_AGE_DAYS });
    const r = await signIn(p);
    expect(r.status).toBe(201);
    expect(r.body).toEqual({ token: expect.any(String), accountId: p.accountIds[0], profileId: p.profileId, expiresAt: expect.any(String), passwordExpired: true });
    const token = r.body.token as string;

    for (const [method, path, body] of [
      ['GET', '/v1/profile/merges', undefined],
      ['GET', `/v1/profile/merges/${randomUUID()}`, undefined],
      ['POST', '/v1/profile/merges', { email: 'someone@example.test' }],
      ['GET', '/v1/accounts', undefined],
      ['GET', policyPath(randomUUID()), undefined],
      ['DELETE', '/v1/sessions', undefined],
    ] as const) {
      const denied = await call(method, path, { token, ...(body ? { body } : {}) });
      expect({ method, path, status: denied.status, code: denied.body.code }).toEqual({ method, path, status: 403, code: 'auth.password_expired' });
    }
    const audit = await listAuditForSubject(stack.sql, 'account', p.accountIds[0]!);
    expect(audit.find((e) => e.action === 'session.created')?.details).toMatchObject({ passwordExpired: true });

    // Changing the password starts a new period: the same session is an ordinary one at once.
    const changed = await call('PUT', '/v1/accounts/current/password', { token, body: { currentPassword: PASSWORD, newPassword: NEW_PASSWORD } });
    expect(changed.status).toBe(200);
    expect((await probe(token)).status).toBe(200);
    const again = await call('POST', '/v1/sessions', { body: { email: p.emails[0], password: NEW_PASSWORD } });
    expect(again.body.passwordExpired).toBe(false);
  });

  test('a restricted session can sign out', async () => {
    const token = await tokenOf(await person({ ageDays: 365 }));
    expect((await call('DELETE', '/v1/sessions/current', { token })).status).toBe(204);
    expectError(await probe(token), 401, 'auth.unauthenticated');
  });

  test('a session that outlives the expiry becomes restricted; SSO accounts and "never" policies never do', async () => {
    const co = await company(90);
    const p = await person({ companyId: co, ageDays: 60 });
    const token = await tokenOf(p);
    expect((await probe(token)).status).toBe(200);
    // Time passes (the password is now 90 days old): the same session is restricted on its next request.
    await stack.sql`update accounts set password_changed_at = now() - interval '90 days' where id = ${p.accountIds[0]!}`;
    expectError(await probe(token), 403, 'auth.password_expired');

    const sso = await signIn(await person({ ageDays: 5000, sso: true }));
    expect(sso.body.passwordExpired).toBe(false);
    const neverCo = await company(0);
    const never = await signIn(await person({ companyId: neverCo, ageDays: 5000 }));
    expect(never.body.passwordExpired).toBe(false);
  });
});

describe('a policy change takes effect at once on every account of the company', () => {
  test('shorter: the members\' sessions are restricted on their next request; null: free again', async () => {
    const co = await company(90);
    const admin = await person({ companyId: co, admin: true, ageDays: 1 });
    const members = await Promise.all([45, 60].map((ageDays) => person({ companyId: co, ageDays })));
    const outsider = await person({ ageDays: 60 });
    const adminToken = await tokenOf(admin);
    const tokens = await Promise.all(members.map(tokenOf));
    const outsiderToken = await tokenOf(outsider);
    for (const t of tokens) expect((await probe(t)).status).toBe(200);

    expect((await setPolicy(adminToken, co, 30)).status).toBe(200);
    for (const t of tokens) expectError(await probe(t), 403, 'auth.password_expired');
    expect((await signIn(members[0]!)).body.passwordExpired).toBe(true);
    expect((await probe(adminToken)).status).toBe(200); // the admin's own password is a day old
    expect((await probe(outsiderToken)).status).toBe(200); // another company's policy is no concern of theirs

    expect((await setPolicy(adminToken, co, null)).status).toBe(200);
    for (const t of tokens) expect((await probe(t)).status).toBe(200);
  });
});
