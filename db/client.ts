import postgres from 'postgres';

export type Sql = postgres.Sql;
type TransactionSql = postgres.TransactionSql;
/** Either the pool or an open transaction: query modules accept both so callers choose the boundary. */
export type Queryable = Sql | TransactionSql;

export interface SqlOptions {
  databaseUrl: string;
  max?: number;
  applicationName?: string;
}

export function createSql({ databaseUrl, max = 10, applicationName = 'custodian' }: SqlOptions): Sql {
  return postgres(databaseUrl, {
    max,
    transform: postgres.camel,
    onnotice: () => undefined,
    connection: { application_name: applicationName },
    // postgres.js waits before each reconnect after a failed one, growing to 20 s, and queues the queries meanwhile:
    // during an outage a request would hang that long instead of answering 503 at once, and an activity would
    // outlive its start-to-close timeout. Capped at a second (jittered), as Temporal's retries do the backing off.
    backoff: (retries: number) => (0.5 + Math.random() / 2) * Math.min(3 ** retries / 100, 1),
  });
}
