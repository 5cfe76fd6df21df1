import { listAccountsOfProfile } from '../../db/queries/accounts';
import { codeFromMail } from '../helpers/mailSink';
import { createPerson } from '../helpers/people';
import { startTestStack, type TestStack } from '../helpers/stack';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack.close();
});

test('a signed-in user merges their other profile over HTTP, reading the code from the mail sink', async () => {
  const me = await createPerson(stack.sql, { profile: { displayName: 'Ada Lovelace', points: 10 } });
  const other = await createPerson(stack.sql, { profile: { displayName: 'Ada King', jobTitle: 'Analyst', points: 5 } });
  const token = await stack.signIn(me.emails[0]!);

  const started = await stack.http('POST', '/v1/profile/merges', { token, body: { email: other.emails[0] } });
  expect(started.status).toBe(202);
  expect(started.headers.get('location')).toBe(`/v1/profile/merges/${started.body.id}`);
  expect(started.body.emailOptions).toEqual([{ id: `account-${other.accountIds[0]}`, masked: 'u•••@•••.test' }]);
  const id = started.body.id as string;

  const sent = await stack.http('POST', `/v1/profile/merges/${id}/code`, { token, body: { emailOptionId: started.body.emailOptions[0].id } });
  expect(sent.status).toBe(200);
  const mail = await stack.mail.waitFor((m) => m.to.includes(other.emails[0]!));
  const verified = await stack.http('POST', `/v1/profile/merges/${id}/verification`, { token, body: { code: codeFromMail(mail) } });
  expect(verified.status).toBe(200);
  expect(verified.body.step).toBe('awaiting_confirmation');
  expect(verified.body.preview.merged.points).toEqual({ signedIn: 10, other: 5, result: 15 });
  expect(verified.body.preview.kept).toContainEqual({ field: 'jobTitle', value: 'Analyst', source: 'other' });

  const confirmed = await stack.http('POST', `/v1/profile/merges/${id}/confirmation`, { token });
  expect(confirmed.status).toBe(200);
  expect(confirmed.body.outcome).toBe('completed');

  await stack.mail.waitFor((m) => m.subject.includes('merged') && m.to.includes(me.emails[0]!));
  const status = await stack.http('GET', `/v1/profile/merges/${id}`, { token });
  expect(status.body).toMatchObject({ step: 'completed', outcome: 'completed' });
  expect(await listAccountsOfProfile(stack.sql, me.profileId)).toHaveLength(2);
});
