import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { AppError } from '../lib/errors';

/**
 * CSV in and out for the company API (member lists, reports, the audit log, bulk uploads), through the
 * csv-stringify and csv-parse libraries.
 */

export interface CsvColumn<T> {
  header: string;
  value: (row: T) => string | number | boolean | Date | null | undefined;
}

/**
 * A cell a spreadsheet cannot run (OWASP "CSV injection"): text starting with `=`, `+`, `-`, `@`, a tab or a
 * carriage return is prefixed with `'`, so Excel, LibreOffice and Sheets show it as text instead of
 * evaluating a formula such as `=HYPERLINK(...)` planted in a display name. Numbers, booleans and dates are
 * written by us and stay as they are.
 */
export function csvCell(value: string | number | boolean | Date | null | undefined): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return value.toISOString();
  if (typeof value !== 'string') return String(value);
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

const toRecord = <T>(columns: readonly CsvColumn<T>[], row: T): string[] => columns.map((c) => csvCell(c.value(row)));

/** A whole CSV document for a small, bounded list (a report), with a header row. CRLF, as RFC 4180 says. */
export function toCsv<T>(columns: readonly CsvColumn<T>[], rows: readonly T[]): string {
  return stringify(rows.map((r) => toRecord(columns, r)), { header: true, columns: columns.map((c) => c.header), record_delimiter: 'windows' });
}

/**
 * A CSV document streamed batch by batch (one chunk per batch of rows, the header first), for listings of
 * any size: memory is bounded by one batch, whatever the number of rows. Feed it a Postgres cursor.
 */
export async function* csvStream<T>(columns: readonly CsvColumn<T>[], batches: AsyncIterable<readonly T[]>): AsyncIterable<string> {
  yield stringify([columns.map((c) => c.header)], { record_delimiter: 'windows' });
  for await (const batch of batches) {
    if (batch.length > 0) yield stringify(batch.map((r) => toRecord(columns, r)), { record_delimiter: 'windows' });
  }
}

/** What an upload's header row may hold: the canonical column names, and those it must have. */
export interface CsvColumns<K extends string> {
  allowed: readonly K[];
  required?: readonly K[];
}

const invalidCsv = (message: string) => new AppError(400, 'request.invalid_csv', message);
/** A header as matched against the canonical names: without case, spaces, `_` or `-` (`Job title` is `jobTitle`). */
const fold = (header: string) => header.toLowerCase().replace(/[\s_-]/g, '');
const plural = (n: number, word: string) => (n === 1 ? word : `${word}s`);

/**
 * The key of each column of the header row: its canonical name given `columns`, else the header as written. An
 * ambiguous header is refused, never read silently: a column named twice (after trimming and case folding: one of
 * the two would be dropped), and, given `columns`, a column that is none of them (a typo would be an empty column)
 * or a required one missing.
 */
function columnKeys(header: readonly string[], columns: CsvColumns<string> | undefined): string[] {
  const canonical = new Map(columns?.allowed.map((c) => [fold(c), c]));
  const keys = header.map((h) => (columns ? canonical.get(fold(h)) : h));
  const named = (i: number) => (header[i] === '' ? `(unnamed column ${i + 1})` : header[i]!);
  const unknown = keys.flatMap((k, i) => (k === undefined ? [named(i)] : []));
  if (unknown.length > 0) {
    throw invalidCsv(`Unknown ${plural(unknown.length, 'column')} ${unknown.join(', ')}: the columns are ${columns!.allowed.join(', ')}`);
  }
  const firstAt = new Map<string, number>();
  const duplicates: string[] = [];
  keys.forEach((k, i) => {
    const key = columns ? k! : k!.toLowerCase();
    const first = firstAt.get(key);
    if (first === undefined) firstAt.set(key, i);
    else duplicates.push(`${named(i)} (columns ${first + 1} and ${i + 1})`);
  });
  if (duplicates.length > 0) throw invalidCsv(`${plural(duplicates.length, 'Column')} named more than once: ${duplicates.join(', ')}`);
  const missing = (columns?.required ?? []).filter((c) => !keys.includes(c));
  if (missing.length > 0) throw invalidCsv(`The CSV has no ${missing.join(' or ')} ${plural(missing.length, 'column')}`);
  return keys as string[];
}

/**
 * Rows of an uploaded CSV with a header row, as objects keyed by column (cells trimmed, a UTF-8 BOM ignored). Uploads
 * pass `columns`: each header is matched to a canonical name without case, spaces, `_` or `-`, and the rows are
 * keyed by those names. A document that is not CSV, has more than `maxRows` rows, or an ambiguous header (see
 * `columnKeys`) is 400 `request.invalid_csv` naming the line or the columns.
 */
export function parseCsv(body: Buffer, options: { maxRows: number }): Record<string, string>[];
export function parseCsv<K extends string>(body: Buffer, options: { maxRows: number; columns: CsvColumns<K> }): Partial<Record<K, string>>[];
export function parseCsv(body: Buffer, { maxRows, columns }: { maxRows: number; columns?: CsvColumns<string> }): Record<string, string>[] {
  let records: string[][];
  try {
    // The header and one row past the limit, to tell a document that is too long.
    records = parse(body, { bom: true, trim: true, skip_empty_lines: true, to: maxRows + 2 });
  } catch (err) {
    const line = (err as { lines?: number }).lines;
    throw invalidCsv(`The CSV could not be read${line ? ` (line ${line})` : ''}: ${(err as Error).message.split('\n')[0]}`);
  }
  const [header, ...rows] = records;
  if (!header) return [];
  if (rows.length > maxRows) throw invalidCsv(`At most ${maxRows} rows can be sent at once`);
  const keys = columnKeys(header, columns);
  return rows.map((row) => Object.fromEntries(keys.map((k, i) => [k, row[i] ?? ''])));
}
