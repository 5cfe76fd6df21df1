import type { Sql } from './client';

/** The table rate-limiter-flexible's RateLimiterPostgres keeps its counters in (db/migrations/00003). */
export const RATE_LIMIT_TABLE = 'rate_limits';

/**
 * RateLimiterPostgres speaks node-postgres (`client.query({text, values}) → {rows, rowCount}`); this
 * presents our porsager pool that way, so the library's own atomic upserts run on our connections.
 * The library's SQL is its own, fixed text with numbered parameters.
 */
export function rateLimitStore(sql: Sql) {
  return {
    async query({ text, values }: { text: string; values?: unknown[] }) {
      const rows = await sql.unsafe(text, (values ?? []) as never[]);
      return { rows, rowCount: rows.count };
    },
  };
}
