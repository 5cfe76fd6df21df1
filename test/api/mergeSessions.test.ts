// A merge moves the other profile's accounts; their sessions were issued for the removed profile and end.
import { listAuditForSubject } from '../../db/queries/audit';
import { mergeApi } from '../helpers/mergeApi';
import { PASSWORD } from '../helpers/people';
import { suiteStack } from '../helpers/suiteStack';

const stack = suiteStack({ env: { SIGNIN_MAX_FAILURES_PER_ADDRESS: '1000' } });
const { call, mergeAwaitingCode } = mergeApi(stack);

test('sessions of accounts moved by a merge are revoked; the signed-in one keeps working', async () => {
  const m = await mergeAwaitingCode();
  const otherToken = await stack.signIn(m.other.emails[0]!);
  expect((await call('POST', `/v1/profile/merges/${m.id}/verification`, { token: m.token, body: { code: m.code } })).status).toBe(200);
  expect((await call('POST', `/v1/profile/merges/${m.id}/confirmation`, { token: m.token })).status).toBe(200);

  expect((await stack.http('GET', `/v1/profile/merges/${m.id}`, { token: otherToken })).status).toBe(401);
  expect((await call('GET', `/v1/profile/merges/${m.id}`, { token: m.token })).status).toBe(200);
  // Signing in again opens the surviving profile.
  const again = await stack.http('POST', '/v1/sessions', { body: { email: m.other.emails[0], password: PASSWORD } });
  expect(again.body).toMatchObject({ profileId: m.person.profileId });
  const merged = (await listAuditForSubject(stack.sql, 'profile', m.person.profileId)).filter((e) => e.action === 'profile.merged');
  expect(merged).toHaveLength(1);
});
