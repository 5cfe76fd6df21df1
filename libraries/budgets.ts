import { RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';
import type { Sql } from '../db/client';
import { RATE_LIMIT_TABLE, rateLimitStore } from '../db/rateLimitStore';

/**
 * Every durable budget of codes and flows, in one table of numbers (README "Security"). They live in
 * Postgres, so neither a restarted flow nor a restarted process refills them, and every API process
 * shares them.
 */
export const BUDGETS = {
  /** Wrong codes against one subject (a source profile, an address, an account), across all its flows. */
  codeProofsPerSubject: { limit: 10, windowSeconds: 24 * 3600 },
  /** Wrong codes by one signed-in account, whatever subject it aims at. */
  codeProofsPerActor: { limit: 30, windowSeconds: 24 * 3600 },
  /** Codes sent to one address (keyed by the address's HMAC). */
  codesPerAddress: { limit: 10, windowSeconds: 24 * 3600 },
  /** Merges one account may start. */
  mergeStartsPerActor: { limit: 20, windowSeconds: 24 * 3600 },
  /** Codes typed with a new password from one client address (invitation acceptances, reset completions), reserved before argon2. */
  passwordCodesPerClient: { limit: 50, windowSeconds: 3600 },
  /** The same against one flow (an invitation, a reset's run): bounds parallel guesses that all reach argon2 before a verdict. */
  passwordCodesPerFlow: { limit: 10, windowSeconds: 24 * 3600 },
  /** Test pings one company may send to its webhook: each is a request from our network to an address it chose. */
  webhookTestsPerCompany: { limit: 30, windowSeconds: 3600 },
  /** Member creations (one or an import's rows) that meet an account outside the company: each tells that the address has one. */
  memberConflictsPerCompany: { limit: 100, windowSeconds: 24 * 3600 },
} as const;
export type BudgetName = keyof typeof BUDGETS;

export interface Spent {
  allowed: boolean;
  retryAfterMs: number;
}

/** A durable limiter of `points` per `windowSeconds`, counted in Postgres by rate-limiter-flexible. */
export function durableLimiter(sql: Sql, name: string, points: number, windowSeconds: number, blockSeconds = 0): RateLimiterPostgres {
  return new RateLimiterPostgres({
    storeClient: rateLimitStore(sql),
    storeType: 'client',
    tableName: RATE_LIMIT_TABLE,
    tableCreated: true, // by the migration
    clearExpiredByTimeout: false, // expired rows are reset in place by the next upsert
    keyPrefix: name,
    points,
    duration: windowSeconds,
    // Past the limit, a block of its own length rather than the rest of the window.
    blockDuration: blockSeconds,
  });
}

/** Spends one point: consumption is one atomic upsert, so concurrent callers never exceed the limit. */
export async function consume(limiter: RateLimiterPostgres, key: string): Promise<Spent> {
  try {
    await limiter.consume(key);
    return { allowed: true, retryAfterMs: 0 };
  } catch (res) {
    if (res instanceof RateLimiterRes) return { allowed: false, retryAfterMs: res.msBeforeNext };
    throw res;
  }
}

/** The named budgets over one pool; `subject` is an id or an HMAC, never an address. */
export function createBudgets(sql: Sql) {
  const limiters = Object.fromEntries(
    Object.entries(BUDGETS).map(([name, b]) => [name, durableLimiter(sql, name, b.limit, b.windowSeconds)]),
  ) as Record<BudgetName, RateLimiterPostgres>;
  return {
    spend: (name: BudgetName, subject: string) => consume(limiters[name], subject),
    /** Whether a point is left, without spending one. */
    async left(name: BudgetName, subject: string): Promise<Spent> {
      const res = await limiters[name].get(subject);
      return res && res.consumedPoints >= BUDGETS[name].limit ? { allowed: false, retryAfterMs: res.msBeforeNext } : { allowed: true, retryAfterMs: 0 };
    },
    /** Gives one point back (a right code refunds the point it reserved). */
    refund: async (name: BudgetName, subject: string) => {
      await limiters[name].reward(subject, 1);
    },
  };
}
export type Budgets = ReturnType<typeof createBudgets>;
