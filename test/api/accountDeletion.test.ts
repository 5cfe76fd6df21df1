// Deleting an account over HTTP on the whole stack (API, worker, Postgres, SMTP sink): only the signed-in
// account, the profile kept while other accounts remain, sign-in refused afterwards, one confirmation email,
// and a workflow history that holds no address or name.
import { randomUUID } from 'node:crypto';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { countRowsOfProfile } from '../../db/queries/inspect';
import { ONLY_YOUR_OWN_ACCOUNT } from '../../libraries/accountDeletion/service';
import { startDeletionWorkflow } from '../../libraries/accountDeletion/workflow';
import { workflowIds } from '../../workflows/shared/ids';
import { checkedHttp, expectError } from '../helpers/http';
import { createPerson, PASSWORD } from '../helpers/people';
import { decodedPayloads } from '../helpers/replayFixtures';
import type { HttpResult } from '../helpers/stack';
import { suiteStack } from '../helpers/suiteStack';
import { eventually, sleep } from '../helpers/waiting';

const stack = suiteStack();
const { call } = checkedHttp(stack);

/** Waits for the deletion behind a 202 to complete, through its public status resource. */
async function completed(accepted: HttpResult) {
  expect(accepted.status).toBe(202);
  expect(accepted.headers.get('location')).toBe(`/v1/accounts/deletions/${accepted.body.id}`);
  return eventually(async () => {
    const r = await call('GET', accepted.headers.get('location')!);
    expect(r.status).toBe(200);
    if (r.body.status !== 'completed') throw new Error(`deletion still at ${r.body.step}`);
    return r.body;
  });
}

const mailsTo = (email: string) => stack.mail.messages.filter((m) => m.to.includes(email) && m.subject.includes('account was deleted'));

describe('only the signed-in account can be deleted', () => {
  test('another account, even one of the same profile, gets 403 with the seed\'s explanation, and nothing happens', async () => {
    const person = await createPerson(stack.sql, { accounts: 2 });
    const stranger = await createPerson(stack.sql);
    const token = await stack.signIn(person.emails[0]!);
    for (const id of [person.accountIds[1]!, stranger.accountIds[0]!, randomUUID()]) {
      const r = await call('DELETE', `/v1/accounts/${id}`, { token });
      expectError(r, 403, 'account.deletion_forbidden');
      expect(r.body.error).toBe(ONLY_YOUR_OWN_ACCOUNT);
    }
    expect(r0(await countRowsOfProfile(stack.sql, person.profileId))).toEqual({ profiles: 1, accounts: 2 });
    expect(await countRowsOfProfile(stack.sql, stranger.profileId)).toMatchObject({ accounts: 1 });
    expect((await call('GET', '/v1/profile/merges', { token })).status).toBe(200); // still signed in
  });

  test('without a session: 401; a malformed id: 400; an unknown deletion: 404', async () => {
    expectError(await call('DELETE', '/v1/accounts/current'), 401, 'auth.unauthenticated');
    const token = (await checkedHttp(stack).signedIn()).token;
    expectError(await call('DELETE', '/v1/accounts/not-a-uuid', { token }), 400, 'request.invalid');
    expectError(await call('GET', `/v1/accounts/deletions/${randomUUID()}`), 404, 'account_deletion.not_found');
  });
});

const r0 = ({ profiles, accounts }: { profiles: number; accounts: number }) => ({ profiles, accounts });

describe('deleting one of a profile\'s accounts', () => {
  test('removes it and keeps the profile: the other account signs in, the deleted one and its sessions no longer work', async () => {
    const person = await createPerson(stack.sql, { accounts: 2 });
    const [token, otherToken] = [await stack.signIn(person.emails[0]!), await stack.signIn(person.emails[1]!)];
    const secondSession = await stack.signIn(person.emails[0]!);

    const done = await completed(await call('DELETE', '/v1/accounts/current', { token }));

    expect(done).toMatchObject({ status: 'completed', step: 'completed', profileErased: false, confirmation: 'sent', completedAt: expect.any(String) });
    expect(r0(await countRowsOfProfile(stack.sql, person.profileId))).toEqual({ profiles: 1, accounts: 1 });
    for (const t of [token, secondSession]) expectError(await call('GET', '/v1/profile/merges', { token: t }), 401, 'auth.unauthenticated');
    expectError(await call('POST', '/v1/sessions', { body: { email: person.emails[0], password: PASSWORD } }), 401, 'auth.invalid_credentials');
    expect((await call('GET', '/v1/profile/merges', { token: otherToken })).status).toBe(200);
    expect(await stack.signIn(person.emails[1]!)).toEqual(expect.any(String));
  });

  test('by its own id works as /current does', async () => {
    const person = await createPerson(stack.sql, { accounts: 2 });
    const token = await stack.signIn(person.emails[1]!);
    const done = await completed(await call('DELETE', `/v1/accounts/${person.accountIds[1]}`, { token }));
    expect(done).toMatchObject({ profileErased: false });
    expect(r0(await countRowsOfProfile(stack.sql, person.profileId))).toEqual({ profiles: 1, accounts: 1 });
  });
});

describe('the confirmation and the workflow', () => {
  test('the last account: the profile is erased and the confirmation, saying so, arrives exactly once', async () => {
    const person = await createPerson(stack.sql);
    const token = await stack.signIn(person.emails[0]!);
    const done = await completed(await call('DELETE', '/v1/accounts/current', { token }));
    expect(done).toMatchObject({ profileErased: true, confirmation: 'sent' });
    expect(await countRowsOfProfile(stack.sql, person.profileId)).toMatchObject({ profiles: 0, accounts: 0 });
    await sleep(500); // a second copy would have arrived by now
    const mails = mailsTo(person.emails[0]!);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.raw).toMatch(/profile and all its personal data have been erased/);
  });

  test('two requests at once join one deletion: the same id, one run, one email', async () => {
    const person = await createPerson(stack.sql, { accounts: 2 });
    const token = await stack.signIn(person.emails[0]!);
    const [a, b] = await Promise.all([call('DELETE', '/v1/accounts/current', { token }), call('DELETE', '/v1/accounts/current', { token })]);
    // The second may come after the first has revoked the session it carries.
    const accepted = [a, b].filter((r) => r.status === 202);
    expect(accepted.length).toBeGreaterThanOrEqual(1);
    for (const r of [a, b]) if (r.status !== 202) expectError(r, 401, 'auth.unauthenticated');
    expect(new Set(accepted.map((r) => r.body.id)).size).toBe(1);
    await completed(accepted[0]!);
    await sleep(500);
    expect(mailsTo(person.emails[0]!)).toHaveLength(1);
  });

  test('a start while a deletion of the account runs joins it (USE_EXISTING): the same run, so the same deletion id', async () => {
    const input = { accountId: randomUUID(), mailDeadlineMs: 60_000 };
    const idle = `no-worker-${randomUUID()}`; // nobody runs it: the first run is certainly still open
    const first = await startDeletionWorkflow(stack.client, idle, input, randomUUID());
    try {
      const second = await startDeletionWorkflow(stack.client, idle, input, randomUUID());
      expect(second.deletionId).toBe(first.deletionId);
      expect(second.handle.workflowId).toBe(`account-deletion/${input.accountId}`);
    } finally {
      await first.handle.terminate('test finished');
    }
  });

  test('the run\'s history holds ids and flags only: no address, no name', async () => {
    const person = await createPerson(stack.sql, { profile: { displayName: 'Hypatia Alexandrina', recoveryEmail: 'hypatia.recovery@test.custodian.test' } });
    const token = await stack.signIn(person.emails[0]!);
    await completed(await call('DELETE', '/v1/accounts/current', { token }));
    const handle = stack.client.workflow.getHandle(workflowIds.accountDeletion({ accountId: person.accountIds[0]! }));
    expect(await handle.result()).toEqual({ profileErased: true, confirmation: 'sent' });
    const text = historyToJSON(await handle.fetchHistory());
    const payloads = decodedPayloads(JSON.parse(text)).join('\n');
    for (const secret of [...person.emails, 'Hypatia', 'hypatia.recovery']) {
      expect({ secret, inHistory: text.includes(secret) || payloads.includes(secret) }).toEqual({ secret, inHistory: false });
    }
    expect(payloads).not.toMatch(/[\w.+-]+@[\w-]+(\.[\w-]+)*\.[a-z]{2,}/i);
    expect(payloads).toContain(person.accountIds[0]);
  });
});
