import type { Queryable } from '../client';

export interface Finding {
  table: string;
  column: string;
  /** The value searched for, lowercased. */
  needle: string;
  rows: number;
}

/**
 * Searches every column of every base table of the public schema (from information_schema, so tables added
 * later are searched too) for each needle, case-insensitively, anywhere in the value cast to text: ids inside
 * workflow ids and JSON, emails inside rate-limit keys. For tests and operators proving an erasure; nothing in
 * the request path uses it. Reads the whole database: fine for a test database, slow on a large one.
 */
export async function findInEveryColumn(sql: Queryable, needles: string[]): Promise<Finding[]> {
  const lowered = [...new Set(needles.map((n) => n.toLowerCase()))];
  const columns = await sql<{ tableName: string; columnName: string }[]>`
    select c.table_name, c.column_name
      from information_schema.columns c
      join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
     where c.table_schema = 'public' and t.table_type = 'BASE TABLE'
     order by c.table_name, c.ordinal_position`;
  const findings: Finding[] = [];
  for (const { tableName, columnName } of columns) {
    const hits = await sql<{ needle: string; rows: number }[]>`
      select n as needle, count(*)::int as rows
        from ${sql(tableName)} t cross join unnest(${lowered}::text[]) n
       where strpos(lower(t.${sql(columnName)}::text), n) > 0
       group by n`;
    for (const h of hits) findings.push({ table: tableName, column: columnName, needle: h.needle, rows: h.rows });
  }
  return findings;
}

/** Foreign keys that point at `tables`, with what a delete of the referenced row does to the referencing one. */
export async function listForeignKeysTo(sql: Queryable, tables: string[]): Promise<{ table: string; column: string; references: string; onDelete: string }[]> {
  return sql<{ table: string; column: string; references: string; onDelete: string }[]>`
    select c.conrelid::regclass::text as table, a.attname as column, c.confrelid::regclass::text as references,
           case c.confdeltype when 'c' then 'cascade' when 'n' then 'set null' when 'd' then 'set default'
                              when 'r' then 'restrict' else 'no action' end as on_delete
      from pg_constraint c
      join pg_attribute a on a.attrelid = c.conrelid and a.attnum = any(c.conkey)
     where c.contype = 'f' and c.confrelid::regclass::text = any(${tables}::text[])
     order by 1, 2`;
}

/** Tables with both an `account_id` and a `revoked_at` column: credentials an account holds. */
export async function listCredentialTables(sql: Queryable): Promise<string[]> {
  const rows = await sql<{ tableName: string }[]>`
    select table_name from information_schema.columns
     where table_schema = 'public' and column_name in ('account_id', 'revoked_at')
     group by table_name having count(*) = 2 order by table_name`;
  return rows.map((r) => r.tableName);
}
