import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bootstrapMedianDiff, judgeTimes } from './stats.ts';
import { allowanceMs, defaultTolerance, parseTolerance } from './tolerance.ts';

const tol = defaultTolerance; // +2s or ×1.5

describe('allowance: max(+X, base × (Y − 1))', () => {
  it.each([
    [1000, 2000], // 1 s × 0.5 = 0.5 s < 2 s
    [4000, 2000], // 4 s × 0.5 = 2 s: the floor and the factor meet
    [10_000, 5000], // 10 s × 0.5 = 5 s
  ])('base %d ms → %d ms', (base, expected) => expect(allowanceMs(tol, base)).toBe(expected));
});

describe('single runs: new − base > allowance', () => {
  it.each([
    // base, new, change — by hand: allowance max(2000, base/2)
    [5000, 7500, 'same'], // +2.5 s = allowance exactly: not beyond
    [5000, 7501, 'regression'],
    [1000, 2900, 'same'], // +1.9 s < 2 s
    [1000, 3100, 'regression'], // +2.1 s > 2 s
    [10_000, 14_000, 'same'], // +4 s < 5 s
    [10_000, 4000, 'improvement'], // −6 s < −5 s
  ])('%d → %d ms is %s', (base, next, change) => {
    const shift = judgeTimes([base], [next], tol);
    expect(shift.method).toBe('single');
    expect(shift.interval).toBeNull();
    expect(shift.change).toBe(change);
    expect(shift.diffMs).toBe(next - base);
  });

  it('the allowance is never below the alert’s jitter (scrape + evaluation interval)', () => {
    // 5 s → 9 s: beyond max(2 s, 2.5 s), within a 30 s scrape + 30 s evaluation jitter.
    expect(judgeTimes([5000], [9000], tol).change).toBe('regression');
    expect(judgeTimes([5000], [9000], tol, 1, 60_000)).toMatchObject({
      jitterMs: 60_000,
      allowanceMs: 60_000,
      change: 'same',
    });
  });

  it('one sample on one side only: the medians, by the single-run rule', () => {
    const shift = judgeTimes([4000, 6000], [8000], tol);
    expect(shift).toMatchObject({ method: 'single', baseMedianMs: 5000, diffMs: 3000, allowanceMs: 2500 });
    expect(shift.change).toBe('regression');
  });
});

describe('repeats: the bootstrap interval of the median difference', () => {
  it('two runs a side: the interval spans min(new) − max(base) … max(new) − min(base)', () => {
    // Resampled medians of [4, 6] are 4, 5 or 6 (1/4, 1/2, 1/4); of [10, 12]: 10, 11, 12. The difference
    // is 4 with probability 1/16 and 8 with 1/16: both tails are beyond 2.5 %, so the interval is [4, 8] s.
    const interval = bootstrapMedianDiff([4000, 6000], [10_000, 12_000], 7);
    expect(interval).toEqual({ lowMs: 4000, highMs: 8000 });
    const shift = judgeTimes([4000, 6000], [10_000, 12_000], tol, 7);
    expect(shift).toMatchObject({
      method: 'bootstrap',
      diffMs: 6000,
      allowanceMs: 2500,
      change: 'regression',
    });
  });

  it('overlapping samples: a median shift beyond the tolerance is not enough without confidence', () => {
    // Medians 5 s → 8 s (+3 s > 2.5 s allowed), but the runs overlap: the interval's low end is ≤ 0.
    const shift = judgeTimes([3000, 5000, 9000], [2000, 8000, 12_000], tol);
    expect(shift.diffMs).toBe(3000);
    expect(shift.interval!.lowMs).toBeLessThanOrEqual(0);
    expect(shift.change).toBe('same');
    // The single-run rule on the same medians would have called it a regression.
    expect(judgeTimes([5000], [8000], tol).change).toBe('regression');
  });

  it('is seeded: same inputs and seed, same interval', () => {
    const base = [5000, 5400, 6100, 5900, 7000];
    const next = [6000, 8100, 7000, 9000, 6600];
    expect(bootstrapMedianDiff(base, next, 3)).toEqual(bootstrapMedianDiff(base, next, 3));
  });

  it('a faster new side beyond the tolerance is an improvement', () => {
    expect(judgeTimes([20_000, 21_000], [5000, 6000], tol).change).toBe('improvement');
  });
});

describe('properties', () => {
  const times = fc.array(fc.integer({ min: 0, max: 120_000 }), { minLength: 1, maxLength: 12 });

  it('identical samples never regress (nor improve)', () => {
    fc.assert(
      fc.property(times, fc.integer(), (sample, seed) => {
        expect(judgeTimes(sample, [...sample].reverse(), tol, seed).change).toBe('same');
      }),
      { numRuns: 200 },
    );
  });

  it('a shift far beyond the tolerance always regresses', () => {
    fc.assert(
      fc.property(times, times, fc.integer(), (base, noise, seed) => {
        // Every new value exceeds every baseline value by more than the allowance at the baseline's max.
        const spread = Math.max(...base) - Math.min(...base);
        const shift = spread + allowanceMs(tol, Math.max(...base)) + 1;
        const next = noise.map((n) => Math.max(...base) + shift + (n % 1000));
        expect(judgeTimes(base, next, tol, seed).change).toBe('regression');
      }),
      { numRuns: 200 },
    );
  });
});

describe('parseTolerance', () => {
  it.each([
    ['2s,1.5x', { absMs: 2000, factor: 1.5 }],
    ['1.5x,500ms', { absMs: 500, factor: 1.5 }],
    ['5s', { absMs: 5000, factor: 1.5 }],
    ['2x', { absMs: 2000, factor: 2 }],
    [' 1m , 1x ', { absMs: 60_000, factor: 1 }],
  ])('%j', (text, expected) => expect(parseTolerance(text)).toEqual(expected));

  it.each([
    ['', /--tolerance: "" is not a tolerance/],
    ['2s,1.5x,3s', /is not a tolerance: give a duration, a factor, or both/],
    ['2q,1.5x', /--tolerance: part 1 "2q" is neither a duration like "2s" nor a factor like "1.5x"/],
    ['2s,0.5x', /--tolerance: part 2 "0.5x": a factor is at least 1x/],
    ['2s,3s', /part 2 "3s": a second duration/],
    ['2x,3x', /part 2 "3x": a second factor/],
  ])('%j is refused with the part named', (text, message) => {
    expect(() => parseTolerance(text)).toThrow(message);
    try {
      parseTolerance(text);
    } catch (error) {
      expect(error).toMatchObject({ code: 'FD_USAGE', exitCode: 2 });
    }
  });

  it('names the suite file field when given', () => {
    expect(() => parseTolerance('fast', 'gate.suite.ts: tolerance')).toThrow(
      /^gate\.suite\.ts: tolerance: part 1/,
    );
  });
});
