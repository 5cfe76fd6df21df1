import pino, { type Logger } from 'pino';
import type { Config } from './config';

// Anything that can carry a credential is censored wherever it appears in a log object.
export const REDACT = [
  'password', '*.password', '*.newPassword', '*.currentPassword',
  'token', '*.token', 'code', '*.code',
  'req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]',
  // An API key travels in its own header (README "Developer settings"); its username is an email.
  'req.headers["mendix-apikey"]', 'req.headers["mendix-username"]',
  // A client's key for replaying a request: whoever holds it gets the first answer again.
  'req.headers["idempotency-key"]',
];

/** Query parameter names worth logging: the API's own (`email`, `lastActivityBefore`); anything else is `?`. */
const PARAM_NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,39}$/;

/** pino-http's view of a request (pino-std-serializers), the fields a request log line keeps. */
interface LoggedRequest {
  id?: unknown;
  method?: string;
  url?: string;
  headers?: unknown;
  remoteAddress?: string;
  remotePort?: number;
}

/**
 * What a request log line says of the request: its path without the query string, because query values are
 * personal data (`members/lookup?email=`, `?q=`, `?openId=`) and a log is no place for them. The parameters'
 * names stay, to tell requests apart; `query` and `params` (both in the path or the query) are left out.
 */
export function requestForLog(req: LoggedRequest) {
  const url = req.url ?? '';
  const mark = url.indexOf('?');
  const names = mark === -1 ? [] : [...new Set([...new URLSearchParams(url.slice(mark + 1)).keys()].map((n) => (PARAM_NAME.test(n) ? n : '?')))];
  return {
    id: req.id, method: req.method, url: mark === -1 ? url : url.slice(0, mark), ...(names.length ? { queryParams: names.slice(0, 20) } : {}),
    headers: req.headers, remoteAddress: req.remoteAddress, remotePort: req.remotePort,
  };
}

/** The process's logger; `destination` (tests) instead of stdout. */
export function createLogger(config: Pick<Config, 'logLevel'>, name: string, destination?: pino.DestinationStream): Logger {
  const options = { name, level: config.logLevel, redact: { paths: REDACT, censor: '[redacted]' } };
  return destination ? pino(options, destination) : pino(options);
}
export type { Logger };
