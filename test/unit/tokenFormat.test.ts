// The format of personal access tokens and API keys (lib/tokenFormat.ts): a recognisable prefix, 256 random bits in
// base62 and a CRC32 checksum, so scanners find leaked ones and a typo is refused without a database lookup.
import { crc32 } from 'node:zlib';
import type { Sql } from '../../db/client';
import { AppError } from '../../lib/errors';
import { CHECKSUM_CHARS, RANDOM_CHARS, SECRET_LENGTH, SECRET_PREFIXES, checksumOf, isWellFormedSecret, newSecret } from '../../lib/tokenFormat';
import { createAccessTokens } from '../../libraries/accessTokens';
import { createApiKeys } from '../../libraries/apiKeys';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

describe('the format', () => {
  test('a PAT is mxp_, 43 base62 characters and a 6-character checksum: 53 characters, scanner-matchable', () => {
    const token = newSecret('pat');
    expect(token).toMatch(/^mxp_[0-9A-Za-z]{49}$/);
    expect(token).toHaveLength(SECRET_LENGTH);
    expect(SECRET_LENGTH).toBe(4 + 43 + 6);
    expect(isWellFormedSecret('pat', token)).toBe(true);
  });

  test('an API key is mxk_ in the same shape; neither passes for the other', () => {
    const key = newSecret('apiKey');
    expect(key).toMatch(/^mxk_[0-9A-Za-z]{49}$/);
    expect(isWellFormedSecret('apiKey', key)).toBe(true);
    expect(isWellFormedSecret('pat', key)).toBe(false);
    expect(isWellFormedSecret('apiKey', newSecret('pat'))).toBe(false);
  });

  test('43 base62 characters carry at least 256 bits', () => {
    expect(RANDOM_CHARS * Math.log2(62)).toBeGreaterThanOrEqual(256);
    // And the checksum's 6 characters hold any CRC32.
    expect(62 ** CHECKSUM_CHARS).toBeGreaterThan(2 ** 32);
  });

  test('the checksum is the CRC32 (IEEE) of the prefix and the random part, in base62, most significant digit first', () => {
    expect(crc32('123456789')).toBe(0xcbf43926); // the standard check value
    let n = 0xcbf43926;
    let digits = '';
    for (let i = 0; i < 6; i++) {
      digits = BASE62[n % 62]! + digits;
      n = Math.floor(n / 62);
    }
    expect(checksumOf('123456789')).toBe(digits);
    const token = newSecret('pat');
    expect(token.slice(-6)).toBe(checksumOf(token.slice(0, -6)));
  });

  test('secrets are random: 2,000 of them are distinct, and every base62 character turns up in every position class', () => {
    const tokens = Array.from({ length: 2000 }, () => newSecret('pat'));
    expect(new Set(tokens).size).toBe(tokens.length);
    const seen = new Set(tokens.flatMap((t) => [...t.slice(4, 4 + RANDOM_CHARS)]));
    expect(seen.size).toBe(62);
  });
});

describe('typos are refused by the checksum', () => {
  const token = newSecret('pat');

  test('every single-character substitution in the random part or the checksum', () => {
    let accepted = 0;
    for (let i = 4; i < token.length; i++) {
      for (const c of BASE62) {
        if (c === token[i]) continue;
        if (isWellFormedSecret('pat', token.slice(0, i) + c + token.slice(i + 1))) accepted++;
      }
    }
    expect(accepted).toBe(0);
  });

  test('every swap of two adjacent different characters', () => {
    for (let i = 4; i < token.length - 1; i++) {
      if (token[i] === token[i + 1]) continue;
      const swapped = token.slice(0, i) + token[i + 1] + token[i] + token.slice(i + 2);
      expect({ i, ok: isWellFormedSecret('pat', swapped) }).toEqual({ i, ok: false });
    }
  });

  test.each([
    ['truncated', (t: string) => t.slice(0, -1)],
    ['one character more', (t: string) => `${t}a`],
    ['another prefix', (t: string) => `ghp_${t.slice(4)}`],
    ['upper-cased prefix', (t: string) => `MXP_${t.slice(4)}`],
    ['surrounding space', (t: string) => ` ${t}`],
    ['a character outside base62', (t: string) => `${t.slice(0, 10)}-${t.slice(11)}`],
    ['empty', () => ''],
  ])('%s', (_name, change) => {
    expect(isWellFormedSecret('pat', change(token))).toBe(false);
  });

  test('the prefixes are the published ones', () => {
    expect(SECRET_PREFIXES).toEqual({ pat: 'mxp_', apiKey: 'mxk_' });
  });
});

describe('a mistyped secret costs no database lookup', () => {
  /** A stand-in for postgres.js that records every query: none may run. */
  const spySql = () => {
    const sql = jest.fn(() => {
      throw new Error('no query may run for a malformed secret');
    });
    return { sql: sql as unknown as Sql, calls: sql };
  };
  const reason = async (p: Promise<unknown>) => {
    const err = await p.then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    return { status: (err as AppError).status, code: (err as AppError).code };
  };

  test('a PAT with a typo is refused 403 auth.invalid_token before any query', async () => {
    const { sql, calls } = spySql();
    const tokens = createAccessTokens({ sql });
    const good = newSecret('pat');
    const typo = `${good.slice(0, 20)}${good[20] === 'a' ? 'b' : 'a'}${good.slice(21)}`;
    for (const bad of [typo, good.slice(0, -1), '', 'mxp_', newSecret('apiKey')]) {
      expect(await reason(tokens.authenticate(bad))).toEqual({ status: 403, code: 'auth.invalid_token' });
    }
    expect(calls).not.toHaveBeenCalled();
  });

  test('an API key with a typo, or without its username, is refused 403 auth.invalid_api_key before any query', async () => {
    const { sql, calls } = spySql();
    const keys = createApiKeys({ sql });
    const good = newSecret('apiKey');
    const typo = `${good.slice(0, -1)}${good.endsWith('a') ? 'b' : 'a'}`;
    for (const [user, key] of [['a@b.test', typo], ['', good], ['a@b.test', ''], ['a@b.test', newSecret('pat')]] as const) {
      expect(await reason(keys.authenticate(user, key))).toEqual({ status: 403, code: 'auth.invalid_api_key' });
    }
    expect(calls).not.toHaveBeenCalled();
  });

  test('a well-formed one does reach the database (the spy works)', async () => {
    const { sql, calls } = spySql();
    await expect(createAccessTokens({ sql }).authenticate(newSecret('pat'))).rejects.toThrow(/no query may run/);
    expect(calls).toHaveBeenCalledTimes(1);
  });
});
