import { randomUUID } from 'node:crypto';
import { DEFAULT_PASSWORD_MAX_AGE_DAYS } from '../../workflows/shared/passwordExpiry';
import { checkedHttp, expectError } from '../helpers/http';
import { createPerson } from '../helpers/people';
import { suiteStack } from '../helpers/suiteStack';

const stack = suiteStack({ worker: false });
const { call, signedIn } = checkedHttp(stack);

const DAY = 86_400_000;
// Recent enough that no password below has expired (an expired one restricts the session: README "Password expiry").
const CHANGED = new Date(Math.floor(Date.now() / 1000) * 1000 - 10 * DAY);

async function company(name: string, expiryDays: number): Promise<string> {
  const id = randomUUID();
  await stack.sql`insert into companies (id, name, password_expiry_days) values (${id}, ${name}, ${expiryDays})`;
  return id;
}

async function setAccount(id: string, set: { companyId?: string; sso?: boolean; status?: 'active' | 'deactivated'; changedAt?: Date }): Promise<void> {
  await stack.sql`
    update accounts set company_id = coalesce(${set.companyId ?? null}::uuid, company_id),
                        sso = coalesce(${set.sso ?? null}::boolean, sso),
                        status = coalesce(${set.status ?? null}, status),
                        password_changed_at = coalesce(${set.changedAt ?? null}::timestamptz, password_changed_at)
     where id = ${id}`;
}

describe('GET /v1/accounts', () => {
  test('lists every account of the profile: email, current, company, SSO, status and password expiry', async () => {
    const { person: me, token } = await signedIn({ accounts: 5 });
    const [none, acme, never, sso, gone] = me.accountIds as [string, string, string, string, string];
    const acmeId = await company('Acme', 30);
    const neverId = await company('Never Corp', 0);
    await setAccount(none, { changedAt: CHANGED });
    await setAccount(acme, { companyId: acmeId, changedAt: CHANGED });
    await setAccount(never, { companyId: neverId, changedAt: CHANGED });
    await setAccount(sso, { companyId: acmeId, sso: true, changedAt: CHANGED });
    await setAccount(gone, { companyId: acmeId, status: 'deactivated', changedAt: CHANGED });

    const r = await call('GET', '/v1/accounts', { token });
    expect(r.status).toBe(200);
    expect(Object.keys(r.body)).toEqual(['accounts']);
    const byId = Object.fromEntries(r.body.accounts.map((a: { id: string }) => [a.id, a]));
    expect(r.body.accounts).toHaveLength(5);
    const at = (days: number) => new Date(CHANGED.getTime() + days * DAY).toISOString();
    expect(byId[none]).toEqual({
      id: none, email: me.emails[0], current: true, company: null, singleSignOn: false, status: 'Active',
      // No company: the platform default.
      passwordExpiresAt: at(DEFAULT_PASSWORD_MAX_AGE_DAYS),
    });
    expect(byId[acme]).toEqual({
      id: acme, email: me.emails[1], current: false, company: { id: acmeId, name: 'Acme' }, singleSignOn: false, status: 'Active', passwordExpiresAt: at(30),
    });
    // A company policy of 0 days means never.
    expect(byId[never]).toMatchObject({ company: { id: neverId, name: 'Never Corp' }, passwordExpiresAt: null });
    // SSO accounts never expire: the company's identity provider holds their credentials.
    expect(byId[sso]).toMatchObject({ singleSignOn: true, passwordExpiresAt: null, status: 'Active' });
    // Deactivated accounts are listed, with their status.
    expect(byId[gone]).toMatchObject({ status: 'Deactivated', current: false, passwordExpiresAt: at(30) });
    expect(DEFAULT_PASSWORD_MAX_AGE_DAYS).toBe(90);
  });

  test('exactly one account is current: the one signed in', async () => {
    const me = await createPerson(stack.sql, { accounts: 3 });
    for (const [i, email] of me.emails.entries()) {
      const r = await call('GET', '/v1/accounts', { token: await stack.signIn(email) });
      expect(r.body.accounts.filter((a: { current: boolean }) => a.current).map((a: { id: string }) => a.id)).toEqual([me.accountIds[i]]);
    }
  });

  test('answers only the signed-in profile\'s accounts, oldest first: no other person\'s account id appears', async () => {
    const { person: me, token } = await signedIn({ accounts: 2 });
    const other = await createPerson(stack.sql, { accounts: 2 });
    const r = await call('GET', '/v1/accounts', { token });
    expect(r.body.accounts.map((a: { id: string }) => a.id)).toEqual(me.accountIds);
    const text = JSON.stringify(r.body);
    for (const leaked of [...other.accountIds, ...other.emails, other.profileId]) expect(text).not.toContain(leaked);
    expect(text).not.toContain(me.profileId);
  });

  test('shows no password material or internal fields', async () => {
    const { token } = await signedIn();
    const r = await call('GET', '/v1/accounts', { token });
    expect(Object.keys(r.body.accounts[0]).sort()).toEqual(['company', 'current', 'email', 'id', 'passwordExpiresAt', 'singleSignOn', 'status']);
    expect(JSON.stringify(r.body)).not.toMatch(/argon2|openid|hash/i);
  });

  test('a fresh password expires 90 days after it was set', async () => {
    const { person: me, token } = await signedIn();
    const [row] = await stack.sql<{ passwordChangedAt: Date }[]>`select password_changed_at from accounts where id = ${me.accountIds[0]!}`;
    const r = await call('GET', '/v1/accounts', { token });
    expect(r.body.accounts[0].passwordExpiresAt).toBe(new Date(row!.passwordChangedAt.getTime() + 90 * DAY).toISOString());
  });

  test('without a session → 401', async () => {
    expectError(await call('GET', '/v1/accounts'), 401, 'auth.unauthenticated');
    expectError(await call('GET', '/v1/accounts', { token: 'x'.repeat(43) }), 401, 'auth.unauthenticated');
  });
});
