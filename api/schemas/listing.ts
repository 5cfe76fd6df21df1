import type { Request } from 'express';
import { z } from './zod';

/**
 * What every company listing shares (members, the audit log, reports, offboardings):
 * - keyset pagination: `limit` (1..500, default 100) and an opaque `cursor` from the previous page's
 *   `nextCursor` (null on the last page). A cursor names the last row seen, not an offset, so pages stay
 *   stable while rows are inserted;
 * - CSV instead of JSON with `Accept: text/csv` or `?format=csv` (the whole listing, streamed, no pages).
 */
export const LIMIT_DEFAULT = 100;
export const LIMIT_MAX = 500;

export const PageQuery = {
  limit: z.coerce.number().int().min(1).max(LIMIT_MAX).default(LIMIT_DEFAULT)
    .openapi({ param: { name: 'limit', in: 'query' }, description: `Rows per page (1 to ${LIMIT_MAX})`, example: LIMIT_DEFAULT }),
  // Room for the longest key a listing gives out: a 254-character email and an id (libraries/cursor.ts takes text up to 1024).
  cursor: z.string().max(2048).regex(/^[A-Za-z0-9_-]+$/, 'must be a cursor from a previous page').optional()
    .openapi({ param: { name: 'cursor', in: 'query' }, description: 'The `nextCursor` of the previous page; omit for the first page' }),
};

export const FormatQuery = {
  format: z.enum(['json', 'csv']).optional()
    .openapi({ param: { name: 'format', in: 'query' }, description: '`csv` for the whole listing as CSV (the same as `Accept: text/csv`)' }),
};

/** Whether the caller asked for CSV: `?format=csv`, or an Accept that prefers text/csv to JSON. */
export function wantsCsv(req: Request, format: 'json' | 'csv' | undefined): boolean {
  if (format) return format === 'csv';
  return req.accepts(['application/json', 'text/csv']) === 'text/csv' && req.headers.accept !== undefined && req.headers.accept !== '*/*';
}

/** The page envelope's `nextCursor`. */
export const NextCursor = z.string().nullable().openapi({ description: 'Pass as `cursor` for the next page; null on the last page' });


/** The documented CSV body of a listing: `responses[200].also = CsvBody`. */
export const CsvBody = { 'text/csv': z.string().openapi({ description: 'RFC 4180 CSV with a header row; cells that a spreadsheet would run as a formula are prefixed with `\'`' }) };
