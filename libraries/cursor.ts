import { AppError } from '../lib/errors';

/**
 * Keyset-pagination cursors: the sort keys of the last row of a page, as base64url JSON. Opaque to clients;
 * decoded and checked here, so a hand-made or truncated cursor is a 400, never a 500 or a wrong page.
 */
export type CursorKeys = (string | number)[];

export const encodeCursor = (keys: readonly (string | number)[]): string => Buffer.from(JSON.stringify(keys)).toString('base64url');

/** The keys of a cursor, which must be `arity` strings or numbers; undefined for no cursor. */
export function decodeCursor(cursor: string | undefined, arity: number): CursorKeys | undefined {
  if (cursor === undefined) return undefined;
  try {
    const keys: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(keys) && keys.length === arity && keys.every((k) => typeof k === 'string' || typeof k === 'number')) return keys;
  } catch {
    // falls through to the refusal
  }
  throw new AppError(400, 'request.invalid_cursor', 'The cursor is not one this listing gave out; start again without it');
}
