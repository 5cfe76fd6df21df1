import { randomBytes } from 'node:crypto';
import { TOTP, URI } from 'otpauth';
import { createPerson } from '../helpers/people';
import { startTestStack, type TestStack } from '../helpers/stack';

/**
 * Rotating HMAC_SECRET with 2FA in use (README "Secrets"): the API restarted with a new secret and the old one
 * as HMAC_SECRET_PREVIOUS still opens the TOTP secrets and matches the recovery codes made under the old one,
 * and seals each secret again under the new key at its next use.
 */
const OLD = randomBytes(32).toString('hex');
const NEW = randomBytes(32).toString('hex');
const PERIOD_MS = 30_000;

let before: TestStack;
let after: TestStack | undefined;
beforeAll(async () => {
  before = await startTestStack({ worker: false, env: { HMAC_SECRET: OLD } });
});
afterAll(async () => {
  await after?.close();
  await before.close();
});

test('after a rotation, the previous secret opens the TOTP secret (sealed again under the new key) and matches recovery codes', async () => {
  const person = await createPerson(before.sql);
  const [email, accountId] = [person.emails[0]!, person.accountIds[0]!];
  const token = await before.signIn(email);
  const enrolled = await before.http('POST', '/v1/developer-settings/2fa/totp', { token });
  const totp = URI.parse(enrolled.body.otpauthUri) as TOTP;
  const activatedAt = Date.now();
  const activated = await before.http('POST', '/v1/developer-settings/2fa/totp/activation', { token, body: { code: totp.generate({ timestamp: activatedAt }) } });
  expect(activated.status).toBe(200);
  const keyIdOf = async (stack: TestStack) => (await stack.sql<{ keyId: string }[]>`select key_id from two_factor where account_id = ${accountId}`)[0]!.keyId;
  expect(await keyIdOf(before)).toBe(before.config.keys.keyId);

  after = await startTestStack({ worker: false, databaseUrl: before.db.url, env: { HMAC_SECRET: NEW, HMAC_SECRET_PREVIOUS: OLD } });
  expect(after.config.keys.keyId).not.toBe(before.config.keys.keyId);
  const signIn = () => after!.http('POST', '/v1/sessions', { body: { email, password: 'Correct-horse-9!' } });

  const first = await signIn();
  expect(first.status).toBe(200);
  const r = await after.http('POST', '/v1/sessions/second-factor', { body: { challengeId: first.body.challengeId, code: totp.generate({ timestamp: activatedAt + PERIOD_MS }) } });
  expect(r.status).toBe(201);
  expect(await keyIdOf(after)).toBe(after.config.keys.keyId);

  const again = await signIn();
  const recovery = await after.http('POST', '/v1/sessions/second-factor', { body: { challengeId: again.body.challengeId, code: activated.body.recoveryCodes[0] } });
  expect(recovery.status).toBe(201);
});
