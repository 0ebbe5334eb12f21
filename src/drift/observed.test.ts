import { describe, expect, it } from 'vitest';
import type { QueryResult } from '../evaluate/prometheus-client.ts';
import type { ExpectedDriftRow } from './expected.ts';
import { compareDrift, queryObservedDrift } from './observed.ts';

describe('queryObservedDrift', () => {
  it('asks Prometheus for max and median PSI and median KS over the span, per feature', async () => {
    const queries: Array<[string, number | undefined]> = [];
    const client = {
      async query(promql: string, time?: number): Promise<QueryResult> {
        queries.push([promql, time]);
        const value = promql.startsWith('max_over_time')
          ? '5.3'
          : promql.includes('ks_statistic')
            ? '0.68'
            : '5.2';
        return {
          resultType: 'vector',
          result: [{ metric: { model: 'penguins', feature: 'flipper_length_mm' }, value: [1, value] }],
        };
      },
    };
    const rows = await queryObservedDrift(
      client,
      'penguins',
      ['flipper_length_mm', 'body_mass_g'],
      1_700_000_060_000,
      17_500,
    );
    expect(queries.map(([q]) => q)).toEqual([
      'max_over_time(model_feature_drift_psi{model="penguins",feature=~"flipper_length_mm|body_mass_g"}[18s])',
      'quantile_over_time(0.5, model_feature_drift_psi{model="penguins",feature=~"flipper_length_mm|body_mass_g"}[18s])',
      'quantile_over_time(0.5, model_feature_drift_ks_statistic{model="penguins",feature=~"flipper_length_mm|body_mass_g"}[18s])',
    ]);
    expect(queries.every(([, t]) => t === 1_700_000_060_000)).toBe(true);
    expect(rows).toEqual([
      { feature: 'flipper_length_mm', psiMax: 5.3, psiMedian: 5.2, ksStatisticMedian: 0.68 },
      { feature: 'body_mass_g', psiMax: null, psiMedian: null, ksStatisticMedian: null },
    ]);
  });
});

describe('compareDrift', () => {
  const expected = (feature: string, psi: number, psiLow: number, psiHigh: number) =>
    ({ feature, psi, psiLow, psiHigh }) as ExpectedDriftRow;
  it('agrees when the observed median lies in the 5th–95th band, and says why not otherwise', () => {
    const rows = compareDrift(
      [
        expected('a', 5.24, 5.13, 5.41),
        expected('b', 0.02, 0.008, 0.037),
        expected('c', 0.23, 0.16, 0.31),
        expected('d', 1, 0.9, 1.1),
      ],
      [
        { feature: 'a', psiMax: 5.6, psiMedian: 5.3, ksStatisticMedian: 0.7 },
        { feature: 'b', psiMax: 0.05, psiMedian: 0.05, ksStatisticMedian: 0.03 },
        { feature: 'c', psiMax: 0.2, psiMedian: 0.1, ksStatisticMedian: 0.1 },
      ],
    );
    expect(rows.map((r) => r.agree)).toEqual([true, false, false, false]);
    expect(rows[0]!.detail).toBe(
      'a: observed median PSI 5.3 (max 5.6), expected 5.24 (5th–95th 5.13–5.41): agrees',
    );
    expect(rows[1]!.detail).toMatch(/above the band$/);
    expect(rows[2]!.detail).toMatch(/below the band$/);
    expect(rows[3]!.detail).toBe('d: no PSI readings in the span; expected 1 (5th–95th 0.9–1.1)');
  });
});
