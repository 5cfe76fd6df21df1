// Bodies of the right media type whose fields are missing, of the wrong type or out of bounds.
import { listAuditForSubject } from '../../db/queries/audit';
import { findOpenMergesTouching } from '../../db/queries/profileMerges';
import { expectInvalid } from '../helpers/http';
import { mergeApi } from '../helpers/mergeApi';
import { createPerson, PASSWORD } from '../helpers/people';
import { suiteStack } from '../helpers/suiteStack';

const stack = suiteStack({ env: { SIGNIN_MAX_FAILURES_PER_ADDRESS: '1000' } });
const { call, signedIn, startMerge, statusOf } = mergeApi(stack);

describe('field validation → 400 request.invalid with details, nothing changed', () => {
  test.each<[string, unknown, string[]]>([
    ['missing fields', {}, ['body.email', 'body.password']],
    ['wrong types', { email: 42, password: true }, ['body.email', 'body.password']],
    ['null fields', { email: null, password: null }, ['body.email', 'body.password']],
    ['not an email', { email: 'not-an-email', password: PASSWORD }, ['body.email']],
    ['an over-long email', { email: `${'a'.repeat(250)}@test.custodian.test`, password: PASSWORD }, ['body.email']],
    ['an empty password', { email: 'a@b.co', password: '' }, ['body.password']],
    ['an over-long password', { email: 'a@b.co', password: 'p'.repeat(1001) }, ['body.password']],
  ])('sign-in with %s', async (_name, body, paths) => {
    expectInvalid(await call('POST', '/v1/sessions', { body }), ...paths);
  });

  test('sign-in with a NUL character in the password, for a real account, creates no session', async () => {
    const me = await createPerson(stack.sql);
    expectInvalid(await call('POST', '/v1/sessions', { body: { email: me.emails[0], password: `${PASSWORD}\u0000` } }), 'body.password');
    expectInvalid(await call('POST', '/v1/sessions', { body: { email: `${me.emails[0]}\u0000`, password: PASSWORD } }), 'body.email');
    expect(await listAuditForSubject(stack.sql, 'account', me.accountIds[0]!)).toEqual([]);
  });

  test.each<[string, unknown, string]>([
    ['missing email', {}, 'body.email'],
    ['email as a number', { email: 1 }, 'body.email'],
    ['email as an array', { email: ['a@b.co'] }, 'body.email'],
    ['email with NUL', { email: 'a\u0000@b.co' }, 'body.email'],
    ['an over-long email', { email: `${'a'.repeat(300)}@b.co` }, 'body.email'],
  ])('merge start with %s', async (_name, body, path) => {
    const { person, token } = await signedIn();
    expectInvalid(await call('POST', '/v1/profile/merges', { token, body }), path);
    expect(await findOpenMergesTouching(stack.sql, [person.profileId])).toEqual([]);
  });

  test('code request with a missing, empty, over-long, NUL-bearing or non-string option → 400; the merge is unchanged', async () => {
    const me = await signedIn();
    const other = await createPerson(stack.sql);
    const { id } = await startMerge(me.token, other);
    const before = await statusOf(me.token, id);
    for (const body of [{}, { emailOptionId: '' }, { emailOptionId: 'x'.repeat(101) }, { emailOptionId: 'recovery\u0000' }, { emailOptionId: 7 }]) {
      expectInvalid(await call('POST', `/v1/profile/merges/${id}/code`, { token: me.token, body }), 'body.emailOptionId');
    }
    expect(await statusOf(me.token, id)).toEqual(before);
    expect(stack.mail.messages.filter((m) => m.to.includes(other.emails[0]!))).toEqual([]);
  });
});
