// An abandoned sign-up or account creation expires after ACCOUNT_CREATION_TTL_SECONDS (2 s here): its code no
// longer works, its pending rows (the password hash, the address) are deleted, and the address is free again.
import { hmacHex } from '../../lib/crypto';
import { accountCreationApi, freshAddress } from '../helpers/accountCreationApi';
import { expectError } from '../helpers/http';
import { suiteStack } from '../helpers/suiteStack';
import { eventually } from '../helpers/waiting';

const stack = suiteStack({ env: { ACCOUNT_CREATION_TTL_SECONDS: '2' } });
const { client, code, signedIn } = accountCreationApi(stack);

async function pendingRows(address: string) {
  const [row] = await stack.sql<{ accounts: number; addresses: number }[]>`
    select (select count(*)::int from pending_accounts p join account_creations c on c.id = p.creation_id
             where c.address_hmac = ${hmacHex(stack.config.keys.addressKey, address.toLowerCase())}) as accounts,
           (select count(*)::int from pending_addresses where lower(address) = lower(${address})) as addresses`;
  return row!;
}

test.each(['signup', 'profile'] as const)('a %s request left alone expires; its pending rows go, and a new request starts afresh', async (flavour) => {
  const me = flavour === 'profile' ? await signedIn() : undefined;
  const flow = client(flavour, me?.token);
  const email = freshAddress();
  const started = await flow.start(email);
  expect(started.status).toBe(202);
  expect(Date.parse(started.body.expiresAt) - Date.now()).toBeLessThanOrEqual(2_000);
  const stale = await code(email);
  expect(await pendingRows(email)).toEqual({ accounts: 1, addresses: 1 });

  await eventually(async () => expect((await flow.status(started.body.id)).body).toMatchObject({ step: 'expired', outcome: 'expired' }), 15_000);
  await eventually(async () => expect(await pendingRows(email)).toEqual({ accounts: 0, addresses: 0 }));
  expectError(await flow.verify(started.body.id, stale), 409, /\.closed$/);
  expectError(await flow.requestCode(started.body.id), 409, /\.closed$/);

  const again = await flow.start(email);
  expect(again.status).toBe(202);
  expect((await flow.verify(again.body.id, await code(email, 2))).body).toMatchObject({ step: 'completed' });
}, 60_000);
