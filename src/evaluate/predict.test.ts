import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { planScenario } from '../scenario/plan.ts';
import type { ScenarioInput } from '../scenario/schema.ts';
import { parseScenarioOrThrow } from '../scenario/validate.ts';
import type { TrafficWindow } from '../traffic/types.ts';
import { predictDetections, predictFromTraffic, withPredictions } from './predict.ts';
import type { ApiRuleGroup } from './prometheus-client.ts';
import { recogniseRatioShape, recordingRules } from './ratio-shape.ts';
import type { DetectionPrediction, ExpectationResult, RuleTiming } from './types.ts';

/** The fixture's rule files as the rules API would list them (the file text as the query). */
function fixtureGroups(...files: string[]): ApiRuleGroup[] {
  return files.flatMap((file) => {
    const doc = parseYaml(
      readFileSync(new URL(`../../fixtures/prometheus/rules/${file}`, import.meta.url), 'utf8'),
    ) as {
      groups: Array<{ name: string; interval: string; rules: Array<Record<string, unknown>> }>;
    };
    return doc.groups.map((group) => ({
      name: group.name,
      file,
      interval: 1,
      rules: group.rules.map((rule) =>
        typeof rule.alert === 'string'
          ? {
              type: 'alerting' as const,
              name: rule.alert,
              query: String(rule.expr),
              duration: forSeconds(rule.for),
            }
          : { type: 'recording' as const, name: String(rule.record), query: String(rule.expr) },
      ),
    }));
  });
}

function forSeconds(text: unknown): number {
  return typeof text === 'string' ? Number(text.replace(/s$/, '')) : 0;
}

const groups = fixtureGroups('slo-errors.yml', 'errors.yml', 'latency.yml');
const timings: RuleTiming[] = groups.flatMap((group) =>
  group.rules.flatMap((rule) =>
    rule.type === 'alerting'
      ? [
          {
            alert: rule.name,
            group: group.name,
            evaluationIntervalMs: 1000,
            forMs: rule.duration * 1000,
            keepFiringForMs: 0,
            scrapeIntervalMs: 1000,
            query: rule.query,
          },
        ]
      : [],
  ),
);

/** 40 req/s: `before` of clean traffic, then `errors` for `faultFor`, then `after`; expects `alerts`. */
function plan(options: {
  before: string;
  faultFor: string;
  ratio: number;
  alerts: string[];
  measure?: 'firing' | 'notified';
  stages?: ScenarioInput['traffic']['stages'];
}) {
  const input: ScenarioInput = {
    name: 'burn',
    description: 'an error fault against the burn-rate rules',
    target: { protocol: 'kserve-v2', model: 'penguins' },
    traffic: {
      ...(options.stages?.[0]?.kind === 'concurrency' ? { model: 'closed' as const } : {}),
      stages: options.stages ?? [{ kind: 'constant', rate: 40, duration: '10m' }],
    },
    faults: [
      {
        id: 'errors',
        kind: 'error-burst',
        at: options.before,
        duration: options.faultFor,
        ratio: options.ratio,
      },
    ],
    expect: options.alerts.map((alert) => ({
      kind: 'alert-fires' as const,
      alert,
      after: 'errors',
      within: '5m',
      ...(options.measure ? { measure: options.measure } : {}),
    })),
  };
  return planScenario(parseScenarioOrThrow(input, 'burn.ts'));
}

const byAlert = (predictions: ReturnType<typeof predictDetections>, alert: string) => {
  const found = predictions.find((p) => p.alert === alert);
  if (!found) throw new Error(`no prediction for ${alert}`);
  return found;
};

/** The 10 ms grid of the solver: a crossing at an exact hand-computed time lands on or one step after it. */
function expectNear(actual: number | null, expectedMs: number): void {
  expect(actual).not.toBeNull();
  expect(actual!).toBeGreaterThanOrEqual(expectedMs - 10);
  expect(actual!).toBeLessThanOrEqual(expectedMs + 20);
}

describe('recogniseRatioShape', () => {
  const recorded = recordingRules(groups);
  it('follows the burn-rate rules through their recording rules (fixture file text)', () => {
    const fast = timings.find((t) => t.alert === 'ModelErrorBudgetBurnFast')!;
    const shape = recogniseRatioShape(fast.query, recorded)!;
    expect(shape.kind).toBe('burn-rate');
    expect(shape.conditions.map((c) => [c.rangeMs, c.threshold, c.recordedAs])).toEqual([
      [60_000, 14.4 * 0.005, 'model:model_request_errors_per_request:ratio_rate1m'],
      [5000, 14.4 * 0.005, 'model:model_request_errors_per_request:ratio_rate5s'],
    ]);
    expect(shape.minErrorRatio).toBeCloseTo(0.072, 12);
  });

  it('reads the plain ratio of ModelErrorRatioHigh with its endpoint filter and status matcher', () => {
    const plain = timings.find((t) => t.alert === 'ModelErrorRatioHigh')!;
    const shape = recogniseRatioShape(plain.query, recorded)!;
    expect(shape.kind).toBe('plain-ratio');
    expect(shape.conditions).toHaveLength(1);
    expect(shape.conditions[0]).toMatchObject({
      rangeMs: 10_000,
      threshold: 0.05,
      inclusive: false,
      metric: 'model_requests_total',
      matchers: [{ name: 'endpoint', op: '=', value: 'infer' }],
      errorMatchers: [{ name: 'code', op: '=~', value: '5..' }],
    });
  });

  it('reads the query as Prometheus formats it in /api/v1/rules', () => {
    const shape = recogniseRatioShape(
      'sum by (model) (rate(model_requests_total{code=~"5..",endpoint="infer"}[10s])) / sum by (model) (rate(model_requests_total{endpoint="infer"}[10s])) > 0.05',
      new Map(),
    );
    expect(shape?.conditions.map((c) => [c.rangeMs, c.threshold])).toEqual([[10_000, 0.05]]);
    const burn = recogniseRatioShape(
      'model:ratio_rate1m > (14.4 * 0.005) and model:ratio_rate5s > (14.4 * 0.005)',
      new Map([
        [
          'model:ratio_rate1m',
          'sum by (model) (rate(x_total{code=~"5.."}[1m])) / sum by (model) (rate(x_total[1m]))',
        ],
        [
          'model:ratio_rate5s',
          'sum(rate(x_total{code=~"5.."}[5s])) by (model) / sum(rate(x_total[5s])) by (model)',
        ],
      ]),
    );
    expect(burn?.conditions.map((c) => c.rangeMs)).toEqual([60_000, 5000]);
  });

  it.each([
    ['latency quantile', 'histogram_quantile(0.99, sum by (le) (rate(h_bucket[10s]))) > 0.25'],
    ['or of ratios', 'a > 0.1 or b > 0.1'],
    ['unknown recorded name', 'not_recorded > 0.1'],
    ['numerator narrowed by a non-status label', 'sum(rate(x{endpoint="a"}[1m])) / sum(rate(x[1m])) > 0.1'],
    ['different windows in one ratio', 'sum(rate(x{code="500"}[1m])) / sum(rate(x[5m])) > 0.1'],
    ['different metrics', 'sum(rate(x{code="500"}[1m])) / sum(rate(y[1m])) > 0.1'],
    ['bool comparison', 'sum(rate(x{code="500"}[1m])) / sum(rate(x[1m])) > bool 0.1'],
    ['unless', 'sum(rate(x{code="500"}[1m])) / sum(rate(x[1m])) > 0.1 unless up == 0'],
    ['a gauge threshold', 'model_batch_queue_depth > 50'],
  ])('does not recognise %s', (_, expr) => {
    expect(
      recogniseRatioShape(expr, new Map([['a', 'sum(rate(x{code="500"}[1m])) / sum(rate(x[1m]))']])),
    ).toBeUndefined();
  });
});

describe('predictDetections (hand-computed)', () => {
  it('fast burn with a full clean 1m window: D = k·W/e = 0.072·60s/0.1 = 43.2s (the 5s window needs 3.6s)', () => {
    const p = predictDetections({
      plan: plan({ before: '60s', faultFor: '60s', ratio: 0.1, alerts: ['ModelErrorBudgetBurnFast'] }),
      groups,
      timings,
      groupWaitMs: 0,
    });
    const fast = byAlert(p, 'ModelErrorBudgetBurnFast');
    expectNear(fast.predictedMs, 43_200);
    expect(fast.crossingMs).toBe(fast.predictedMs);
    expect(fast.toleranceMs).toBe(2000);
    // rate() over a window up to one scrape short crosses up to scrape × k/e = 1s × 0.72 sooner.
    expect(fast.earlyToleranceMs).toBe(720);
    expect(fast.minErrorRatio).toBeCloseTo(0.072, 12);
    expect(fast.explanation).toContain('cannot page below 7.2% errors');
    expect(fast.explanation).toMatch(/ratio over 5s > 7\.2% after 3\.6[0-9]*s/);
  });

  it('fast burn after only 5s of traffic: the 1m window reaches back to the start, D = k·H/(e − k) = 12.857s', () => {
    const p = predictDetections({
      plan: plan({ before: '5s', faultFor: '30s', ratio: 0.1, alerts: ['ModelErrorBudgetBurnFast'] }),
      groups,
      timings,
      groupWaitMs: 0,
    });
    expectNear(byAlert(p, 'ModelErrorBudgetBurnFast').predictedMs, (0.072 * 5000) / (0.1 - 0.072));
  });

  it('slow burn at 4% after 5s: both 6m and 30s windows need k·H/(e − k) = 0.03·5s/0.01 = 15s; fast cannot page', () => {
    const p = predictDetections({
      plan: plan({
        before: '5s',
        faultFor: '25s',
        ratio: 0.04,
        alerts: ['ModelErrorBudgetBurnSlow', 'ModelErrorBudgetBurnFast'],
      }),
      groups,
      timings,
      groupWaitMs: 0,
    });
    expectNear(byAlert(p, 'ModelErrorBudgetBurnSlow').predictedMs, 15_000);
    const fast = byAlert(p, 'ModelErrorBudgetBurnFast');
    expect(fast.predictedMs).toBeNull();
    expect(fast.crossingMs).toBeNull();
    expect(fast.explanation).toContain('never: this rule cannot page below 7.2% errors');
  });

  it('plain ratio: 30% errors over 10s cross 5% after 1.667s, then `for: 3s` → 4.667s; notified adds group_wait', () => {
    const input = {
      plan: plan({ before: '15s', faultFor: '15s', ratio: 0.3, alerts: ['ModelErrorRatioHigh'] }),
      groups,
      timings,
      groupWaitMs: 0,
    };
    const firing = byAlert(predictDetections(input), 'ModelErrorRatioHigh');
    expectNear(firing.crossingMs, 1667);
    expectNear(firing.predictedMs, 4667);
    const notified = byAlert(
      predictDetections({
        ...input,
        plan: plan({
          before: '15s',
          faultFor: '15s',
          ratio: 0.3,
          alerts: ['ModelErrorRatioHigh'],
          measure: 'notified',
        }),
        groupWaitMs: 5000,
      }),
      'ModelErrorRatioHigh',
    );
    expect(notified.predictedMs).toBe(firing.predictedMs! + 5000);
    expect(notified.measure).toBe('notified');
  });

  it('a fault shorter than the crossing never fires: 10% for 20s against a full 1m window (needs 43.2s)', () => {
    const p = predictDetections({
      plan: plan({ before: '60s', faultFor: '20s', ratio: 0.1, alerts: ['ModelErrorBudgetBurnFast'] }),
      groups,
      timings,
      groupWaitMs: 0,
    });
    const fast = byAlert(p, 'ModelErrorBudgetBurnFast');
    expect(fast.predictedMs).toBeNull();
    expect(fast.explanation).toContain('never within the run');
  });

  it('a rate step at the fault: 20 req/s before, 40 during: k·λ0·W/(λ1(e − k) + k·λ0) = 33.75s', () => {
    const p = predictDetections({
      plan: plan({
        before: '60s',
        faultFor: '60s',
        ratio: 0.1,
        alerts: ['ModelErrorBudgetBurnFast'],
        stages: [
          { kind: 'constant', rate: 20, duration: '60s' },
          { kind: 'constant', rate: 40, duration: '60s' },
        ],
      }),
      groups,
      timings,
      groupWaitMs: 0,
    });
    expectNear(
      byAlert(p, 'ModelErrorBudgetBurnFast').predictedMs,
      (0.072 * 20 * 60_000) / (40 * 0.028 + 0.072 * 20),
    );
  });

  it('predicts nothing for alerts of other shapes, faults without errors, or closed-model traffic', () => {
    const latency = predictDetections({
      plan: plan({ before: '10s', faultFor: '10s', ratio: 0.5, alerts: ['ModelLatencyP99High'] }),
      groups,
      timings,
      groupWaitMs: 0,
    });
    expect(latency).toEqual([]);
    const closed = predictDetections({
      plan: plan({
        before: '10s',
        faultFor: '10s',
        ratio: 0.5,
        alerts: ['ModelErrorRatioHigh'],
        stages: [{ kind: 'concurrency', vus: 4, duration: '30s' }],
      }),
      groups,
      timings,
      groupWaitMs: 0,
    });
    expect(closed).toEqual([]);
  });
});

describe('withPredictions', () => {
  const result = (id: string, measuredMs: number | null): ExpectationResult => ({
    id,
    kind: 'alert-fires',
    subject: 'Burn',
    verdict: 'passed',
    measuredMs,
    budgetMs: 46_000,
    floorMs: 0,
    detail: 'fired',
  });
  const prediction = (expectationId: string, predictedMs: number | null): DetectionPrediction => ({
    expectationId,
    alert: 'Burn',
    measure: 'firing',
    faultId: 'burn',
    shape: 'burn-rate',
    errorRatio: 0.1,
    minErrorRatio: 0.072,
    windowsMs: [60_000],
    crossingMs: predictedMs,
    predictedMs,
    toleranceMs: 2000,
    explanation: 'arithmetic: never: this rule cannot page below 7.2% errors',
  });

  it('sets predictedMs and says whether measured lands in [predicted, predicted + scrape + evaluation]', () => {
    const [agrees, late, early, never, none] = withPredictions(
      [result('a', 44_000), result('b', 46_000), result('c', 40_000), result('d', null), result('e', 1000)],
      [prediction('a', 43_200), prediction('b', 43_200), prediction('c', 43_200), prediction('d', null)],
    );
    expect(agrees).toMatchObject({
      predictedMs: 43_200,
      detail: 'fired; predicted 43.2s, measured +800ms (within scrape + evaluation)',
    });
    expect(late!.detail).toBe('fired; predicted 43.2s, measured +2.8s: outside [0, +2s]');
    expect(early!.detail).toContain('measured -3.2s: outside');
    expect(never).toMatchObject({
      predictedMs: null,
      detail: 'fired; predicted never (this rule cannot page below 7.2% errors)',
    });
    expect(none).not.toHaveProperty('predictedMs');
    expect(none!.verdict).toBe('passed');
  });
});

describe('predictFromTraffic (the arithmetic over the traffic as sent)', () => {
  const slow = byAlert(
    predictDetections({
      plan: plan({ before: '5s', faultFor: '20s', ratio: 0.04, alerts: ['ModelErrorBudgetBurnSlow'] }),
      groups,
      timings,
      groupWaitMs: 0,
    }),
    'ModelErrorBudgetBurnSlow',
  );
  const T = 1_700_000_000_000;
  /**
   * 40 answers a second for 30 s, 4% of them 500s from second 5 to 25 (1.6 a second: an even spread, as the
   * plan assumes; whole counts bunched within seconds would move the page by 2.5 s per error); `shed` adds
   * 503s by second.
   */
  function windows(shed: Record<number, number> = {}): TrafficWindow[] {
    return Array.from({ length: 30 }, (_, second) => {
      const errors = second >= 5 && second < 25 ? 1.6 : 0;
      const shedHere = shed[second] ?? 0;
      return {
        startAt: T + second * 1000,
        second,
        intended: 40,
        sent: 40,
        ok: 40 - errors - shedHere,
        httpErrors: errors + shedHere,
        networkErrors: 0,
        timeouts: 0,
        late: 0,
        dropped: 0,
        okHistogram: '',
        errorHistogram: '',
        statusCodes: {
          '200': 40 - errors - shedHere,
          '500': errors,
          ...(shedHere ? { '503': shedHere } : {}),
        },
      };
    });
  }

  it('agrees with the plan when the traffic is what the plan says', () => {
    const replayed = predictFromTraffic(slow, windows(), T, T + 5000);
    expect(replayed).not.toBeNull();
    expect(Math.abs(replayed! - 15_000)).toBeLessThanOrEqual(20);
  });

  it('counts errors before the fault: two 503s bring the slow page from 15s to ≈ 10s, (2 + 1.6t)/(200 + 40t) > 3%', () => {
    const replayed = predictFromTraffic(slow, windows({ 0: 1, 4: 1 }), T, T + 5000);
    expect(Math.abs(replayed! - 10_000)).toBeLessThanOrEqual(20);
  });

  it('is undefined for a prediction journaled without its rule, or without traffic', () => {
    const { rule: _, ...old } = slow;
    expect(predictFromTraffic(old, windows(), T, T + 5000)).toBeUndefined();
    expect(predictFromTraffic(slow, [], T, T + 5000)).toBeUndefined();
  });

  it('withPredictions says both comparisons', () => {
    const [result] = withPredictions(
      [
        {
          id: slow.expectationId,
          kind: 'alert-fires',
          subject: 'ModelErrorBudgetBurnSlow',
          verdict: 'passed',
          measuredMs: 10_500,
          budgetMs: 18_000,
          floorMs: 0,
          detail: 'fired',
        },
      ],
      [slow],
      new Map([[slow.expectationId, 10_010]]),
    );
    expect(result).toMatchObject({ predictedMs: slow.predictedMs, predictedAsSentMs: 10_010 });
    expect(result!.detail).toBe(
      'fired; predicted 15s, measured -4.51s: outside [-750ms, +2s]; from the traffic as sent 10s, measured +490ms (within scrape + evaluation)',
    );
  });
});
