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

/**
 * Rows of an uploaded CSV with a header row, as objects keyed by header (trimmed, a UTF-8 BOM ignored). A
 * document that is not CSV, or has more than `maxRows` rows, is 400 `request.invalid_csv` naming the line.
 */
export function parseCsv(body: Buffer, { maxRows }: { maxRows: number }): Record<string, string>[] {
  let rows: Record<string, string>[];
  try {
    rows = parse(body, { columns: (h: string[]) => h.map((s) => s.trim()), bom: true, trim: true, skip_empty_lines: true, to: maxRows + 1 });
  } catch (err) {
    const line = (err as { lines?: number }).lines;
    throw new AppError(400, 'request.invalid_csv', `The CSV could not be read${line ? ` (line ${line})` : ''}: ${(err as Error).message.split('\n')[0]}`);
  }
  if (rows.length > maxRows) throw new AppError(400, 'request.invalid_csv', `At most ${maxRows} rows can be sent at once`);
  return rows;
}
