// Member creations at once, more than the pool has connections (the test stack's pool holds 5). The address
// check's durable budget needs a pool connection of its own; when it ran inside the creation's transaction, every
// connection could end up held by a transaction waiting for another, and the API hung for good (CI saw it in the
// access matrix's seven invitations). Checked before the transaction now (CompanyActions.write's `before`).
import { createCompany } from '../helpers/company';
import { newEmail } from '../helpers/memberOnboarding';
import { suiteStack } from '../helpers/suiteStack';

const stack = suiteStack();
const AT_ONCE = 20;

test(`${AT_ONCE} member creations at once on a pool of 5 all answer 201, none waits for another's connection`, async () => {
  const acme = await createCompany(stack, 'Acme');
  const emails = Array.from({ length: AT_ONCE }, () => newEmail('burst'));
  const answers = await Promise.all(emails.map((email) =>
    stack.http('POST', `/v1/companies/${acme.companyId}/members`, { headers: acme.admin.headers, body: { email, name: 'Burst member' } })));
  expect(answers.map((r) => r.status)).toEqual(emails.map(() => 201));
  const [row] = await stack.sql<{ n: number }[]>`select count(*)::int as n from accounts where company_id = ${acme.companyId} and status = 'invited'`;
  expect(row!.n).toBe(AT_ONCE);
}, 60_000);
