import type { CapturedMail } from './mailSink';

/** The plain text of a single-part mail as sent by nodemailer, quoted-printable decoded. */
export function mailText(mail: Pick<CapturedMail, 'raw'>): string {
  const split = /\r?\n\r?\n/.exec(mail.raw);
  const [headers, body] = split ? [mail.raw.slice(0, split.index), mail.raw.slice(split.index + split[0].length)] : [mail.raw, ''];
  if (!/content-transfer-encoding:\s*quoted-printable/i.test(headers)) return body;
  const bytes = body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  return Buffer.from(bytes, 'latin1').toString('utf8');
}

/** The "this was not you" token and request in a code mail. */
export function rejectionFromMail(mail: Pick<CapturedMail, 'raw'>): { token: string; path: string } {
  const text = mailText(mail);
  const token = /rejection token:\s+([0-9a-f]{64})\s/.exec(text)?.[1];
  const path = /POST (\/v1\/profile\/merges\/[0-9a-f-]{36}\/rejection)/.exec(text)?.[1];
  if (!token || !path) throw new Error(`no rejection token in mail:\n${text}`);
  return { token, path };
}
