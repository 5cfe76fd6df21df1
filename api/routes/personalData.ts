import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PersonalData } from '../../libraries/personalData';
import type { RouteBuilder } from '../route';
import { JsonSchemaDocument, PersonalDataExport } from '../schemas/personalData';

const TAGS = ['Personal data'];
const STREAMED = 'Written as it is read from the database (chunked transfer encoding), so a long history is never held in memory. ' +
  'Secrets (password, token and keyed hashes) are withheld and named in `withheld`. The format is described by the JSON Schema at GET /v1/personal-data/schema.';

/** The committed schema, read once: docs/personal-data.schema.json, next to the sources or the compiled output. */
function loadSchema(): unknown {
  for (const dir of [join(__dirname, '..', '..'), join(__dirname, '..', '..', '..'), process.cwd()]) {
    try {
      return JSON.parse(readFileSync(join(dir, 'docs', 'personal-data.schema.json'), 'utf8'));
    } catch {
      // try the next place
    }
  }
  throw new Error('docs/personal-data.schema.json not found');
}

export function personalDataRoutes(api: RouteBuilder, personalData: PersonalData): void {
  const schema = loadSchema();
  api.route({
    operationId: 'getPersonalData', method: 'get', path: '/v1/personal-data', tags: TAGS, auth: { credentials: ['session'] },
    summary: 'Everything stored about the signed-in person',
    description: `The profile and its accounts, settings, token and key metadata, community data, merges and audit entries. ${STREAMED}`,
    streams: true,
    responses: { 200: { description: 'The personal data', schema: PersonalDataExport } },
    handler: async ({ auth }) => ({ status: 200, stream: personalData.document(auth) }),
  });
  api.route({
    operationId: 'downloadPersonalData', method: 'get', path: '/v1/personal-data/download', tags: TAGS, auth: { credentials: ['session'] },
    summary: 'The same, as a file to save',
    streams: true,
    description: `The same document as GET /v1/personal-data, as an attachment named \`personal-data-<date>.json\`. ${STREAMED}`,
    responses: {
      200: {
        description: 'The personal data, as a file',
        schema: PersonalDataExport,
        headers: { 'Content-Disposition': { description: 'attachment; filename="personal-data-<YYYY-MM-DD>.json"', schema: { type: 'string' } } },
      },
    },
    handler: async ({ auth }) => ({
      status: 200,
      headers: { 'Content-Disposition': `attachment; filename="personal-data-${new Date().toISOString().slice(0, 10)}.json"` },
      stream: personalData.document(auth),
    }),
  });
  api.route({
    operationId: 'getPersonalDataSchema', method: 'get', path: '/v1/personal-data/schema', tags: TAGS, auth: false, dependencies: false,
    summary: 'The JSON Schema of the personal-data format',
    description: 'Draft 2020-12, column by column; the same as docs/personal-data.schema.json in the repository.',
    responses: { 200: { description: 'The JSON Schema', schema: JsonSchemaDocument } },
    handler: async () => ({ status: 200, body: schema }),
  });
}
