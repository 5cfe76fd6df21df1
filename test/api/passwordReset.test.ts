// "Forgot password?" over HTTP, for an account with a password: the whole reset, then sign-in; every session
// ends; one email each way; a second request joins the open reset; the policy first; wrong codes; a repeated
// completion; what the workflow's history holds (no address, code, password or hash).
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { listAuditForSubject } from '../../db/queries/audit';
import { findPasswordReset } from '../../db/queries/passwordResets';
import { expectError } from '../helpers/http';
import { NEW_PASSWORD, otherCode, passwordResetApi } from '../helpers/passwordResetApi';
import { createPerson, PASSWORD } from '../helpers/people';
import { decodedPayloads } from '../helpers/replayFixtures';
import { suiteStack } from '../helpers/suiteStack';
import { eventually } from '../helpers/waiting';

const stack = suiteStack({ env: { TRUST_PROXY: '1' } });
const { call, post, request, complete, status, codeFor, codeMails, mailsTo, runOf, closed } = passwordResetApi(stack);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const signedOut = async (token: string) => (await call('GET', '/v1/profile/merges', { token })).status === 401;

test('the whole reset: the new password signs in, the old one does not, and every session of the account has ended', async () => {
  const person = await createPerson(stack.sql);
  const email = person.emails[0]!;
  const tokens = [await stack.signIn(email), await stack.signIn(email)];

  const r = await post(email);
  expect(r.status).toBe(202);
  expect(r.body).toEqual({ id: expect.stringMatching(UUID), step: 'awaiting_code', expiresAt: expect.any(String) });
  expect(r.headers.get('location')).toBe(`/v1/password-resets/${r.body.id}`);
  const expiresIn = Date.parse(r.body.expiresAt) - Date.now();
  expect(expiresIn).toBeGreaterThan(3_500_000); // PASSWORD_RESET_TTL_SECONDS, one hour
  expect(expiresIn).toBeLessThanOrEqual(3_600_000);

  const code = await codeFor(email);
  expect(await status(r.body.id)).toEqual({ id: r.body.id, step: 'awaiting_code', expiresAt: r.body.expiresAt, attemptsLeft: 5 });
  for (const t of tokens) expect(await signedOut(t)).toBe(false);

  const done = await complete(r.body.id, code);
  expect(done.status).toBe(200);
  expect(done.body).toMatchObject({ id: r.body.id, step: 'completed' });

  for (const t of tokens) expect(await signedOut(t)).toBe(true);
  expectError(await call('POST', '/v1/sessions', { body: { email, password: PASSWORD } }), 401, 'auth.invalid_credentials');
  expect((await call('POST', '/v1/sessions', { body: { email, password: NEW_PASSWORD } })).status).toBe(201);

  const changed = await stack.mail.waitFor((m) => m.to.includes(email) && m.subject === 'Your Custodian password was changed');
  expect(changed.raw).toContain('every');
  await closed(r.body.id);
  expect(await status(r.body.id)).toMatchObject({ step: 'completed', attemptsLeft: null });
  expect(mailsTo(email)).toHaveLength(2); // the code, then the change
  const [row] = await stack.sql`select password_changed_at from accounts where id = ${person.accountIds[0]!}`;
  expect(Date.now() - (row!.passwordChangedAt as Date).getTime()).toBeLessThan(60_000);
  const audit = await listAuditForSubject(stack.sql, 'account', person.accountIds[0]!);
  expect(audit.map((e) => e.action)).toEqual(expect.arrayContaining(['password_reset.requested', 'account.password_reset']));
  expect(audit.find((e) => e.action === 'account.password_reset')!.details).toMatchObject({ sessionsEnded: 2 });
  // Nothing waits any more: no pending hash, no typed address.
  const reset = (await findPasswordReset(stack.sql, r.body.id))!;
  expect(reset).toMatchObject({ outcome: 'completed', address: null });
  expect(await stack.sql`select 1 from password_reset_passwords where run_id = ${reset.runId}`).toHaveLength(0);
});

test('the run\'s history holds no address, code, password or hash: ids, verdicts and HMACs only', async () => {
  const person = await createPerson(stack.sql);
  const email = person.emails[0]!;
  const id = await request(email);
  const code = await codeFor(email);
  expectError(await complete(id, otherCode(code)), 422, 'verification_code.invalid');
  expect((await complete(id, code)).status).toBe(200);
  await closed(id);
  const [account] = await stack.sql<{ passwordHash: string }[]>`select password_hash from accounts where id = ${person.accountIds[0]!}`;
  const passwordHash = account!.passwordHash;

  const history = await (await runOf(id)).fetchHistory();
  const text = historyToJSON(history);
  const payloads = decodedPayloads(JSON.parse(text)).join('\n');
  for (const secret of [email, code, otherCode(code), NEW_PASSWORD, PASSWORD, passwordHash, '$argon2', `Person ${person.profileId.slice(0, 8)}`]) {
    expect({ secret, inText: text.includes(secret), inPayloads: payloads.includes(secret) }).toEqual({ secret, inText: false, inPayloads: false });
  }
  expect(payloads).not.toMatch(/[\w.+-]+@[\w-]+\.[\w.-]+/);
  expect(payloads).toContain('"verdict":"verified"');
});

test('a second request while the reset is open joins it: one flow, one code within the resend interval, either id completes', async () => {
  const person = await createPerson(stack.sql);
  const email = person.emails[0]!;
  const first = await request(email);
  const code = await codeFor(email);
  const second = await request(email.toUpperCase()); // the same account, whatever the case
  expect(second).not.toBe(first);
  expect((await findPasswordReset(stack.sql, second))!.runId).toBe((await findPasswordReset(stack.sql, first))!.runId);
  // The second request moved the deadline of the one flow; both ids show it.
  const [a, b] = [await status(first), await status(second)];
  expect(a.expiresAt).toBe(b.expiresAt);
  await new Promise((resolve) => setTimeout(resolve, 500));
  expect(codeMails(email)).toHaveLength(1);

  expect((await complete(second, code)).status).toBe(200);
  expect(await status(first)).toMatchObject({ step: 'completed' });
});

test('the policy comes first: every unmet rule at once, and nothing spent', async () => {
  const person = await createPerson(stack.sql);
  const email = person.emails[0]!;
  const id = await request(email);
  const code = await codeFor(email);

  const short = await complete(id, code, 'short');
  expectError(short, 422, 'password.policy_violation');
  expect(short.body.rules).toEqual(expect.arrayContaining(['password.too_short', 'password.no_digit', 'password.no_uppercase', 'password.no_special']));
  expect(short.body.details.every((d: { path: string }) => d.path === 'body.newPassword')).toBe(true);
  const local = email.split('@')[0]!;
  const withEmail = await complete(id, otherCode(code), `X!9${local}`);
  expectError(withEmail, 422, 'password.policy_violation');
  expect(withEmail.body.rules).toEqual(['password.contains_email']);

  expect(await status(id)).toMatchObject({ step: 'awaiting_code', attemptsLeft: 5 });
  const audit = await listAuditForSubject(stack.sql, 'account', person.accountIds[0]!);
  expect(audit.filter((e) => e.action.startsWith('verification_code.'))).toEqual([]);
  expect((await complete(id, code)).status).toBe(200);
});

test('a wrong code answers 422 with the attempts left; the right one still works; a repeated completion answers 200 again', async () => {
  const person = await createPerson(stack.sql);
  const email = person.emails[0]!;
  const id = await request(email);
  const code = await codeFor(email);
  const wrong = await complete(id, otherCode(code));
  expectError(wrong, 422, 'verification_code.invalid');
  expect(wrong.body.attemptsLeft).toBe(4);
  expect(await status(id)).toMatchObject({ attemptsLeft: 4 });

  expect((await complete(id, code)).status).toBe(200);
  // The same completion again, while the run closes and after: the stored outcome, nothing applied twice.
  expect((await complete(id, code)).status).toBe(200);
  await closed(id);
  const again = await complete(id, code);
  expect(again.status).toBe(200);
  expect(again.body).toMatchObject({ step: 'completed' });
  // Another code against the completed reset is refused.
  expectError(await complete(id, otherCode(code)), 409, 'password_reset.closed');
  const audit = await listAuditForSubject(stack.sql, 'account', person.accountIds[0]!);
  expect(audit.filter((e) => e.action === 'account.password_reset')).toHaveLength(1);
  await eventually(() => expect(mailsTo(email).filter((m) => m.subject.includes('was changed'))).toHaveLength(1));
});

test('unknown ids are 404; malformed requests are 400', async () => {
  const unknown = '00000000-0000-4000-8000-000000000000';
  expectError(await call('GET', `/v1/password-resets/${unknown}`), 404, 'password_reset.not_found');
  expectError(await complete(unknown, '123456'), 404, 'password_reset.not_found');
  expectError(await call('GET', '/v1/password-resets/not-a-uuid'), 400, 'request.invalid');
  expectError(await call('POST', '/v1/password-resets', { body: { email: 'not an address' } }), 400, 'request.invalid');
  expectError(await call('POST', '/v1/password-resets', { body: {} }), 400, 'request.invalid');
  const id = await request((await createPerson(stack.sql)).emails[0]!);
  expectError(await call('POST', `/v1/password-resets/${id}/completion`, { body: { code: '12345', newPassword: NEW_PASSWORD } }), 400, 'request.invalid');
  expectError(await call('POST', `/v1/password-resets/${id}/completion`, { body: { code: '123456' } }), 400, 'request.invalid');
});
