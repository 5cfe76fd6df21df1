// Sending and verifying the code over HTTP: malformed and wrong codes, unknown options, steps out of
// order, resend throttling and a refusing mail server.
import { randomUUID } from 'node:crypto';
import { expectError, expectInvalid } from '../helpers/http';
import { mergeApi, otherCode } from '../helpers/mergeApi';
import { createPerson } from '../helpers/people';
import type { HttpResult } from '../helpers/stack';
import { suiteStack } from '../helpers/suiteStack';

const stack = suiteStack({ env: { SIGNIN_MAX_FAILURES_PER_ADDRESS: '1000' } });
const { call, signedIn, startMerge, codeFor, mergeAwaitingCode, statusOf } = mergeApi(stack);

describe('merges', () => {
  test('verification codes that are not 6 digits → 400, and spend no attempt; a wrong code answers attemptsLeft', async () => {
    const m = await mergeAwaitingCode();
    const url = `/v1/profile/merges/${m.id}/verification`;
    expect((await statusOf(m.token, m.id)).attemptsLeft).toBe(5);
    for (const code of ['12345', '1234567', 'abcdef', ' 12345', '12 345', '١٢٣٤٥٦', '', 123456, null]) {
      expectInvalid(await call('POST', url, { token: m.token, body: { code } }), 'body.code');
    }
    expectInvalid(await call('POST', url, { token: m.token, body: {} }), 'body.code');
    expect(await statusOf(m.token, m.id)).toMatchObject({ step: 'awaiting_code', attemptsLeft: 5 });

    const wrong = await call('POST', url, { token: m.token, body: { code: otherCode(m.code) } });
    expectError(wrong, 422, 'verification_code.invalid');
    expect(wrong.body).toEqual({ error: expect.any(String), code: 'verification_code.invalid', attemptsLeft: 4 });
    expect((await statusOf(m.token, m.id)).attemptsLeft).toBe(4);
  });

  test('five wrong codes fail the merge; afterwards it is closed', async () => {
    const m = await mergeAwaitingCode();
    const url = `/v1/profile/merges/${m.id}/verification`;
    for (let left = 4; left >= 1; left--) {
      expect((await call('POST', url, { token: m.token, body: { code: otherCode(m.code) } })).body.attemptsLeft).toBe(left);
    }
    const last = await call('POST', url, { token: m.token, body: { code: otherCode(m.code) } });
    expectError(last, 422, 'verification_code.attempts_exhausted');
    expect(last.body.attemptsLeft).toBe(0);
    // Even the right code cannot revive it.
    expectError(await call('POST', url, { token: m.token, body: { code: m.code } }), 409, /^merge\.(closed|invalid_step)$/);
    expect(await statusOf(m.token, m.id)).toMatchObject({ step: 'failed', outcome: 'failed' });
  });

  test('an unknown emailOptionId → 422 merge.unknown_email_option; the merge stays at its step', async () => {
    const me = await signedIn();
    const other = await createPerson(stack.sql);
    const { id } = await startMerge(me.token, other);
    for (const emailOptionId of ['recovery-email', `account-${randomUUID()}`, `account-${me.person.accountIds[0]}`]) {
      expectError(await call('POST', `/v1/profile/merges/${id}/code`, { token: me.token, body: { emailOptionId } }), 422, 'merge.unknown_email_option');
    }
    expect(await statusOf(me.token, id)).toMatchObject({ step: 'awaiting_email_choice', attemptsLeft: 5, codeExpiresAt: null });
  });

  test('verify before a code was sent, and confirm before verifying → 409 merge.invalid_step', async () => {
    const me = await signedIn();
    const other = await createPerson(stack.sql);
    const { id, optionId } = await startMerge(me.token, other);
    expectError(await call('POST', `/v1/profile/merges/${id}/verification`, { token: me.token, body: { code: '123456' } }), 409, 'merge.invalid_step');
    expectError(await call('POST', `/v1/profile/merges/${id}/confirmation`, { token: me.token }), 409, 'merge.invalid_step');
    expect((await call('POST', `/v1/profile/merges/${id}/code`, { token: me.token, body: { emailOptionId: optionId } })).status).toBe(200);
    expectError(await call('POST', `/v1/profile/merges/${id}/confirmation`, { token: me.token }), 409, 'merge.invalid_step');
    expect(await statusOf(me.token, id)).toMatchObject({ step: 'awaiting_code', attemptsLeft: 5 });
  });

  test('a second code request within a minute → 429 with Retry-After; the first code stays valid', async () => {
    const m = await mergeAwaitingCode();
    const again = await call('POST', `/v1/profile/merges/${m.id}/code`, { token: m.token, body: { emailOptionId: m.optionId } });
    expectError(again, 429, 'verification_code.resend_too_soon');
    expect(again.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(Number(again.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(again.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    const verified = await call('POST', `/v1/profile/merges/${m.id}/verification`, { token: m.token, body: { code: m.code } });
    expect(verified.status).toBe(200);
  });

  test('a refusing mail server → 503 mail.unavailable; once it accepts again, the merge goes on at once', async () => {
    const me = await signedIn();
    const other = await createPerson(stack.sql);
    const { id, optionId } = await startMerge(me.token, other);
    const url = `/v1/profile/merges/${id}/code`;
    stack.mail.setRefusing(true);
    let refused: HttpResult;
    try {
      refused = await call('POST', url, { token: me.token, body: { emailOptionId: optionId } });
    } finally {
      stack.mail.setRefusing(false);
    }
    expectError(refused, 503, 'mail.unavailable');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await statusOf(me.token, id)).toMatchObject({ step: 'awaiting_email_choice', attemptsLeft: 5 });

    // A failed send does not start the resend interval.
    const sent = await call('POST', url, { token: me.token, body: { emailOptionId: optionId } });
    expect(sent.status).toBe(200);
    const code = await codeFor(other.emails[0]!);
    expect((await call('POST', `/v1/profile/merges/${id}/verification`, { token: me.token, body: { code } })).status).toBe(200);
  });
});
