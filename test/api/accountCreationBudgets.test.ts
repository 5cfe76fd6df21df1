// The durable budgets apply to sign-up and account creation: wrong codes against one address (its HMAC) across
// every flow for it, codes sent to one address, and starts per client address (sign-up) or per account.
import { listAuditForSubject } from '../../db/queries/audit';
import { ACCOUNT_CREATION_BUDGETS } from '../../libraries/accountCreation/service';
import { BUDGETS } from '../../libraries/budgets';
import { hmacHex } from '../../lib/crypto';
import { accountCreationApi, freshAddress } from '../helpers/accountCreationApi';
import { expectError } from '../helpers/http';
import { otherCode } from '../helpers/mergeApi';
import { suiteStack } from '../helpers/suiteStack';

// Behind "one proxy", so each test can be its own client address (X-Forwarded-For).
const stack = suiteStack({ env: { SIGNIN_MAX_FAILURES_PER_ADDRESS: '1000', TRUST_PROXY: '1' } });
const { client, code, signedIn } = accountCreationApi(stack);
const from = (ip: string) => ({ 'x-forwarded-for': ip });

test('wrong codes against one address stop at its budget, across sign-ups and account creations', async () => {
  const email = freshAddress();
  const me = await signedIn();
  const flows = [client('signup', undefined, from('198.51.100.1')), client('profile', me.token)];
  const limit = BUDGETS.codeProofsPerSubject.limit;
  let wrongSoFar = 0;
  for (let round = 1; ; round++) {
    const flow = flows[round % 2]!;
    const started = await flow.start(email);
    expect(started.status).toBe(202);
    const right = await code(email, round);
    let stopped = false;
    for (let i = 0; i < 4; i++) {
      const r = await flow.verify(started.body.id, otherCode(right));
      if (r.status === 429) {
        expectError(r, 429, 'verification_code.too_many_attempts');
        expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(23 * 3600);
        stopped = true;
        break;
      }
      expectError(r, 422, 'verification_code.invalid');
      wrongSoFar += 1;
    }
    if (stopped) {
      expect(wrongSoFar).toBe(limit);
      // Even the right code is refused while the budget is spent.
      expectError(await flow.verify(started.body.id, right), 429, 'verification_code.too_many_attempts');
      break;
    }
    expect((await flow.cancel(started.body.id)).status).toBe(200);
    expect(round).toBeLessThan(limit);
  }
  const audit = await listAuditForSubject(stack.sql, 'address', hmacHex(stack.config.keys.addressKey, email.toLowerCase()));
  expect(audit.filter((e) => e.action === 'verification_code.wrong')).toHaveLength(limit);
  expect(audit.filter((e) => e.action === 'verification_code.budget_exhausted').length).toBeGreaterThanOrEqual(1);
}, 60_000);

test('at most 10 codes a day reach one address: the next start answers 429 too_many_codes', async () => {
  const email = freshAddress();
  const signup = client('signup', undefined, from('198.51.100.2'));
  const limit = BUDGETS.codesPerAddress.limit;
  for (let sent = 0; ; sent++) {
    const r = await signup.start(email);
    if (sent < limit) {
      expect(r.status).toBe(202);
      expect((await signup.cancel(r.body.id)).status).toBe(200);
    } else {
      expectError(r, 429, 'verification_code.too_many_codes');
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(23 * 3600);
      break;
    }
  }
  expect(stack.mail.messages.filter((m) => m.to.some((t) => t.toLowerCase() === email.toLowerCase()))).toHaveLength(limit);
  // The refused request left no pending password hash behind.
  const [n] = await stack.sql<{ n: number }[]>`
    select count(*)::int as n from pending_accounts p join account_creations c on c.id = p.creation_id
     where c.address_hmac = ${hmacHex(stack.config.keys.addressKey, email.toLowerCase())}`;
  expect(n!.n).toBe(0);
}, 60_000);

test('sign-ups one client address may start are counted: past the limit 429 sign_up.too_many_starts; others are not affected', async () => {
  const limit = ACCOUNT_CREATION_BUDGETS.signUpsPerClientAddress.limit;
  const busy = client('signup', undefined, from('198.51.100.3'));
  for (let i = 0; i < limit; i++) expect((await busy.start(freshAddress())).status).toBe(202);
  const refused = await busy.start(freshAddress());
  expectError(refused, 429, 'sign_up.too_many_starts');
  expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
  expect((await client('signup', undefined, from('198.51.100.4')).start(freshAddress())).status).toBe(202);
}, 60_000);
