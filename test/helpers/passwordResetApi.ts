import { WorkflowFailedError } from '@temporalio/client';
import { findPasswordReset } from '../../db/queries/passwordResets';
import { checkedHttp } from './http';
import { codeFromMail, type CapturedMail } from './mailSink';
import type { TestStack } from './stack';
import { eventually } from './waiting';

export const NEW_PASSWORD = 'Brand-new-Secret-42!';
/** A six-digit code that is certainly not `code`. */
export const otherCode = (code: string) => (code === '000000' ? '111111' : '000000');

let clients = 0;

/**
 * "Forgot password?" driven over HTTP, every request checked by checkedHttp. Suites run with TRUST_PROXY=1
 * and each request comes from its own client address (X-Forwarded-For), so the per-client request budget
 * only counts where a test means it to.
 */
export function passwordResetApi(stack: TestStack) {
  const { call, signedIn } = checkedHttp(stack);
  const freshClient = () => `10.${(clients >> 16) & 255}.${(clients >> 8) & 255}.${clients++ & 255}`;

  const post = (email: string, client = freshClient()) =>
    call('POST', '/v1/password-resets', { body: { email }, headers: { 'x-forwarded-for': client } });

  /** Requests a reset (202) and answers its id. */
  async function request(email: string): Promise<string> {
    const r = await post(email);
    expect(r.status).toBe(202);
    return r.body.id as string;
  }

  const complete = (id: string, code: string, newPassword = NEW_PASSWORD, client = freshClient()) =>
    call('POST', `/v1/password-resets/${id}/completion`, { body: { code, newPassword }, headers: { 'x-forwarded-for': client } });

  async function status(id: string) {
    const r = await call('GET', `/v1/password-resets/${id}`);
    expect(r.status).toBe(200);
    return r.body;
  }

  const codeMails = (address: string): CapturedMail[] =>
    stack.mail.messages.filter((m) => m.to.includes(address) && /verification code/.test(m.subject));
  const mailsTo = (address: string): CapturedMail[] => stack.mail.messages.filter((m) => m.to.includes(address));

  /** The code of the n-th (1-based) code email to `address`. */
  const codeFor = (address: string, n = 1) => eventually(() => {
    const mail = codeMails(address)[n - 1];
    if (!mail) throw new Error(`code email #${n} to ${address} has not arrived`);
    return codeFromMail(mail);
  });

  /** The run a reset id is bound to. */
  async function runOf(id: string) {
    const row = (await findPasswordReset(stack.sql, id))!;
    return stack.client.workflow.getHandle(row.workflowId, row.runId);
  }

  /** Waits until the run behind `id` has closed, whatever its outcome, and its row says so. */
  async function closed(id: string): Promise<void> {
    await (await runOf(id)).result().catch((err: unknown) => {
      if (!(err instanceof WorkflowFailedError)) throw err;
    });
    await eventually(async () => expect((await findPasswordReset(stack.sql, id))?.closedAt).toBeInstanceOf(Date));
  }

  return { call, signedIn, post, request, complete, status, codeFor, codeMails, mailsTo, runOf, closed, freshClient };
}
