// The onboarding API as tests drive it: members created by a company's admin, their invitation emails and codes,
// and acceptances (README "Onboarding").
import { randomUUID } from 'node:crypto';
import sharp from 'sharp';
import type { CapturedMail } from './mailSink';
import type { HttpResult, TestStack } from './stack';

/** A password the policy accepts. */
export const MEMBER_PASSWORD = 'Lighthouse-Keeper-42!';

export const pngImage = (width = 64, height = 64) =>
  sharp({ create: { width, height, channels: 3, background: { r: 40, g: 90, b: 160 } } }).png().toBuffer();

export const newEmail = (tag = 'member') => `${tag}-${randomUUID().slice(0, 8)}@onboarding.custodian.test`;

/** The code of an invitation email. */
export function invitationCode(mail: Pick<CapturedMail, 'subject'>): string {
  const m = /invitation code: (\d{6})/.exec(mail.subject);
  if (!m) throw new Error(`no invitation code in "${mail.subject}"`);
  return m[1]!;
}

export function onboardingApi(stack: TestStack, call: (method: string, path: string, opts?: Parameters<TestStack['http']>[2]) => Promise<HttpResult>) {
  const invitationMails = (email: string) => stack.mail.messages.filter((m) => m.to.includes(email) && /invitation code/.test(m.subject));
  return {
    create: (companyId: string, headers: Record<string, string>, body: Record<string, unknown>) =>
      call('POST', `/v1/companies/${companyId}/members`, { headers, body }),
    /** The code of the n-th (1-based) invitation email to `email`. */
    async code(email: string, n = 1): Promise<string> {
      await stack.mail.waitFor(() => invitationMails(email).length >= n);
      return invitationCode(invitationMails(email)[n - 1]!);
    },
    invitationMails,
    accept: (invitationId: string, code: string, password = MEMBER_PASSWORD) =>
      call('POST', `/v1/invitations/${invitationId}/acceptance`, { body: { code, password } }),
    invitation: (companyId: string, headers: Record<string, string>, invitationId: string, method = 'GET', suffix = '') =>
      call(method, `/v1/companies/${companyId}/invitations/${invitationId}${suffix}`, { headers }),
    /** A raw upload, for pictures and CSV files (the stack's http takes text only). */
    async upload(path: string, headers: Record<string, string>, contentType: string, body: Buffer | string) {
      const res = await fetch(stack.baseUrl + path, { method: path.endsWith('/avatar') ? 'PUT' : 'POST', headers: { ...headers, 'content-type': contentType }, body });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        /* not JSON */
      }
      return { status: res.status, headers: res.headers, body: parsed } as HttpResult;
    },
  };
}
