import { randomUUID } from 'node:crypto';
import postgres from 'postgres';
import { createSql, type Sql } from '../../db/client';
import { infra } from './infra';

export interface TestDatabase {
  url: string;
  sql: Sql;
  drop(): Promise<void>;
}

/** A fresh, migrated database for one suite: a copy of the template globalSetup migrated. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const { pgAdminUrl, pgTemplate } = infra();
  const name = `t_${randomUUID().replace(/-/g, '')}`;
  const admin = postgres(pgAdminUrl, { max: 1, onnotice: () => undefined });
  await admin.unsafe(`create database ${name} template ${pgTemplate}`);
  await admin.end();
  const url = pgAdminUrl.replace(/\/postgres$/, `/${name}`);
  const sql = createSql({ databaseUrl: url, max: 5 });
  return {
    url,
    sql,
    async drop() {
      await sql.end({ timeout: 5 });
      const a = postgres(pgAdminUrl, { max: 1, onnotice: () => undefined });
      await a.unsafe(`drop database if exists ${name} with (force)`);
      await a.end();
    },
  };
}

/** A database the caller created and migrated: closing the stack only closes the pool. */
export function existingDatabase(url: string): TestDatabase {
  const sql = createSql({ databaseUrl: url, max: 5 });
  return { url, sql, drop: () => sql.end({ timeout: 5 }) };
}

/** An empty database (no migrations), for testing the migration runner itself. */
export async function createEmptyDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const { pgAdminUrl } = infra();
  const name = `e_${randomUUID().replace(/-/g, '')}`;
  const admin = postgres(pgAdminUrl, { max: 1, onnotice: () => undefined });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  return {
    url: pgAdminUrl.replace(/\/postgres$/, `/${name}`),
    async drop() {
      const a = postgres(pgAdminUrl, { max: 1, onnotice: () => undefined });
      await a.unsafe(`drop database if exists ${name} with (force)`);
      await a.end();
    },
  };
}
