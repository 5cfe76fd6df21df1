// Cancelling a merge over HTTP: a cancelled merge is closed, and its profiles are free again.
import { expectError } from '../helpers/http';
import { mergeApi } from '../helpers/mergeApi';
import { createPerson } from '../helpers/people';
import type { HttpResult } from '../helpers/stack';
import { suiteStack } from '../helpers/suiteStack';

const stack = suiteStack({ env: { SIGNIN_MAX_FAILURES_PER_ADDRESS: '1000' } });
const { call, signedIn, startMerge, mergeAwaitingCode, statusOf } = mergeApi(stack);

describe('merges', () => {
  test('a cancelled merge answers 200 cancelled, then refuses every further action with 409; a repeated cancel gets its outcome', async () => {
    const m = await mergeAwaitingCode();
    const base = `/v1/profile/merges/${m.id}`;
    const cancelled = await call('DELETE', base, { token: m.token });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ id: m.id, step: 'cancelled', outcome: 'cancelled', preview: null });

    for (const [method, path, body] of [
      ['POST', `${base}/code`, { emailOptionId: m.optionId }],
      ['POST', `${base}/verification`, { code: m.code }],
      ['POST', `${base}/confirmation`, undefined],
    ] as const) {
      expectError(await call(method, path, { token: m.token, body }), 409, /^merge\.(closed|invalid_step)$/);
    }
    // The cancel Update has a fixed id: a retried cancel gets the stored outcome, and changes nothing.
    expect(await call('DELETE', base, { token: m.token })).toMatchObject({ status: 200, body: { step: 'cancelled', outcome: 'cancelled' } });
    expect(await statusOf(m.token, m.id)).toMatchObject({ step: 'cancelled', outcome: 'cancelled' });
  });

  test('after a cancel the same profiles can start a new merge', async () => {
    const me = await signedIn();
    const other = await createPerson(stack.sql);
    const first = await startMerge(me.token, other);
    expect((await call('DELETE', `/v1/profile/merges/${first.id}`, { token: me.token })).status).toBe(200);
    // The lock is released when the workflow closes the record, just after the cancel answers.
    const deadline = Date.now() + 15_000;
    let r: HttpResult;
    do {
      r = await call('POST', '/v1/profile/merges', { token: me.token, body: { email: other.emails[0] } });
      if (r.status === 202) break;
      expectError(r, 409, 'merge.already_running');
      await new Promise((resolve) => setTimeout(resolve, 200));
    } while (Date.now() < deadline);
    expect(r.status).toBe(202);
    expect(r.body.id).not.toBe(first.id);
  });
});
