import { createHash } from 'node:crypto';
import nodemailer from 'nodemailer';

export interface Mail {
  to: string;
  subject: string;
  text: string;
  /**
   * Makes the Message-ID a function of this key, so a resend after a crash is the same message, which
   * mail systems collapse. SMTP has no idempotency key; this is the next best thing.
   */
  idempotencyKey?: string;
}

export interface Mailer {
  send(mail: Mail): Promise<{ messageId: string }>;
  close(): void;
}

/**
 * A send the mail server refused or could not take. Its message holds only the SMTP reply code, never
 * the server's text, which often repeats the recipient's address (and would reach workflow history).
 */
export class MailError extends Error {
  constructor(readonly responseCode: number | undefined) {
    super(`the mail server did not accept the message${responseCode ? ` (SMTP ${responseCode})` : ''}`);
    this.name = 'MailError';
  }
}

// Below the 30 s start-to-close timeout of the activities that send, so a hung server fails the attempt
// and the retry gets a fresh connection, instead of the activity timing out around a live socket.
const TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 20_000 };

/** One pooled SMTP transport per process, created by the entry point and closed on shutdown. */
export function createMailer({ smtpUrl, mailFrom }: { smtpUrl: string; mailFrom: string }): Mailer {
  const transport = nodemailer.createTransport(`${smtpUrl}${smtpUrl.includes('?') ? '&' : '?'}pool=true`, { from: mailFrom, ...TIMEOUTS });
  const domain = /@([^>\s]+)>?\s*$/.exec(mailFrom)?.[1] ?? 'custodian.invalid';
  const messageIdFor = (key: string) => `<${createHash('sha256').update(key).digest('hex').slice(0, 40)}@${domain}>`;
  return {
    async send({ idempotencyKey, ...mail }) {
      try {
        const info = await transport.sendMail({ from: mailFrom, ...mail, ...(idempotencyKey ? { messageId: messageIdFor(idempotencyKey) } : {}) });
        return { messageId: String(info.messageId) };
      } catch (err) {
        throw new MailError((err as { responseCode?: number }).responseCode);
      }
    },
    close: () => transport.close(),
  };
}
