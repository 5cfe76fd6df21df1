import { randomUUID } from 'node:crypto';
import { checkedHttp } from './http';
import { codeFromMail } from './mailSink';
import type { TestStack } from './stack';
import { eventually } from './waiting';

/** Meets every rule of the password policy, and contains no test address's local part. */
export const NEW_PASSWORD = 'Fresh-Start-2026!';
export const OTHER_PASSWORD = 'Another-Start-2027?';

/** A fresh address no account has, unique per call (its local part has upper case: the check is case-insensitive). */
export const freshAddress = () => `New.User-${randomUUID().slice(0, 8)}@signup.custodian.test`;

export type Flavour = 'signup' | 'profile';

/** Sign-ups and account creations driven over HTTP, every request checked by checkedHttp. */
export function accountCreationApi(stack: TestStack) {
  const { call, signedIn } = checkedHttp(stack);

  const paths = (flavour: Flavour) => flavour === 'signup'
    ? { start: '/v1/signups', item: (id: string) => `/v1/signups/${id}` }
    : { start: '/v1/accounts', item: (id: string) => `/v1/accounts/creations/${id}` };

  /** A client of one flavour: anonymous sign-up, or creation inside the profile of `token`; `headers` on every request. */
  function client(flavour: Flavour, token?: string, headers?: Record<string, string>) {
    const p = paths(flavour);
    const opts = (body?: unknown) => ({ ...(token ? { token } : {}), ...(headers ? { headers } : {}), ...(body === undefined ? {} : { body }) });
    return {
      start: (email: string, password = NEW_PASSWORD, marketingOptIn = false) => call('POST', p.start, opts({ email, password, marketingOptIn })),
      status: (id: string) => call('GET', p.item(id), opts()),
      requestCode: (id: string) => call('POST', `${p.item(id)}/code`, opts()),
      verify: (id: string, code: string) => call('POST', `${p.item(id)}/verification`, opts({ code })),
      cancel: (id: string) => call('DELETE', p.item(id), opts()),
      location: (id: string) => p.item(id),
    };
  }

  const codeMailsTo = (address: string) =>
    stack.mail.messages.filter((m) => m.to.some((t) => t.toLowerCase() === address.toLowerCase()) && /verification code/.test(m.subject));

  /** The code of the n-th (1-based) verification mail to `address`. */
  const code = (address: string, n = 1) => eventually(() => {
    const mail = codeMailsTo(address)[n - 1];
    if (!mail) throw new Error(`verification mail #${n} to ${address} has not arrived`);
    return codeFromMail(mail);
  });

  return { call, signedIn, client, code, codeMailsTo };
}
