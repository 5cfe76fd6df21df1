import type { RateLimiterPostgres } from 'rate-limiter-flexible';
import type { Sql } from '../db/client';
import { retryLater } from '../lib/errors';
import type { Config } from '../lib/config';
import { consume, durableLimiter } from './budgets';

/** Failures on one account, from any address, after which each attempt waits (README "Security"). */
export const BACKOFF_AFTER = 10;
const BACKOFF_BASE_MS = 250;
const BACKOFF_MAX_MS = 8_000;
const DAY = 24 * 3600;

export interface Reservation {
  /** The password was right: give back the points reserved, and end the pair's run of failures. */
  succeeded(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Failed sign-ins, counted durably in Postgres (rate-limiter-flexible) and shared by every API process:
 * - per account and address pair: consecutive failures, then 429 until the window ends. An attacker's
 *   address cannot lock the owner out: the right password from an address with no failures gets in.
 * - per address: failures across all accounts, then 429.
 * - per account from anywhere: never a block, but after BACKOFF_AFTER failures a day each attempt waits
 *   longer (progressive backoff), which makes distributed guessing slow without denying the owner.
 * A point is reserved atomically before the password is verified and given back on success, so
 * parallel guesses cannot get past a counter that is only written after a slow argon2 verification.
 */
export function createSignInThrottle(sql: Sql, cfg: Config['signInThrottle']) {
  const pair = durableLimiter(sql, 'signin_pair', cfg.maxFailuresPerAccount, cfg.blockSeconds);
  const address = durableLimiter(sql, 'signin_address', cfg.maxFailuresPerAddress, 3600, cfg.blockSeconds);
  // No hard limit: the count only drives the backoff.
  const account = durableLimiter(sql, 'signin_account', 1_000_000, DAY);
  const accountKey = (email: string) => email.trim().toLowerCase();

  const tooMany = (ms: number) => retryLater(429, 'auth.too_many_attempts', 'Too many failed sign-in attempts; try again later', ms);

  async function backoffMs(key: string): Promise<number> {
    const failures = (await account.get(key))?.consumedPoints ?? 0;
    if (failures < BACKOFF_AFTER) return 0;
    return Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** (failures - BACKOFF_AFTER));
  }

  return {
    /**
     * Reserves one failure on each counter before the password is checked; throws 429 (AppError) when
     * the pair or the address has no failures left. Waits out the account's backoff first.
     */
    async reserve(email: string, addr: string): Promise<Reservation> {
      const acct = accountKey(email);
      const pairKey = `${acct}|${addr}`;
      const wait = await backoffMs(acct);
      if (wait > 0) await sleep(wait);
      const taken: [RateLimiterPostgres, string][] = [];
      const giveBack = () => Promise.all(taken.map(([l, k]) => l.reward(k, 1)));
      for (const [limiter, key] of [[pair, pairKey], [address, addr], [account, acct]] as const) {
        const r = await consume(limiter, key);
        if (!r.allowed) {
          await giveBack();
          throw tooMany(r.retryAfterMs);
        }
        taken.push([limiter, key]);
      }
      return {
        async succeeded() {
          await Promise.all([pair.delete(pairKey), address.reward(addr, 1), account.reward(acct, 1)]);
        },
      };
    },
  };
}
export type SignInThrottle = ReturnType<typeof createSignInThrottle>;
