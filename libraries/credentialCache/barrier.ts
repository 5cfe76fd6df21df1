import { randomUUID } from 'node:crypto';
import type { Sql } from '../../db/client';
import { liveListeners, sendBarrier, type LiveListener } from '../../db/queries/credentialCache';

/**
 * The revocation barrier: once a transaction that changed what cached lookups rest on has committed, the
 * revoking request answers only after every live API process has evicted (README "The token cache").
 *
 * 1. The triggers' evictions were delivered to every listener on commit. The barrier is a second notification,
 *    committed after it, so each listener receives it after them, in order (Postgres delivers notifications
 *    in commit order), and acknowledges it (a NOTIFY of `{ack, by}`) only once it has evicted.
 * 2. The listeners to wait for are read from pg_stat_activity in the statement that sends the barrier: those
 *    listening then will receive it. A listener that starts listening later had stopped serving from its cache
 *    until then, and only stores what it reads after, so it holds nothing stale and need not answer.
 * 3. While waiting, the live listeners are read again every `pollMs`: one whose connection went (or was
 *    replaced: another pid under its name) has emptied its cache and is no longer waited for.
 * 4. After `timeoutMs` the revocation answers anyway, with a warning: a process that neither answers nor
 *    drops its connection is stuck, and its entries still end at their maximum age.
 */
export interface BarrierOutcome {
  listeners: number;
  acknowledged: number;
  timedOut: boolean;
}

export interface Barrier {
  /** Called by the listener for every acknowledgement it hears. */
  onAck(id: string, by: string): void;
  /** Sends a barrier and waits for the acknowledgements; never throws. */
  await(): Promise<BarrierOutcome>;
}

export function createBarrier(p: {
  sql: Sql;
  /** Whether this process hears acknowledgements now (its own listener is listening). */
  canHear: () => boolean;
  timeoutMs: number;
  pollMs: number;
  warn: (details: Record<string, unknown>, message: string) => void;
}): Barrier {
  const waiters = new Map<string, { acked: Set<string>; wake: () => void }>();

  const sleep = (waiter: { wake: () => void }, ms: number) => new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      waiter.wake = () => undefined;
      resolve();
    }
    waiter.wake = done;
  });

  async function run(id: string, waiter: { acked: Set<string>; wake: () => void }): Promise<BarrierOutcome> {
    let expected: LiveListener[] = await sendBarrier(p.sql, JSON.stringify({ barrier: id }));
    const listeners = expected.length;
    const deadline = Date.now() + p.timeoutMs;
    let nextPoll = Date.now() + p.pollMs;
    for (;;) {
      expected = expected.filter((l) => !waiter.acked.has(l.name));
      if (expected.length === 0) return { listeners, acknowledged: waiter.acked.size, timedOut: false };
      const now = Date.now();
      if (now >= deadline) {
        p.warn({ barrierId: id, missing: expected.map((l) => l.name) }, 'token cache: API processes did not confirm an eviction in time; answering anyway');
        return { listeners, acknowledged: waiter.acked.size, timedOut: true };
      }
      if (now >= nextPoll) {
        const live = new Set((await liveListeners(p.sql)).map((l) => `${l.name}:${l.pid}`));
        expected = expected.filter((l) => live.has(`${l.name}:${l.pid}`));
        nextPoll = Date.now() + p.pollMs;
        continue;
      }
      await sleep(waiter, Math.min(deadline, nextPoll) - now);
    }
  }

  return {
    onAck(id, by) {
      const waiter = waiters.get(id);
      if (!waiter) return;
      waiter.acked.add(by);
      waiter.wake();
    },

    async await() {
      if (!p.canHear()) {
        p.warn({}, 'token cache: not listening, so no API process can confirm this eviction; answering without waiting');
        return { listeners: 0, acknowledged: 0, timedOut: true };
      }
      const id = randomUUID();
      // Registered before the barrier is sent: the first acknowledgements can arrive before its statement returns.
      const waiter = { acked: new Set<string>(), wake: () => undefined as void };
      waiters.set(id, waiter);
      try {
        return await run(id, waiter);
      } catch (err) {
        p.warn({ err }, 'token cache: the revocation barrier failed; answering anyway');
        return { listeners: 0, acknowledged: waiter.acked.size, timedOut: true };
      } finally {
        waiters.delete(id);
      }
    },
  };
}
