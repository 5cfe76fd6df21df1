import { randomUUID } from 'node:crypto';
import { listEmailOptions } from '../../db/queries/profiles';
import { checkedHttp, expectError } from '../helpers/http';
import { codeFromMail } from '../helpers/mailSink';
import { suiteStack } from '../helpers/suiteStack';

const stack = suiteStack();
const { call, signedIn } = checkedHttp(stack);

const address = (tag: string) => `${tag}-${randomUUID().slice(0, 8)}@gmail.example`;
const codeMailTo = (to: string) =>
  stack.mail.waitFor((m) => m.to.includes(to.toLowerCase()) && /verification code/.test(m.subject)).then(codeFromMail);
const wrong = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

describe('recovery email', () => {
  test('set, verify by the emailed code, stored only then; it becomes a merge email option; changing it tells the old address', async () => {
    const { person, token } = await signedIn();
    const first = address('first');
    const started = await call('PUT', '/v1/profile/recovery-email', { token, body: { email: first } });
    expect(started.status).toBe(202);
    expect(started.headers.get('location')).toBe('/v1/profile/recovery-email/verification');
    expect(started.body).toMatchObject({ step: 'awaiting_code', attemptsLeft: 5, recoveryEmail: null });
    // Not stored before verification, and not a merge option yet.
    expect((await call('GET', '/v1/profile', { token })).body.recoveryEmail).toBeNull();
    expect((await listEmailOptions(stack.sql, person.profileId)).map((o) => o.id)).not.toContain('recovery-email');

    const code = await codeMailTo(first);
    const bad = await call('POST', '/v1/profile/recovery-email/verification', { token, body: { code: wrong(code) } });
    expectError(bad, 422, 'verification_code.invalid');
    expect(bad.body.attemptsLeft).toBe(4);
    const status = await call('GET', '/v1/profile/recovery-email/verification', { token });
    expect(status.body).toMatchObject({ id: started.body.id, step: 'awaiting_code', attemptsLeft: 4 });

    const ok = await call('POST', '/v1/profile/recovery-email/verification', { token, body: { code } });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ step: 'completed', recoveryEmail: first });
    expect((await call('GET', '/v1/profile', { token })).body.recoveryEmail).toBe(first);
    const options = await listEmailOptions(stack.sql, person.profileId);
    expect(options).toContainEqual({ id: 'recovery-email', address: first });
    expectError(await call('GET', '/v1/profile/recovery-email/verification', { token }), 404, 'recovery_email.no_pending_change');
    // No pending row is left.
    expect(await stack.sql`select 1 from pending_addresses where address = ${first}`).toHaveLength(0);

    // The same address again: nothing to do.
    expectError(await call('PUT', '/v1/profile/recovery-email', { token, body: { email: first.toUpperCase() } }), 409, 'recovery_email.unchanged');

    const second = address('second');
    await call('PUT', '/v1/profile/recovery-email', { token, body: { email: second } });
    const done = await call('POST', '/v1/profile/recovery-email/verification', { token, body: { code: await codeMailTo(second) } });
    expect(done.body.recoveryEmail).toBe(second);
    const notice = await stack.mail.waitFor((m) => m.to.includes(first) && /recovery email was changed/.test(m.subject));
    expect(notice.raw).not.toContain(second);
    const audit = await stack.sql<{ details: Record<string, unknown> }[]>`
      select details from audit_log where action = 'profile.recovery_email_set' and subject_id = ${person.profileId}`;
    expect(audit).toHaveLength(2);
    expect(JSON.stringify(audit)).not.toMatch(/@/);
  });

  test('a new request replaces the open one; another profile\'s code never verifies; input is validated', async () => {
    const { token } = await signedIn();
    const other = await signedIn();
    const a = address('a');
    const b = address('b');
    await call('PUT', '/v1/profile/recovery-email', { token, body: { email: a } });
    const codeA = await codeMailTo(a);
    const second = await call('PUT', '/v1/profile/recovery-email', { token, body: { email: b } });
    expect(second.status).toBe(202);
    // The replaced request is closed: its code is now checked against the new request, and is wrong there.
    const stale = await call('POST', '/v1/profile/recovery-email/verification', { token, body: { code: codeA } });
    expect(stale.status).toBe(422);
    // Another user has no open request: 404, whatever the code.
    expectError(await call('POST', '/v1/profile/recovery-email/verification', { token: other.token, body: { code: await codeMailTo(b) } }), 404, 'recovery_email.no_pending_change');
    const ok = await call('POST', '/v1/profile/recovery-email/verification', { token, body: { code: await codeMailTo(b) } });
    expect(ok.body.recoveryEmail).toBe(b);

    expectError(await call('PUT', '/v1/profile/recovery-email', { token, body: { email: 'not-an-address' } }), 400, 'request.invalid');
    expectError(await call('POST', '/v1/profile/recovery-email/verification', { token, body: { code: '12' } }), 400, 'request.invalid');
    expectError(await call('PUT', '/v1/profile/recovery-email', { body: { email: a } }), 401, 'auth.unauthenticated');
  });

  test('five wrong codes fail the request; nothing is stored', async () => {
    const { token } = await signedIn();
    const c = address('c');
    await call('PUT', '/v1/profile/recovery-email', { token, body: { email: c } });
    const code = await codeMailTo(c);
    let last;
    for (let i = 0; i < 5; i++) last = await call('POST', '/v1/profile/recovery-email/verification', { token, body: { code: wrong(code) } });
    expectError(last!, 422, 'verification_code.attempts_exhausted');
    expect((await call('GET', '/v1/profile', { token })).body.recoveryEmail).toBeNull();
  });
});

test('more than 10 requests a day by one profile get 429 recovery_email.too_many_starts', async () => {
  const { token } = await signedIn();
  for (let i = 0; i < 10; i++) expect((await call('PUT', '/v1/profile/recovery-email', { token, body: { email: address(`s${i}`) } })).status).toBe(202);
  const r = await call('PUT', '/v1/profile/recovery-email', { token, body: { email: address('s10') } });
  expectError(r, 429, 'recovery_email.too_many_starts');
  expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
});
