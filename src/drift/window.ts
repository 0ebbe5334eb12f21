import { ksPValue, ksStatisticSorted } from './ks.ts';
import { histogramCounts, PSI_MAX_DISCRETE_VALUES, psiFromShares, sturgesEdges } from './psi.ts';

/**
 * The streaming monitor's statistics for one numeric feature, as the fixture's drift monitor
 * (fixtures/model-server/drift.ts) computes them on a full window, so firedrill can predict its gauges:
 * - PSI on bins fixed once from the reference: equal-width edges over the reference's min..max with the bin
 *   count Sturges gives for n = reference rows + window rows; window values outside the range count in the
 *   outer bins; ≤ 20 distinct reference values → one bin per value plus an "other" bin;
 * - KS statistic and asymptotic p-value of the window against the whole reference.
 * Checked against createDriftMonitor itself in expected.test.ts.
 */
export interface WindowStats {
  psi: number;
  ksStatistic: number;
  ksPValue: number;
}

export type WindowBinning =
  | { kind: 'edges'; edges: number[] }
  | { kind: 'values'; index: Map<number, number> };

export interface MonitorFeature {
  binning: WindowBinning;
  /** Reference shares per bin (before the empty-bin floor). */
  expected: number[];
  referenceSorted: Float64Array;
  /** Statistics of one window (any order; NaN values are skipped, as the monitor does). */
  stats(window: ArrayLike<number>): WindowStats;
}

function countInto(binning: WindowBinning, values: ArrayLike<number>): number[] {
  if (binning.kind === 'edges') return histogramCounts(binning.edges, values, 'clamp');
  const counts = new Array<number>(binning.index.size + 1).fill(0);
  for (let i = 0; i < values.length; i++) counts[binning.index.get(values[i]!) ?? binning.index.size]!++;
  return counts;
}

export function monitorFeature(reference: ArrayLike<number>, windowSize: number): MonitorFeature {
  const values = Float64Array.from(reference);
  const distinct = [...new Set(values)].sort((a, b) => a - b);
  const binning: WindowBinning =
    distinct.length > PSI_MAX_DISCRETE_VALUES
      ? { kind: 'edges', edges: sturgesEdges(values, values.length + windowSize) }
      : { kind: 'values', index: new Map(distinct.map((v, i) => [v, i])) };
  const expected = countInto(binning, values).map((c) => c / values.length);
  const referenceSorted = values.slice().sort();
  return {
    binning,
    expected,
    referenceSorted,
    stats(window) {
      const finite: number[] = [];
      for (let i = 0; i < window.length; i++) if (!Number.isNaN(window[i])) finite.push(window[i]!);
      const current = Float64Array.from(finite).sort();
      const n = current.length;
      const psi = psiFromShares(
        expected,
        countInto(binning, current).map((c) => c / n),
      );
      const ksStatistic = ksStatisticSorted(referenceSorted, current);
      return { psi, ksStatistic, ksPValue: ksPValue(ksStatistic, referenceSorted.length, n) };
    },
  };
}
