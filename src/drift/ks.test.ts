import { describe, expect, it } from 'vitest';
import rows from '../../fixtures/data/penguins.json' with { type: 'json' };
import { kolmogorovQ, ksPValue, ksStatisticSorted, ksTwoSample } from './ks.ts';

type Row = { island: string } & Record<
  'bill_length_mm' | 'bill_depth_mm' | 'flipper_length_mm' | 'body_mass_g',
  number
>;
const penguins = rows as Row[];

describe('kolmogorovQ', () => {
  // Expected values: scipy 1.17.1 `python3 -c "from scipy import special; print(special.kolmogorov(x))"`.
  // Textbook anchors: Q(1.36) ≈ 0.05, Q(1.63) ≈ 0.01 (the 5% and 1% critical values), Q(0.5) ≈ 0.9639.
  it.each([
    [0.05, 1],
    [0.2, 0.999999999999495],
    [0.5, 0.9639452436648751],
    [1.0, 0.26999967167735456],
    [1.36, 0.049485876755377876],
    [1.63, 0.009846364888486529],
    [2.5, 7.453306344157342e-6],
    [3.0, 3.045995948942526e-8],
  ])('Q(%d) = %d', (lambda, expected) => {
    const q = kolmogorovQ(lambda);
    expect(Math.abs(q - expected)).toBeLessThan(1e-10 + 1e-8 * expected);
  });

  it('is 1 at λ ≤ 0 and continuous across the switch between its two series (λ = 1.18)', () => {
    expect(kolmogorovQ(0)).toBe(1);
    expect(kolmogorovQ(-1)).toBe(1);
    expect(Math.abs(kolmogorovQ(1.18 - 1e-12) - kolmogorovQ(1.18))).toBeLessThan(1e-10);
  });
});

describe('ksTwoSample', () => {
  it('disjoint samples: D = 1, p by hand', () => {
    // D = 1; en = 3·3/6 = 1.5, √en = 1.2247449; λ = (1.2247449 + 0.12 + 0.11/1.2247449)·1 = 1.4345598;
    // Q(1.4345598) = 0.03262165165202116 (scipy special.kolmogorov).
    const r = ksTwoSample([3, 1, 2], [4, 6, 5]);
    expect(r.statistic).toBe(1);
    expect(r.pValue).toBeCloseTo(0.03262165165202116, 10);
  });

  it('handles ties within and across samples', () => {
    // a = 1,2,2,3  b = 2,2,2,4. Step at each distinct x after consuming all ties:
    // x=1: F_a=.25 F_b=0 → .25; x=2: .75 vs .75 → 0; x=3: 1 vs .75 → .25; x=4: 1 vs 1. D = 0.25
    // (scipy ks_2samp agrees). A merge that steps over ties one value at a time would report 0.75.
    expect(ksStatisticSorted([1, 2, 2, 3], [2, 2, 2, 4])).toBe(0.25);
    // en = 2, λ = (1.4142136 + 0.12 + 0.0777817)·0.25 = 0.4029988 → Q = 0.9968756885202121 (scipy)
    expect(ksTwoSample([1, 2, 2, 3], [2, 2, 2, 4]).pValue).toBeCloseTo(0.9968756885202121, 10);
  });

  it('identical samples: D = 0, p = 1', () => {
    const xs = penguins.map((r) => r.body_mass_g);
    expect(ksTwoSample(xs, xs)).toEqual({ statistic: 0, pValue: 1 });
  });

  // Reference: all 333 penguins; current: the 163 from Biscoe. D from scipy.stats.ks_2samp(ref, cur).statistic,
  // p from scipy.special.kolmogorov(λ) with λ = (√en + 0.12 + 0.11/√en)·D (the script at the top of psi.test.ts).
  it.each([
    ['bill_length_mm', 0.15648777611967796, 0.008220434801043064],
    ['bill_depth_mm', 0.3391551060262717, 1.2386758128987656e-11],
    ['flipper_length_mm', 0.3485510049927228, 2.9063113214826644e-12],
    ['body_mass_g', 0.315260045321395, 4.1366083354315864e-10],
  ] as const)('penguins %s: Biscoe vs all matches scipy', (feature, d, p) => {
    const reference = penguins.map((r) => r[feature]);
    const current = penguins.filter((r) => r.island === 'Biscoe').map((r) => r[feature]);
    const r = ksTwoSample(reference, current);
    expect(r.statistic).toBeCloseTo(d, 12);
    expect(Math.abs(r.pValue - p)).toBeLessThan(1e-8 * p + 1e-15);
  });

  it('does not reorder its inputs and rejects NaN or empty samples', () => {
    const a = [3, 1, 2];
    ksTwoSample(a, [0]);
    expect(a).toEqual([3, 1, 2]);
    expect(() => ksTwoSample([1, Number.NaN], [1])).toThrow(RangeError);
    expect(() => ksTwoSample([], [1])).toThrow(RangeError);
  });

  it('ksPValue uses the effective size n·m/(n+m)', () => {
    // en = 100·100/200 = 50, √50 = 7.0710678; λ = (7.0710678 + 0.12 + 0.0155563)·0.2 = 1.4413248
    expect(ksPValue(0.2, 100, 100)).toBeCloseTo(kolmogorovQ(1.4413248), 6);
  });
});
