import type { TokenPrincipal } from '../principal';

/**
 * The cached lookups of one process: token hash → the principal it resolved to, bounded and aged.
 *
 * - Only successes are stored: an unknown, deleted or expired token, or a deactivated owner, is looked up again
 *   every time, so it starts working the moment it is valid again and an attacker's guesses fill nothing.
 * - An entry lives `maxAgeMs` from the moment its lookup began, and never past its token's expiry.
 * - At `maxEntries`, the least recently used entry goes (a Map keeps insertion order; a hit moves to the end).
 * - Served only while `serving`: the owner turns it off whenever it may have missed an invalidation.
 * - The generation guards the race of a lookup that read the database before a change and would store its
 *   stale answer after the eviction: it takes a ticket before reading, and `put` refuses a ticket of an older
 *   generation. Every eviction, and every switch of `serving`, starts a new generation.
 */
export interface Ticket {
  generation: number;
  startedAt: number;
}

interface Entry {
  principal: TokenPrincipal;
  expiresAt: number | null;
  cachedAt: number;
}

export interface CacheEntries {
  ticket(): Ticket;
  get(key: string): TokenPrincipal | undefined;
  /** Stores a lookup begun with `ticket`; false when refused (a newer generation, or not serving). */
  put(key: string, ticket: Ticket, principal: TokenPrincipal, expiresAt: Date | null): boolean;
  evictTokens(ids: readonly string[]): void;
  evictAccounts(ids: readonly string[]): void;
  clear(): void;
  setServing(serving: boolean): void;
  readonly serving: boolean;
  readonly size: number;
}

export function createCacheEntries({ maxEntries, maxAgeMs, now = Date.now }: { maxEntries: number; maxAgeMs: number; now?: () => number }): CacheEntries {
  const map = new Map<string, Entry>();
  let generation = 0;
  let serving = false;

  const evictWhere = (drop: (e: Entry) => boolean) => {
    generation++;
    for (const [key, e] of map) if (drop(e)) map.delete(key);
  };

  return {
    ticket: () => ({ generation, startedAt: now() }),

    get(key) {
      if (!serving) return undefined;
      const e = map.get(key);
      if (!e) return undefined;
      const t = now();
      map.delete(key);
      if (t - e.cachedAt >= maxAgeMs || (e.expiresAt !== null && t >= e.expiresAt)) return undefined;
      map.set(key, e);
      // A copy: what a request does with its principal stays with that request.
      return { ...e.principal, credential: { ...e.principal.credential } };
    },

    put(key, ticket, principal, expiresAt) {
      if (!serving || ticket.generation !== generation) return false;
      map.delete(key);
      map.set(key, { principal, expiresAt: expiresAt?.getTime() ?? null, cachedAt: ticket.startedAt });
      while (map.size > maxEntries) map.delete(map.keys().next().value!);
      return true;
    },

    evictTokens(ids) {
      const set = new Set(ids);
      evictWhere((e) => set.has(e.principal.credential.id));
    },

    evictAccounts(ids) {
      const set = new Set(ids);
      evictWhere((e) => set.has(e.principal.accountId));
    },

    clear: () => evictWhere(() => true),

    setServing(on) {
      serving = on;
      evictWhere(() => true);
    },

    get serving() {
      return serving;
    },
    get size() {
      return map.size;
    },
  };
}
