import { randomUUID } from 'node:crypto';
import { createPerson, PASSWORD } from '../helpers/people';
import { startTestStack, type HttpResult, type TestStack } from '../helpers/stack';

const WRONG = 'Not-the-password-1!';
const unknownEmail = () => `nobody-${randomUUID()}@test.custodian.test`;

/** Retry-After as whole seconds; fails the test unless it is a positive integer no larger than `max`. */
function expectTooMany(r: HttpResult, maxSeconds: number): number {
  expect(r.status).toBe(429);
  expect(r.body).toEqual({ error: expect.any(String), code: 'auth.too_many_attempts' });
  const header = r.headers.get('retry-after');
  expect(header).toMatch(/^\d+$/);
  const seconds = Number(header);
  expect(seconds).toBeGreaterThan(0);
  expect(seconds).toBeLessThanOrEqual(maxSeconds);
  return seconds;
}

function expectInvalid(r: HttpResult): void {
  expect(r.status).toBe(401);
  expect(r.body.code).toBe('auth.invalid_credentials');
}

describe('per account', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ env: { SIGNIN_MAX_FAILURES_PER_ACCOUNT: '3', SIGNIN_BLOCK_SECONDS: '60' } });
  });
  afterAll(async () => {
    await stack.close();
  });
  const signIn = (email: string, password: string) => stack.http('POST', '/v1/sessions', { body: { email, password } });

  test('after 3 failures the 4th attempt gets 429 with Retry-After, even with the right password', async () => {
    const me = await createPerson(stack.sql);
    for (let i = 0; i < 3; i++) expectInvalid(await signIn(me.emails[0]!, WRONG));
    expectTooMany(await signIn(me.emails[0]!, PASSWORD), 60);
    expectTooMany(await signIn(me.emails[0]!, WRONG), 60);
  });

  test('another account from the same address still signs in', async () => {
    const blocked = await createPerson(stack.sql);
    const other = await createPerson(stack.sql);
    for (let i = 0; i < 3; i++) expectInvalid(await signIn(blocked.emails[0]!, WRONG));
    expectTooMany(await signIn(blocked.emails[0]!, PASSWORD), 60);
    expect((await signIn(other.emails[0]!, PASSWORD)).status).toBe(201);
  });

  test('the count is per email regardless of letter case', async () => {
    const me = await createPerson(stack.sql);
    const email = me.emails[0]!;
    expectInvalid(await signIn(email.toUpperCase(), WRONG));
    expectInvalid(await signIn(email, WRONG));
    expectInvalid(await signIn(email[0]!.toUpperCase() + email.slice(1), WRONG));
    expectTooMany(await signIn(email, PASSWORD), 60);
  });

  test('a success resets the account count', async () => {
    const me = await createPerson(stack.sql);
    expectInvalid(await signIn(me.emails[0]!, WRONG));
    expectInvalid(await signIn(me.emails[0]!, WRONG));
    expect((await signIn(me.emails[0]!, PASSWORD)).status).toBe(201);
    // Three fresh failures are allowed again before the block.
    for (let i = 0; i < 3; i++) expectInvalid(await signIn(me.emails[0]!, WRONG));
    expectTooMany(await signIn(me.emails[0]!, PASSWORD), 60);
  });

  test('an unknown email is throttled like a real one (no account enumeration)', async () => {
    const ghost = unknownEmail();
    for (let i = 0; i < 3; i++) expectInvalid(await signIn(ghost, WRONG));
    expectTooMany(await signIn(ghost, WRONG), 60);
  });

  test('a deactivated account with the right password does not count as a failure', async () => {
    const gone = await createPerson(stack.sql, { deactivated: true });
    for (let i = 0; i < 4; i++) expect((await signIn(gone.emails[0]!, PASSWORD)).status).toBe(403);
  });

  test('requests that fail validation are not counted', async () => {
    const me = await createPerson(stack.sql);
    for (let i = 0; i < 5; i++) {
      const r = await signIn(me.emails[0]!, '');
      expect(r.status).toBe(400);
    }
    expect((await signIn(me.emails[0]!, PASSWORD)).status).toBe(201);
  });
});

describe('per address', () => {
  let stack: TestStack;
  beforeAll(async () => {
    // Every request of a stack comes from 127.0.0.1, so this stack serves only this describe.
    stack = await startTestStack({
      env: { SIGNIN_MAX_FAILURES_PER_ADDRESS: '4', SIGNIN_MAX_FAILURES_PER_ACCOUNT: '100', SIGNIN_BLOCK_SECONDS: '60' },
    });
  });
  afterAll(async () => {
    await stack.close();
  });
  const signIn = (email: string, password: string) => stack.http('POST', '/v1/sessions', { body: { email, password } });

  test('4 failures with different unknown emails block every email from that address', async () => {
    const me = await createPerson(stack.sql);
    // Before the limit, a real account signs in fine.
    expect((await signIn(me.emails[0]!, PASSWORD)).status).toBe(201);
    for (let i = 0; i < 4; i++) expectInvalid(await signIn(unknownEmail(), WRONG));

    // The block lasts SIGNIN_BLOCK_SECONDS from the last failure, not the rest of the hour's window.
    expectTooMany(await signIn(unknownEmail(), WRONG), 60);
    expectTooMany(await signIn(me.emails[0]!, PASSWORD), 60);
    expectTooMany(await signIn(me.emails[0]!.toUpperCase(), PASSWORD), 60);
  });
});
