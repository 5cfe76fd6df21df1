import { AppError } from '../lib/errors';

/**
 * Keyset-pagination cursors: the sort keys of the last row of a page, as base64url JSON. Opaque to clients;
 * decoded and checked here, each key against the type its listing's SQL casts it to, so a hand-made or
 * truncated cursor is a 400, never a 500 (a cast Postgres refuses) or a wrong page.
 */
/**
 * What a key may be: `uuid` (an id), `timestamp` (Postgres's text of a timestamptz, `2026-01-02 03:04:05.678+00`),
 * `bigint` (a sequence, 0 or more) or `text` (no NUL, which Postgres refuses, and not over 1024 characters).
 */
export type CursorKeyType = 'uuid' | 'timestamp' | 'bigint' | 'text';

/** The keys as the listing's query takes them: every one a string (a bigint's digits, a timestamp's text). */
export type DecodedKeys<T extends readonly CursorKeyType[]> = { -readonly [K in keyof T]: string };

export const encodeCursor = (keys: readonly (string | number)[]): string => Buffer.from(JSON.stringify(keys)).toString('base64url');

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// Postgres's ISO output (DateStyle ISO): date, time with up to 6 fraction digits, offset as ±hh, ±hh:mm or ±hh:mm:ss.
const TIMESTAMP = /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(?:\.\d{1,6})?[+-](\d\d)(?::([0-5]\d)){0,2}$/;
// Below 2^63 with room to spare: up to 18 digits.
const BIGINT = /^(0|[1-9]\d{0,17})$/;
const MAX_TEXT = 1024;

function isTimestamp(v: string): boolean {
  const m = TIMESTAMP.exec(v);
  if (!m) return false;
  const [year, month, day, hour, minute, second, offset] = m.slice(1, 8).map(Number) as [number, number, number, number, number, number, number];
  // Day 0 of the next month is the last day of this one (UTC, so no daylight-saving gaps).
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return year >= 1 && month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth && hour <= 23 && minute <= 59 && second <= 59 && offset <= 15;
}

function valid(type: CursorKeyType, key: string | number): string | undefined {
  if (type === 'bigint') {
    const digits = typeof key === 'number' ? (Number.isSafeInteger(key) ? String(key) : '') : key;
    return BIGINT.test(digits) ? digits : undefined;
  }
  if (typeof key !== 'string') return undefined;
  switch (type) {
    case 'uuid':
      return UUID.test(key) ? key : undefined;
    case 'timestamp':
      return isTimestamp(key) ? key : undefined;
    case 'text':
      return key.length <= MAX_TEXT && !key.includes('\u0000') ? key : undefined;
  }
}

const invalidCursor = () => new AppError(400, 'request.invalid_cursor', 'The cursor is not one this listing gave out; start again without it');

/** The keys of a cursor, one of each type of `spec`, in order; undefined for no cursor; 400 `request.invalid_cursor` otherwise. */
export function decodeCursor<const T extends readonly CursorKeyType[]>(cursor: string | undefined, spec: T): DecodedKeys<T> | undefined {
  if (cursor === undefined) return undefined;
  let keys: unknown;
  try {
    keys = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor();
  }
  if (!Array.isArray(keys) || keys.length !== spec.length) throw invalidCursor();
  const out = spec.map((type, i) => {
    const key: unknown = keys[i];
    const v = typeof key === 'string' || typeof key === 'number' ? valid(type, key) : undefined;
    if (v === undefined) throw invalidCursor();
    return v;
  });
  return out as DecodedKeys<T>;
}
