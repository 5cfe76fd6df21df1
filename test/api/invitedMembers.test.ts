// Members still `invited` (onboarded, invitation not accepted; migration 00017) across the company API: the
// listing shows and filters them, deactivating one ends its invitation's use (acceptance is refused, the account
// stays deactivated), and reactivation never makes an account active without a password (409, not a 500).
import { listAuditForSubject } from '../../db/queries/audit';
import { createCompany, type TestCompany } from '../helpers/company';
import { checkedHttp, expectError } from '../helpers/http';
import { MEMBER_PASSWORD, newEmail, onboardingApi } from '../helpers/memberOnboarding';
import { suiteStack } from '../helpers/suiteStack';

const stack = suiteStack();
const { call } = checkedHttp(stack);
const api = onboardingApi(stack, call);

let acme: TestCompany;
beforeAll(async () => {
  acme = await createCompany(stack, 'Invited Ltd');
});

const members = (query: string) => call('GET', `/v1/companies/${acme.companyId}/members?${query}`, { headers: acme.admin.headers });
const deactivation = (method: 'POST' | 'DELETE', accountId: string) =>
  call(method, `/v1/companies/${acme.companyId}/members/${accountId}/deactivation`, { headers: acme.admin.headers });
const accountRow = async (id: string) =>
  (await stack.sql<{ status: string; passwordHash: string | null }[]>`select status, password_hash from accounts where id = ${id}`)[0];

async function invite(name: string) {
  const email = newEmail('invited');
  const r = await api.create(acme.companyId, acme.admin.headers, { email, name });
  expect(r.status).toBe(201);
  return { email, accountId: r.body.member.accountId as string, invitationId: r.body.invitation.id as string };
}

describe('the members listing', () => {
  test('shows an invited member with status `invited`, filters by it, and the lookup says it is not active', async () => {
    const invited = await invite('Listed Invitee');

    const all = await members(`q=${encodeURIComponent(invited.email)}`);
    expect(all.status).toBe(200);
    expect(all.body.items).toEqual([expect.objectContaining({ email: invited.email, uuid: invited.accountId, status: 'invited', lastActivity: null })]);

    const filtered = await members('status=invited');
    expect(filtered.status).toBe(200);
    expect(filtered.body.items.map((m: { uuid: string }) => m.uuid)).toContain(invited.accountId);
    expect(filtered.body.items.every((m: { status: string }) => m.status === 'invited')).toBe(true);
    expect((await members('status=active')).body.items.map((m: { uuid: string }) => m.uuid)).not.toContain(invited.accountId);

    const csv = await members('status=invited&format=csv');
    expect(csv.status).toBe(200);
    expect(csv.body).toContain(`${invited.email},Listed Invitee,invited,`);

    const lookup = await call('GET', `/v1/companies/${acme.companyId}/members/lookup?email=${encodeURIComponent(invited.email)}`, { headers: acme.admin.headers });
    expect(lookup.body).toMatchObject({ uuid: invited.accountId, status: 'invited', active: false });
  });

  test('an unknown status is still refused', async () => {
    expectError(await members('status=pending'), 400, 'request.invalid');
  });
});

describe('deactivating and reactivating an invited member', () => {
  test('reactivating a member who is only invited: 409 member.never_activated, still invited; audited as failed', async () => {
    const invited = await invite('Never Deactivated');
    expectError(await deactivation('DELETE', invited.accountId), 409, 'member.never_activated');
    expect(await accountRow(invited.accountId)).toEqual({ status: 'invited', passwordHash: null });
    expect((await listAuditForSubject(stack.sql, 'account', invited.accountId)).map((e) => [e.action, e.outcome, e.details])).toContainEqual(
      ['member.reactivated', 'failed', { code: 'member.never_activated' }],
    );
  });

  test('deactivated before accepting: the code is refused and no new one sent (409 invitation.closed, nothing spent); the account stays deactivated without a password, and cannot be reactivated', async () => {
    const invited = await invite('Left Before Starting');
    const code = await api.code(invited.email);

    const r = await deactivation('POST', invited.accountId);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ accountId: invited.accountId, status: 'deactivated', changed: true });

    expectError(await api.accept(invited.invitationId, code), 409, 'invitation.closed');
    expect(await accountRow(invited.accountId)).toEqual({ status: 'deactivated', passwordHash: null });
    expect(await stack.sql`select 1 from password_reset_passwords where account_id = ${invited.accountId}`).toHaveLength(0);
    expectError(await call('POST', '/v1/sessions', { body: { email: invited.email, password: MEMBER_PASSWORD } }), 401, /^auth\./);
    // No new code goes to a member who cannot accept it.
    expectError(await api.invitation(acme.companyId, acme.admin.headers, invited.invitationId, 'POST', '/resend'), 409, 'invitation.closed');
    expect(api.invitationMails(invited.email)).toHaveLength(1);

    expectError(await deactivation('DELETE', invited.accountId), 409, 'member.never_activated');
    expect(await accountRow(invited.accountId)).toEqual({ status: 'deactivated', passwordHash: null });
    // Still refused after the failed reactivation: no path leads to an active account without a password.
    expectError(await api.accept(invited.invitationId, code), 409, 'invitation.closed');
  });

  test('a deactivated account with single sign-on and no password is reactivated (200)', async () => {
    const sso = await acme.addMember();
    await stack.sql`update accounts set sso = true, password_hash = null, status = 'deactivated', deactivated_at = now() where id = ${sso.accountId}`;
    const r = await deactivation('DELETE', sso.accountId);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ accountId: sso.accountId, status: 'active', changed: true });
  });
});
