// Erasing someone an offboarding names in any role (README "Offboarding", "Data"): as the subject with no account in
// the company (kept only as the HMAC of their address), as the successor, as the requester. Every run naming them
// loses its reason, the address key goes, and so do the Idempotency-Key records of those runs.
import { randomUUID } from 'node:crypto';
import { removeAccountForDeletion } from '../../libraries/accountDeletion/removal';
import { hmacHex } from '../../lib/crypto';
import { createCompany } from '../helpers/company';
import { leftovers } from '../helpers/erasure';
import { checkedHttp } from '../helpers/http';
import { createPerson } from '../helpers/people';
import { suiteStack } from '../helpers/suiteStack';

const stack = suiteStack();
const { call } = checkedHttp(stack);
const hmac = (email: string) => hmacHex(stack.config.keys.addressKey, email.toLowerCase());

const erase = (accountId: string) => removeAccountForDeletion(stack.sql, {
  deletionId: randomUUID(), accountId, addressTtlMs: 60_000, addressSubject: hmac,
});

test('the subject known only by address, the successor and the requester: reasons, address keys and request keys go', async () => {
  const company = await createCompany(stack);
  const tag = randomUUID().slice(0, 8);
  const outsider = await createPerson(stack.sql); // an account, but none in this company
  const [successor, requester, leaverA, leaverB] = [await company.addMember(), await company.addMember(true), await company.addMember(), await company.addMember()];
  const later = new Date(Date.now() + 3_600_000).toISOString();
  const start = (headers: Record<string, string>, body: Record<string, unknown>, key: string) =>
    call('POST', `/v1/companies/${company.companyId}/offboardings`, { headers: { ...headers, 'idempotency-key': `${key}-${tag}` }, body: { ...body, effectiveAt: later } });

  const byAddress = await start(company.admin.headers, { email: outsider.emails[0], successor: company.member.email, reason: `Contractor ${tag}` }, 'a');
  const toSuccessor = await start(company.admin.headers, { email: leaverA.email, successor: successor.email, reason: `Handed to ${tag}` }, 'b');
  const byRequester = await start(requester.headers, { email: leaverB.email, successor: company.member.email, reason: `Asked by ${tag}` }, 'c');
  const ids = [byAddress, toSuccessor, byRequester].map((r) => {
    expect(r.status).toBe(202);
    return r.body.id as string;
  });
  const [keyed] = await stack.sql<{ personKey: string }[]>`select person_key from offboardings where id = ${ids[0]!}`;
  expect(keyed!.personKey).toBe(`address:${hmac(outsider.emails[0]!)}`);
  expect(await stack.sql`select 1 from offboarding_request_keys where offboarding_id = any(${ids}::uuid[])`).toHaveLength(3);

  for (const accountId of [outsider.accountIds[0]!, successor.accountId, requester.accountId]) await erase(accountId);

  const needles = [
    outsider.profileId, ...outsider.accountIds, ...outsider.emails, hmac(outsider.emails[0]!),
    successor.accountId, successor.person.profileId, successor.email, requester.accountId, requester.person.profileId, requester.email, tag,
  ];
  expect((await leftovers(stack.sql, needles)).filter((line) => line.startsWith('offboarding'))).toEqual([]);
  const rows = await stack.sql<{ id: string; reason: string | null; personKey: string }[]>`
    select id, reason, person_key from offboardings where id = any(${ids}::uuid[]) order by array_position(${ids}::uuid[], id)`;
  expect(rows.map((r) => r.reason)).toEqual([null, null, null]);
  expect(rows[0]!.personKey).toMatch(/^erased:[0-9a-f-]{36}$/);
  expect(await stack.sql`select 1 from offboarding_request_keys where offboarding_id = any(${ids}::uuid[])`).toHaveLength(0);

  // The runs stay on the company's record, and the people around them keep theirs.
  const other = await start(company.admin.headers, { email: company.member.email, successor: leaverA.email, reason: `Kept ${tag}` }, 'd');
  expect(other.status).toBe(202);
  for (const id of [...ids, other.body.id]) {
    expect((await call('DELETE', `/v1/companies/${company.companyId}/offboardings/${id}`, { headers: company.admin.headers })).body.status).toBe('cancelled');
  }
  const [kept] = await stack.sql<{ reason: string }[]>`select reason from offboardings where id = ${other.body.id}`;
  expect(kept!.reason).toBe(`Kept ${tag}`);
});
