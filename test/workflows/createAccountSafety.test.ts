// What must never be in a createAccount run's history: the address, its local part, the password, its hash, a
// code, or a name. Driven over HTTP exactly as a client does, for both ways in; the history is read back from
// Temporal and every payload decoded.
import { hmacHex } from '../../lib/crypto';
import { workflowIds } from '../../workflows/shared/ids';
import { NEW_PASSWORD, accountCreationApi, freshAddress } from '../helpers/accountCreationApi';
import { otherCode } from '../helpers/mergeApi';
import { suiteStack } from '../helpers/suiteStack';

const stack = suiteStack();
const { client, code, signedIn } = accountCreationApi(stack);

/** Every byte field of the history (payload data, metadata) decoded as text: where a leak would hide. */
function decodedBytes(node: unknown, out: string[] = []): string[] {
  if (node instanceof Uint8Array) out.push(Buffer.from(node).toString('utf8'));
  else if (Array.isArray(node)) for (const n of node) decodedBytes(n, out);
  else if (node && typeof node === 'object') for (const v of Object.values(node)) decodedBytes(v, out);
  return out;
}
const EMAIL_SHAPED = /[\w.+-]+@[\w-]+(\.[\w-]+)*\.[a-z]{2,}/i;

test.each(['signup', 'profile'] as const)('a %s run holds ids, verdicts and HMACs only', async (flavour) => {
  const me = flavour === 'profile' ? await signedIn({ profile: { displayName: 'Grace Hopper' } }) : undefined;
  const flow = client(flavour, me?.token);
  const email = freshAddress();
  const started = await flow.start(email, NEW_PASSWORD, true);
  expect(started.status).toBe(202);
  const right = await code(email);
  expect((await flow.verify(started.body.id, otherCode(right))).status).toBe(422);
  const done = await flow.verify(started.body.id, right);
  expect(done.body).toMatchObject({ step: 'completed' });

  const addressHmac = hmacHex(stack.config.keys.addressKey, email.toLowerCase());
  const workflowId = flavour === 'signup' ? workflowIds.signUp(addressHmac) : workflowIds.accountCreation(addressHmac);
  const handle = stack.client.workflow.getHandle(workflowId);
  expect(await handle.result()).toEqual({ outcome: 'completed' });
  const [account] = await stack.sql<{ passwordHash: string }[]>`select password_hash from accounts where id = ${done.body.accountId}`;

  const history = await handle.fetchHistory();
  const raw = JSON.stringify(history);
  const payloads = decodedBytes(history).join('\n');
  // The decoding works: ids are readable.
  expect(payloads).toContain(`"creationId":"${started.body.id}"`);
  expect(payloads).toContain(done.body.accountId);

  expect(payloads).not.toContain('@');
  const local = email.split('@')[0]!;
  for (const s of [raw, payloads]) {
    expect(s).not.toMatch(EMAIL_SHAPED);
    for (const secret of [email, email.toLowerCase(), local, local.toLowerCase(), NEW_PASSWORD, account!.passwordHash, '$argon2', 'Grace']) {
      expect({ secret, found: s.includes(secret) }).toEqual({ secret, found: false });
    }
    for (const c of [right, otherCode(right)]) expect(s).not.toMatch(new RegExp(`(?<!\\d)${c}(?!\\d)`));
  }
  for (const e of me?.person.emails ?? []) expect(raw).not.toContain(e);

  // The pending rows went with the run.
  const [left] = await stack.sql<{ n: number }[]>`
    select (select count(*)::int from pending_accounts) + (select count(*)::int from pending_addresses where lower(address) = lower(${email})) as n`;
  expect(left!.n).toBe(0);
});
