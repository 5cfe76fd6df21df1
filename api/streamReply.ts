import type { Response } from 'express';
import { retryLater } from '../lib/errors';

/**
 * Streamed replies (a CSV export, the personal-data document) hold a pooled database connection, through a
 * cursor, for as long as they run. Two limits keep a few of them from starving everyone else of the pool
 * (README "API conventions" › "Streamed replies"):
 * - a stall deadline: a client that takes nothing for `stallTimeoutMs` is cut off and the stream released;
 * - a cap on the streams one process runs at once; past it, `503 export.busy` with Retry-After.
 */
export interface StreamLimits {
  stallTimeoutMs: number;
  maxConcurrent: number;
}

const BUSY_RETRY_AFTER_MS = 5_000;

export const EXPORT_BUSY = 'Too many exports are running in this process (`export.busy`)';

/** The process's stream slots: one per streamed reply running, at most `max`. */
export class StreamSlots {
  private used = 0;

  constructor(private readonly max: number) {}

  /** A slot, or 503 `export.busy`; the answer releases it (more than once is harmless). */
  take(): () => void {
    if (this.used >= this.max) {
      throw retryLater(503, 'export.busy', 'Too many exports are running; try again shortly', BUSY_RETRY_AFTER_MS);
    }
    this.used += 1;
    let held = true;
    return () => {
      if (held) this.used -= 1;
      held = false;
    };
  }
}

/**
 * Waits for the socket to take more (true), or to go away (true: the loop sees it destroyed), or for the
 * deadline to pass without either (false): a client that stopped reading would otherwise hold its cursor,
 * and the connection under it, forever.
 */
function drained(res: Response, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    if (res.destroyed) return resolve(true);
    const finish = (progressed: boolean) => {
      clearTimeout(timer);
      res.off('drain', done).off('close', done);
      resolve(progressed);
    };
    const done = () => finish(true);
    const timer = setTimeout(() => finish(false), timeoutMs);
    res.on('drain', done).on('close', done);
  });
}

/**
 * Writes a reply's stream as it comes (chunked), with backpressure. Nothing is sent until the first chunk
 * arrives, so an error before it still gets the JSON error shape; an error after it aborts the connection,
 * so a client never takes a truncated body for a whole one. However it ends, the stream is closed, so its
 * cursor gives back its connection.
 */
export async function sendStream(
  res: Response,
  reply: { status: number; headers?: Record<string, string>; stream?: AsyncIterable<string> },
  contentType: string,
  stallTimeoutMs: number,
): Promise<void> {
  const chunks = reply.stream![Symbol.asyncIterator]();
  let next = await chunks.next(); // errors before the first chunk reach the error handler as usual
  for (const [k, v] of Object.entries(reply.headers ?? {})) res.setHeader(k, v);
  res.status(reply.status).setHeader('Content-Type', contentType);
  try {
    while (!next.done) {
      // A client that hung up: stop reading, and let the stream release what it holds (a cursor, a connection).
      if (res.destroyed) return void (await chunks.return?.(undefined));
      if (!res.write(next.value) && !(await drained(res, stallTimeoutMs))) {
        res.req.log?.warn({ stallTimeoutMs }, 'streamed reply stalled: the client took nothing in time; connection closed');
        res.destroy();
        return void (await chunks.return?.(undefined));
      }
      next = await chunks.next();
    }
    res.end();
  } catch (err) {
    res.destroy(err instanceof Error ? err : new Error(String(err)));
    await chunks.return?.(undefined).catch(() => undefined);
  }
}
