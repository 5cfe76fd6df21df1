import nodemailer from 'nodemailer';

export interface Mail {
  to: string;
  subject: string;
  text: string;
}

export interface Mailer {
  send(mail: Mail): Promise<{ messageId: string }>;
  close(): void;
}

/** One SMTP transport per process, created by the entry point and closed on shutdown. */
export function createMailer({ smtpUrl, mailFrom }: { smtpUrl: string; mailFrom: string }): Mailer {
  const transport = nodemailer.createTransport(smtpUrl, { from: mailFrom });
  return {
    async send(mail) {
      const info = await transport.sendMail({ from: mailFrom, ...mail });
      return { messageId: String(info.messageId) };
    },
    close: () => transport.close(),
  };
}
