/*
 * Independent values: numpy 2.4.6 / scipy 1.17.1, run from the repo root (not used by the code under test):
 *
 *   import json, numpy as np; from scipy import stats
 *   rows = json.load(open('fixtures/data/penguins.json'))
 *   ref = np.array([r['flipper_length_mm'] for r in rows], float)
 *   cur = np.array([r['flipper_length_mm'] for r in rows if r['island'] == 'Biscoe'], float)
 *   # the fixture monitor: Sturges bin count for n = 333 + 500 over the reference's range, outer bins clamp
 *   n = len(ref) + 500
 *   edges = np.histogram_bin_edges(np.concatenate([ref, np.full(n - len(ref), ref.min())]), bins='sturges')
 *   e = np.histogram(ref, edges)[0] / len(ref)
 *   a = np.histogram(np.clip(cur + 20, edges[0], edges[-1]), edges)[0] / len(cur)
 *   def floor(p):
 *       p = p.copy(); m = min(p[p != 0]); p[p == 0] = m / 1e6 if m <= 1e-4 else 1e-4; return p
 *   e2, a2 = floor(e), floor(a)
 *   print(len(edges) - 1, np.sum((a2 - e2) * np.log(a2 / e2)))       # 11 4.4953595561329465
 *   print(stats.ks_2samp(ref, cur + 20).statistic)                   # 0.6818843383260561
 *   print(stats.wasserstein_distance(ref, cur) / np.std(ref))        # 0.617515174238422
 */
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createDriftMonitor } from '../../fixtures/model-server/drift.ts';
import { createPayloadGenerator } from '../payload/generator.ts';
import { loadReference } from '../payload/reference.ts';
import { planDrift } from '../scenario/index.ts';
import { payloadSchema } from '../scenario/payload.ts';
import { expectedDrift, quantileSorted, wassersteinNormed } from './expected.ts';
import { monitorFeature } from './window.ts';

const ref = await loadReference();
const flipperRef = ref.rows.map((r) => r.flipper_length_mm as number);
const biscoe = ref.rows.filter((r) => r.island === 'Biscoe').map((r) => r.flipper_length_mm as number);
const FEATURES = ['bill_length_mm', 'bill_depth_mm', 'flipper_length_mm', 'body_mass_g'];

function generatorFor(sigma: number, seed = 1) {
  const payload = payloadSchema.parse({
    drift: [{ kind: 'mean-shift', feature: 'flipper_length_mm', sigma, at: '0s' }],
  });
  const scenario = {
    payload,
    traffic: { seed, stages: [{ kind: 'constant' as const, rate: 40, duration: 600_000 }] },
  };
  const steps = planDrift(scenario as never);
  return { generator: createPayloadGenerator({ reference: ref, payload, seed, steps }), step: steps[0]! };
}

describe('monitorFeature: the fixture monitor’s statistics', () => {
  it('matches numpy/scipy on a shifted Biscoe window (11 bins, outer bins clamp)', () => {
    const m = monitorFeature(flipperRef, 500);
    expect(m.binning.kind === 'edges' && m.binning.edges.length).toBe(12);
    const s = m.stats(biscoe.map((v) => v + 20));
    expect(s.psi).toBeCloseTo(4.4953595561329465, 10);
    expect(s.ksStatistic).toBeCloseTo(0.6818843383260561, 12);
  });

  it('gives exactly what createDriftMonitor exports for the same window', () => {
    const { generator, step } = generatorFor(0.5);
    const monitor = createDriftMonitor({
      registry: new Registry(),
      model: 'penguins',
      reference: ref.rows,
      updateIntervalMs: 0,
    });
    const windows = FEATURES.map((f) =>
      monitorFeature(
        ref.rows.map((r) => r[f] as number),
        500,
      ),
    );
    const rows = Array.from(
      { length: 500 },
      (_, seq) => generator.rowsWith(seq, [{ step, intensity: 1 }])[0]!,
    );
    for (const row of rows) monitor.observe(row as Record<string, number>);
    const results = monitor.update();
    monitor.close();
    FEATURES.forEach((f, k) => {
      const mine = windows[k]!.stats(rows.map((r) => r[f] as number));
      const theirs = results.find((r) => r.feature === f)!;
      expect(mine.psi).toBe(theirs.psi);
      expect(mine.ksStatistic).toBe(theirs.ksStatistic);
      expect(mine.ksPValue).toBe(theirs.ksPValue);
    });
  });
});

describe('wassersteinNormed (Evidently)', () => {
  it('matches scipy.stats.wasserstein_distance / np.std', () => {
    const a = Float64Array.from(flipperRef).sort();
    const b = Float64Array.from(biscoe).sort();
    const n = a.length;
    const mean = a.reduce((s, x) => s + x, 0) / n;
    const std = Math.sqrt(a.reduce((s, x) => s + (x - mean) ** 2, 0) / n);
    expect(wassersteinNormed(a, b, std)).toBeCloseTo(0.617515174238422, 10);
  });
});

describe('quantileSorted (numpy linear)', () => {
  it.each([
    [0.5, 2.5],
    [0.05, 1.15],
    [0.95, 3.85],
  ])('q=%d', (q, v) => expect(quantileSorted([1, 2, 3, 4], q)).toBeCloseTo(v, 12));
});

describe('expectedDrift vs a direct simulation of the fixture monitor', () => {
  // The stated error is the 5th–95th percentile band of single-window PSI. Check it on windows the
  // expectation never saw (other seqs, another seed): about 90% of fresh monitor readings must fall
  // inside; with 40 windows, fewer than 30 inside would happen with probability < 0.1% if the band is right.
  it.each([0, 0.25, 1, 2])('%dσ on flipper_length_mm: fresh monitor windows fall in the band', (sigma) => {
    const { generator, step } = generatorFor(sigma);
    const expected = expectedDrift({ generator, step }, { windows: 200 });
    const fresh = generatorFor(sigma, 99);
    const monitor = createDriftMonitor({
      registry: new Registry(),
      model: 'penguins',
      reference: ref.rows,
      updateIntervalMs: 0,
    });
    const readings: Record<string, number[]> = Object.fromEntries(FEATURES.map((f) => [f, []]));
    for (let w = 0; w < 40; w++) {
      for (let i = 0; i < 500; i++) {
        monitor.observe(
          fresh.generator.rowsWith(w * 500 + i, [{ step: fresh.step, intensity: 1 }])[0]! as Record<
            string,
            number
          >,
        );
      }
      for (const r of monitor.update()) readings[r.feature]!.push(r.psi);
    }
    monitor.close();
    for (const e of expected) {
      const inside = readings[e.feature]!.filter((p) => p >= e.psiLow && p <= e.psiHigh).length;
      expect(inside, `${e.feature}: ${inside}/40 in [${e.psiLow}, ${e.psiHigh}]`).toBeGreaterThanOrEqual(30);
      const sorted = Float64Array.from(readings[e.feature]!).sort();
      const median = quantileSorted(sorted, 0.5);
      expect(median).toBeGreaterThan(e.psiLow);
      expect(median).toBeLessThan(e.psiHigh);
    }
  });

  it('states the numbers the scenarios rely on', () => {
    const noise = expectedDrift(generatorFor(0), { windows: 200 });
    for (const row of noise) expect(row.psiHigh).toBeLessThan(0.05); // reference traffic: far below 0.25
    const two = expectedDrift(generatorFor(2), { windows: 200 }).find(
      (r) => r.feature === 'flipper_length_mm',
    )!;
    expect(two.psiLow).toBeGreaterThan(4.5);
    expect(two.exceedShare).toBe(1);
    expect(two.evidently).toMatchObject({ test: 'ks', driftShare: 1 });
    expect(Math.abs(two.psi - two.psiPopulation)).toBeLessThan(0.2);
    const quarter = expectedDrift(generatorFor(0.25), { windows: 200 }).find(
      (r) => r.feature === 'flipper_length_mm',
    )!;
    expect(quarter.psiLow).toBeLessThan(0.25);
    expect(quarter.psiHigh).toBeGreaterThan(0.25);
  });

  it('skips requests a strict server rejects (schema breaks never reach the monitor)', () => {
    const payload = payloadSchema.parse({
      drift: [{ kind: 'wrong-type', feature: 'body_mass_g', share: 0.5, at: '0s' }],
    });
    const scenario = {
      payload,
      traffic: { seed: 1, stages: [{ kind: 'constant' as const, rate: 40, duration: 600_000 }] },
    };
    const steps = planDrift(scenario as never);
    const generator = createPayloadGenerator({ reference: ref, payload, seed: 1, steps });
    const rows = expectedDrift({ generator, step: steps[0]! }, { windows: 50, populationRows: 2000 });
    for (const row of rows) expect(row.psiHigh).toBeLessThan(0.05);
  });
});
