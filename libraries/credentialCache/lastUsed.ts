/**
 * The last use of each token, recorded in memory and written in batches, so that an authenticated request adds
 * no database write (nor read, with the cache):
 * - a use is queued at most once a minute per token by this process, counting from the last use it queued or
 *   the `last_used_at` its lookup read (another process's write);
 * - every `intervalMs`, the queue is written in one statement, which writes a row only if its stored last use
 *   is a minute older, so a token is written at most once a minute whatever the number of processes;
 * - a failed write is queued again (a newer use of the same token wins), and `stop` writes what is left.
 * The owner's listing may so show a last use up to `intervalMs` late.
 */
export const LAST_USED_RESOLUTION_MS = 60_000;

export interface UseRecorder {
  record(tokenId: string, storedLastUse?: Date | null): void;
  /** Writes the queued uses now. */
  flush(): Promise<void>;
  start(): void;
  /** Stops the timer and writes what is queued. */
  stop(): Promise<void>;
  readonly pending: number;
}

export function createUseRecorder(p: {
  write: (uses: { id: string; at: Date }[]) => Promise<unknown>;
  intervalMs: number;
  onError: (err: unknown) => void;
  now?: () => number;
}): UseRecorder {
  const now = p.now ?? Date.now;
  /** Per token, the latest use known to be written or queued: what the once-a-minute rule counts from. */
  const known = new Map<string, number>();
  const queued = new Map<string, number>();
  let timer: NodeJS.Timeout | undefined;
  let flushing: Promise<void> = Promise.resolve();

  async function writeQueued(): Promise<void> {
    if (queued.size === 0) return;
    const batch = [...queued].map(([id, at]) => ({ id, at: new Date(at) }));
    queued.clear();
    try {
      await p.write(batch);
    } catch (err) {
      for (const u of batch) if (!queued.has(u.id)) queued.set(u.id, u.at.getTime());
      p.onError(err);
    }
    // What is over a minute old no longer holds a use back: keep the map as small as the last minute's tokens.
    const horizon = now() - LAST_USED_RESOLUTION_MS;
    for (const [id, at] of known) if (at < horizon && !queued.has(id)) known.delete(id);
  }

  // One write at a time, in order: the timer's and an explicit flush never overlap.
  const flush = (): Promise<void> => {
    flushing = flushing.then(writeQueued);
    return flushing;
  };

  return {
    record(tokenId, storedLastUse) {
      const t = now();
      const last = Math.max(known.get(tokenId) ?? -Infinity, storedLastUse?.getTime() ?? -Infinity);
      if (t - last < LAST_USED_RESOLUTION_MS) return;
      known.set(tokenId, t);
      queued.set(tokenId, t);
    },
    flush,
    start() {
      timer ??= setInterval(() => void flush(), p.intervalMs);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await flush();
    },
    get pending() {
      return queued.size;
    },
  };
}
