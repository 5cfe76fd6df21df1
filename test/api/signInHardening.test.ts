// Sign-in under attack: parallel guesses, lockout of a victim, forged client addresses, backoff, NFKC,
// and sessions (idle timeout, sign-out everywhere, sessions of merged accounts).
import * as passwords from '../../lib/passwords';
import { listAuditForSubject } from '../../db/queries/audit';
import { updatePasswordHash } from '../../db/queries/accounts';
import { hash } from '@node-rs/argon2';
import { BACKOFF_AFTER } from '../../libraries/signInThrottle';
import { createPerson, PASSWORD } from '../helpers/people';
import { startTestStack, type TestStack } from '../helpers/stack';
import { sleep } from '../helpers/waiting';

const WRONG = 'Not-the-password-1!';
let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({
    env: { TRUST_PROXY: '1', SIGNIN_MAX_FAILURES_PER_ACCOUNT: '5', SIGNIN_MAX_FAILURES_PER_ADDRESS: '50', SIGNIN_BLOCK_SECONDS: '60', SESSION_IDLE_SECONDS: '2' },
  });
});
afterAll(async () => {
  jest.restoreAllMocks();
  await stack?.close();
});

/** A sign-in from client address `from`, as the one trusted proxy in front of the API reports it. */
const signIn = (email: string, password: string, from: string, forged?: string) =>
  stack.http('POST', '/v1/sessions', { body: { email, password }, headers: { 'x-forwarded-for': forged ? `${forged}, ${from}` : from } });

test('200 concurrent wrong passwords: at most the limit reach password verification', async () => {
  const me = await createPerson(stack.sql);
  const verify = jest.spyOn(passwords, 'verifyPassword');
  verify.mockClear();
  const answers = await Promise.all(Array.from({ length: 200 }, () => signIn(me.emails[0]!, WRONG, '10.1.0.1')));
  const verified = verify.mock.calls.length;
  verify.mockRestore();
  expect(verified).toBeLessThanOrEqual(5);
  expect(answers.filter((r) => r.status === 401)).toHaveLength(verified);
  expect(answers.filter((r) => r.status === 429)).toHaveLength(200 - verified);
}, 60_000);

test('an attacker\'s address cannot lock the owner out: the right password from a clean address gets in', async () => {
  const me = await createPerson(stack.sql);
  for (let i = 0; i < 5; i++) expect((await signIn(me.emails[0]!, WRONG, '10.2.0.66')).status).toBe(401);
  const blocked = await signIn(me.emails[0]!, PASSWORD, '10.2.0.66');
  expect(blocked.status).toBe(429);
  expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
  expect((await signIn(me.emails[0]!, PASSWORD, '10.2.0.7')).status).toBe(201);
  const audit = await listAuditForSubject(stack.sql, 'account', me.accountIds[0]!);
  expect(audit.filter((e) => e.action === 'auth.signin_failed')).toHaveLength(5);
  expect((await listAuditForSubject(stack.sql, 'address', '10.2.0.66')).map((e) => e.action)).toContain('auth.throttled');
});

test('a forged X-Forwarded-For does not change the throttled address (TRUST_PROXY=1 takes the proxy\'s entry)', async () => {
  const me = await createPerson(stack.sql);
  for (let i = 0; i < 5; i++) expect((await signIn(me.emails[0]!, WRONG, '10.3.0.9', `192.0.2.${i}`)).status).toBe(401);
  // A new forged left-most value is the same client: still blocked.
  expect((await signIn(me.emails[0]!, WRONG, '10.3.0.9', '198.51.100.77')).status).toBe(429);
});

test(`after ${BACKOFF_AFTER} failures from anywhere, each attempt on the account waits, but the owner still gets in`, async () => {
  const me = await createPerson(stack.sql);
  for (let i = 0; i < BACKOFF_AFTER; i++) expect((await signIn(me.emails[0]!, WRONG, `10.4.${i}.1`)).status).toBe(401);
  const started = Date.now();
  expect((await signIn(me.emails[0]!, PASSWORD, '10.4.200.1')).status).toBe(201);
  expect(Date.now() - started).toBeGreaterThanOrEqual(250);
});

test('passwords are NFKC-normalised: a composed and a decomposed é are the same password; old hashes still work and are upgraded', async () => {
  const composed = 'Caf\u00e9-Password-9!';
  const decomposed = 'Cafe\u0301-Password-9!';
  const me = await createPerson(stack.sql);
  await updatePasswordHash(stack.sql, me.accountIds[0]!, await passwords.hashPassword(composed));
  expect((await signIn(me.emails[0]!, decomposed, '10.5.0.1')).status).toBe(201);

  // A hash made before normalisation, of the decomposed form as typed.
  const legacy = await createPerson(stack.sql);
  await updatePasswordHash(stack.sql, legacy.accountIds[0]!, await hash(decomposed, passwords.ARGON2_PARAMS));
  expect((await signIn(legacy.emails[0]!, decomposed, '10.5.0.2')).status).toBe(201);
  // Upgraded: now the composed form matches too.
  expect((await signIn(legacy.emails[0]!, composed, '10.5.0.2')).status).toBe(201);
});

test('DELETE /v1/sessions signs out everywhere; an idle session ends after SESSION_IDLE_SECONDS', async () => {
  const me = await createPerson(stack.sql);
  const [a, b] = await Promise.all([signIn(me.emails[0]!, PASSWORD, '10.6.0.1'), signIn(me.emails[0]!, PASSWORD, '10.6.0.2')]);
  expect((await stack.http('DELETE', '/v1/sessions', { token: a.body.token })).status).toBe(204);
  for (const t of [a.body.token, b.body.token]) expect((await stack.http('GET', `/v1/profile/merges/${me.profileId}`, { token: t })).status).toBe(401);

  const c = (await signIn(me.emails[0]!, PASSWORD, '10.6.0.3')).body.token;
  // Used within the idle time, the session lives on; unused for longer, it ends.
  for (let i = 0; i < 3; i++) {
    await sleep(900);
    expect((await stack.http('GET', `/v1/profile/merges/${me.profileId}`, { token: c })).status).toBe(404);
  }
  await sleep(2_500);
  expect((await stack.http('GET', `/v1/profile/merges/${me.profileId}`, { token: c })).status).toBe(401);
});

