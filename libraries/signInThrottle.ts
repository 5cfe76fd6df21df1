import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { Config } from '../lib/config';
import { AppError } from '../lib/errors';

/**
 * Counts failed sign-ins per account (email) and per client address, after rate-limiter-flexible's
 * login-protection recipe. Only failures count; a success clears the account's count.
 * The counters live in this process: behind several API instances, swap in one of the library's
 * shared stores (see README "Scaling").
 */
export function createSignInThrottle(cfg: Config['signInThrottle']) {
  const byAccount = new RateLimiterMemory({
    keyPrefix: 'signin_account',
    points: cfg.maxFailuresPerAccount,
    duration: cfg.blockSeconds,
    blockDuration: cfg.blockSeconds,
  });
  const byAddress = new RateLimiterMemory({
    keyPrefix: 'signin_address',
    points: cfg.maxFailuresPerAddress,
    duration: 3600,
    blockDuration: cfg.blockSeconds,
  });
  const accountKey = (email: string) => email.trim().toLowerCase();
  const countFailure = async (limiter: RateLimiterMemory, key: string, max: number) => {
    const res = await limiter.penalty(key);
    if (res.consumedPoints >= max) await limiter.block(key, cfg.blockSeconds);
  };

  const tooMany = (msBeforeNext: number) =>
    new AppError(429, 'auth.too_many_attempts', 'Too many failed sign-in attempts; try again later', {
      headers: { 'Retry-After': String(Math.max(1, Math.ceil(msBeforeNext / 1000))) },
    });

  return {
    /** Throws 429 if this account or address is currently blocked. */
    async check(email: string, address: string): Promise<void> {
      const [a, b] = await Promise.all([byAccount.get(accountKey(email)), byAddress.get(address)]);
      const blocked = [
        a && a.consumedPoints >= cfg.maxFailuresPerAccount ? a : null,
        b && b.consumedPoints >= cfg.maxFailuresPerAddress ? b : null,
      ].filter((r): r is RateLimiterRes => r !== null);
      if (blocked.length) throw tooMany(Math.max(...blocked.map((r) => r.msBeforeNext)));
    },
    async recordFailure(email: string, address: string): Promise<void> {
      // penalty() counts without ever rejecting; reaching the limit then blocks for exactly blockSeconds
      // from this failure (a plain consume would leave the block to the counting window instead).
      await Promise.all([
        countFailure(byAccount, accountKey(email), cfg.maxFailuresPerAccount),
        countFailure(byAddress, address, cfg.maxFailuresPerAddress),
      ]);
    },
    async recordSuccess(email: string): Promise<void> {
      await byAccount.delete(accountKey(email));
    },
  };
}
export type SignInThrottle = ReturnType<typeof createSignInThrottle>;
