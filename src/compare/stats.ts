/**
 * The regression rule for times (ms), pure and seeded. With ≥ 2 samples on both sides: a percentile bootstrap
 * of the difference of medians (new − baseline), and a regression only when the whole interval lies above the
 * allowance (its lower bound exceeds it): a slow-down beyond the tolerance, with confidence. The allowance is
 * max(tolerance, the alert's own jitter). Otherwise (a side
 * with one sample): the medians, and a regression when new − baseline > allowance. Improvements mirror it.
 */
import { rngFor } from '../core/rng.ts';
import { median } from '../core/stats.ts';
import type { TimeShift } from './model.ts';
import { allowanceMs, type Tolerance } from './tolerance.ts';

/** Bootstrap resamples; the interval is the central `level` of their differences. */
export const bootstrapResamples = 2000;
export const confidenceLevel = 0.95;

/**
 * The `level` percentile-bootstrap interval of median(next) − median(base): both sides resampled with
 * replacement `resamples` times from a generator seeded by `seed` (same inputs, same interval).
 */
export function bootstrapMedianDiff(
  base: readonly number[],
  next: readonly number[],
  seed: number,
  resamples = bootstrapResamples,
  level = confidenceLevel,
): { lowMs: number; highMs: number } {
  const rng = rngFor(seed, base.length, next.length);
  const draw = (values: readonly number[]): number => {
    const sample = new Array<number>(values.length);
    for (let i = 0; i < values.length; i++) sample[i] = values[Math.floor(rng() * values.length)]!;
    return median(sample);
  };
  const diffs = new Array<number>(resamples);
  for (let i = 0; i < resamples; i++) diffs[i] = draw(next) - draw(base);
  diffs.sort((a, b) => a - b);
  const tail = (1 - level) / 2;
  const low = diffs[Math.min(resamples - 1, Math.floor(tail * resamples))]!;
  const high = diffs[Math.max(0, Math.ceil((1 - tail) * resamples) - 1)]!;
  return { lowMs: low, highMs: high };
}

/**
 * Judges one time (both sides non-empty). `jitterMs` is how much the time moves with nothing changed (an
 * alert's scrape + evaluation interval, from run.json's floors): the allowance is never below it.
 */
export function judgeTimes(
  base: readonly number[],
  next: readonly number[],
  tolerance: Tolerance,
  seed = 1,
  jitterMs = 0,
): TimeShift {
  const baseMedianMs = median(base);
  const newMedianMs = median(next);
  const allowance = Math.max(allowanceMs(tolerance, baseMedianMs), jitterMs);
  const diffMs = newMedianMs - baseMedianMs;
  if (base.length >= 2 && next.length >= 2) {
    const interval = bootstrapMedianDiff(base, next, seed);
    return {
      method: 'bootstrap',
      baseMedianMs,
      newMedianMs,
      diffMs,
      interval,
      jitterMs,
      allowanceMs: allowance,
      change:
        interval.lowMs > allowance ? 'regression' : interval.highMs < -allowance ? 'improvement' : 'same',
    };
  }
  return {
    method: 'single',
    baseMedianMs,
    newMedianMs,
    diffMs,
    interval: null,
    jitterMs,
    allowanceMs: allowance,
    change: diffMs > allowance ? 'regression' : diffMs < -allowance ? 'improvement' : 'same',
  };
}
