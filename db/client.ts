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
  });
}
