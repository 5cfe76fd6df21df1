// The personal-data export is complete (User Settings §6, README "Personal data"): every table of the
// database is either exported or excluded with a reason; every column of an exported table is in the
// export (or withheld as a secret, by name); the committed JSON Schema is the one the database implies;
// and a person with a footprint everywhere gets every trace of it back, and nobody else's.
import Ajv2020 from 'ajv/dist/2020';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXPORT_TABLES, NOT_PERSONAL_DATA, listTablesAndColumns, withheldColumns } from '../../db/queries/personalData';
import { findInEveryColumn } from '../../db/queries/personalDataScan';
import { createPersonalData } from '../../libraries/personalData';
import { personalDataSchema } from '../../libraries/personalDataSchema';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { personWithEverything } from '../helpers/erasure';
import { createPerson } from '../helpers/people';

const SCHEMA_FILE = join(__dirname, '..', '..', 'docs', 'personal-data.schema.json');
const REGENERATE = 'WRITE_PERSONAL_DATA_SCHEMA=1 npx jest test/db/personalDataCoverage';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.drop();
});

async function exportOf(profileId: string): Promise<{ text: string; doc: { sections: Record<string, Record<string, unknown>[]>; withheld: Record<string, Record<string, string>> } }> {
  let text = '';
  for await (const chunk of createPersonalData({ sql: db.sql }).document({ profileId })) text += chunk;
  return { text, doc: JSON.parse(text) };
}

test('every table is exported or excluded with a reason, and none is both', async () => {
  const tables = (await listTablesAndColumns(db.sql)).map((t) => t.table);
  const exported = new Set(EXPORT_TABLES.map((e) => e.table));
  const unaccounted = tables.filter((t) => !exported.has(t) && !Object.hasOwn(NOT_PERSONAL_DATA, t));
  // A new table: add it to EXPORT_TABLES (db/queries/personalData.ts, one line) or, when it holds no
  // personal data of the person, to NOT_PERSONAL_DATA with why.
  expect({ unaccounted }).toEqual({ unaccounted: [] });
  expect(tables.filter((t) => exported.has(t) && Object.hasOwn(NOT_PERSONAL_DATA, t))).toEqual([]);
  for (const why of Object.values(NOT_PERSONAL_DATA)) expect(why.length).toBeGreaterThan(20);
  expect(new Set(EXPORT_TABLES.map((e) => e.section)).size).toBe(EXPORT_TABLES.length);
});

test('every column of every exported table is in the committed JSON Schema, or withheld as a secret', async () => {
  const tables = await listTablesAndColumns(db.sql);
  const generated = personalDataSchema(tables);
  if (process.env.WRITE_PERSONAL_DATA_SCHEMA === '1') writeFileSync(SCHEMA_FILE, `${JSON.stringify(generated, null, 2)}\n`);
  const committed = JSON.parse(readFileSync(SCHEMA_FILE, 'utf8'));
  // Differs: a table or column changed. Rewrite the file with `${REGENERATE}` and review the diff.
  expect({ schema: committed, regenerate: REGENERATE }).toEqual({ schema: generated, regenerate: REGENERATE });
  const sections = (committed.properties.sections.properties ?? {}) as Record<string, { items: { properties: Record<string, unknown> } }>;
  for (const entry of EXPORT_TABLES) {
    const table = tables.find((t) => t.table === entry.table);
    if (!table) continue;
    const withheld = withheldColumns(entry, table.columns.map((c) => c.name));
    for (const c of table.columns) {
      expect({ column: `${entry.table}.${c.name}`, shown: c.name in sections[entry.section]!.items.properties || c.name in withheld })
        .toEqual({ column: `${entry.table}.${c.name}`, shown: true });
    }
  }
});

test('a person with a footprint in every table gets all of it back, valid against the schema, and no one else\'s', async () => {
  const colleague = await createPerson(db.sql);
  const { person, needles } = await personWithEverything(db.sql, { accounts: 3, colleague });
  await db.sql`insert into notification_settings (profile_id, key, value) values (${person.profileId}, 'buzz.daily_digest', 'true')`;
  const { text, doc } = await exportOf(person.profileId);

  const ajv = new Ajv2020({ allErrors: true, strict: false, validateFormats: false });
  const validate = ajv.compile(JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')));
  expect({ errors: validate(doc) ? [] : validate.errors }).toEqual({ errors: [] });

  // Every identifier of the person that is stored anywhere comes back.
  for (const needle of needles) expect({ needle, found: text.toLowerCase().includes(needle.toLowerCase()) }).toEqual({ needle, found: true });
  // Every table the database holds the person in is exported (with rows) or excluded with a reason.
  const holding = new Set((await findInEveryColumn(db.sql, [person.profileId, ...person.accountIds])).map((f) => f.table));
  const withRows = new Set(EXPORT_TABLES.filter((e) => (doc.sections[e.section]?.length ?? 0) > 0).map((e) => e.table));
  expect([...holding].filter((t) => !withRows.has(t) && !Object.hasOwn(NOT_PERSONAL_DATA, t))).toEqual([]);
  expect(doc.sections.accounts).toHaveLength(3);
  expect(doc.sections.notificationSettings).toEqual([expect.objectContaining({ key: 'buzz.daily_digest', value: true })]);
  expect(doc.withheld.accounts).toEqual({ password_hash: expect.any(String) });
  expect(doc.withheld.sessions).toEqual({ token_hash: expect.any(String) });
  // No secret: no password hash, no token hash.
  expect(text).not.toMatch(/\$argon2id\$/);
  // The colleague shares the app, and is still not in the export.
  for (const id of [colleague.profileId, ...colleague.accountIds, ...colleague.emails]) expect(text).not.toContain(id);
});
