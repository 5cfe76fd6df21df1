/**
 * A small seeded pseudo-random generator for property-style tests (no dependency): mulberry32, with the
 * few draws the generators need. The same seed gives the same sequence, so a failure printed with its
 * seed can be replayed exactly.
 */
export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** Integer in [min, max], both included. */
  int(min: number, max: number): number;
  /** True with probability p. */
  chance(p: number): boolean;
  pick<T>(xs: readonly T[]): T;
  /** A random subset, each element kept with probability p, in the original order. */
  subset<T>(xs: readonly T[], p: number): T[];
}

export function mulberry32(seed: number): Random {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  return {
    next,
    int,
    chance: (p) => next() < p,
    pick: <T>(xs: readonly T[]): T => {
      if (xs.length === 0) throw new Error('pick from an empty list');
      return xs[int(0, xs.length - 1)]!;
    },
    subset: <T>(xs: readonly T[], p: number): T[] => xs.filter(() => next() < p),
  };
}

/** An independent seed for case `index` of a run seeded `seed`, so one case can be replayed on its own. */
export function caseSeed(seed: number, index: number): number {
  return (Math.imul((seed ^ 0x9e3779b9) >>> 0, 0x85ebca6b) + Math.imul(index + 1, 0xc2b2ae35)) >>> 0;
}

/**
 * The run's seed: the PROPERTY_SEED environment variable when set (decimal or 0x-hex), otherwise a fresh
 * one. Tests print it in their names and failure messages.
 */
export function propertySeed(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.PROPERTY_SEED?.trim();
  if (raw) {
    const n = Number(raw);
    if (!Number.isSafeInteger(n) || n < 0) throw new Error(`PROPERTY_SEED must be a non-negative integer, got ${JSON.stringify(raw)}`);
    return n >>> 0;
  }
  return Math.floor(Math.random() * 2 ** 32) >>> 0;
}
