// Starting a merge that may not start, and reaching a merge that is not yours or does not exist.
import { randomUUID } from 'node:crypto';
import { findOpenMergesTouching } from '../../db/queries/profileMerges';
import { expectError } from '../helpers/http';
import { mergeApi } from '../helpers/mergeApi';
import { createPerson } from '../helpers/people';
import { suiteStack } from '../helpers/suiteStack';

const stack = suiteStack({ env: { SIGNIN_MAX_FAILURES_PER_ADDRESS: '1000' } });
const { call, signedIn, startMerge, mergeAwaitingCode, statusOf } = mergeApi(stack);

describe('merges', () => {
  test('another user asking about my merge gets 404 merge.not_found everywhere, and my merge is unaffected', async () => {
    const a = await mergeAwaitingCode();
    const b = await signedIn();
    const before = await statusOf(a.token, a.id);
    const base = `/v1/profile/merges/${a.id}`;
    for (const [method, path, body] of [
      ['GET', base, undefined],
      ['POST', `${base}/code`, { emailOptionId: a.optionId }],
      ['POST', `${base}/verification`, { code: a.code }], // even with the right code
      ['POST', `${base}/confirmation`, undefined],
      ['DELETE', base, undefined],
    ] as const) {
      expectError(await call(method, path, { token: b.token, body }), 404, 'merge.not_found');
    }
    expect(await statusOf(a.token, a.id)).toEqual(before);
    const verified = await call('POST', `${base}/verification`, { token: a.token, body: { code: a.code } });
    expect(verified.status).toBe(200);
    expect(verified.body.step).toBe('awaiting_confirmation');
  });

  test('an unknown merge id → 404 merge.not_found', async () => {
    const { token } = await signedIn();
    expectError(await call('GET', `/v1/profile/merges/${randomUUID()}`, { token }), 404, 'merge.not_found');
  });

  test('start with an unknown email → 404 merge.unknown_account', async () => {
    const { person, token } = await signedIn();
    expectError(await call('POST', '/v1/profile/merges', { token, body: { email: `nobody-${randomUUID()}@test.custodian.test` } }), 404, 'merge.unknown_account');
    expect(await findOpenMergesTouching(stack.sql, [person.profileId])).toEqual([]);
  });

  test('start with an email of my own profile → 409 merge.same_profile', async () => {
    const { person, token } = await signedIn({ accounts: 2 });
    for (const email of [person.emails[0]!, person.emails[1]!, person.emails[1]!.toUpperCase()]) {
      expectError(await call('POST', '/v1/profile/merges', { token, body: { email } }), 409, 'merge.same_profile');
    }
    expect(await findOpenMergesTouching(stack.sql, [person.profileId])).toEqual([]);
  });

  test('a second merge while one runs → 409 merge.already_running', async () => {
    const me = await signedIn();
    const [x, y] = [await createPerson(stack.sql), await createPerson(stack.sql)];
    await startMerge(me.token, x);
    expectError(await call('POST', '/v1/profile/merges', { token: me.token, body: { email: y.emails[0] } }), 409, 'merge.already_running');
    expectError(await call('POST', '/v1/profile/merges', { token: me.token, body: { email: x.emails[0] } }), 409, 'merge.already_running');
    expect(await findOpenMergesTouching(stack.sql, [me.person.profileId])).toHaveLength(1);
    expect(await findOpenMergesTouching(stack.sql, [y.profileId])).toEqual([]);
  });

  test('→ 409 merge.already_running when the other profile is already being merged into someone else', async () => {
    const a = await signedIn();
    const c = await signedIn();
    const shared = await createPerson(stack.sql);
    await startMerge(a.token, shared);
    expectError(await call('POST', '/v1/profile/merges', { token: c.token, body: { email: shared.emails[0] } }), 409, 'merge.already_running');
    expect(await findOpenMergesTouching(stack.sql, [c.person.profileId])).toEqual([]);
  });

  // Regression: the open-merge lock once was two per-column partial unique indexes, so a profile could be
  // the target of one open merge and the source of another.
  test('→ 409 when the other profile has an open merge of its own (it is a target)', async () => {
    const a = await signedIn();
    await startMerge(a.token, await createPerson(stack.sql));
    const c = await signedIn();
    expectError(await call('POST', '/v1/profile/merges', { token: c.token, body: { email: a.person.emails[0] } }), 409, 'merge.already_running');
  });

  test('→ 409 when my profile is already being merged into someone else (it is a source)', async () => {
    const a = await signedIn();
    const b = await signedIn();
    await startMerge(a.token, b.person);
    expectError(await call('POST', '/v1/profile/merges', { token: b.token, body: { email: (await createPerson(stack.sql)).emails[0] } }), 409, 'merge.already_running');
  });
});
