import { listAuditForSubject } from '../../db/queries/audit';
import { checkedHttp, expectError, expectInvalid } from '../helpers/http';
import { createPerson, PASSWORD } from '../helpers/people';
import { suiteStack } from '../helpers/suiteStack';

// The per-account-and-address limit stays at its default (5); the address limit is raised because every
// request of this file comes from one address.
const stack = suiteStack({ worker: false, env: { SIGNIN_MAX_FAILURES_PER_ADDRESS: '1000' } });
const { call, signedIn } = checkedHttp(stack);

const NEW = 'Ustensile-Lumiere-42!';
const change = (token: string, body: unknown) => call('PUT', '/v1/accounts/current/password', { token, body });
const signIn = (email: string, password: string) => call('POST', '/v1/sessions', { body: { email, password } });
const works = async (token: string) => (await call('GET', '/v1/accounts', { token })).status === 200;
const hashOf = async (id: string) => (await stack.sql<{ passwordHash: string }[]>`select password_hash from accounts where id = ${id}`)[0]!.passwordHash;

describe('PUT /v1/accounts/current/password', () => {
  test('changes the password, keeps this session, ends the account\'s other sessions only, and audits without secrets', async () => {
    const me = await createPerson(stack.sql, { accounts: 2 });
    const [email, sibling] = me.emails as [string, string];
    const [current, other1, other2] = [await stack.signIn(email), await stack.signIn(email), await stack.signIn(email)];
    const siblingSession = await stack.signIn(sibling);
    const before = Date.now();

    const r = await change(current, { currentPassword: PASSWORD, newPassword: NEW });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ passwordChangedAt: expect.any(String), otherSessionsEnded: 2 });
    expect(Date.parse(r.body.passwordChangedAt)).toBeGreaterThanOrEqual(before - 1000);

    expect(await works(current)).toBe(true);
    expect(await works(other1)).toBe(false);
    expect(await works(other2)).toBe(false);
    // Another account of the same profile has its own password and keeps its sessions.
    expect(await works(siblingSession)).toBe(true);

    expectError(await signIn(email, PASSWORD), 401, 'auth.invalid_credentials');
    expect((await signIn(email, NEW)).status).toBe(201);
    expect((await signIn(sibling, PASSWORD)).status).toBe(201);

    // A new expiry period starts at the change.
    const overview = await call('GET', '/v1/accounts', { token: current });
    const mine = overview.body.accounts.find((a: { current: boolean }) => a.current);
    expect(mine.passwordExpiresAt).toBe(new Date(Date.parse(r.body.passwordChangedAt) + 90 * 86_400_000).toISOString());

    const audit = await listAuditForSubject(stack.sql, 'account', me.accountIds[0]!);
    const changed = audit.filter((e) => e.action === 'account.password_changed');
    expect(changed).toEqual([expect.objectContaining({ actorAccountId: me.accountIds[0], details: { sessionId: expect.any(String), otherSessionsEnded: 2 } })]);
    const text = JSON.stringify(audit);
    for (const secret of [PASSWORD, NEW, '$argon2', await hashOf(me.accountIds[0]!)]) expect(text).not.toContain(secret);
  });

  test('a wrong current password → 403 account.wrong_current_password: nothing changes, the session stays valid', async () => {
    const { person: me, token } = await signedIn();
    const other = await stack.signIn(me.emails[0]!);
    const hash = await hashOf(me.accountIds[0]!);
    const r = await change(token, { currentPassword: 'Not-the-password-1!', newPassword: NEW });
    expectError(r, 403, 'account.wrong_current_password');
    expect(r.headers.get('www-authenticate')).toBeNull();
    expect(await hashOf(me.accountIds[0]!)).toBe(hash);
    expect(await works(token)).toBe(true);
    expect(await works(other)).toBe(true);
    const audit = await listAuditForSubject(stack.sql, 'account', me.accountIds[0]!);
    expect(audit.map((e) => e.action)).toContain('account.password_change_failed');
    expect(audit.map((e) => e.action)).not.toContain('account.password_changed');
    expect(JSON.stringify(audit)).not.toContain('Not-the-password-1!');
  });

  test('wrong current passwords share the sign-in throttle: the 6th attempt → 429 with Retry-After, and sign-in is throttled too', async () => {
    const { person: me, token } = await signedIn();
    for (let i = 0; i < 5; i++) expectError(await change(token, { currentPassword: `Wrong-guess-${i}!`, newPassword: NEW }), 403, 'account.wrong_current_password');
    const blocked = await change(token, { currentPassword: PASSWORD, newPassword: NEW });
    expectError(blocked, 429, 'auth.too_many_attempts');
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    // The right password does not get through while the pair is blocked, neither here nor at sign-in.
    expectError(await signIn(me.emails[0]!, PASSWORD), 429, 'auth.too_many_attempts');
    expectError(await signIn(me.emails[0]!, NEW), 429, 'auth.too_many_attempts');
    // The session is not ended by the throttle.
    expect(await works(token)).toBe(true);
  });

  test('parallel guesses cannot outrun the throttle: at most 5 of 20 reach the password check', async () => {
    const { token } = await signedIn();
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => change(token, { currentPassword: `Parallel-guess-${i}!`, newPassword: NEW })),
    );
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 403).length).toBeLessThanOrEqual(5);
    expect(statuses.filter((s) => s !== 403 && s !== 429)).toEqual([]);
  });

  test('a right current password ends the run of failures', async () => {
    const { token } = await signedIn();
    for (let i = 0; i < 4; i++) expectError(await change(token, { currentPassword: `Wrong-guess-${i}!`, newPassword: NEW }), 403, 'account.wrong_current_password');
    expect((await change(token, { currentPassword: PASSWORD, newPassword: NEW })).status).toBe(200);
    for (let i = 0; i < 4; i++) expectError(await change(token, { currentPassword: `Wrong-again-${i}!`, newPassword: PASSWORD }), 403, 'account.wrong_current_password');
  });

  test('a new password breaking the policy → 422 password.policy_violation listing every unmet rule, before the current one is checked', async () => {
    const { person: me, token } = await signedIn();
    const hash = await hashOf(me.accountIds[0]!);
    const local = me.emails[0]!.split('@')[0]!;
    // The local part is "user-xxxxxxxx-0" (random hex): lowercase, digits and hyphens, 15 characters. It ends in a
    // letter here: once in about 40 runs the hex is all digits, and "user-12345678-0" is the common "user" with
    // digits and symbols after it (lib/commonPasswords.ts), which would add password.too_common.
    const r = await change(token, { currentPassword: PASSWORD, newPassword: `${local}x` });
    expectError(r, 422, 'password.policy_violation');
    expect(r.body.rules).toEqual(['password.no_uppercase', 'password.contains_email']);
    expect(r.body.details).toEqual([
      { path: 'body.newPassword', message: expect.stringContaining('uppercase') },
      { path: 'body.newPassword', message: expect.stringContaining('email') },
    ]);

    const all = await change(token, { currentPassword: 'Also-wrong-1!', newPassword: 'password' });
    expectError(all, 422, 'password.policy_violation');
    expect(all.body.rules).toEqual(['password.too_short', 'password.no_special', 'password.no_digit', 'password.no_uppercase', 'password.too_common']);
    expect(all.body.details).toHaveLength(5);
    expect(JSON.stringify(all.body)).not.toContain('"password"');

    expectError(await change(token, { currentPassword: PASSWORD, newPassword: 'Password123!' }), 422, 'password.policy_violation');
    expect(await hashOf(me.accountIds[0]!)).toBe(hash);
    expect((await listAuditForSubject(stack.sql, 'account', me.accountIds[0]!)).map((e) => e.action)).not.toContain('account.password_change_failed');
  });

  test('lengths are Unicode characters: 200 emoji-padded characters are accepted and sign in; 201 are refused', async () => {
    const { person: me, token } = await signedIn();
    const longest = `Aa1!${'😀'.repeat(196)}`;
    const r201 = await change(token, { currentPassword: PASSWORD, newPassword: `${longest}😀` });
    expectError(r201, 422, 'password.policy_violation');
    expect(r201.body.rules).toEqual(['password.too_long']);
    expect((await change(token, { currentPassword: PASSWORD, newPassword: longest })).status).toBe(200);
    expect((await signIn(me.emails[0]!, longest)).status).toBe(201);
  });

  test('the new password is NFKC-normalised: set decomposed, sign in composed', async () => {
    const { person: me, token } = await signedIn();
    expect((await change(token, { currentPassword: PASSWORD, newPassword: 'Cafe\u0301-Ustensile-42!' })).status).toBe(200);
    expect((await signIn(me.emails[0]!, 'Caf\u00e9-Ustensile-42!')).status).toBe(201);
  });

  test('an SSO account → 409 account.sso_managed, naming the company\'s identity provider; nothing changes', async () => {
    const { person: me, token } = await signedIn();
    await stack.sql`update accounts set sso = true where id = ${me.accountIds[0]!}`;
    const hash = await hashOf(me.accountIds[0]!);
    const r = await change(token, { currentPassword: PASSWORD, newPassword: NEW });
    expectError(r, 409, 'account.sso_managed');
    expect(r.body.error).toMatch(/single sign-on/);
    expect(r.body.error).toMatch(/identity provider/);
    // Refused before the current password is looked at: a wrong one gets the same answer, and spends nothing.
    expectError(await change(token, { currentPassword: 'Wrong-1!', newPassword: NEW }), 409, 'account.sso_managed');
    expect(await hashOf(me.accountIds[0]!)).toBe(hash);
  });

  test.each<[string, unknown, string[]]>([
    ['no body fields', {}, ['body.currentPassword', 'body.newPassword']],
    ['wrong types', { currentPassword: 1, newPassword: true }, ['body.currentPassword', 'body.newPassword']],
    ['nulls', { currentPassword: null, newPassword: null }, ['body.currentPassword', 'body.newPassword']],
    ['empty strings', { currentPassword: '', newPassword: '' }, ['body.currentPassword', 'body.newPassword']],
    ['over-long input', { currentPassword: PASSWORD, newPassword: 'A1!a'.repeat(251) }, ['body.newPassword']],
    ['a NUL character', { currentPassword: `${PASSWORD}\u0000`, newPassword: NEW }, ['body.currentPassword']],
  ])('%s → 400 request.invalid, nothing changed', async (_name, body, paths) => {
    const { person: me, token } = await signedIn();
    const hash = await hashOf(me.accountIds[0]!);
    expectInvalid(await change(token, body), ...paths);
    expect(await hashOf(me.accountIds[0]!)).toBe(hash);
  });

  test('a body that is not an object → 400; not JSON → 415', async () => {
    const { token } = await signedIn();
    expectInvalid(await call('PUT', '/v1/accounts/current/password', { token, raw: '[]', headers: { 'content-type': 'application/json' } }), 'body');
    expectError(await call('PUT', '/v1/accounts/current/password', { token, raw: 'x', headers: { 'content-type': 'text/plain' } }), 415, 'request.unsupported_media_type');
  });

  test('without a session → 401, before the body is read', async () => {
    expectError(await call('PUT', '/v1/accounts/current/password', { body: { currentPassword: PASSWORD, newPassword: NEW } }), 401, 'auth.unauthenticated');
    expectError(await call('PUT', '/v1/accounts/current/password', { body: {} }), 401, 'auth.unauthenticated');
  });

  test('a session ended by the change cannot change the password again', async () => {
    const { person: me, token } = await signedIn();
    const stale = await stack.signIn(me.emails[0]!);
    expect((await change(token, { currentPassword: PASSWORD, newPassword: NEW })).status).toBe(200);
    expectError(await change(stale, { currentPassword: NEW, newPassword: 'Another-Lumiere-43!' }), 401, 'auth.unauthenticated');
  });
});

describe('a session whose password has expired', () => {
  test('may change it, and is then a full session again', async () => {
    const me = await createPerson(stack.sql);
    await stack.sql`update accounts set password_changed_at = now() - interval '91 days' where id = ${me.accountIds[0]!}`;
    const signedIn = await signIn(me.emails[0]!, PASSWORD);
    expect(signedIn.body.passwordExpired).toBe(true);
    const token = signedIn.body.token as string;
    expectError(await call('GET', '/v1/accounts', { token }), 403, 'auth.password_expired');
    // The policy still applies to the new password.
    expectError(await change(token, { currentPassword: PASSWORD, newPassword: 'Password123!' }), 422, 'password.policy_violation');
    expect((await change(token, { currentPassword: PASSWORD, newPassword: NEW })).status).toBe(200);
    expect(await works(token)).toBe(true);
  });
});
