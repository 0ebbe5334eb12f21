import type { PrometheusClient, QueryResult } from '../evaluate/prometheus-client.ts';
import type { ExpectedDriftRow } from './expected.ts';

/**
 * What the drift monitor reported during a drift step, read back from Prometheus, and its comparison with
 * the expected values.
 *
 * queryObservedDrift evaluates, at `atMs` (the end of the span to read: a step's end), over the preceding
 * `windowMs`:
 *   max_over_time(model_feature_drift_psi{model="m",feature=~"f1|f2"}[W])
 *   quantile_over_time(0.5, model_feature_drift_psi{…}[W])
 *   quantile_over_time(0.5, model_feature_drift_ks_statistic{…}[W])
 * Choose W to cover only the part of the step where the monitor's window was full of drifted rows
 * (step start + windowSize / (rate · batch) … step end), so the readings estimate one full window.
 */
export interface ObservedDriftRow {
  feature: string;
  /** Largest PSI reading over the span; null when there were none. */
  psiMax: number | null;
  /** Median PSI reading over the span (readings of overlapping windows: not independent). */
  psiMedian: number | null;
  ksStatisticMedian: number | null;
}

const quoteLabel = (s: string) => s.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function byFeature(result: QueryResult): Map<string, number> {
  const out = new Map<string, number>();
  if (result.resultType !== 'vector') return out;
  for (const sample of result.result) {
    const feature = sample.metric.feature;
    const value = Number(sample.value[1]);
    if (feature !== undefined && Number.isFinite(value)) out.set(feature, value);
  }
  return out;
}

/** PromQL range selector text for a duration in ms (whole seconds, at least 1s). */
function range(ms: number): string {
  return `${Math.max(1, Math.round(ms / 1000))}s`;
}

export async function queryObservedDrift(
  client: Pick<PrometheusClient, 'query'>,
  model: string,
  features: readonly string[],
  atMs: number,
  windowMs: number,
): Promise<ObservedDriftRow[]> {
  const selector = (metric: string) =>
    `${metric}{model="${quoteLabel(model)}",feature=~"${quoteLabel(features.map(escapeRegex).join('|'))}"}[${range(windowMs)}]`;
  const [max, median, ks] = await Promise.all([
    client.query(`max_over_time(${selector('model_feature_drift_psi')})`, atMs),
    client.query(`quantile_over_time(0.5, ${selector('model_feature_drift_psi')})`, atMs),
    client.query(`quantile_over_time(0.5, ${selector('model_feature_drift_ks_statistic')})`, atMs),
  ]);
  const maxBy = byFeature(max);
  const medianBy = byFeature(median);
  const ksBy = byFeature(ks);
  return features.map((feature) => ({
    feature,
    psiMax: maxBy.get(feature) ?? null,
    psiMedian: medianBy.get(feature) ?? null,
    ksStatisticMedian: ksBy.get(feature) ?? null,
  }));
}

export interface DriftComparisonRow {
  feature: string;
  expectedPsi: number;
  psiLow: number;
  psiHigh: number;
  observedPsiMedian: number | null;
  observedPsiMax: number | null;
  /** The observed median lies within [psiLow, psiHigh] (the stated 5th–95th percentile band). */
  agree: boolean;
  /** One sentence, for the summary. */
  detail: string;
}

const f3 = (x: number) => Number(x.toFixed(3));

/**
 * Expected vs observed per feature. Agreement: the median PSI reading during the step lies within the
 * expected single-window 5th–95th percentile band. (The maximum is shown but not judged: over a span of k
 * readings it is biased upwards by design.) A feature with no observation does not agree.
 */
export function compareDrift(
  expected: readonly ExpectedDriftRow[],
  observed: readonly ObservedDriftRow[],
): DriftComparisonRow[] {
  return expected.map((e) => {
    const o = observed.find((x) => x.feature === e.feature);
    const median = o?.psiMedian ?? null;
    const agree = median !== null && median >= e.psiLow && median <= e.psiHigh;
    const band = `expected ${f3(e.psi)} (5th–95th ${f3(e.psiLow)}–${f3(e.psiHigh)})`;
    const detail =
      median === null
        ? `${e.feature}: no PSI readings in the span; ${band}`
        : `${e.feature}: observed median PSI ${f3(median)}${o?.psiMax != null ? ` (max ${f3(o.psiMax)})` : ''}, ${band}: ${agree ? 'agrees' : median < e.psiLow ? 'below the band' : 'above the band'}`;
    return {
      feature: e.feature,
      expectedPsi: e.psi,
      psiLow: e.psiLow,
      psiHigh: e.psiHigh,
      observedPsiMedian: median,
      observedPsiMax: o?.psiMax ?? null,
      agree,
      detail,
    };
  });
}

/** Expected vs observed drift for one drift step of the run (run.json `drift[]`). */
export interface DriftReport {
  step: string;
  /** e.g. "mean-shift flipper_length_mm by 2σ". */
  transform: string;
  startMs: number;
  endMs: number;
  /** The span whose PSI readings were compared (the monitor window full of drifted rows), epoch ms. */
  observedFrom: number | null;
  observedTo: number | null;
  rows: DriftComparisonRow[];
}
