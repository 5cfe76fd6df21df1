// An invitation expires after INVITATION_TTL_SECONDS (injected short here): the run closes it, removes the account
// nobody used, audits the expiry, and its code no longer works (README "Onboarding").
import { listAuditForSubject } from '../../db/queries/audit';
import { createCompany } from '../helpers/company';
import { checkedHttp, expectError } from '../helpers/http';
import { newEmail, onboardingApi } from '../helpers/memberOnboarding';
import { suiteStack } from '../helpers/suiteStack';
import { eventually } from '../helpers/waiting';

const stack = suiteStack({ env: { INVITATION_TTL_SECONDS: '2' } });
const { call } = checkedHttp(stack);
const api = onboardingApi(stack, call);

test('an unaccepted invitation expires: closed, its account removed, its code refused, the address free again', async () => {
  const acme = await createCompany(stack);
  const email = newEmail();
  const created = await api.create(acme.companyId, acme.admin.headers, { email, name: 'Too Late' });
  expect(created.status).toBe(201);
  const { member, invitation } = created.body;
  expect(Date.parse(invitation.expiresAt) - Date.now()).toBeLessThanOrEqual(2_000);
  const code = await api.code(email);
  expect(api.invitationMails(email)[0]!.raw).toContain('within 2 seconds');

  await eventually(async () => {
    const r = await api.invitation(acme.companyId, acme.admin.headers, invitation.id);
    if (r.body.status !== 'expired') throw new Error(`still ${r.body.status}`);
  }, 20_000);
  const r = await api.invitation(acme.companyId, acme.admin.headers, invitation.id);
  expect(r.body).toMatchObject({ status: 'expired', accountId: null, email: null, resendsLeft: 0 });
  expect(await stack.sql`select 1 from accounts where id = ${member.accountId}`).toHaveLength(0);
  expectError(await api.accept(invitation.id, code), 409, 'invitation.closed');
  expectError(await api.invitation(acme.companyId, acme.admin.headers, invitation.id, 'POST', '/resend'), 409, 'invitation.closed');
  expect(await listAuditForSubject(stack.sql, 'invitation', invitation.id)).toEqual(expect.arrayContaining([expect.objectContaining({
    action: 'invitation.expired', actorAccountId: null, outcome: 'succeeded', details: { accountId: member.accountId, memberRemoved: true },
  })]));
  expect((await api.create(acme.companyId, acme.admin.headers, { email, name: 'Invited again' })).status).toBe(201);
});
