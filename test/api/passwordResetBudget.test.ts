// The durable budget of wrong codes against one account (or one address nobody has): a reset fails after its
// own 5 attempts, and a new reset does not refill the account's 10 a day. The 11th wrong code, in a third
// reset, answers 429 before the code is even looked at; a decoy's address is held to the same.
import { listAuditForSubject } from '../../db/queries/audit';
import { hmacHex } from '../../lib/crypto';
import { BUDGETS } from '../../libraries/budgets';
import { expectError } from '../helpers/http';
import { otherCode, passwordResetApi } from '../helpers/passwordResetApi';
import { createPerson } from '../helpers/people';
import { suiteStack } from '../helpers/suiteStack';

const stack = suiteStack({ env: { TRUST_PROXY: '1' } });
const { request, complete, codeFor, closed } = passwordResetApi(stack);
const LIMIT = BUDGETS.codeProofsPerSubject.limit;
const PER_FLOW = 5;

test.each([
  ['an account', true],
  ['an address no account has (a decoy)', false],
])('%s: 5 wrong codes fail a reset, a new one continues the count, and the 11th wrong code is 429', async (_what, known) => {
  const person = await createPerson(stack.sql);
  const email = known ? person.emails[0]! : `nobody-${person.profileId.slice(0, 8)}@test.custodian.test`;
  let code = '123456';
  let wrongSoFar = 0;
  for (let flow = 1; flow * PER_FLOW <= LIMIT; flow++) {
    const id = await request(email);
    if (known) code = await codeFor(email, flow);
    for (let i = 1; i <= PER_FLOW; i++) {
      const r = await complete(id, otherCode(code));
      expectError(r, 422, i < PER_FLOW ? 'verification_code.invalid' : 'verification_code.attempts_exhausted');
      expect(r.body.attemptsLeft).toBe(PER_FLOW - i);
      wrongSoFar += 1;
    }
    // The reset has failed; the next request opens a new one (after this one has closed).
    await closed(id);
    expectError(await complete(id, code), 409, 'password_reset.closed');
  }
  expect(wrongSoFar).toBe(LIMIT);

  const id = await request(email);
  if (known) code = await codeFor(email, LIMIT / PER_FLOW + 1);
  const over = await complete(id, otherCode(code));
  expectError(over, 429, 'verification_code.too_many_attempts');
  expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(23 * 3600);
  // Even the right code is refused while the budget is spent: nothing is checked at all.
  expectError(await complete(id, code), 429, 'verification_code.too_many_attempts');

  const [subjectType, subjectId] = known ? ['account', person.accountIds[0]!] : ['address', hmacHex(stack.config.keys.addressKey, email)];
  const audit = await listAuditForSubject(stack.sql, subjectType, subjectId);
  expect(audit.filter((e) => e.action === 'verification_code.wrong')).toHaveLength(LIMIT - LIMIT / PER_FLOW);
  expect(audit.filter((e) => e.action === 'verification_code.exhausted')).toHaveLength(LIMIT / PER_FLOW);
  expect(audit.filter((e) => e.action === 'verification_code.budget_exhausted').length).toBeGreaterThanOrEqual(1);
  expect(audit.filter((e) => e.action === 'password_reset.requested')).toHaveLength(LIMIT / PER_FLOW + 1);
}, 60_000);
