import pino, { type Logger } from 'pino';
import type { Config } from './config';

// Anything that can carry a credential is censored wherever it appears in a log object.
export const REDACT = [
  'password', '*.password', '*.newPassword', '*.currentPassword',
  'token', '*.token', 'code', '*.code',
  'req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]',
  // An API key travels in its own header (README "Developer settings"); its username is an email.
  'req.headers["mendix-apikey"]', 'req.headers["mendix-username"]',
];

export function createLogger(config: Pick<Config, 'logLevel'>, name: string): Logger {
  return pino({ name, level: config.logLevel, redact: { paths: REDACT, censor: '[redacted]' } });
}
export type { Logger };
