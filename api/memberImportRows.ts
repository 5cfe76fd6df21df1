import { AppError } from '../lib/errors';
import { parseCsv } from '../libraries/csv';
import { MAX_IMPORT_ROWS, type ImportRow } from '../libraries/memberOnboarding/imports';
import { NewMember } from './schemas/memberOnboarding';

/**
 * The rows of a member import, JSON or CSV, each validated on its own with the schema of a single creation
 * (`NewMember`): a bad row is reported, never fatal. Only an upload that cannot be read at all (not CSV,
 * unknown or missing columns, too many rows) is refused whole.
 */

/** CSV headers, matched without case, spaces, `_` or `-` (libraries/csv.ts): `jobTitle`, `Job title` and `job_title` are one column. */
const COLUMNS = { allowed: ['email', 'name', 'jobTitle', 'country'], required: ['email', 'name'] } as const;
const invalidCsv = (message: string) => new AppError(400, 'request.invalid_csv', message);

function rowFrom(row: number, raw: unknown): ImportRow {
  const given = (raw as { email?: unknown } | null)?.email;
  const r = NewMember.safeParse(raw);
  if (r.success) return { row, email: r.data.email, member: r.data };
  return {
    row,
    ...(typeof given === 'string' && given.length <= 254 ? { email: given } : {}),
    errors: r.error.issues.map((i) => ({ code: 'request.invalid', path: i.path.map(String).join('.') || 'row', message: i.message })),
  };
}

export const rowsFromJson = (members: readonly unknown[]): ImportRow[] => members.map((m, i) => rowFrom(i + 1, m));

/**
 * A header line with `email` and `name` (and optionally `jobTitle`, `country`), then one member per line; empty cells
 * are absent fields. An unknown or repeated column, or a missing required one, refuses the upload whole.
 */
export function rowsFromCsv(body: Buffer): ImportRow[] {
  const records = parseCsv(body, { maxRows: MAX_IMPORT_ROWS, columns: COLUMNS });
  if (records.length === 0) throw invalidCsv('The CSV has no members: a header line (email,name,jobTitle,country), then one line per member');
  return records.map((record, i) => rowFrom(i + 1, Object.fromEntries(Object.entries(record).filter(([, v]) => v !== ''))));
}
