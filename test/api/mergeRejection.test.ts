// "This was not you": the code email lets the source profile's owner stop a merge without signing in,
// with a token only that email carries. A wrong token reveals nothing; a valid one cancels and is audited.
import { randomUUID } from 'node:crypto';
import { listAuditForSubject } from '../../db/queries/audit';
import { findOpenMergesTouching } from '../../db/queries/profileMerges';
import { rejectionToken } from '../../libraries/rejections';
import { workflowIds } from '../../workflows/shared/ids';
import { expectError } from '../helpers/http';
import { mergeApi } from '../helpers/mergeApi';
import { rejectionFromMail } from '../helpers/rejection';
import { suiteStack } from '../helpers/suiteStack';
import { eventually } from '../helpers/waiting';

const stack = suiteStack({ env: { SIGNIN_MAX_FAILURES_PER_ADDRESS: '1000' } });
const { call, mergeAwaitingCode, statusOf } = mergeApi(stack);

/** A merge awaiting its code, with the rejection its code email carries. */
async function rejectableMerge() {
  const m = await mergeAwaitingCode();
  const mail = await stack.mail.waitFor((x) => x.to.includes(m.other.emails[0]!));
  return { ...m, rejection: rejectionFromMail(mail) };
}

const rejectionsOf = async (profileId: string) =>
  (await listAuditForSubject(stack.sql, 'profile', profileId)).filter((e) => e.action === 'merge.rejected_by_source');

describe('the code email', () => {
  test('carries a rejection token and the request that takes it', async () => {
    const m = await rejectableMerge();
    expect(m.rejection.path).toBe(`/v1/profile/merges/${m.id}/rejection`);
    expect(m.rejection.token).toMatch(/^[0-9a-f]{64}$/);
    // Derived, with the rejection subkey, from the merge id: the API checks what the activity wrote.
    expect(m.rejection.token).toBe(rejectionToken(stack.config.keys.rejectionToken, { kind: 'profile-merge', mergeId: m.id }));
  });

  test('the token never reaches the workflow history', async () => {
    const m = await rejectableMerge();
    const history = await stack.client.workflow.getHandle(workflowIds.profileMerge({ sourceProfileId: m.other.profileId, mergeId: m.id })).fetchHistory();
    const bytes: string[] = [];
    const walk = (n: unknown): void => {
      if (n instanceof Uint8Array) bytes.push(Buffer.from(n).toString('utf8'));
      else if (Array.isArray(n)) n.forEach(walk);
      else if (n && typeof n === 'object') Object.values(n).forEach(walk);
    };
    walk(history);
    const text = `${JSON.stringify(history)}\n${bytes.join('\n')}`;
    expect(text).toContain(m.id); // the decoding works: the merge id, which the activity got, is there
    expect(text).not.toContain(m.rejection.token);
  });
});

describe('POST /v1/profile/merges/{id}/rejection', () => {
  test('with the emailed token and no session: cancels the merge, frees both profiles and audits it', async () => {
    const m = await rejectableMerge();
    const r = await call('POST', m.rejection.path, { body: { token: m.rejection.token } });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ id: m.id, outcome: 'cancelled' });
    expect(await statusOf(m.token, m.id)).toMatchObject({ step: 'cancelled', outcome: 'cancelled' });
    expectError(await call('POST', `/v1/profile/merges/${m.id}/verification`, { token: m.token, body: { code: m.code } }), 409, /^merge\.(closed|invalid_step)$/);
    await eventually(async () => expect(await findOpenMergesTouching(stack.sql, [m.person.profileId, m.other.profileId])).toEqual([]));
    expect(await rejectionsOf(m.other.profileId)).toEqual([
      expect.objectContaining({ actorAccountId: null, details: { mergeId: m.id, result: 'cancelled' } }),
    ]);
  });

  test('also after the code was verified, before confirmation; the starter can no longer confirm', async () => {
    const m = await rejectableMerge();
    expect((await call('POST', `/v1/profile/merges/${m.id}/verification`, { token: m.token, body: { code: m.code } })).status).toBe(200);
    expect(await call('POST', m.rejection.path, { body: { token: m.rejection.token } })).toMatchObject({ status: 200, body: { outcome: 'cancelled' } });
    expectError(await call('POST', `/v1/profile/merges/${m.id}/confirmation`, { token: m.token }), 409, /^merge\.(closed|invalid_step)$/);
  });

  test('a wrong token, another merge\'s token or an unknown merge: the same 404, nothing changes, nothing is audited', async () => {
    const m = await rejectableMerge();
    const n = await rejectableMerge();
    const before = await statusOf(m.token, m.id);
    for (const [id, token] of [
      [m.id, '0'.repeat(64)],
      [m.id, m.rejection.token.slice(0, 63)],
      [m.id, m.rejection.token.toUpperCase()],
      [m.id, n.rejection.token],
      [randomUUID(), m.rejection.token],
      [randomUUID(), '0'.repeat(64)],
    ]) {
      expectError(await call('POST', `/v1/profile/merges/${id}/rejection`, { body: { token } }), 404, 'merge.not_found');
    }
    expect(await statusOf(m.token, m.id)).toEqual(before);
    expect(await rejectionsOf(m.other.profileId)).toEqual([]);
  });

  test('a token made for a merge id that was never started is 404 too: the answer does not say which merges exist', async () => {
    const id = randomUUID();
    const token = rejectionToken(stack.config.keys.rejectionToken, { kind: 'profile-merge', mergeId: id });
    expectError(await call('POST', `/v1/profile/merges/${id}/rejection`, { body: { token } }), 404, 'merge.not_found');
  });

  test('a repeated rejection answers the same outcome', async () => {
    const m = await rejectableMerge();
    expect(await call('POST', m.rejection.path, { body: { token: m.rejection.token } })).toMatchObject({ status: 200, body: { outcome: 'cancelled' } });
    expect(await call('POST', m.rejection.path, { body: { token: m.rejection.token } })).toMatchObject({ status: 200, body: { outcome: 'cancelled' } });
    // Once the run has closed, the record answers.
    await eventually(async () => expect(await findOpenMergesTouching(stack.sql, [m.other.profileId])).toEqual([]));
    expect(await call('POST', m.rejection.path, { body: { token: m.rejection.token } })).toMatchObject({ status: 200, body: { outcome: 'cancelled' } });
  });

  test('for a merge that already completed: answers completed, and the late rejection is on record', async () => {
    const m = await rejectableMerge();
    expect((await call('POST', `/v1/profile/merges/${m.id}/verification`, { token: m.token, body: { code: m.code } })).status).toBe(200);
    expect((await call('POST', `/v1/profile/merges/${m.id}/confirmation`, { token: m.token })).body).toMatchObject({ outcome: 'completed' });
    expect(await call('POST', m.rejection.path, { body: { token: m.rejection.token } })).toMatchObject({ status: 200, body: { id: m.id, outcome: 'completed' } });
    expect(await rejectionsOf(m.other.profileId)).toEqual([expect.objectContaining({ details: { mergeId: m.id, result: 'completed' } })]);
  });

  test('an id that is not a UUID is 400 on params.id', async () => {
    expectError(await call('POST', '/v1/profile/merges/not-a-uuid/rejection', { body: { token: '0'.repeat(64) } }), 400, 'request.invalid');
  });

  test('a missing or empty token is 400', async () => {
    const m = await rejectableMerge();
    for (const body of [{}, { token: '' }, { token: 42 }]) {
      expectError(await call('POST', m.rejection.path, { body }), 400, 'request.invalid');
    }
    expect(await statusOf(m.token, m.id)).toMatchObject({ step: 'awaiting_code' });
  });
});
