import { AppError, retryLater } from '../lib/errors';

/** Socket errors from Node: Postgres is down, unreachable, restarting or dropped us mid-query. */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND']);

/** postgres.js's own connection errors (`Errors.connection` in the driver). */
const DRIVER_CODES = new Set(['CONNECTION_CLOSED', 'CONNECTION_DESTROYED', 'CONNECT_TIMEOUT', 'CONNECTION_ENDED']);

/** SQLSTATEs the server sends when it is going away or not yet accepting connections. */
const SERVER_CODES = new Set([
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, shutting down, in recovery)
]);

/** Class 08, connection exception (08000, 08003, 08006, 08001, 08004, 08P01 …). */
const CONNECTION_EXCEPTION = /^08[0-9A-Z]{3}$/;

const RETRY_AFTER_MS = 5_000;

function isOutage(err: unknown, depth: number): boolean {
  if (typeof err !== 'object' || err === null || depth > 3) return false;
  const { code, cause, errors } = err as { code?: unknown; cause?: unknown; errors?: unknown };
  if (typeof code === 'string') {
    if (SOCKET_CODES.has(code) || DRIVER_CODES.has(code) || SERVER_CODES.has(code)) return true;
    // SQLSTATEs come only from the server, on a PostgresError.
    if ((err as { name?: unknown }).name === 'PostgresError' && CONNECTION_EXCEPTION.test(code)) return true;
  }
  // Node's happy-eyeballs connect fails with an AggregateError of one error per address tried.
  if (Array.isArray(errors) && errors.some((e) => isOutage(e, depth + 1))) return true;
  return isOutage(cause, depth + 1);
}

/**
 * The database could not be reached or dropped the connection: a 503 the client may retry, never a 500.
 * The one place that decides it; the API's error handler asks it of every error nothing else claimed.
 */
export function databaseUnavailable(err: unknown): AppError | undefined {
  if (!isOutage(err, 0)) return undefined;
  return retryLater(503, 'database.unavailable', 'The database is unavailable; try again shortly', RETRY_AFTER_MS);
}
