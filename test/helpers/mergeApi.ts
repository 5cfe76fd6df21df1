import { checkedHttp } from './http';
import { codeFromMail } from './mailSink';
import { createPerson, type Person } from './people';
import type { TestStack } from './stack';

/** A six-digit code that is certainly not `code`. */
export const otherCode = (code: string) => (code === '000000' ? '111111' : '000000');

/** Merges driven over HTTP, every request checked by checkedHttp. */
export function mergeApi(stack: TestStack) {
  const { call, signedIn } = checkedHttp(stack);

  /** Starts a merge of `other` into the signed-in profile; answers its id and first email option. */
  async function startMerge(token: string, other: Person): Promise<{ id: string; optionId: string }> {
    const r = await call('POST', '/v1/profile/merges', { token, body: { email: other.emails[0] } });
    expect(r.status).toBe(202);
    return { id: r.body.id, optionId: r.body.emailOptions[0].id };
  }

  /** The code in the (only) mail sent to `address`; every test uses fresh people, so one mail each. */
  async function codeFor(address: string): Promise<string> {
    return codeFromMail(await stack.mail.waitFor((m) => m.to.includes(address)));
  }

  /** A merge at step awaiting_code, with the code that was mailed. */
  async function mergeAwaitingCode() {
    const me = await signedIn();
    const other = await createPerson(stack.sql);
    const merge = await startMerge(me.token, other);
    expect((await call('POST', `/v1/profile/merges/${merge.id}/code`, { token: me.token, body: { emailOptionId: merge.optionId } })).status).toBe(200);
    return { ...me, other, ...merge, code: await codeFor(other.emails[0]!) };
  }

  const statusOf = async (token: string, id: string) => {
    const r = await call('GET', `/v1/profile/merges/${id}`, { token });
    expect(r.status).toBe(200);
    return r.body;
  };

  return { call, signedIn, startMerge, codeFor, mergeAwaitingCode, statusOf };
}
