// The token cache and a merge (README "The token cache"): the apply moves the other profile's accounts in a
// workflow activity; the confirmation answers only once every API process has evicted their tokens, so the next
// request with one of them acts for the surviving profile everywhere, even on a process that hears late.
import { developerSettingsApi, patHeaders } from '../helpers/developerSettings';
import { mergeApi } from '../helpers/mergeApi';
import { withSlowProcess } from '../helpers/slowListener';
import { suiteStack } from '../helpers/suiteStack';

const stack = suiteStack();
const { call, signedIn, startMerge, codeFor } = mergeApi(stack);
const { createPat } = developerSettingsApi(stack);

test('after the confirmation, the moved account\'s token acts for the surviving profile on every process', async () => {
  const me = await signedIn();
  const other = await signedIn();
  const pat = await createPat(other.token, { scopes: ['profile:read'] });
  await withSlowProcess(stack, async (slow) => {
    expect((await slow.get('/v1/credentials/current', patHeaders(pat.token))).body.profileId).toBe(other.person.profileId);
    const merge = await startMerge(me.token, other.person);
    expect((await call('POST', `/v1/profile/merges/${merge.id}/code`, { token: me.token, body: { emailOptionId: merge.optionId } })).status).toBe(200);
    const code = await codeFor(other.person.emails[0]!);
    expect((await call('POST', `/v1/profile/merges/${merge.id}/verification`, { token: me.token, body: { code } })).status).toBe(200);
    expect((await call('POST', `/v1/profile/merges/${merge.id}/confirmation`, { token: me.token })).body).toMatchObject({ outcome: 'completed' });
    const after = await slow.get('/v1/credentials/current', patHeaders(pat.token));
    expect({ status: after.status, profileId: after.body.profileId }).toEqual({ status: 200, profileId: me.person.profileId });
  });
});
