import { isoDate, uuid } from './common';
import { z } from './zod';

/**
 * The export's envelope. Its sections are described column by column by the JSON Schema served at
 * GET /v1/personal-data/schema (docs/personal-data.schema.json), which is derived from the database.
 */
export const PersonalDataExport = z
  .object({
    format: z.literal('custodian.personal-data'),
    version: z.number().int().openapi({ description: 'The format version; raised on any change a reader could notice' }),
    schema: z.string().openapi({ description: 'Where the JSON Schema of this format is served' }),
    generatedAt: isoDate,
    profileId: uuid,
    withheld: z
      .record(z.string(), z.record(z.string(), z.string()))
      .openapi({ description: 'Per section, each column left out of its rows (secrets such as password and token hashes), with why' }),
    sections: z
      .record(z.string(), z.array(z.record(z.string(), z.unknown())))
      .openapi({ description: 'Per section (profile, accounts, notificationSettings, sessions, merges, auditEntries…), the rows stored about the person, every column under its database name' }),
  })
  .openapi('PersonalDataExport');

export const JsonSchemaDocument = z
  .record(z.string(), z.unknown())
  .openapi('PersonalDataJsonSchema', { description: 'A JSON Schema (draft 2020-12) document' });
