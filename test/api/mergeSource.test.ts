// Merges seen from the side of the profile they aim at (the source): its owner can list them and cancel
// one, and what a start shows about the source's addresses is too little to tell who has an account.
import { listAuditForSubject } from '../../db/queries/audit';
import { findOpenMergesTouching } from '../../db/queries/profileMerges';
import { expectError } from '../helpers/http';
import { mergeApi } from '../helpers/mergeApi';
import { createPerson } from '../helpers/people';
import { suiteStack } from '../helpers/suiteStack';
import { eventually } from '../helpers/waiting';

const stack = suiteStack({ env: { SIGNIN_MAX_FAILURES_PER_ADDRESS: '1000' } });
const { call, signedIn, startMerge, mergeAwaitingCode, statusOf } = mergeApi(stack);

/** A merge started by someone else against a profile whose owner is signed in too. */
async function mergeAimedAtMe() {
  const m = await mergeAwaitingCode();
  return { ...m, source: { person: m.other, token: await stack.signIn(m.other.emails[0]!) } };
}

const cancelsOf = async (profileId: string) =>
  (await listAuditForSubject(stack.sql, 'profile', profileId)).filter((e) => e.action === 'merge.cancelled');

describe('GET /v1/profile/merges', () => {
  test('role=source lists the merges aimed at my profile; the default (role=target) the ones I started', async () => {
    const m = await mergeAimedAtMe();
    const aimedAtMe = await call('GET', '/v1/profile/merges?role=source', { token: m.source.token });
    expect(aimedAtMe.status).toBe(200);
    expect(aimedAtMe.body).toEqual({
      merges: [{ id: m.id, role: 'source', open: true, outcome: null, startedAt: expect.any(String), expiresAt: expect.any(String), closedAt: null }],
    });
    // Ids and dates only: nothing about the profile that started it.
    expect(JSON.stringify(aimedAtMe.body)).not.toContain(m.person.profileId);
    expect((await call('GET', '/v1/profile/merges', { token: m.source.token })).body).toEqual({ merges: [] });

    expect((await call('GET', '/v1/profile/merges', { token: m.token })).body).toEqual({
      merges: [expect.objectContaining({ id: m.id, role: 'target', open: true })],
    });
    expect((await call('GET', '/v1/profile/merges?role=target', { token: m.token })).body.merges.map((x: { id: string }) => x.id)).toEqual([m.id]);
    expect((await call('GET', '/v1/profile/merges?role=source', { token: m.token })).body).toEqual({ merges: [] });
  });

  test('someone else sees none of them', async () => {
    await mergeAimedAtMe();
    const stranger = await signedIn();
    for (const role of ['source', 'target']) {
      expect((await call('GET', `/v1/profile/merges?role=${role}`, { token: stranger.token })).body).toEqual({ merges: [] });
    }
  });

  test('an unknown role is 400; no session is 401', async () => {
    const { token } = await signedIn();
    expectError(await call('GET', '/v1/profile/merges?role=admin', { token }), 400, 'request.invalid');
    expectError(await call('GET', '/v1/profile/merges?role=source'), 401, 'auth.unauthenticated');
  });
});

describe('DELETE /v1/profile/merges/{id} by the source profile\'s owner', () => {
  test('cancels the merge aimed at my profile, frees both profiles and audits who did it', async () => {
    const m = await mergeAimedAtMe();
    const r = await call('DELETE', `/v1/profile/merges/${m.id}`, { token: m.source.token });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ id: m.id, step: 'cancelled', outcome: 'cancelled', preview: null });
    expect(await statusOf(m.token, m.id)).toMatchObject({ step: 'cancelled' });
    await eventually(async () => expect(await findOpenMergesTouching(stack.sql, [m.person.profileId, m.other.profileId])).toEqual([]));
    expect(await cancelsOf(m.other.profileId)).toEqual([
      expect.objectContaining({ actorAccountId: m.other.accountIds[0], details: { mergeId: m.id, by: 'source' } }),
    ]);
    const listed = await call('GET', '/v1/profile/merges?role=source', { token: m.source.token });
    expect(listed.body.merges).toEqual([expect.objectContaining({ id: m.id, open: false, outcome: 'cancelled', closedAt: expect.any(String) })]);
  });

  test('may only cancel: status, code, verification and confirmation stay the starter\'s (404)', async () => {
    const m = await mergeAimedAtMe();
    const base = `/v1/profile/merges/${m.id}`;
    for (const [method, path, body] of [
      ['GET', base, undefined],
      ['POST', `${base}/code`, { emailOptionId: m.optionId }],
      ['POST', `${base}/verification`, { code: m.code }],
      ['POST', `${base}/confirmation`, undefined],
    ] as const) {
      expectError(await call(method, path, { token: m.source.token, body }), 404, 'merge.not_found');
    }
    expect(await statusOf(m.token, m.id)).toMatchObject({ step: 'awaiting_code' });
  });

  test('a stranger\'s cancel is still 404, and changes nothing', async () => {
    const m = await mergeAimedAtMe();
    const stranger = await signedIn();
    expectError(await call('DELETE', `/v1/profile/merges/${m.id}`, { token: stranger.token }), 404, 'merge.not_found');
    expect(await statusOf(m.token, m.id)).toMatchObject({ step: 'awaiting_code' });
    expect(await cancelsOf(m.other.profileId)).toEqual([]);
  });

  test('the starter\'s own cancel is audited too, as by the target', async () => {
    const m = await mergeAwaitingCode();
    expect((await call('DELETE', `/v1/profile/merges/${m.id}`, { token: m.token })).status).toBe(200);
    expect(await cancelsOf(m.other.profileId)).toEqual([
      expect.objectContaining({ actorAccountId: m.person.accountIds[0], details: { mergeId: m.id, by: 'target' } }),
    ]);
  });
});

describe('account discovery through a start', () => {
  test('the email options show the first character and the domain\'s last label only', async () => {
    const me = await signedIn();
    const other = await createPerson(stack.sql);
    const r = await call('POST', '/v1/profile/merges', { token: me.token, body: { email: other.emails[0] } });
    expect(r.status).toBe(202);
    expect(r.body.emailOptions).toEqual([{ id: expect.any(String), masked: 'u•••@•••.test' }]);
    expect(JSON.stringify(r.body)).not.toMatch(/custodian|user-/);
  });

  test('every start is audited against the profile it aims at', async () => {
    const me = await signedIn();
    const other = await createPerson(stack.sql);
    const { id } = await startMerge(me.token, other);
    const audit = await listAuditForSubject(stack.sql, 'profile', other.profileId);
    expect(audit).toEqual([expect.objectContaining({ action: 'merge.started', actorAccountId: me.person.accountIds[0], details: { mergeId: id } })]);
  });
});
