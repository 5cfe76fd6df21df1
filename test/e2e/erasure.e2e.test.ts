// The proof of erasure (User Settings §3.2): a person with a footprint everywhere deletes every account over
// HTTP, and then not one column of one table holds their email addresses, name, tag or ids. The scan reads
// the schema from information_schema, so every table added later is searched too.
import { hmacHex } from '../../lib/crypto';
import { countRowsOfProfile } from '../../db/queries/inspect';
import { workflowIds } from '../../workflows/shared/ids';
import { fullProfile, identifiersOf, leftovers, personWithEverything } from '../helpers/erasure';
import { checkedHttp, expectError } from '../helpers/http';
import { codeFromMail } from '../helpers/mailSink';
import { otherCode } from '../helpers/mergeApi';
import { createPerson, PASSWORD, type Person } from '../helpers/people';
import { suiteStack } from '../helpers/suiteStack';
import { eventually } from '../helpers/waiting';

const openRuns: string[] = [];
const stack = suiteStack({}, () => Promise.allSettled(openRuns.map((id) => stack.client.workflow.getHandle(id).terminate('test finished'))));
const { call } = checkedHttp(stack);

/** Merges `other` into the signed-in profile over HTTP, with one wrong code on the way. */
async function mergeInto(token: string, myEmail: string, other: Person): Promise<void> {
  const started = await call('POST', '/v1/profile/merges', { token, body: { email: other.emails[0] } });
  expect(started.status).toBe(202);
  const id = started.body.id as string;
  expect((await call('POST', `/v1/profile/merges/${id}/code`, { token, body: { emailOptionId: started.body.emailOptions[0].id } })).status).toBe(200);
  const code = codeFromMail(await stack.mail.waitFor((m) => m.to.includes(other.emails[0]!)));
  expectError(await call('POST', `/v1/profile/merges/${id}/verification`, { token, body: { code: otherCode(code) } }), 422, 'verification_code.invalid');
  expect((await call('POST', `/v1/profile/merges/${id}/verification`, { token, body: { code } })).status).toBe(200);
  expect((await call('POST', `/v1/profile/merges/${id}/confirmation`, { token })).body).toMatchObject({ outcome: 'completed' });
  await stack.mail.waitFor((m) => m.to.includes(myEmail) && m.subject.includes('merged'));
}

/** Signs in with `email`, deletes that account over HTTP and waits for the deletion to complete. */
async function deleteAccount(email: string) {
  const token = await stack.signIn(email);
  const accepted = await call('DELETE', '/v1/accounts/current', { token });
  expect(accepted.status).toBe(202);
  return eventually(async () => {
    const r = await call('GET', accepted.headers.get('location')!);
    if (r.body.status !== 'completed') throw new Error(`deletion at ${r.body.step}`);
    return r.body;
  });
}

test('a person who deletes every account leaves nothing behind: every column of every table is scanned', async () => {
  const colleague = await createPerson(stack.sql);
  const { person: me, profile, needles } = await personWithEverything(stack.sql, { accounts: 2, colleague });
  const otherProfile = fullProfile();
  const { tag: _tag, ...otherSeed } = otherProfile;
  const other = await createPerson(stack.sql, { profile: otherSeed });
  const bystander = await createPerson(stack.sql);

  // A failed sign-in (audited, with the client's address, and counted under the address).
  expectError(await call('POST', '/v1/sessions', { body: { email: me.emails[0], password: `${PASSWORD}x` } }), 401, 'auth.invalid_credentials');
  // A completed merge of the person's other profile: its account moves in, its id stays in the records.
  const token = await stack.signIn(me.emails[0]!);
  await mergeInto(token, me.emails[0]!, other);
  // A merge the person started and cancelled, aimed at someone who stays.
  const cancelled = await call('POST', '/v1/profile/merges', { token, body: { email: bystander.emails[0] } });
  openRuns.push(workflowIds.profileMerge({ sourceProfileId: bystander.profileId, mergeId: cancelled.body.id }));
  expect((await call('DELETE', `/v1/profile/merges/${cancelled.body.id}`, { token })).body).toMatchObject({ outcome: 'cancelled' });
  // A merge someone else started against the person, still open, with a code sent to the recovery email.
  const colleagueToken = await stack.signIn(colleague.emails[0]!);
  const aimed = await call('POST', '/v1/profile/merges', { token: colleagueToken, body: { email: me.emails[1] } });
  expect(aimed.status).toBe(202);
  openRuns.push(workflowIds.profileMerge({ sourceProfileId: me.profileId, mergeId: aimed.body.id }));
  expect((await call('POST', `/v1/profile/merges/${aimed.body.id}/code`, { token: colleagueToken, body: { emailOptionId: 'recovery-email' } })).status).toBe(200);
  await stack.mail.waitFor((m) => m.to.includes(profile.recoveryEmail!));

  const everything = [
    ...needles,
    ...identifiersOf(other, otherProfile),
    // Budgets count addresses under their HMAC: those go too.
    ...[...me.emails, ...other.emails, profile.recoveryEmail!, profile.profileEmail!].map((e) => hmacHex(stack.config.keys.addressKey, e.toLowerCase())),
  ];
  // The scan finds what is there: before, the person is in every kind of table.
  const before = new Set((await leftovers(stack.sql, everything)).map((line) => line.split('.')[0]));
  expect([...before].sort()).toEqual(expect.arrayContaining([
    'academy_progress', 'accounts', 'achievements', 'app_members', 'apps', 'audit_log', 'certifications', 'email_outbox',
    'pending_addresses', 'profile_industries', 'profile_merge_locks', 'profile_merges', 'profile_skills', 'profiles',
    'rate_limits', 'sessions', 'watched_apps',
  ]));

  // Every account, the one that came with the merge included; the last one erases the person.
  const accounts = [me.emails[0]!, other.emails[0]!, me.emails[1]!];
  const results = [];
  for (const email of accounts) results.push(await deleteAccount(email));
  expect(results.map((r) => r.profileErased)).toEqual([false, false, true]);
  expect(results.map((r) => r.confirmation)).toEqual(['sent', 'sent', 'sent']);
  for (const email of accounts) {
    expect(stack.mail.messages.filter((m) => m.to.includes(email) && m.subject.includes('account was deleted'))).toHaveLength(1);
  }

  expect(await leftovers(stack.sql, everything)).toEqual([]);

  // The people around them keep what is theirs.
  expect(await countRowsOfProfile(stack.sql, colleague.profileId)).toMatchObject({ profiles: 1, accounts: 1 });
  expect(await countRowsOfProfile(stack.sql, bystander.profileId)).toMatchObject({ profiles: 1, accounts: 1 });
  const members = await stack.sql`select 1 from app_members where account_id = ${colleague.accountIds[0]!}`;
  expect(members).toHaveLength(1);
  // The merge aimed at the erased profile is cancelled; its starter still sees it, and nothing of the person.
  const seen = await call('GET', `/v1/profile/merges/${aimed.body.id}`, { token: colleagueToken });
  expect(seen.body).toMatchObject({ step: 'cancelled', outcome: 'cancelled', preview: null });
  expect((await call('GET', '/v1/profile/merges', { token: colleagueToken })).body.merges).toEqual([
    expect.objectContaining({ id: aimed.body.id, outcome: 'cancelled' }),
  ]);
});
