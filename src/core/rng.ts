/**
 * Seeded randomness for payloads. Every request gets its own generator, derived statelessly from
 * (seed, seq, stream), so request `seq` carries the same bytes whatever order requests are built in and
 * whichever engine builds them. mulberry32 (32-bit state, period 2³²) is plenty for sampling rows.
 */

/** A uniform draw in [0, 1). */
export type Rng = () => number;

/** A 32-bit avalanche mix (murmur3 finaliser). */
function mix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/** A generator for (seed, ...keys): equal keys give equal sequences, any differing key a different one. */
export function rngFor(seed: number, ...keys: number[]): Rng {
  let state = mix32((seed | 0) ^ 0x9e3779b9);
  for (const key of keys) state = mix32(state ^ Math.imul((key | 0) + 0x632be5ab, 0x85ebca6b));
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A uniform integer in [0, n). */
export function randomIndex(rng: Rng, n: number): number {
  return Math.min(n - 1, Math.floor(rng() * n));
}

/** Index drawn with probability proportional to `weights` (non-negative, at least one positive). */
export function weightedIndex(rng: Rng, weights: readonly number[]): number {
  let total = 0;
  for (const w of weights) total += w;
  let u = rng() * total;
  for (let i = 0; i < weights.length; i++) {
    u -= weights[i]!;
    if (u < 0) return i;
  }
  // Rounding: the last positive weight.
  for (let i = weights.length - 1; i >= 0; i--) if (weights[i]! > 0) return i;
  return 0;
}
