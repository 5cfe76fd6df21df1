// The "this was not you" token a code email carries: one derivation, shared by the activity and the API.
import { deriveKeys } from '../../lib/keys';
import { rejectionPath, rejectionToken, rejectionTokenMatches } from '../../libraries/rejections';

const keys = deriveKeys('f3a9c1e07b5d4c2a98e6b1d0a7c4e2f19b8d3c5e7a6f4b2d');
const other = deriveKeys('0b7e2d4f6a8c1e3b5d7f9a2c4e6b8d0f1a3c5e7b9d2f4a6c');
const M1 = '6f1c2d3e-4a5b-4c6d-8e7f-90a1b2c3d4e5';
const M2 = '7a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d';
const merge = (mergeId: string) => ({ kind: 'profile-merge' as const, mergeId });

describe('rejection tokens', () => {
  test('are deterministic per merge and key, 64 hex characters', () => {
    const t = rejectionToken(keys.rejectionToken, merge(M1));
    expect(t).toMatch(/^[0-9a-f]{64}$/);
    expect(rejectionToken(keys.rejectionToken, merge(M1))).toBe(t);
    expect(rejectionToken(keys.rejectionToken, merge(M2))).not.toBe(t);
    expect(rejectionToken(other.rejectionToken, merge(M1))).not.toBe(t);
  });

  test('use their own subkey: not the code keys', () => {
    const t = rejectionToken(keys.rejectionToken, merge(M1));
    expect(rejectionToken(keys.codeHmac, merge(M1))).not.toBe(t);
    expect(rejectionToken(keys.codeDerivation, merge(M1))).not.toBe(t);
    expect(keys.rejectionToken.equals(keys.codeHmac)).toBe(false);
  });

  test('match only the merge they were made for, whatever the length of what is offered', () => {
    const t = rejectionToken(keys.rejectionToken, merge(M1));
    expect(rejectionTokenMatches(keys.rejectionToken, merge(M1), t)).toBe(true);
    expect(rejectionTokenMatches(keys.rejectionToken, merge(M2), t)).toBe(false);
    expect(rejectionTokenMatches(other.rejectionToken, merge(M1), t)).toBe(false);
    for (const wrong of ['', 'x', t.slice(1), `${t}0`, t.toUpperCase(), M1]) {
      expect(rejectionTokenMatches(keys.rejectionToken, merge(M1), wrong)).toBe(false);
    }
  });

  test('name the public request that takes them', () => {
    expect(rejectionPath(merge(M1))).toBe(`/v1/profile/merges/${M1}/rejection`);
  });
});
