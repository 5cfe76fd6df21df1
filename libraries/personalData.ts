import type { Sql } from '../db/client';
import { EXPORT_TABLES, listTablesAndColumns, streamRows, withheldColumns, type ExportTable } from '../db/queries/personalData';
import type { Principal } from './principal';

/** The export format (docs/personal-data.schema.json): raise the version on any change a reader could notice. */
export const PERSONAL_DATA_FORMAT = 'custodian.personal-data';
export const PERSONAL_DATA_VERSION = 1;
export const PERSONAL_DATA_SCHEMA_PATH = '/v1/personal-data/schema';

/** Rows per chunk written: large enough to keep writes few, small enough that memory stays flat. */
const ROWS_PER_CHUNK = 100;

interface Plan {
  entry: ExportTable;
  withheld: Record<string, string>;
}

/** The export entries whose tables exist in this database, with the columns each withholds. */
async function plan(sql: Sql): Promise<Plan[]> {
  const tables = new Map((await listTablesAndColumns(sql)).map((t) => [t.table, t.columns.map((c) => c.name)]));
  return EXPORT_TABLES.filter((e) => tables.has(e.table)).map((entry) => ({ entry, withheld: withheldColumns(entry, tables.get(entry.table)!) }));
}

/**
 * Everything stored about the signed-in person (User Settings §6), as one JSON document written as it is
 * read: a header, then one array per section, rows straight from Postgres cursors. It reads in one
 * read-only repeatable-read transaction, so the sections agree with each other.
 */
export function createPersonalData({ sql }: { sql: Sql }) {
  return {
    async *document(auth: Pick<Principal, 'profileId'>): AsyncGenerator<string> {
      const plans = await plan(sql);
      const conn = await sql.reserve();
      try {
        await conn`begin transaction isolation level repeatable read read only`;
        try {
          const accounts = await conn<{ id: string }[]>`select id from accounts where profile_id = ${auth.profileId} order by created_at, id`;
          const subject = { profileId: auth.profileId, accountIds: accounts.map((a) => a.id) };
          const header = {
            format: PERSONAL_DATA_FORMAT,
            version: PERSONAL_DATA_VERSION,
            schema: PERSONAL_DATA_SCHEMA_PATH,
            generatedAt: new Date().toISOString(),
            profileId: auth.profileId,
            withheld: Object.fromEntries(plans.filter((p) => Object.keys(p.withheld).length).map((p) => [p.entry.section, p.withheld])),
          };
          yield `${JSON.stringify(header).slice(0, -1)},"sections":{`;
          let firstSection = true;
          for (const { entry, withheld } of plans) {
            let chunk = `${firstSection ? '' : ','}${JSON.stringify(entry.section)}:[`;
            firstSection = false;
            let rows = 0;
            for await (const row of streamRows(conn, entry, subject, Object.keys(withheld))) {
              chunk += (rows++ ? ',' : '') + row;
              if (rows % ROWS_PER_CHUNK === 0) {
                yield chunk;
                chunk = '';
              }
            }
            yield `${chunk}]`;
          }
          yield '}}\n';
        } finally {
          await conn`commit`;
        }
      } finally {
        conn.release();
      }
    },
  };
}
export type PersonalData = ReturnType<typeof createPersonalData>;
