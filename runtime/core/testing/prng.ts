/**
 * A small seeded pseudo-random generator (mulberry32) for property-style tests: the same seed
 * gives the same cases, so a failure can be replayed by its seed.
 * @example
 * const rnd = prng(42); rnd.bigint(10n ** 18n); rnd.int(100);
 */
export function prng(seed: number) {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    /** An integer in [0, max). */
    int: (max: number): number => Math.floor(next() * max),
    /** A bigint in [0, max), built from 32-bit chunks so large ranges are covered. */
    bigint(max: bigint): bigint {
      if (max <= 0n) return 0n;
      let v = 0n;
      for (let bits = 0n; (1n << bits) < max * 2n; bits += 32n) v = (v << 32n) | BigInt(Math.floor(next() * 2 ** 32));
      return v % max;
    },
    pick<T>(xs: readonly T[]): T {
      return xs[Math.floor(next() * xs.length)] as T;
    },
  };
}
