import { EXPORT_TABLES, withheldColumns, type TableColumns } from '../db/queries/personalData';
import { PERSONAL_DATA_FORMAT, PERSONAL_DATA_SCHEMA_PATH, PERSONAL_DATA_VERSION } from './personalData';

type JsonSchema = Record<string, unknown>;

/** How `to_jsonb` renders each Postgres type the tables use. */
function columnSchema(dataType: string, nullable: boolean): JsonSchema {
  const base: JsonSchema = (() => {
    switch (dataType) {
      case 'uuid': return { type: 'string', format: 'uuid' };
      case 'boolean': return { type: 'boolean' };
      case 'smallint': case 'integer': case 'bigint': return { type: 'integer' };
      case 'numeric': case 'real': case 'double precision': return { type: 'number' };
      case 'timestamp with time zone': return { type: 'string', description: 'a timestamp, ISO 8601 with offset' };
      case 'bytea': return { type: 'string', description: 'binary, as Postgres hex: \\\\x followed by two hex digits per byte' };
      case 'jsonb': case 'json': return {};
      case 'ARRAY': return { type: 'array' };
      default: return { type: 'string' };
    }
  })();
  if (!nullable || !('type' in base)) return base;
  return { ...base, type: [base.type, 'null'] };
}

/**
 * The JSON Schema (2020-12) of the personal-data export, derived from the export registry and the
 * database's own columns: docs/personal-data.schema.json is this, committed, and the coverage test
 * checks the two stay equal (`npm run personal-data:schema` rewrites it).
 */
export function personalDataSchema(tables: TableColumns[]): JsonSchema {
  const byName = new Map(tables.map((t) => [t.table, t]));
  const sections: Record<string, JsonSchema> = {};
  for (const entry of EXPORT_TABLES) {
    const table = byName.get(entry.table);
    if (!table) continue;
    const withheld = withheldColumns(entry, table.columns.map((c) => c.name));
    const properties: Record<string, JsonSchema> = {};
    for (const c of table.columns) if (!(c.name in withheld)) properties[c.name] = columnSchema(c.dataType, c.nullable);
    for (const [k, description] of Object.entries(entry.extraKeys ?? {})) properties[k] = { type: ['string', 'null'], description };
    const withheldNote = Object.keys(withheld).length ? ` Withheld: ${Object.entries(withheld).map(([c, why]) => `${c} (${why})`).join('; ')}.` : '';
    sections[entry.section] = {
      type: 'array',
      description: `Rows of the table ${entry.table}, every column under its database name.${withheldNote}`,
      items: { type: 'object', additionalProperties: false, required: Object.keys(properties), properties },
    };
  }
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: PERSONAL_DATA_SCHEMA_PATH,
    title: 'Custodian personal data export',
    description:
      'Everything Custodian stores about one person (User Settings §6), as GET /v1/personal-data and GET /v1/personal-data/download answer it. ' +
      'Secrets (password hashes, token hashes, keyed hashes) are withheld and named in `withheld`. A reader must ignore sections it does not know.',
    type: 'object',
    additionalProperties: false,
    required: ['format', 'version', 'schema', 'generatedAt', 'profileId', 'withheld', 'sections'],
    properties: {
      format: { const: PERSONAL_DATA_FORMAT },
      version: { const: PERSONAL_DATA_VERSION, description: 'Raised on any change a reader could notice' },
      schema: { type: 'string', description: 'Where this schema is served' },
      generatedAt: { type: 'string', format: 'date-time' },
      profileId: { type: 'string', format: 'uuid' },
      withheld: {
        type: 'object',
        description: 'Per section, each column left out of its rows, with why',
        additionalProperties: { type: 'object', additionalProperties: { type: 'string' } },
      },
      sections: { type: 'object', additionalProperties: false, properties: sections },
    },
  };
}
