import { createPayloadGenerator, type PayloadGenerator } from '../payload/generator.ts';
import type { PayloadRow, Reference } from '../payload/reference.ts';
import { type DriftStep, planDrift, resolvedPayload } from '../scenario/index.ts';
import type { Scenario } from '../scenario/schema.ts';
import { ksTwoSampleSorted } from './ks.ts';
import { psi as evidentlyPsi } from './psi.ts';
import { monitorFeature } from './window.ts';

/**
 * Known ground truth for drift: before a run, what the model server's drift monitor should report for a
 * drift step at full strength, per numeric feature, and what Evidently's defaults would say.
 *
 * Method (simulation, with the run's own generator): M windows (default 200) of the monitor's size N (default
 * 500 rows) are drawn from the transformed traffic, skipping requests a strict server rejects (rows with a
 * missing, null or mistyped feature, or an extra field), and each window is scored exactly as the fixture
 * monitor scores it (src/drift/window.ts: reference-fixed Sturges edges for n = reference + N, outer bins
 * clamped; KS against the whole reference). Reported per feature:
 * - psi: the median window PSI; psiLow/psiHigh: its 5th and 95th percentiles over the M windows. This is the
 *   stated sampling error: a single monitor reading on a full window falls inside [psiLow, psiHigh] with
 *   about 90% probability; the median of several readings of one step falls inside with higher probability.
 *   (With M = 200 the percentiles themselves are uncertain by about ±1.5 percentile points.)
 * - psiPopulation: PSI of a large transformed sample (default 20 000 rows) on the monitor's bins: the value
 *   the window PSI estimates; the window median sits above it by roughly (bins − 1)/N (sampling noise).
 * - ksStatistic (median), ksStatisticLow/High (5th/95th), ksPValue (median window p-value);
 * - exceedShare: share of windows whose PSI is above `threshold` (default 0.25, FeatureDriftPSIHigh's), i.e.
 *   the chance a single reading would trip the alert's condition;
 * - evidently: Evidently's default per-column test on the same windows (reference ≤ 1000 rows → two-sample
 *   KS, drift when p < 0.05; above → Wasserstein distance / reference std, drift when ≥ 0.1), its PSI stattest
 *   (Sturges edges on reference ∪ window), as medians, and the share of windows it flags.
 */
export interface ExpectedDriftRow {
  feature: string;
  psi: number;
  psiLow: number;
  psiHigh: number;
  psiPopulation: number;
  ksStatistic: number;
  ksStatisticLow: number;
  ksStatisticHigh: number;
  ksPValue: number;
  exceedShare: number;
  evidently: {
    test: 'ks' | 'wasserstein';
    /** Median KS p-value, or median normed Wasserstein distance. */
    statistic: number;
    psi: number;
    driftShare: number;
  };
}

export interface ExpectedDriftOptions {
  /** Rows per monitor window. Default 500 (the fixture monitor's). */
  windowSize?: number;
  /** Simulated windows. Default 200. */
  windows?: number;
  /** Rows of the large sample for psiPopulation. Default 20 000. */
  populationRows?: number;
  /** PSI alert threshold for exceedShare. Default 0.25. */
  threshold?: number;
  /** Percentiles of the band. Default [0.05, 0.95]. */
  band?: [number, number];
  /** Numeric features to score. Default: the generator's numeric features. */
  features?: readonly string[];
  /** First simulated request seq (kept apart from the run's own seqs). Default 2^30. */
  seqBase?: number;
}

export interface ExpectedDriftInput {
  generator: PayloadGenerator;
  /** The step at full strength; null for reference traffic (the noise floor). */
  step: DriftStep | null;
}

/** numpy's default (linear) quantile of sorted values. */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const pos = (n - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** Would a strict server (the fixture's parsers) accept this row? Sent features present and typed; no extra fields. */
export function acceptedRow(row: PayloadRow, generator: PayloadGenerator): boolean {
  const types = new Map(generator.reference.columns.map((c) => [c.name, c.type]));
  for (const f of generator.features) {
    const v = row[f];
    const type = types.get(f);
    if (type === 'numeric' && !(typeof v === 'number' && Number.isFinite(v))) return false;
    if ((type === 'categorical' || type === 'label') && typeof v !== 'string') return false;
    if (type === 'boolean' && typeof v !== 'boolean') return false;
  }
  for (const key of Object.keys(row)) if (!types.has(key)) return false;
  return true;
}

/**
 * Normed Wasserstein-1 distance between two sorted samples, as Evidently's `wasserstein` stattest:
 * ∫|F_ref − F_cur| dx / max(std(reference), 0.001), with numpy's default population std (ddof 0).
 */
export function wassersteinNormed(refSorted: Float64Array, curSorted: Float64Array, refStd: number): number {
  const all = Float64Array.from([...refSorted, ...curSorted]).sort();
  let i = 0;
  let j = 0;
  let area = 0;
  for (let k = 0; k < all.length - 1; k++) {
    const x = all[k]!;
    while (i < refSorted.length && refSorted[i]! <= x) i++;
    while (j < curSorted.length && curSorted[j]! <= x) j++;
    area += Math.abs(i / refSorted.length - j / curSorted.length) * (all[k + 1]! - x);
  }
  return area / Math.max(refStd, 0.001);
}

function numericFeatures(generator: PayloadGenerator): string[] {
  const numeric = new Set(generator.reference.columns.filter((c) => c.type === 'numeric').map((c) => c.name));
  return generator.features.filter((f) => numeric.has(f));
}

export function expectedDrift(
  input: ExpectedDriftInput,
  options: ExpectedDriftOptions = {},
): ExpectedDriftRow[] {
  const { generator, step } = input;
  const windowSize = options.windowSize ?? 500;
  const windows = options.windows ?? 200;
  const populationRows = options.populationRows ?? 20_000;
  const threshold = options.threshold ?? 0.25;
  const [qLow, qHigh] = options.band ?? [0.05, 0.95];
  const features = [...(options.features ?? numericFeatures(generator))];
  const reference = generator.reference;
  const active = step ? [{ step, intensity: 1 }] : [];
  let seq = options.seqBase ?? 2 ** 30;

  /** The next `count` accepted rows of simulated traffic, as one column per feature. */
  function draw(count: number): Float64Array[] {
    const columns = features.map(() => new Float64Array(count));
    let filled = 0;
    let attempts = 0;
    while (filled < count) {
      const rows = generator.rowsWith(seq++, active);
      if (++attempts > count * 100)
        throw new RangeError('expectedDrift: the server would reject almost every request of this step');
      if (!rows.every((r) => acceptedRow(r, generator))) continue;
      for (const row of rows) {
        if (filled >= count) break;
        features.forEach((f, k) => {
          columns[k]![filled] = row[f] as number;
        });
        filled++;
      }
    }
    return columns;
  }

  const monitors = features.map((f) => {
    const values = reference.rows.map((r) => r[f]).filter((v): v is number => typeof v === 'number');
    const stats = reference.stats[f];
    // Population std (ddof 0), as numpy's np.std in Evidently.
    const std = stats && stats.count > 0 ? stats.std * Math.sqrt((stats.count - 1) / stats.count) : 0;
    return { feature: f, values, monitor: monitorFeature(values, windowSize), std };
  });
  const evidentlyTest: 'ks' | 'wasserstein' = reference.rows.length <= 1000 ? 'ks' : 'wasserstein';
  const perFeature = monitors.map(() => ({
    psi: [] as number[],
    d: [] as number[],
    p: [] as number[],
    ePsi: [] as number[],
    eStat: [] as number[],
    eDrift: 0,
  }));

  for (let w = 0; w < windows; w++) {
    const columns = draw(windowSize);
    monitors.forEach((m, k) => {
      const window = columns[k]!;
      const s = m.monitor.stats(window);
      const acc = perFeature[k]!;
      acc.psi.push(s.psi);
      acc.d.push(s.ksStatistic);
      acc.p.push(s.ksPValue);
      acc.ePsi.push(evidentlyPsi(m.values, window).psi);
      const sorted = window.slice().sort();
      if (evidentlyTest === 'ks') {
        const p = ksTwoSampleSorted(m.monitor.referenceSorted, sorted).pValue;
        acc.eStat.push(p);
        if (p < 0.05) acc.eDrift++;
      } else {
        const wd = wassersteinNormed(m.monitor.referenceSorted, sorted, m.std);
        acc.eStat.push(wd);
        if (wd >= 0.1) acc.eDrift++;
      }
    });
  }

  const population = draw(populationRows);
  return monitors.map((m, k) => {
    const acc = perFeature[k]!;
    const sorted = (xs: number[]) => Float64Array.from(xs).sort();
    const psi = sorted(acc.psi);
    const d = sorted(acc.d);
    return {
      feature: m.feature,
      psi: quantileSorted(psi, 0.5),
      psiLow: quantileSorted(psi, qLow),
      psiHigh: quantileSorted(psi, qHigh),
      psiPopulation: m.monitor.stats(population[k]!).psi,
      ksStatistic: quantileSorted(d, 0.5),
      ksStatisticLow: quantileSorted(d, qLow),
      ksStatisticHigh: quantileSorted(d, qHigh),
      ksPValue: quantileSorted(sorted(acc.p), 0.5),
      exceedShare: acc.psi.filter((x) => x > threshold).length / windows,
      evidently: {
        test: evidentlyTest,
        statistic: quantileSorted(sorted(acc.eStat), 0.5),
        psi: quantileSorted(sorted(acc.ePsi), 0.5),
        driftShare: acc.eDrift / windows,
      },
    };
  });
}

export interface ExpectedStepDrift {
  /** null: reference traffic (the noise floor, for "the other features stay silent"). */
  step: DriftStep | null;
  rows: ExpectedDriftRow[];
}

/** Expected drift of every drift step of a scenario, plus the reference-traffic noise floor first. */
export function expectedDriftForScenario(
  scenario: Pick<Scenario, 'payload' | 'traffic'>,
  reference: Reference,
  options: ExpectedDriftOptions = {},
): ExpectedStepDrift[] {
  const payload = resolvedPayload(scenario);
  const steps = planDrift(scenario);
  const generator = createPayloadGenerator({ reference, payload, seed: scenario.traffic.seed, steps });
  const opts = { windowSize: payload.monitorWindow, ...options };
  return [null, ...steps].map((step) => ({ step, rows: expectedDrift({ generator, step }, opts) }));
}
