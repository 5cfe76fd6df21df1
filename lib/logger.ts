import pino, { type Logger } from 'pino';
import type { Config } from './config';

// Anything that can carry a credential is censored wherever it appears in a log object.
const REDACT = [
  'password', '*.password', '*.newPassword', '*.currentPassword',
  'token', '*.token', 'code', '*.code',
  'req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]',
];

export function createLogger(config: Pick<Config, 'logLevel'>, name: string): Logger {
  return pino({ name, level: config.logLevel, redact: { paths: REDACT, censor: '[redacted]' } });
}
export type { Logger };
