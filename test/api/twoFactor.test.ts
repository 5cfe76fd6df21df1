import { createHmac } from 'node:crypto';
import { TOTP, URI } from 'otpauth';
import { listAuditForSubject } from '../../db/queries/audit';
import { createSecretBox } from '../../lib/secretBox';
import { checkedHttp, expectError, expectInvalid } from '../helpers/http';
import { createPerson, PASSWORD } from '../helpers/people';
import { suiteStack } from '../helpers/suiteStack';

// Every request of this file comes from one address: the per-address sign-in limit is raised, the per-account
// one (5) stays, as deactivation checks the password on the sign-in throttle.
const stack = suiteStack({ worker: false, env: { SIGNIN_MAX_FAILURES_PER_ADDRESS: '1000' } });
const { call, signedIn } = checkedHttp(stack);

const TFA = '/v1/developer-settings/2fa';
const PERIOD_MS = 30_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const signIn = (email: string, password = PASSWORD) => call('POST', '/v1/sessions', { body: { email, password } });
const second = (challengeId: string, code: string) => call('POST', '/v1/sessions/second-factor', { body: { challengeId, code } });
const status = (token: string) => call('GET', TFA, { token });
const works = async (token: string) => (await call('GET', '/v1/accounts', { token })).status === 200;
const actions = async (accountId: string) => (await listAuditForSubject(stack.sql, 'account', accountId)).map((e) => e.action);

/** Enrols and activates an authenticator app, computing the code with otpauth from the URI's secret, as a phone would. */
async function enable(token: string): Promise<{ totp: TOTP; recoveryCodes: string[]; activatedAt: number; uri: string }> {
  const e = await call('POST', `${TFA}/totp`, { token });
  expect(e.status).toBe(201);
  const totp = URI.parse(e.body.otpauthUri) as TOTP;
  const activatedAt = Date.now();
  const a = await call('POST', `${TFA}/totp/activation`, { token, body: { code: totp.generate({ timestamp: activatedAt }) } });
  expect(a.status).toBe(200);
  return { totp, recoveryCodes: a.body.recoveryCodes, activatedAt, uri: e.body.otpauthUri };
}

/** A signed-in person with 2FA on, and a fresh sign-in challenge. */
async function withTwoFactor() {
  const { person, token } = await signedIn();
  const app = await enable(token);
  const email = person.emails[0]!;
  return { person, token, email, accountId: person.accountIds[0]!, ...app };
}

async function challenge(email: string): Promise<string> {
  const r = await signIn(email);
  expect(r.status).toBe(200);
  return r.body.challengeId;
}

describe('GET /v1/developer-settings/2fa', () => {
  test('off by default: enabled false, no method, no recovery codes', async () => {
    const { token } = await signedIn();
    const r = await status(token);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ enabled: false, method: null, enabledAt: null, recoveryCodesLeft: null });
  });

  test('shows an SMS method the platform holds (this API sends no SMS: such an account signs in with a recovery code)', async () => {
    const { person, token } = await signedIn();
    await stack.sql`insert into two_factor (account_id, method, enabled_at) values (${person.accountIds[0]!}, 'sms', now())`;
    const r = await status(token);
    expect(r.body).toEqual({ enabled: true, method: 'sms', enabledAt: expect.any(String), recoveryCodesLeft: 0 });
    const s = await signIn(person.emails[0]!);
    expect(s.status).toBe(200);
    expect(s.body).toEqual(expect.objectContaining({ secondFactorRequired: true, method: 'sms' }));
    // No app secret: a 6-digit code is simply wrong.
    expectError(await second(s.body.challengeId, '123456'), 422, 'verification_code.invalid');
  });

  test('requires a credential', async () => {
    expectError(await call('GET', TFA), 401, 'auth.unauthenticated');
  });
});

describe('enrolling and activating an authenticator app', () => {
  test('enrol → an otpauth URI, its secret and a PNG QR code; the secret is stored encrypted, and 2FA is not on yet', async () => {
    const { person, token } = await signedIn();
    const r = await call('POST', `${TFA}/totp`, { token });
    expect(r.status).toBe(201);
    expect(r.body).toEqual({ otpauthUri: expect.any(String), secret: expect.any(String), qrCode: expect.any(String), expiresAt: expect.any(String) });
    const totp = URI.parse(r.body.otpauthUri) as TOTP;
    expect(totp).toBeInstanceOf(TOTP);
    expect(totp.label).toBe(person.emails[0]);
    expect(totp.issuer).toBe('Custodian');
    expect(totp.secret.base32).toBe(r.body.secret);
    expect(Buffer.from(r.body.qrCode.replace('data:image/png;base64,', ''), 'base64').subarray(1, 4).toString()).toBe('PNG');
    expect(Date.parse(r.body.expiresAt) - Date.now()).toBeGreaterThan(9 * 60_000);

    const [row] = await stack.sql<{ secretSealed: Buffer; keyId: string; enabledAt: Date | null }[]>`
      select secret_sealed, key_id, enabled_at from two_factor where account_id = ${person.accountIds[0]!}`;
    const secret = Buffer.from(totp.secret.bytes);
    expect(row!.enabledAt).toBeNull();
    expect(row!.keyId).toBe(stack.config.keys.keyId);
    // Neither the raw bytes nor the base32 form is stored; the subkey opens it, bound to the account.
    expect(row!.secretSealed.includes(secret)).toBe(false);
    expect(row!.secretSealed.toString('latin1')).not.toContain(r.body.secret);
    const box = createSecretBox({ id: stack.config.keys.keyId, key: stack.config.keys.totpEncryption });
    expect(box.open({ keyId: row!.keyId, sealed: row!.secretSealed }, `totp-secret/${person.accountIds[0]}`).plaintext.equals(secret)).toBe(true);

    expect((await status(token)).body.enabled).toBe(false);
    // Sign-in is unchanged until activation.
    expect((await signIn(person.emails[0]!)).status).toBe(201);
  });

  test('activate: a wrong code → 422, the current code → on, with 10 recovery codes stored as peppered HMACs; audited', async () => {
    const { person, token } = await signedIn();
    const e = await call('POST', `${TFA}/totp`, { token });
    const totp = URI.parse(e.body.otpauthUri) as TOTP;
    const code = totp.generate();
    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
    expectError(await call('POST', `${TFA}/totp/activation`, { token, body: { code: wrong } }), 422, 'two_factor.wrong_code');
    expectInvalid(await call('POST', `${TFA}/totp/activation`, { token, body: { code: '12345' } }), 'body.code');

    const r = await call('POST', `${TFA}/totp/activation`, { token, body: { code } });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ enabled: true, method: 'authenticator_app', enabledAt: expect.any(String), recoveryCodes: expect.any(Array) });
    const codes: string[] = r.body.recoveryCodes;
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const c of codes) expect(c).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/);

    const accountId = person.accountIds[0]!;
    const stored = await stack.sql<{ codeHash: Buffer }[]>`select code_hash from two_factor_recovery_codes where account_id = ${accountId}`;
    const expected = codes.map((c) => createHmac('sha256', stack.config.keys.recoveryCodePepper).update(c.replace(/-/g, '')).digest('hex'));
    expect(stored.map((s) => s.codeHash.toString('hex')).sort()).toEqual(expected.sort());
    const table = JSON.stringify(await stack.sql`select * from two_factor_recovery_codes where account_id = ${accountId}`);
    for (const c of codes) expect(table).not.toContain(c.replace(/-/g, ''));

    expect((await status(token)).body).toEqual({ enabled: true, method: 'authenticator_app', enabledAt: r.body.enabledAt, recoveryCodesLeft: 10 });
    const audit = await listAuditForSubject(stack.sql, 'account', accountId);
    expect(audit.filter((a) => a.action === 'two_factor.enabled')).toEqual([
      expect.objectContaining({ actorAccountId: accountId, details: { method: 'authenticator_app', sessionId: expect.any(String), recoveryCodes: 10 } }),
    ]);
    const text = JSON.stringify(audit);
    for (const secret of [code, totp.secret.base32, ...codes]) expect(text).not.toContain(secret);
  });

  test('once on, enrolling or activating again is refused (409 two_factor.already_enabled)', async () => {
    const { token, totp } = await withTwoFactor();
    expectError(await call('POST', `${TFA}/totp`, { token }), 409, 'two_factor.already_enabled');
    expectError(await call('POST', `${TFA}/totp/activation`, { token, body: { code: totp.generate() } }), 409, 'two_factor.already_enabled');
  });

  test('activation without an enrolment, or after it expired → 409 two_factor.no_enrolment', async () => {
    const { person, token } = await signedIn();
    expectError(await call('POST', `${TFA}/totp/activation`, { token, body: { code: '123456' } }), 409, 'two_factor.no_enrolment');
    const e = await call('POST', `${TFA}/totp`, { token });
    await stack.sql`update two_factor set enrolment_expires_at = now() - interval '1 second' where account_id = ${person.accountIds[0]!}`;
    const code = (URI.parse(e.body.otpauthUri) as TOTP).generate();
    expectError(await call('POST', `${TFA}/totp/activation`, { token, body: { code } }), 409, 'two_factor.no_enrolment');
  });

  test('enrolling again replaces the pending secret: the first app\'s codes no longer activate', async () => {
    const { token } = await signedIn();
    const first = URI.parse((await call('POST', `${TFA}/totp`, { token })).body.otpauthUri) as TOTP;
    const again = URI.parse((await call('POST', `${TFA}/totp`, { token })).body.otpauthUri) as TOTP;
    expect(again.secret.base32).not.toBe(first.secret.base32);
    const near = new Set([-1, 0, 1].map((d) => again.generate({ timestamp: Date.now() + d * PERIOD_MS })));
    const old = first.generate();
    if (!near.has(old)) expectError(await call('POST', `${TFA}/totp/activation`, { token, body: { code: old } }), 422, 'two_factor.wrong_code');
    expect((await call('POST', `${TFA}/totp/activation`, { token, body: { code: again.generate() } })).status).toBe(200);
  });

  test('an SSO account cannot enrol (409 account.sso_managed)', async () => {
    const { person, token } = await signedIn();
    await stack.sql`update accounts set sso = true where id = ${person.accountIds[0]!}`;
    expectError(await call('POST', `${TFA}/totp`, { token }), 409, 'account.sso_managed');
  });
});

describe('signing in with 2FA on', () => {
  test('the right password → 200 {secondFactorRequired, challengeId}, and no session yet', async () => {
    const { email, accountId } = await withTwoFactor();
    const sessionsBefore = await stack.sql`select 1 from sessions where account_id = ${accountId}`;
    const before = Date.now();
    const r = await signIn(email);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ secondFactorRequired: true, challengeId: expect.stringMatching(UUID), expiresAt: expect.any(String), method: 'authenticator_app' });
    expect(r.body).not.toHaveProperty('token');
    const ttl = Date.parse(r.body.expiresAt) - before;
    expect(ttl).toBeGreaterThan(5 * 60_000 - 5_000);
    expect(ttl).toBeLessThanOrEqual(5 * 60_000 + 5_000);
    expect((await stack.sql`select 1 from sessions where account_id = ${accountId}`).length).toBe(sessionsBefore.length);
    // A wrong password is still the usual 401, without a challenge.
    expectError(await signIn(email, 'Not-the-password-1!'), 401, 'auth.invalid_credentials');
  });

  test('a TOTP opens the session (201, the usual Session) once; the same code again is refused as already used', async () => {
    const { email, accountId, totp, activatedAt } = await withTwoFactor();
    // The activation's code spent its time step: the app's next code signs in.
    const next = totp.generate({ timestamp: activatedAt + PERIOD_MS });
    const r = await second(await challenge(email), next);
    expect(r.status).toBe(201);
    expect(r.body).toEqual({ token: expect.any(String), accountId, profileId: expect.any(String), expiresAt: expect.any(String), passwordExpired: false });
    expect(await works(r.body.token)).toBe(true);

    const replay = await second(await challenge(email), next);
    expectError(replay, 422, 'two_factor.code_already_used');
    expect(replay.body.attemptsLeft).toBe(4);
    // So is an older code, still inside the window: the activation's own.
    expectError(await second(await challenge(email), totp.generate({ timestamp: activatedAt })), 422, 'two_factor.code_already_used');

    const audit = await listAuditForSubject(stack.sql, 'account', accountId);
    expect(audit.filter((a) => a.action === 'session.created').at(-1)!.details).toEqual(
      expect.objectContaining({ sessionId: expect.any(String), secondFactor: 'totp', challengeId: expect.any(String) }),
    );
    expect(audit.some((a) => a.action === 'auth.second_factor_required')).toBe(true);
  });

  test('the same fresh code on two challenges at once: exactly one session', async () => {
    const { email, totp, activatedAt } = await withTwoFactor();
    const next = totp.generate({ timestamp: activatedAt + PERIOD_MS });
    const [a, b] = [await challenge(email), await challenge(email)];
    const results = await Promise.all([second(a, next), second(b, next)]);
    expect(results.map((r) => r.status).sort()).toEqual([201, 422]);
  });

  test('a challenge opens one session: after it, the challenge is gone (404)', async () => {
    const { email, totp, activatedAt } = await withTwoFactor();
    const id = await challenge(email);
    expect((await second(id, totp.generate({ timestamp: activatedAt + PERIOD_MS }))).status).toBe(201);
    expectError(await second(id, totp.generate({ timestamp: activatedAt + 2 * PERIOD_MS })), 404, 'two_factor.challenge_not_found');
  });

  test('a recovery code works once (in any case, with or without hyphens); audited with the codes left', async () => {
    const { email, accountId, token, recoveryCodes } = await withTwoFactor();
    const [code] = recoveryCodes as [string];
    const r = await second(await challenge(email), code.toLowerCase().replace(/-/g, ' '));
    expect(r.status).toBe(201);
    expect(await works(r.body.token)).toBe(true);
    expect((await status(token)).body.recoveryCodesLeft).toBe(9);

    const again = await second(await challenge(email), code);
    expectError(again, 422, 'verification_code.invalid');
    expect(again.body.attemptsLeft).toBe(4);

    const audit = await listAuditForSubject(stack.sql, 'account', accountId);
    expect(audit.filter((a) => a.action === 'two_factor.recovery_code_used')).toEqual([
      expect.objectContaining({ actorAccountId: accountId, details: { challengeId: expect.any(String), recoveryCodesLeft: 9 } }),
    ]);
    expect(audit.filter((a) => a.action === 'session.created').at(-1)!.details).toEqual(expect.objectContaining({ secondFactor: 'recovery_code' }));
    expect(JSON.stringify(audit)).not.toContain(code);
  });

  test('wrong codes: 5 per challenge (then it is gone), and 10 per account a day across challenges → 429 with Retry-After', async () => {
    const { email, accountId, totp, activatedAt } = await withTwoFactor();
    const near = new Set([-2, -1, 0, 1, 2, 3].map((d) => totp.generate({ timestamp: activatedAt + d * PERIOD_MS })));
    const wrongCodes = ['000000', '111111', '222222', '333333', '444444', '555555', '666666', '777777', '888888', '999999', '123123']
      .filter((c) => !near.has(c));
    let w = 0;
    const wrong = () => wrongCodes[w++ % wrongCodes.length]!;

    const first = await challenge(email);
    for (const left of [4, 3, 2, 1]) {
      const r = await second(first, wrong());
      expectError(r, 422, 'verification_code.invalid');
      expect(r.body.attemptsLeft).toBe(left);
    }
    const last = await second(first, wrong());
    expectError(last, 422, 'verification_code.attempts_exhausted');
    expect(last.body.attemptsLeft).toBe(0);
    // Used up: even the right code cannot use it now.
    expectError(await second(first, totp.generate({ timestamp: activatedAt + PERIOD_MS })), 404, 'two_factor.challenge_not_found');

    // A new challenge (the password again) gets 5 more, but the account's budget of 10 a day ends with them.
    const next = await challenge(email);
    for (let i = 0; i < 5; i++) expect((await second(next, wrong())).status).toBe(422);
    const third = await challenge(email);
    const blocked = await second(third, totp.generate({ timestamp: activatedAt + PERIOD_MS }));
    expectError(blocked, 429, 'verification_code.too_many_attempts');
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    // The refused attempt was given back to the challenge.
    const [row] = await stack.sql<{ attemptsLeft: number }[]>`select attempts_left from sign_in_challenges where id = ${third}`;
    expect(row!.attemptsLeft).toBe(5);

    const log = await actions(accountId);
    expect(log.filter((a) => a === 'verification_code.wrong')).toHaveLength(8);
    expect(log.filter((a) => a === 'verification_code.exhausted')).toHaveLength(2);
    expect(log).toContain('verification_code.budget_exhausted');
  });

  test('a right code gives its budget point back: many sign-ins a day are never throttled', async () => {
    const { email, recoveryCodes } = await withTwoFactor();
    for (const code of recoveryCodes) expect((await second(await challenge(email), code)).status).toBe(201);
    expect((await signIn(email)).status).toBe(200);
  });

  test('an expired challenge → 404; an unknown one → 404; a malformed one → 400', async () => {
    const { email, totp, activatedAt } = await withTwoFactor();
    const id = await challenge(email);
    await stack.sql`update sign_in_challenges set expires_at = now() - interval '1 second' where id = ${id}`;
    expectError(await second(id, totp.generate({ timestamp: activatedAt + PERIOD_MS })), 404, 'two_factor.challenge_not_found');
    expectError(await second('00000000-0000-4000-8000-000000000000', '123456'), 404, 'two_factor.challenge_not_found');
    expectInvalid(await second('nope', '123456'), 'body.challengeId');
    expectInvalid(await call('POST', '/v1/sessions/second-factor', { body: { challengeId: id } }), 'body.code');
  });

  test('another account of the same profile signs in as before: 2FA is the account\'s own', async () => {
    const person = await createPerson(stack.sql, { accounts: 2 });
    await enable(await stack.signIn(person.emails[0]!));
    expect((await signIn(person.emails[0]!)).status).toBe(200);
    expect((await signIn(person.emails[1]!)).status).toBe(201);
  });
});

describe('DELETE /v1/developer-settings/2fa', () => {
  test('a wrong password → 403, still on; audited as two_factor.disable_failed', async () => {
    const { token, accountId } = await withTwoFactor();
    expectError(await call('DELETE', TFA, { token, body: { password: 'Not-the-password-1!' } }), 403, 'account.wrong_current_password');
    expect((await status(token)).body.enabled).toBe(true);
    expect(await works(token)).toBe(true);
    expect(await actions(accountId)).toContain('two_factor.disable_failed');
  });

  test('the password is required, and checked on the sign-in throttle: the 6th wrong one → 429', async () => {
    const { token, email } = await withTwoFactor();
    expectInvalid(await call('DELETE', TFA, { token, body: {} }), 'body.password');
    for (let i = 0; i < 5; i++) expectError(await call('DELETE', TFA, { token, body: { password: `Wrong-password-${i}!` } }), 403, 'account.wrong_current_password');
    const blocked = await call('DELETE', TFA, { token, body: { password: PASSWORD } });
    expectError(blocked, 429, 'auth.too_many_attempts');
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    // The same counters as sign-in.
    expectError(await signIn(email), 429, 'auth.too_many_attempts');
  });

  test('the right password turns it off: secret, recovery codes and challenges deleted, sign-in is one step again; audited', async () => {
    const { token, email, accountId } = await withTwoFactor();
    const pending = await challenge(email);
    const r = await call('DELETE', TFA, { token, body: { password: PASSWORD } });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ enabled: false, method: null, enabledAt: null, recoveryCodesLeft: null });
    expect((await status(token)).body.enabled).toBe(false);
    for (const table of ['two_factor', 'two_factor_recovery_codes', 'sign_in_challenges']) {
      expect((await stack.sql`select 1 from ${stack.sql(table)} where account_id = ${accountId}`).length).toBe(0);
    }
    expectError(await second(pending, '123456'), 404, 'two_factor.challenge_not_found');
    expect((await signIn(email)).status).toBe(201);
    const audit = await listAuditForSubject(stack.sql, 'account', accountId);
    expect(audit.filter((a) => a.action === 'two_factor.disabled')).toEqual([
      expect.objectContaining({ actorAccountId: accountId, details: { method: 'authenticator_app', sessionId: expect.any(String) } }),
    ]);
    expect(JSON.stringify(audit)).not.toContain(PASSWORD);
    // Nothing to turn off any more; and it can be enrolled again.
    expectError(await call('DELETE', TFA, { token, body: { password: PASSWORD } }), 404, 'two_factor.not_enabled');
    expect((await call('POST', `${TFA}/totp`, { token })).status).toBe(201);
  });
});
