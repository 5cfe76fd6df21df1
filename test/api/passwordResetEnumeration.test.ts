// "Forgot password?" tells an anonymous caller nothing about which accounts exist: an unknown address, a
// deactivated account and an SSO account get the same 202, in the same time, and an id that answers codes,
// policy checks, attempts and failure like a real reset's. Only the email differs: a code, a notice, nothing.
import { performance } from 'node:perf_hooks';
import { expectError } from '../helpers/http';
import { NEW_PASSWORD, otherCode, passwordResetApi } from '../helpers/passwordResetApi';
import { createPerson } from '../helpers/people';
import { suiteStack } from '../helpers/suiteStack';
import { RESET_REQUESTS_PER_CLIENT } from '../../libraries/passwordResets/service';
import { sleep } from '../helpers/waiting';

const stack = suiteStack({ env: { TRUST_PROXY: '1' } });
const { call, post, request, complete, status, codeFor, mailsTo, closed, freshClient } = passwordResetApi(stack);

let unknownSeq = 0;
const unknownAddress = () => `nobody-${Date.now()}-${unknownSeq++}@test.custodian.test`;

/** What a client can see of an answer, ids and times aside. */
const shape = (r: { status: number; body: Record<string, unknown> }) => ({
  status: r.status,
  keys: Object.keys(r.body ?? {}).sort(),
  code: r.body?.code,
  step: r.body?.step,
  attemptsLeft: r.body?.attemptsLeft,
  rules: r.body?.rules,
});

describe.each([
  ['an unknown address', async () => unknownAddress()],
  ['a deactivated account', async () => (await createPerson(stack.sql, { deactivated: true })).emails[0]!],
  ['an SSO account', async () => {
    const p = await createPerson(stack.sql);
    await stack.sql`update accounts set sso = true where id = ${p.accountIds[0]!}`;
    return p.emails[0]!;
  }],
])('%s answers like an account with a password', (_what, addressOf) => {
  test('the same 202, status, policy answers, wrong-code answers and failure after the attempts', async () => {
    const realEmail = (await createPerson(stack.sql)).emails[0]!;
    const decoyEmail = await addressOf();
    const [real, decoy] = [await post(realEmail), await post(decoyEmail)];
    expect(shape(decoy)).toEqual(shape(real));
    expect(decoy.headers.get('location')).toBe(`/v1/password-resets/${decoy.body.id}`);
    const realCode = await codeFor(realEmail);

    const [rs, ds] = [await status(real.body.id), await status(decoy.body.id)];
    expect({ ...ds, id: 'x', expiresAt: 'x' }).toEqual({ ...rs, id: 'x', expiresAt: 'x' });

    // The policy, with the address's local part in the password: the same rules for both.
    for (const [id, email] of [[real.body.id, realEmail], [decoy.body.id, decoyEmail]] as const) {
      const r = await complete(id, '123456', `Aa1!${email.split('@')[0]}`);
      expect(r.body.rules).toEqual(['password.contains_email']);
    }
    const answers = async (id: string, code: string) => shape(await complete(id, code));
    for (let i = 0; i < 5; i++) {
      expect(await answers(decoy.body.id, otherCode(realCode))).toEqual(await answers(real.body.id, otherCode(realCode)));
    }
    expectError(await complete(decoy.body.id, realCode), 409, /^password_reset\./);
    await Promise.all([closed(real.body.id), closed(decoy.body.id)]);
    expect(shape({ status: 200, body: await status(decoy.body.id) })).toEqual(shape({ status: 200, body: await status(real.body.id) }));
    expect(await status(decoy.body.id)).toMatchObject({ step: 'failed' });
    expect(shape(await complete(decoy.body.id, realCode))).toEqual(shape(await complete(real.body.id, realCode)));
  });
});

test('a deactivated account and an unknown address get no email at all', async () => {
  const deactivated = (await createPerson(stack.sql, { deactivated: true })).emails[0]!;
  const unknown = unknownAddress();
  await request(deactivated);
  await request(unknown);
  // A real request sent after them has its code delivered: theirs would have arrived by then.
  const real = (await createPerson(stack.sql)).emails[0]!;
  await request(real);
  await codeFor(real);
  await sleep(300);
  expect(mailsTo(deactivated)).toEqual([]);
  expect(mailsTo(unknown)).toEqual([]);
});

test('an SSO account gets an email saying its credentials live in the company\'s identity provider, with no code', async () => {
  const person = await createPerson(stack.sql);
  const email = person.emails[0]!;
  await stack.sql`update accounts set sso = true where id = ${person.accountIds[0]!}`;
  const id = await request(email);
  const mail = await stack.mail.waitFor((m) => m.to.includes(email));
  expect(mail.subject).toBe('Your Custodian password is managed by your company');
  // The body as written (quoted-printable undone).
  const body = mail.raw.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
  expect(body).toContain("your credentials are managed by your\r\ncompany's identity provider");
  expect(body).toContain('no code was sent');
  expect(body).not.toMatch(/verification code/i);
  expectError(await complete(id, '123456'), 422, 'verification_code.invalid');
  // A second request within the resend interval sends no second notice.
  await request(email);
  await sleep(500);
  expect(mailsTo(email)).toHaveLength(1);
});

test('known and unknown addresses answer 202 in the same time (medians over many tries)', async () => {
  const ROUNDS = 21;
  const timed = async (email: string) => {
    const client = freshClient();
    const t0 = performance.now();
    const r = await call('POST', '/v1/password-resets', { body: { email }, headers: { 'x-forwarded-for': client } });
    const ms = performance.now() - t0;
    expect(r.status).toBe(202);
    return ms;
  };
  const people = await Promise.all(Array.from({ length: ROUNDS + 1 }, () => createPerson(stack.sql)));
  await timed(people[0]!.emails[0]!); // warm-up: connections, caches
  await timed(unknownAddress());
  const known: number[] = [];
  const unknown: number[] = [];
  // The API alone, as in production, where the worker is its own process: this test's worker shares the
  // API's event loop, and the code emails it sends would be counted as the API's time. Nothing on the
  // response path waits for a worker, so none is needed.
  await stack.stopWorker();
  try {
    for (let i = 1; i <= ROUNDS; i++) {
      // Alternate which goes first, so a drift in the machine's load favours neither.
      const pair = [async () => known.push(await timed(people[i]!.emails[0]!)), async () => unknown.push(await timed(unknownAddress()))];
      for (const run of i % 2 ? pair : pair.reverse()) await run();
    }
  } finally {
    await stack.startWorker();
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const [k, u] = [median(known), median(unknown)];
  // Both do the same work (one budget point, one lookup, one signal-with-start, one row, one audit entry);
  // the tolerance absorbs scheduling noise on a loaded machine, not a worker or mail round trip.
  const tolerance = Math.max(15, 0.35 * Math.max(k, u));
  process.stderr.write(`[password-resets] 202 medians: known ${k.toFixed(1)} ms, unknown ${u.toFixed(1)} ms (tolerance ${tolerance.toFixed(1)} ms)\n`);
  expect(Math.abs(k - u)).toBeLessThanOrEqual(tolerance);
});

test('one client address may request a bounded number of resets an hour, whatever the addresses', async () => {
  const client = freshClient();
  for (let i = 0; i < RESET_REQUESTS_PER_CLIENT.limit; i++) {
    expect((await post(i % 2 ? unknownAddress() : `x${i}-${unknownAddress()}`, client)).status).toBe(202);
  }
  const over = await post(unknownAddress(), client);
  expectError(over, 429, 'password_reset.too_many_requests');
  expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(0);
  // Another client is not held back.
  expect((await post(unknownAddress())).status).toBe(202);
});

test('a decoy id completes nothing, even with a password that meets the policy', async () => {
  const id = await request(unknownAddress());
  const r = await complete(id, '123456', NEW_PASSWORD);
  expectError(r, 422, 'verification_code.invalid');
  expect(r.body.attemptsLeft).toBe(4);
});
