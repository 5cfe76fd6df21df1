// Sign-up from nothing over HTTP (POST /v1/signups): the happy path to a first sign-in, an address that has an
// account already, the password policy, wrong codes, the resend throttle, a second request for the same
// address, cancelling, and ids nobody was given.
import { randomUUID } from 'node:crypto';
import { listAccountsOfProfile } from '../../db/queries/accounts';
import { loadProfileSnapshot } from '../../db/queries/profiles';
import { hmacHex } from '../../lib/crypto';
import { workflowIds } from '../../workflows/shared/ids';
import { NEW_PASSWORD, OTHER_PASSWORD, accountCreationApi, freshAddress } from '../helpers/accountCreationApi';
import { expectError, expectInvalid } from '../helpers/http';
import { otherCode } from '../helpers/mergeApi';
import { createPerson } from '../helpers/people';
import { suiteStack } from '../helpers/suiteStack';
import { eventually } from '../helpers/waiting';

const stack = suiteStack({ env: { SIGNIN_MAX_FAILURES_PER_ADDRESS: '1000' } });
const { call, client, code, codeMailsTo, signedIn } = accountCreationApi(stack);
const signup = client('signup');

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** The rows a request left: its request row, pending account and pending addresses. */
async function leftovers(address: string) {
  const [row] = await stack.sql<{ pendingAccounts: number; pendingAddresses: number }[]>`
    select (select count(*)::int from pending_accounts p join account_creations c on c.id = p.creation_id
             where c.address_hmac = ${hmacHex(stack.config.keys.addressKey, address.toLowerCase())}) as pending_accounts,
           (select count(*)::int from pending_addresses where lower(address) = lower(${address})) as pending_addresses`;
  return row!;
}

describe('sign-up', () => {
  test('start → code → verify creates a new profile with the account, which then signs in', async () => {
    const email = freshAddress();
    const started = await signup.start(email, NEW_PASSWORD, true);
    expect(started.status).toBe(202);
    expect(started.body).toEqual({
      id: expect.stringMatching(UUID_V4), step: 'awaiting_code', outcome: null, expiresAt: expect.any(String), attemptsLeft: 5,
      codeExpiresAt: expect.any(String), resendAvailableAt: expect.any(String), failureReason: null, accountId: null,
    });
    expect(started.headers.get('location')).toBe(`/v1/signups/${started.body.id}`);
    // An abandoned sign-up expires after ACCOUNT_CREATION_TTL_SECONDS, an hour by default.
    expect(Date.parse(started.body.expiresAt) - Date.now()).toBeGreaterThan(59 * 60_000);
    expect((await signup.status(started.body.id)).body).toMatchObject({ step: 'awaiting_code', attemptsLeft: 5 });
    // The password is held as its argon2id hash only, until the flow ends.
    const [pending] = await stack.sql<{ passwordHash: string }[]>`select password_hash from pending_accounts p join account_creations c on c.id = p.creation_id where c.id = ${started.body.id}`;
    expect(pending!.passwordHash).toMatch(/^\$argon2id\$/);

    const verified = await signup.verify(started.body.id, await code(email));
    expect(verified.status).toBe(200);
    expect(verified.body).toMatchObject({ id: started.body.id, step: 'completed', outcome: 'completed', accountId: expect.stringMatching(UUID_V4) });

    // The user signs in with it, in any letter case.
    const session = await call('POST', '/v1/sessions', { body: { email: email.toLowerCase(), password: NEW_PASSWORD } });
    expect(session.status).toBe(201);
    expect(session.body.accountId).toBe(verified.body.accountId);
    const profile = await loadProfileSnapshot(stack.sql, session.body.profileId);
    expect(profile).toMatchObject({ accountIds: [verified.body.accountId] });
    const [account] = await stack.sql<{ email: string; marketingOptIn: boolean; passwordChangedAt: Date | null }[]>`
      select email, marketing_opt_in, password_changed_at from accounts where id = ${verified.body.accountId}`;
    expect(account).toEqual({ email, marketingOptIn: true, passwordChangedAt: expect.any(Date) });
    // It shows in the new profile's accounts overview.
    const overview = await call('GET', '/v1/accounts', { token: session.body.token });
    expect(overview.status).toBe(200);
    expect(overview.body.accounts.map((a: { email: string }) => a.email)).toEqual([email]);

    // Repeating the verification answers the same; the pending rows are gone.
    expect((await signup.verify(started.body.id, await code(email))).body).toMatchObject({ step: 'completed', accountId: verified.body.accountId });
    await eventually(async () => expect(await leftovers(email)).toEqual({ pendingAccounts: 0, pendingAddresses: 0 }));
    expect((await signup.status(started.body.id)).body).toMatchObject({ step: 'completed', accountId: verified.body.accountId });
  });

  test('an address that has an account gets the same answers until its code is verified; then 409 account.email_taken', async () => {
    const person = await createPerson(stack.sql);
    const taken = person.emails[0]!.toUpperCase();
    const started = await signup.start(taken);
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ step: 'awaiting_code', attemptsLeft: 5, failureReason: null });
    expect((await signup.status(started.body.id)).body).toMatchObject({ step: 'awaiting_code' });
    // Only the address's owner has the code, and only they learn that the account exists.
    const refused = await signup.verify(started.body.id, await code(person.emails[0]!));
    expectError(refused, 409, 'account.email_taken');
    expect((await signup.status(started.body.id)).body).toMatchObject({ step: 'failed', failureReason: 'EmailTaken', accountId: null });
    expect((await listAccountsOfProfile(stack.sql, person.profileId)).map((a) => a.id)).toEqual(person.accountIds);
    const [n] = await stack.sql<{ n: number }[]>`select count(*)::int as n from accounts where lower(email) = lower(${taken})`;
    expect(n!.n).toBe(1);
    await eventually(async () => expect(await leftovers(taken)).toEqual({ pendingAccounts: 0, pendingAddresses: 0 }));
  });

  test('a password that breaks the policy → 422 listing every unmet rule; nothing is stored or sent', async () => {
    const email = freshAddress();
    const r = await signup.start(email, 'short');
    expectError(r, 422, 'password.policy_violation');
    expect(r.body.rules).toEqual(expect.arrayContaining(['password.too_short', 'password.no_special', 'password.no_digit', 'password.no_uppercase']));
    expect(r.body.details.length).toBe(r.body.rules.length);
    const local = email.split('@')[0]!;
    const withEmail = await signup.start(email, `${local}-X9!aa`);
    expectError(withEmail, 422, 'password.policy_violation');
    expect(withEmail.body.rules).toContain('password.contains_email');
    expect(await leftovers(email)).toEqual({ pendingAccounts: 0, pendingAddresses: 0 });
    expect(codeMailsTo(email)).toEqual([]);
  });

  test('malformed bodies → 400 request.invalid naming the fields; nothing is stored', async () => {
    const email = freshAddress();
    for (const [body, paths] of [
      [{}, ['body.email', 'body.password', 'body.marketingOptIn']],
      [{ email, password: NEW_PASSWORD, marketingOptIn: 'yes' }, ['body.marketingOptIn']],
      [{ email: 'not-an-email', password: NEW_PASSWORD, marketingOptIn: false }, ['body.email']],
      [{ email, password: 'P'.repeat(1001), marketingOptIn: false }, ['body.password']],
      [{ email, password: `${NEW_PASSWORD}\u0000`, marketingOptIn: false }, ['body.password']],
    ] as const) {
      expectInvalid(await call('POST', '/v1/signups', { body }), ...paths);
    }
    expectInvalid(await signup.verify(randomUUID(), '12345'), 'body.code');
    expectInvalid(await call('GET', '/v1/signups/not-a-uuid'), 'params.id');
    expect(await leftovers(email)).toEqual({ pendingAccounts: 0, pendingAddresses: 0 });
  });

  test('a wrong code → 422 with attemptsLeft; the right one still works', async () => {
    const email = freshAddress();
    const { body } = await signup.start(email);
    const right = await code(email);
    const wrong = await signup.verify(body.id, otherCode(right));
    expectError(wrong, 422, 'verification_code.invalid');
    expect(wrong.body.attemptsLeft).toBe(4);
    expect((await signup.status(body.id)).body).toMatchObject({ step: 'awaiting_code', attemptsLeft: 4 });
    expect((await signup.verify(body.id, right)).status).toBe(200);
  });

  test('five wrong codes fail the sign-up; afterwards even the right code is refused', async () => {
    const email = freshAddress();
    const { body } = await signup.start(email);
    const right = await code(email);
    for (let left = 4; left >= 1; left--) expect((await signup.verify(body.id, otherCode(right))).body.attemptsLeft).toBe(left);
    expectError(await signup.verify(body.id, otherCode(right)), 422, 'verification_code.attempts_exhausted');
    expectError(await signup.verify(body.id, right), 409, /^sign_up\.(closed|invalid_step)$/);
    await eventually(async () => expect((await signup.status(body.id)).body).toMatchObject({ step: 'failed', outcome: 'failed', failureReason: 'AttemptsExhausted' }));
  });

  test('a code asked for again within a minute → 429 with Retry-After; the first code stays valid', async () => {
    const email = freshAddress();
    const { body } = await signup.start(email);
    const again = await signup.requestCode(body.id);
    expectError(again, 429, 'verification_code.resend_too_soon');
    expect(Number(again.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(again.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    expect(codeMailsTo(email)).toHaveLength(1);
    expect((await signup.verify(body.id, await code(email))).status).toBe(200);
  });

  test('a second request for the address joins the running flow with its own id; only the verified one chooses the password', async () => {
    const email = freshAddress();
    // Someone else asks first, with a password of their choosing…
    const first = await signup.start(email, OTHER_PASSWORD);
    // …then the address's owner, who gets the same flow (one code in the mailbox) under an id of their own.
    const second = await signup.start(email.toLowerCase(), NEW_PASSWORD);
    expect(second.status).toBe(202);
    expect(second.body.id).not.toBe(first.body.id);
    expect(second.body.expiresAt).toBe(first.body.expiresAt);
    expect(codeMailsTo(email)).toHaveLength(1);
    const [runs] = await stack.sql<{ n: number }[]>`
      select count(distinct run_id)::int as n from account_creations where id in (${first.body.id}, ${second.body.id})`;
    expect(runs!.n).toBe(1);

    const created = await signup.verify(second.body.id, await code(email));
    expect(created.body).toMatchObject({ step: 'completed' });
    // The first request was overtaken: it cannot verify, and its password is not the account's.
    expect((await signup.status(first.body.id)).body).toMatchObject({ step: 'expired', accountId: null, failureReason: null });
    expectError(await signup.verify(first.body.id, await code(email)), 409, /^sign_up\.(closed|invalid_step)$/);
    expect((await call('POST', '/v1/sessions', { body: { email, password: OTHER_PASSWORD } })).status).toBe(401);
    expect((await call('POST', '/v1/sessions', { body: { email, password: NEW_PASSWORD } })).status).toBe(201);
  });

  test('DELETE cancels it: the pending password hash goes at once, the flow ends, and the code no longer works', async () => {
    const email = freshAddress();
    const { body } = await signup.start(email);
    const cancelled = await signup.cancel(body.id);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ id: body.id, step: 'cancelled', outcome: 'cancelled' });
    expect((await leftovers(email)).pendingAccounts).toBe(0);
    expect((await signup.cancel(body.id)).body).toMatchObject({ step: 'cancelled' });
    expectError(await signup.verify(body.id, await code(email)), 409, 'sign_up.closed');
    await eventually(async () => expect(await leftovers(email)).toEqual({ pendingAccounts: 0, pendingAddresses: 0 }));
    const workflowId = workflowIds.signUp(hmacHex(stack.config.keys.addressKey, email.toLowerCase()));
    await eventually(async () => expect((await stack.client.workflow.getHandle(workflowId).describe()).status.name).toBe('COMPLETED'));
    // A new request for the address starts a new flow.
    const again = await signup.start(email);
    expect(again.status).toBe(202);
    expect((await signup.verify(again.body.id, await code(email, 2))).body).toMatchObject({ step: 'completed' });
  });

  test('an id nobody was given → 404 on every route; a signed-in creation\'s id is no sign-up', async () => {
    for (const id of [randomUUID()]) {
      expectError(await signup.status(id), 404, 'sign_up.not_found');
      expectError(await signup.requestCode(id), 404, 'sign_up.not_found');
      expectError(await signup.verify(id, '123456'), 404, 'sign_up.not_found');
      expectError(await signup.cancel(id), 404, 'sign_up.not_found');
    }
    const me = await signedIn();
    const creation = await client('profile', me.token).start(freshAddress());
    expect(creation.status).toBe(202);
    expectError(await signup.status(creation.body.id), 404, 'sign_up.not_found');
    expectError(await signup.verify(creation.body.id, '123456'), 404, 'sign_up.not_found');
  });
});
