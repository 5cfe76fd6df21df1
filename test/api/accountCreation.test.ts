// Creating an account inside the signed-in profile over HTTP (POST /v1/accounts, seed §3.3): the happy path to
// the accounts overview and a sign-in, a taken address, the password policy, another person's request, and
// cancelling.
import { randomUUID } from 'node:crypto';
import { listAccountsOfProfile } from '../../db/queries/accounts';
import { listAuditForSubject } from '../../db/queries/audit';
import { NEW_PASSWORD, accountCreationApi, freshAddress } from '../helpers/accountCreationApi';
import { expectError } from '../helpers/http';
import { otherCode } from '../helpers/mergeApi';
import { suiteStack } from '../helpers/suiteStack';
import { eventually } from '../helpers/waiting';

const stack = suiteStack({ env: { SIGNIN_MAX_FAILURES_PER_ADDRESS: '1000' } });
const { call, client, code, codeMailsTo, signedIn } = accountCreationApi(stack);

describe('creating an account inside the profile', () => {
  test('start → code → verify: the account joins the profile, shows in the overview and signs in', async () => {
    const me = await signedIn();
    const mine = client('profile', me.token);
    const email = freshAddress();
    const started = await mine.start(email, NEW_PASSWORD, false);
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ step: 'awaiting_code', outcome: null, attemptsLeft: 5, accountId: null });
    expect(started.headers.get('location')).toBe(`/v1/accounts/creations/${started.body.id}`);
    expect((await mine.status(started.body.id)).body).toMatchObject({ step: 'awaiting_code' });

    const verified = await mine.verify(started.body.id, await code(email));
    expect(verified.status).toBe(200);
    expect(verified.body).toMatchObject({ step: 'completed', outcome: 'completed', accountId: expect.any(String) });

    const accounts = await listAccountsOfProfile(stack.sql, me.person.profileId);
    expect(accounts.map((a) => a.email)).toEqual([...me.person.emails, email]);
    const overview = await call('GET', '/v1/accounts', { token: me.token });
    expect(overview.body.accounts.map((a: { email: string }) => a.email)).toEqual(expect.arrayContaining([me.person.emails[0], email]));

    const session = await call('POST', '/v1/sessions', { body: { email, password: NEW_PASSWORD } });
    expect(session.status).toBe(201);
    expect(session.body).toMatchObject({ accountId: verified.body.accountId, profileId: me.person.profileId });
    const audit = await listAuditForSubject(stack.sql, 'account', verified.body.accountId);
    expect(audit.map((e) => e.action)).toContain('account.created');
    expect(audit.find((e) => e.action === 'account.created')).toMatchObject({ actorAccountId: me.person.accountIds[0] });
  });

  test('an address that has an account (any letter case) → 409 account.email_taken; nothing is stored or sent', async () => {
    const me = await signedIn();
    const other = await signedIn();
    for (const email of [other.person.emails[0]!.toUpperCase(), me.person.emails[0]!]) {
      expectError(await client('profile', me.token).start(email), 409, 'account.email_taken');
      expect(codeMailsTo(email)).toEqual([]);
    }
    const [n] = await stack.sql<{ n: number }[]>`select count(*)::int as n from account_creations where profile_id = ${me.person.profileId}`;
    expect(n!.n).toBe(0);
  });

  test('a password that breaks the policy → 422 listing every unmet rule', async () => {
    const me = await signedIn();
    const email = freshAddress();
    const r = await client('profile', me.token).start(email, 'alllowercase');
    expectError(r, 422, 'password.policy_violation');
    expect(r.body.rules).toEqual(expect.arrayContaining(['password.no_special', 'password.no_digit', 'password.no_uppercase']));
    expect(r.body.rules).not.toContain('password.too_short');
  });

  test('another person\'s request → 404 on every route; without a session → 401', async () => {
    const me = await signedIn();
    const stranger = await signedIn();
    const email = freshAddress();
    const { body } = await client('profile', me.token).start(email);
    const theirs = client('profile', stranger.token);
    expectError(await theirs.status(body.id), 404, 'account_creation.not_found');
    expectError(await theirs.requestCode(body.id), 404, 'account_creation.not_found');
    expectError(await theirs.verify(body.id, await code(email)), 404, 'account_creation.not_found');
    expectError(await theirs.cancel(body.id), 404, 'account_creation.not_found');
    expectError(await theirs.status(randomUUID()), 404, 'account_creation.not_found');
    // Nor is it a sign-up: the anonymous routes do not know it.
    expectError(await client('signup').status(body.id), 404, 'sign_up.not_found');
    const anonymous = client('profile');
    expectError(await anonymous.start(freshAddress()), 401, 'auth.unauthenticated');
    expectError(await anonymous.status(body.id), 401, 'auth.unauthenticated');
    // Mine still works, untouched by the stranger's attempts.
    expect((await client('profile', me.token).status(body.id)).body).toMatchObject({ step: 'awaiting_code', attemptsLeft: 5 });
    expect((await client('profile', me.token).verify(body.id, await code(email))).body).toMatchObject({ step: 'completed' });
  });

  test('a wrong code, then a resend too soon; then DELETE cancels it and the code no longer works', async () => {
    const me = await signedIn();
    const mine = client('profile', me.token);
    const email = freshAddress();
    const { body } = await mine.start(email);
    const right = await code(email);
    expect((await mine.verify(body.id, otherCode(right))).body).toMatchObject({ code: 'verification_code.invalid', attemptsLeft: 4 });
    expectError(await mine.requestCode(body.id), 429, 'verification_code.resend_too_soon');
    const cancelled = await mine.cancel(body.id);
    expect(cancelled.body).toMatchObject({ step: 'cancelled', outcome: 'cancelled' });
    expectError(await mine.verify(body.id, right), 409, 'account_creation.closed');
    expect((await listAccountsOfProfile(stack.sql, me.person.profileId)).map((a) => a.email)).toEqual(me.person.emails);
    await eventually(async () => {
      const [n] = await stack.sql<{ n: number }[]>`select count(*)::int as n from pending_addresses where lower(address) = lower(${email})`;
      expect(n!.n).toBe(0);
    });
  });

  test('after verification it cannot be cancelled; repeating the verification answers the completed request', async () => {
    const me = await signedIn();
    const mine = client('profile', me.token);
    const email = freshAddress();
    const { body } = await mine.start(email);
    const c = await code(email);
    expect((await mine.verify(body.id, c)).status).toBe(200);
    expect((await mine.verify(body.id, c)).body).toMatchObject({ step: 'completed' });
    expectError(await mine.cancel(body.id), 409, 'account_creation.closed');
  });
});
