// The profile and the merge: an avatar kept from the other profile moves with it, and a verified recovery email
// is an email option of the profile (seed §2.1).
import sharp from 'sharp';
import { listEmailOptions } from '../../db/queries/profiles';
import { mergeApi } from '../helpers/mergeApi';
import { suiteStack } from '../helpers/suiteStack';

const stack = suiteStack();
const { call, signedIn, startMerge, codeFor } = mergeApi(stack);

test('merging keeps the other profile\'s avatar under the surviving profile, served at its URL', async () => {
  const me = await signedIn();
  const other = await signedIn();
  const image = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#123456' } }).png().toBuffer();
  const put = await fetch(`${stack.baseUrl}/v1/profile/avatar`, {
    method: 'PUT', headers: { authorization: `Bearer ${other.token}`, 'content-type': 'image/png' }, body: image,
  });
  expect(put.status).toBe(200);
  const etag = ((await put.json()) as { avatarUrl: string }).avatarUrl.split('=')[1];

  const merge = await startMerge(me.token, other.person);
  expect((await call('POST', `/v1/profile/merges/${merge.id}/code`, { token: me.token, body: { emailOptionId: merge.optionId } })).status).toBe(200);
  const code = await codeFor(other.person.emails[0]!);
  expect((await call('POST', `/v1/profile/merges/${merge.id}/verification`, { token: me.token, body: { code } })).status).toBe(200);
  expect((await call('POST', `/v1/profile/merges/${merge.id}/confirmation`, { token: me.token })).body).toMatchObject({ outcome: 'completed' });

  const mine = await call('GET', '/v1/profile', { token: me.token });
  expect(mine.body.avatarUrl).toBe(`/v1/profiles/${me.person.profileId}/avatar?v=${etag}`);
  const served = await fetch(`${stack.baseUrl}${mine.body.avatarUrl}`, { headers: { authorization: `Bearer ${me.token}` } });
  expect(served.status).toBe(200);
  expect(served.headers.get('etag')).toBe(`"${etag}"`);
  expect(await stack.sql`select 1 from profile_avatars where profile_id = ${other.person.profileId}`).toHaveLength(0);
});

test('a verified recovery email is offered as an email option of its profile', async () => {
  const me = await signedIn();
  const address = `recovery-${me.person.profileId.slice(0, 8)}@home.example`;
  expect((await call('PUT', '/v1/profile/recovery-email', { token: me.token, body: { email: address } })).status).toBe(202);
  const code = await codeFor(address);
  expect((await call('POST', '/v1/profile/recovery-email/verification', { token: me.token, body: { code } })).status).toBe(200);
  expect(await listEmailOptions(stack.sql, me.person.profileId)).toContainEqual({ id: 'recovery-email', address });
});
