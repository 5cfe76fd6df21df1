// The token cache's pieces without infrastructure: the entries (bound, age, expiry, generation, serving) and the
// recorder of last uses (once a minute per token, batched, re-queued on failure). The integration side is in
// test/api/credentialCache.test.ts.
import { createCacheEntries } from '../../libraries/credentialCache/entries';
import { createUseRecorder } from '../../libraries/credentialCache/lastUsed';
import { tokenPrincipal, type TokenPrincipal } from '../../libraries/principal';

const principal = (id: string, accountId = `account-${id}`): TokenPrincipal =>
  tokenPrincipal('pat', id, { accountId, profileId: 'p', companyId: null, isCompanyAdmin: false, isServiceAccount: false }, ['profile:read']);

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('cache entries', () => {
  const make = (c = clock(), maxEntries = 3) => ({ c, e: createCacheEntries({ maxEntries, maxAgeMs: 60_000, now: c.now }) });

  test('nothing is served or stored until serving; turning it off empties it', () => {
    const { e } = make();
    expect(e.put('k', e.ticket(), principal('t1'), null)).toBe(false);
    e.setServing(true);
    expect(e.put('k', e.ticket(), principal('t1'), null)).toBe(true);
    expect(e.get('k')?.credential.id).toBe('t1');
    e.setServing(false);
    expect(e.get('k')).toBeUndefined();
    e.setServing(true);
    expect(e.get('k')).toBeUndefined();
  });

  test('a lookup begun before an eviction is not stored (the generation)', () => {
    const { e } = make();
    e.setServing(true);
    const before = e.ticket();
    e.evictTokens(['unrelated']);
    expect(e.put('k', before, principal('t1'), null)).toBe(false);
    expect(e.get('k')).toBeUndefined();
    expect(e.put('k', e.ticket(), principal('t1'), null)).toBe(true);
  });

  test('an entry lives its maximum age from the start of its lookup, and never past its token\'s expiry', () => {
    const { c, e } = make();
    e.setServing(true);
    const ticket = e.ticket();
    c.advance(10_000);
    e.put('old', ticket, principal('t1'), null);
    e.put('expiring', e.ticket(), principal('t2'), new Date(c.now() + 5_000));
    c.advance(4_999);
    expect(e.get('expiring')).toBeDefined();
    c.advance(1);
    expect(e.get('expiring')).toBeUndefined();
    c.advance(45_000 - 1);
    expect(e.get('old')).toBeDefined();
    c.advance(1);
    expect(e.get('old')).toBeUndefined();
  });

  test('bounded: the least recently used goes first', () => {
    const { e } = make();
    e.setServing(true);
    for (const k of ['a', 'b', 'c']) e.put(k, e.ticket(), principal(k), null);
    e.get('a');
    e.put('d', e.ticket(), principal('d'), null);
    expect(['a', 'b', 'c', 'd'].map((k) => e.get(k) !== undefined)).toEqual([true, false, true, true]);
    expect(e.size).toBe(3);
  });

  test('evicted by token id, by account id, or all; a hit is a copy', () => {
    const { e } = make(clock(), 10);
    e.setServing(true);
    e.put('a', e.ticket(), principal('t1', 'acc1'), null);
    e.put('b', e.ticket(), principal('t2', 'acc1'), null);
    e.put('c', e.ticket(), principal('t3', 'acc2'), null);
    const hit = e.get('c')!;
    (hit as { accountId: string }).accountId = 'tampered';
    expect(e.get('c')!.accountId).toBe('acc2');
    e.evictTokens(['t3']);
    expect(e.get('c')).toBeUndefined();
    e.evictAccounts(['acc1']);
    expect(e.size).toBe(0);
    e.put('c', e.ticket(), principal('t3', 'acc2'), null);
    e.clear();
    expect(e.size).toBe(0);
  });
});

describe('last used recorder', () => {
  test('once a minute per token, counting from its own queued use or the stored one; one batch per flush', async () => {
    const c = clock();
    const writes: { id: string; at: Date }[][] = [];
    const r = createUseRecorder({ write: async (u) => writes.push(u), intervalMs: 5_000, onError: () => undefined, now: c.now });
    r.record('t1');
    r.record('t1');
    r.record('t2', new Date(c.now() - 30_000)); // written 30 s ago by another process
    r.record('t3', new Date(c.now() - 61_000));
    await r.flush();
    expect(writes).toEqual([[{ id: 't1', at: new Date(c.now()) }, { id: 't3', at: new Date(c.now()) }]]);
    c.advance(59_999);
    r.record('t1');
    await r.flush();
    expect(writes).toHaveLength(1);
    c.advance(1);
    r.record('t1');
    await r.stop();
    expect(writes[1]).toEqual([{ id: 't1', at: new Date(c.now()) }]);
  });

  test('a failed write is queued again, and reported', async () => {
    const errors: unknown[] = [];
    let fail = true;
    const writes: string[][] = [];
    const r = createUseRecorder({
      write: async (u) => {
        if (fail) throw new Error('db down');
        writes.push(u.map((x) => x.id));
      },
      intervalMs: 5_000,
      onError: (err) => errors.push(err),
    });
    r.record('t1');
    await r.flush();
    expect(errors).toHaveLength(1);
    expect(r.pending).toBe(1);
    fail = false;
    await r.flush();
    expect(writes).toEqual([['t1']]);
    expect(r.pending).toBe(0);
  });
});
