// What must never be in a verifyRecoveryEmail run's history: the new address, the old one, their local parts,
// a code, or a name. Driven over HTTP exactly as a client does; the history is read back and every payload decoded.
import { randomUUID } from 'node:crypto';
import { workflowIds } from '../../workflows/shared/ids';
import { checkedHttp } from '../helpers/http';
import { codeFromMail } from '../helpers/mailSink';
import { suiteStack } from '../helpers/suiteStack';

const stack = suiteStack();
const { call, signedIn } = checkedHttp(stack);

function decodedBytes(node: unknown, out: string[] = []): string[] {
  if (node instanceof Uint8Array) out.push(Buffer.from(node).toString('utf8'));
  else if (Array.isArray(node)) for (const n of node) decodedBytes(n, out);
  else if (node && typeof node === 'object') for (const v of Object.values(node)) decodedBytes(v, out);
  return out;
}
const EMAIL_SHAPED = /[\w.+-]+@[\w-]+(\.[\w-]+)*\.[a-z]{2,}/i;

test('a recovery email run holds ids, verdicts and HMACs only', async () => {
  const { person, token } = await signedIn({ profile: { displayName: 'Grace Hopper' } });
  const old = `old.grace-${randomUUID().slice(0, 6)}@home.example`;
  await stack.sql`update profiles set recovery_email = ${old} where id = ${person.profileId}`;
  const email = `grace.private-${randomUUID().slice(0, 6)}@mail.example`;
  const started = await call('PUT', '/v1/profile/recovery-email', { token, body: { email } });
  expect(started.status).toBe(202);
  const code = codeFromMail(await stack.mail.waitFor((m) => m.to.includes(email) && /verification code/.test(m.subject)));
  const done = await call('POST', '/v1/profile/recovery-email/verification', { token, body: { code } });
  expect(done.body).toMatchObject({ step: 'completed', recoveryEmail: email });
  await stack.mail.waitFor((m) => m.to.includes(old));

  const handle = stack.client.workflow.getHandle(workflowIds.recoveryEmail({ profileId: person.profileId, changeId: started.body.id }));
  expect(await handle.result()).toEqual({ outcome: 'completed' });
  const history = await handle.fetchHistory();
  const raw = JSON.stringify(history);
  const payloads = decodedBytes(history).join('\n');
  expect(payloads).toContain(started.body.id);
  expect(payloads).toContain(person.profileId);
  // Worker identities (`pid@host`) and build ids carry an @ in the raw history; payloads have none.
  expect(payloads).not.toContain('@');
  for (const s of [raw, payloads]) {
    expect(s).not.toMatch(EMAIL_SHAPED);
    for (const secret of [email, old, email.split('@')[0]!, old.split('@')[0]!, 'Grace', ...person.emails]) expect(s).not.toContain(secret);
    expect(s).not.toMatch(new RegExp(`(?<!\\d)${code}(?!\\d)`));
  }
});
