import { randomUUID } from 'node:crypto';
import type { Queryable, Sql } from '../../db/client';
import { createChannelListener } from '../../db/listener';
import {
  CREDENTIAL_CACHE_CHANNEL, CREDENTIAL_CACHE_LISTENER_PREFIX, credentialsChangedInTransaction, recordTokenUses,
} from '../../db/queries/credentialCache';
import type { Logger } from '../../lib/logger';
import { createBarrier, type BarrierOutcome } from './barrier';
import { createCacheEntries, type CacheEntries } from './entries';
import { createUseRecorder, type UseRecorder } from './lastUsed';

/**
 * The per-process cache of personal access token lookups, and what keeps it right (README "The token cache"):
 * - the entries (./entries.ts), served only while this process LISTENs on the invalidation channel that the
 *   triggers of 00021 fill in the transaction of every change; a dropped connection empties the cache and
 *   turns it off until LISTEN runs again;
 * - `revocations.begin`, the business layer's transaction for changes that revoke: after its commit it waits
 *   until every live API process has evicted (./barrier.ts), so the revoking request answers only then;
 * - the batched recording of last use (./lastUsed.ts).
 * One per API process, created at start and closed on shutdown (which writes the last uses still queued).
 */
export interface Revocations {
  /**
   * `sql.begin`; if the transaction changed anything a cached lookup rests on, resolves only once every live
   * API process has evicted it (or the barrier's timeout passed, with a warning).
   */
  begin<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /**
   * For a change committed elsewhere before this call (a workflow's activity, which the API waited for):
   * resolves once every live API process has evicted it.
   */
  awaitEviction(): Promise<void>;
}

/**
 * The transaction of a change that may revoke a credential: through the barrier when this process has a cache,
 * a plain `sql.begin` when it has none (AUTH_CACHE=false, the worker, scripts).
 */
export function revokingTransaction(sql: Sql, revocations: Revocations | undefined): Revocations['begin'] {
  if (revocations) return (fn) => revocations.begin(fn);
  return async <T>(fn: (tx: Queryable) => Promise<T>): Promise<T> => {
    // Boxed: porsager's begin() unwraps an array result's promises, which T must not be subject to.
    const box = await sql.begin(async (tx) => ({ result: await fn(tx) }));
    return box.result as T;
  };
}

export interface CredentialCacheOptions {
  maxEntries?: number;
  maxAgeMs?: number;
  flushIntervalMs?: number;
  barrierTimeoutMs?: number;
  barrierPollMs?: number;
  /** The first wait before listening again after a drop; doubled per failure, up to 5 s. */
  retryMs?: number;
}

type Message = { tokens?: unknown; accounts?: unknown; all?: unknown; barrier?: unknown; ack?: unknown; by?: unknown };
const ids = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

export function createCredentialCache({ sql, databaseUrl, logger, options = {} }: {
  sql: Sql; databaseUrl: string; logger: Logger; options?: CredentialCacheOptions;
}) {
  const name = CREDENTIAL_CACHE_LISTENER_PREFIX + randomUUID();
  const retryMs = options.retryMs ?? 100;
  const tokens: CacheEntries = createCacheEntries({ maxEntries: options.maxEntries ?? 10_000, maxAgeMs: options.maxAgeMs ?? 60_000 });
  const lastUsed: UseRecorder = createUseRecorder({
    write: (uses) => recordTokenUses(sql, uses),
    intervalMs: options.flushIntervalMs ?? 5_000,
    onError: (err) => logger.warn({ err }, 'token cache: writing the last uses failed; kept for the next flush'),
  });
  type State = 'idle' | 'subscribing' | 'listening' | 'down' | 'closed';
  let state: State = 'idle';
  // Read through a call: the listener's callbacks change it across the awaits, which narrowing cannot see.
  const current = (): State => state;
  let retry: NodeJS.Timeout | undefined;
  let failures = 0;

  const barrier = createBarrier({
    sql,
    canHear: () => state === 'listening',
    timeoutMs: options.barrierTimeoutMs ?? 2_000,
    pollMs: options.barrierPollMs ?? 100,
    warn: (details, message) => logger.warn(details, message),
  });

  const listener = createChannelListener({
    databaseUrl,
    channel: CREDENTIAL_CACHE_CHANNEL,
    connectingName: 'custodian-pat-cache-connecting',
    listeningName: name,
    onNotify(payload) {
      let m: Message;
      try {
        m = JSON.parse(payload) as Message;
      } catch {
        return;
      }
      if (m.all === true) tokens.clear();
      if (m.tokens !== undefined) tokens.evictTokens(ids(m.tokens));
      if (m.accounts !== undefined) tokens.evictAccounts(ids(m.accounts));
      // Acknowledged only now, after the evictions this barrier follows (delivered before it, in commit order).
      if (typeof m.barrier === 'string') listener.notify(JSON.stringify({ ack: m.barrier, by: name })).catch(() => undefined);
      if (typeof m.ack === 'string' && typeof m.by === 'string') barrier.onAck(m.ack, m.by);
    },
    onClose() {
      if (state === 'closed') return;
      if (state === 'listening') logger.warn('token cache: its LISTEN connection dropped; tokens are looked up in Postgres until it listens again');
      state = 'down';
      tokens.setServing(false);
      scheduleSubscribe();
    },
  });

  function scheduleSubscribe() {
    if (retry || state === 'closed') return;
    retry = setTimeout(() => {
      retry = undefined;
      void subscribe();
    }, Math.min(retryMs * 2 ** failures, 5_000));
    retry.unref();
  }

  async function subscribe(): Promise<void> {
    if (state === 'closed') return;
    state = 'subscribing';
    try {
      await listener.subscribe();
      // Dropped meanwhile: onClose has already planned the next attempt.
      if (current() !== 'subscribing') return;
      state = 'listening';
      failures = 0;
      tokens.setServing(true);
    } catch (err) {
      if (current() === 'closed') return;
      failures++;
      state = 'down';
      logger.warn({ err }, 'token cache: LISTEN failed; tokens are looked up in Postgres until it succeeds');
      scheduleSubscribe();
    }
  }

  const revocations: Revocations = {
    async begin<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      let changed = false;
      // Boxed: porsager's begin() unwraps an array result's promises, which T must not be subject to.
      const box = await sql.begin(async (tx) => {
        const result = await fn(tx);
        changed = await credentialsChangedInTransaction(tx);
        return { result };
      });
      if (changed) await barrier.await();
      return box.result as T;
    },
    async awaitEviction() {
      await barrier.await();
    },
  };

  return {
    /** This process's listener, as other processes see it in pg_stat_activity. */
    name,
    tokens,
    lastUsed,
    revocations,
    get listening(): boolean {
      return state === 'listening';
    },
    /** Sends a barrier and waits, as a revocation does after its commit. */
    awaitEviction: (): Promise<BarrierOutcome> => barrier.await(),
    /** Starts listening (resolving after the first attempt; later ones retry by themselves) and the flush timer. */
    async start(): Promise<void> {
      lastUsed.start();
      if (state === 'idle') await subscribe();
    },
    async close(): Promise<void> {
      state = 'closed';
      if (retry) clearTimeout(retry);
      tokens.setServing(false);
      await lastUsed.stop();
      await listener.end();
    },
  };
}
export type CredentialCache = ReturnType<typeof createCredentialCache>;
