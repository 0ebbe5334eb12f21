/*
 * Expected values: by hand where the inputs are tiny (the arithmetic is in the comments), otherwise from
 * numpy 2.4.6 / scipy 1.17.1 (not used by the code under test), with this script run from the repo root:
 *
 *   import json, math, numpy as np; from scipy import special, stats
 *   rows = json.load(open('fixtures/data/penguins.json'))
 *   def evidently_psi(ref, cur):  # evidently get_binned_data(..., feel_zeroes=True) + psi, without pandas
 *       ref = np.asarray(ref, float); cur = np.asarray(cur, float)
 *       bins = np.histogram_bin_edges(np.concatenate([ref, cur]), bins='sturges')
 *       r = np.histogram(ref, bins)[0] / len(ref); c = np.histogram(cur, bins)[0] / len(cur)
 *       for p in (r, c):
 *           m = min(p[p != 0]); np.place(p, p == 0, m / 10**6 if m <= 0.0001 else 0.0001)
 *       return float(np.sum((r - c) * np.log(r / c))), len(bins) - 1
 *   print(evidently_psi(list(range(25)), list(range(10, 35))))           # (6.07768160664985, 7)
 *   for f in ['bill_length_mm', 'bill_depth_mm', 'flipper_length_mm', 'body_mass_g']:
 *       ref = [r[f] for r in rows]; cur = [r[f] for r in rows if r['island'] == 'Biscoe']
 *       d = stats.ks_2samp(ref, cur).statistic; en = len(ref) * len(cur) / (len(ref) + len(cur))
 *       lam = (math.sqrt(en) + 0.12 + 0.11 / math.sqrt(en)) * d
 *       print(f, evidently_psi(ref, cur), d, special.kolmogorov(lam))
 */
import { describe, expect, it } from 'vitest';
import rows from '../../fixtures/data/penguins.json' with { type: 'json' };
import {
  floorEmptyShares,
  histogramCounts,
  PSI_EMPTY_BIN_SHARE,
  psi,
  psiFromShares,
  psiWithEdges,
  sturgesEdges,
} from './psi.ts';

type Row = { island: string } & Record<
  'bill_length_mm' | 'bill_depth_mm' | 'flipper_length_mm' | 'body_mass_g',
  number
>;
const penguins = rows as Row[];
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

describe('psiFromShares', () => {
  it('is Σ (A − E)·ln(A/E), by hand', () => {
    // (0.25 − 0.5)·ln(0.25/0.5) + (0.75 − 0.5)·ln(0.75/0.5) = 0.25·0.6931472 + 0.25·0.4054651 = 0.2746531
    expect(psiFromShares([0.5, 0.5], [0.25, 0.75])).toBeCloseTo(0.2746531, 6);
    expect(psiFromShares([0.2, 0.3, 0.5], [0.2, 0.3, 0.5])).toBe(0);
  });

  it('floors an empty bin at 0.0001 instead of dividing by zero', () => {
    // bins: (1 − 0.5)·ln(1/0.5) + (0.0001 − 0.5)·ln(0.0001/0.5) = 0.3465736 + 0.4999·8.5171932 = 0.3465736 + 4.2577449 = 4.6043185
    expect(psiFromShares([0.5, 0.5], [1, 0])).toBeCloseTo(4.6043185, 6);
  });

  it('rejects share vectors of different lengths', () => {
    expect(() => psiFromShares([1], [0.5, 0.5])).toThrow(RangeError);
  });
});

describe('floorEmptyShares (Evidently feel_zeroes)', () => {
  it.each([
    // smallest non-zero share 0.25 > 0.0001 → zeros become 0.0001
    [
      [0, 0.25, 0.75],
      [PSI_EMPTY_BIN_SHARE, 0.25, 0.75],
    ],
    // smallest non-zero share 0.00005 ≤ 0.0001 → zeros become 0.00005 / 10⁶ = 5e-11
    [
      [0, 0.00005, 0.99995],
      [5e-11, 0.00005, 0.99995],
    ],
    [
      [0.5, 0.5],
      [0.5, 0.5],
    ],
  ])('%j → %j', (input, expected) => {
    const out = floorEmptyShares(input);
    for (let i = 0; i < expected.length; i++) expect(out[i]).toBeCloseTo(expected[i]!, 20);
  });
});

describe('sturgesEdges (np.histogram_bin_edges(x, bins="sturges"))', () => {
  it('uses ceil(log2(n) + 1) equal-width bins over min..max', () => {
    // n = 50: log2(50) + 1 = 6.6439 → 7 bins over [0, 34], width 34/7.
    const edges = sturgesEdges([...range(0, 25), ...range(10, 35)]);
    expect(edges).toHaveLength(8);
    expect(edges[0]).toBe(0);
    expect(edges[7]).toBe(34);
    expect(edges[1]).toBeCloseTo(34 / 7, 12);
  });

  it('takes n from the caller when given (bin count for n values, range of the values)', () => {
    // n = 833 (333 reference + 500 window): log2(833) + 1 = 10.70 → 11 bins.
    expect(sturgesEdges([1, 2, 3], 833)).toHaveLength(12);
  });

  it('widens a zero range to ±0.5 with one bin, as numpy does', () => {
    expect(sturgesEdges([7, 7, 7])).toEqual([6.5, 7.5]);
  });
});

describe('histogramCounts', () => {
  const edges = [0, 1, 2, 3];
  it('counts [e_i, e_i+1) with the last bin closed, as np.histogram', () => {
    expect(histogramCounts(edges, [0, 0.5, 1, 2.999, 3])).toEqual([2, 1, 2]);
  });
  it("drops values outside the edges ('drop', numpy) or puts them in the outer bins ('clamp')", () => {
    expect(histogramCounts(edges, [-1, 1.5, 4], 'drop')).toEqual([0, 1, 0]);
    expect(histogramCounts(edges, [-1, 1.5, 4], 'clamp')).toEqual([1, 1, 1]);
  });
});

describe('psi (Evidently-compatible)', () => {
  it('matches a hand computation on 25 + 25 integers', () => {
    // reference 0..24, current 10..34 (25 unique reference values > 20 → Sturges on the union):
    // n = 50 → 7 bins of width 34/7 ≈ 4.857: [0,4.86) [4.86,9.71) [9.71,14.57) [14.57,19.43) [19.43,24.29)
    // [24.29,29.14) [29.14,34]. Reference counts 5,5,5,5,5,0,0 → shares .2,.2,.2,.2,.2,0,0;
    // current counts 0,0,5,5,5,5,5 → shares 0,0,.2,.2,.2,.2,.2. Zeros floored at 0.0001.
    // Four bins each give (0.2 − 0.0001)·ln(0.2/0.0001) = 0.1999·7.6009025 = 1.5194204; the rest 0.
    // PSI = 4 · 1.5194204 = 6.0776816 (the numpy script above: 6.07768160664985).
    const result = psi(range(0, 25), range(10, 35));
    expect(result.method).toBe('sturges');
    expect(result.bins).toHaveLength(7);
    expect(result.bins.map((b) => b.expected)).toEqual([0.2, 0.2, 0.2, 0.2, 0.2, 0.0001, 0.0001]);
    expect(result.bins.map((b) => b.actual)).toEqual([0.0001, 0.0001, 0.2, 0.2, 0.2, 0.2, 0.2]);
    expect(result.psi).toBeCloseTo(6.07768160664985, 12);
  });

  it('bins per value when the reference has ≤ 20 unique values', () => {
    // values 1 and 2: reference shares .5/.5, current .25/.75 → 0.2746531 (as psiFromShares by hand above)
    const result = psi([1, 1, 2, 2], [1, 2, 2, 2]);
    expect(result.method).toBe('values');
    expect(result.bins.map((b) => [b.lo, b.expected, b.actual])).toEqual([
      [1, 0.5, 0.25],
      [2, 0.5, 0.75],
    ]);
    expect(result.psi).toBeCloseTo(0.2746531, 6);
  });

  it('is 0 for identical samples', () => {
    const flipper = penguins.map((r) => r.flipper_length_mm);
    expect(psi(flipper, flipper).psi).toBe(0);
  });

  // Reference: all 333 penguins; current: the 163 from Biscoe island. Expected values from numpy 2.4.6 running
  // Evidently's get_binned_data logic (the script at the top of this file). 333 + 163 = 496 values → 10 bins.
  it.each([
    ['bill_length_mm', 0.1566656133237244],
    ['bill_depth_mm', 0.5086994219845483],
    ['flipper_length_mm', 0.5628761962450356],
    ['body_mass_g', 0.4796497730234754],
  ] as const)('penguins %s: Biscoe vs all matches numpy (%d)', (feature, expected) => {
    const reference = penguins.map((r) => r[feature]);
    const current = penguins.filter((r) => r.island === 'Biscoe').map((r) => r[feature]);
    expect(current).toHaveLength(163);
    const result = psi(reference, current);
    expect(result.bins).toHaveLength(10);
    expect(result.psi).toBeCloseTo(expected, 10);
  });

  it('rejects empty or non-finite input', () => {
    expect(() => psi([], [1])).toThrow(RangeError);
    expect(() => psi([1, Number.NaN], [1])).toThrow(/not a finite number/);
  });
});

describe('psiWithEdges', () => {
  it('bins both samples on the given edges; values past the edges count in the outer bins', () => {
    // edges [0,1,2]: reference 0.5, 1.5 → .5/.5; current 1.5, 5 (5 clamps into the last bin) → 0/1.
    // PSI = (0.0001 − 0.5)·ln(0.0001/0.5) + (1 − 0.5)·ln(1/0.5) = 4.2577449 + 0.3465736 = 4.6043185
    const result = psiWithEdges([0, 1, 2], [0.5, 1.5], [1.5, 5]);
    expect(result.bins.map((b) => b.actual)).toEqual([0.0001, 1]);
    expect(result.psi).toBeCloseTo(4.6043185, 6);
  });

  it("with 'drop' divides by all current values, as Evidently does (dropped values lower the shares)", () => {
    const result = psiWithEdges([0, 1, 2], [0.5, 1.5], [1.5, 5], 'drop');
    expect(result.bins.map((b) => b.actual)).toEqual([0.0001, 0.5]);
  });
});
