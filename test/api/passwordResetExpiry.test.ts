// A password reset expires PASSWORD_RESET_TTL_SECONDS after its latest request (2 s here), for an account
// and a decoy alike: the status says expired, and a code, even the right one, gets 409.
import { expectError } from '../helpers/http';
import { passwordResetApi } from '../helpers/passwordResetApi';
import { createPerson } from '../helpers/people';
import { suiteStack } from '../helpers/suiteStack';

const stack = suiteStack({ env: { TRUST_PROXY: '1', PASSWORD_RESET_TTL_SECONDS: '2' } });
const { post, status, complete, codeFor, closed } = passwordResetApi(stack);

test('an account\'s reset and a decoy expire alike; their codes are refused after', async () => {
  const email = (await createPerson(stack.sql)).emails[0]!;
  const [real, decoy] = [await post(email), await post(`nobody-${Date.now()}@test.custodian.test`)];
  for (const r of [real, decoy]) {
    expect(r.status).toBe(202);
    expect(Date.parse(r.body.expiresAt) - Date.now()).toBeLessThanOrEqual(2_000);
  }
  const code = await codeFor(email);
  await Promise.all([closed(real.body.id), closed(decoy.body.id)]);
  for (const id of [real.body.id, decoy.body.id]) {
    expect(await status(id)).toEqual({ id, step: 'expired', expiresAt: expect.any(String), attemptsLeft: null });
    expectError(await complete(id, code), 409, 'password_reset.closed');
  }
});
