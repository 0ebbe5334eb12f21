import { describe, expect, it } from 'vitest';
import { FiredrillError } from '../core/errors.ts';
import {
  type ApiRuleGroup,
  BackendApiError,
  type DetectionFloor,
  type DetectionPrediction,
  type QueryResult,
} from '../evaluate/index.ts';
import { parseScenarioOrThrow, planScenario } from '../scenario/index.ts';
import { checkBudgets, checkPredictions, historyWarnings, preflight } from './preflight.ts';

function planWith(expect: unknown[]) {
  return planScenario(
    parseScenarioOrThrow(
      {
        name: 'preflight-test',
        description: 'preflight stage test',
        target: { model: 'penguins' },
        traffic: { stages: [{ kind: 'constant', rate: 10, duration: '60s' }] },
        faults: [{ id: 'slow', kind: 'latency-spike', at: '10s', duration: '20s', delay: '300ms' }],
        expect,
      },
      'preflight-test.ts',
    ),
  );
}

const floor = (alert: string, floorMs: number, jitterMs = 2000): DetectionFloor => ({
  alert,
  floorMs,
  jitterMs,
  explanation: 'test',
  measure: 'firing',
});

describe('checkBudgets', () => {
  it('below the floor cannot pass; inside the jitter warns; at floor + jitter and without a floor is clear', () => {
    const plan = planWith([
      { kind: 'alert-fires', alert: 'Below', after: 'slow', within: '4999ms' },
      { kind: 'alert-fires', alert: 'AtFloor', after: 'slow', within: '5s' },
      { kind: 'alert-fires', alert: 'Clear', after: 'slow', within: '7s' },
      { kind: 'alert-fires', alert: 'NoRule', after: 'slow', within: '1s' },
      { kind: 'alert-silent', alert: 'Below' },
    ]);
    const result = checkBudgets(plan, [floor('Below', 5000), floor('AtFloor', 5000), floor('Clear', 5000)]);
    expect(result.belowFloor).toEqual(['fires-Below-after-slow']);
    expect(result.warnings).toEqual([
      'fires-AtFloor-after-slow: budget 5000 ms leaves less than the scrape+evaluation jitter (2000 ms) above the floor 5000 ms; it may fail by phase alone',
    ]);
  });
});

describe('preflight', () => {
  const groups: ApiRuleGroup[] = [
    {
      name: 'slow',
      file: 'slow.yml',
      interval: 1,
      rules: [{ type: 'alerting', name: 'Lat', query: 'p99 > 2', duration: 60 }],
    },
    {
      name: 'fast',
      file: 'fast.yml',
      interval: 1,
      rules: [{ type: 'alerting', name: 'Lat', query: 'p99 > 0.5', duration: 3 }],
    },
  ];
  const prometheus = {
    rules: async () => groups,
    config: async () => ({ global: { scrape_interval: '1s' } }),
    alertRuleNames: async () => ['Lat'],
    // Parses like Prometheus would for the expressions these tests use: a trailing `==` is a parse error.
    query: async (expr: string): Promise<QueryResult> => {
      if (expr.trim().endsWith('==')) {
        throw new FiredrillError(
          'FD_BACKEND_UNREACHABLE',
          'Prometheus at http://prom/api/v1/query answered HTTP 400',
          {
            cause: new BackendApiError('1:6: parse error: unexpected end of input', 400, 'bad_data'),
          },
        );
      }
      return { resultType: 'vector', result: [] };
    },
  };

  it('takes the lowest floor where an alert has several rules (not the first rule listed)', async () => {
    const plan = planWith([{ kind: 'alert-fires', alert: 'Lat', after: 'slow', within: '10s' }]);
    const result = await preflight(plan, { prometheus, prometheusUrl: 'http://prom', alertmanagerUrl: '' });
    expect(result.floors.map((f) => [f.alert, f.floorMs])).toEqual([['Lat', 3000]]);
    expect(result.belowFloor).toEqual([]);
    expect(result.warnings).toEqual([]);
  });

  it('refuses alerts with no rule, naming them and the loaded rules (exit 2)', async () => {
    const plan = planWith([
      { kind: 'alert-fires', alert: 'Lat', after: 'slow', within: '10s' },
      { kind: 'alert-silent', alert: 'Typo' },
    ]);
    await expect(
      preflight(plan, { prometheus, prometheusUrl: 'http://prom', alertmanagerUrl: '' }),
    ).rejects.toMatchObject({
      code: 'FD_UNKNOWN_ALERT',
      message: 'the scenario expects alert "Typo" that Prometheus at http://prom has no rule for',
      hint: 'loaded alerting rules: Lat',
    });
  });

  it('refuses promql expressions the backend cannot parse, naming where (exit 2)', async () => {
    const plan = planWith([
      { kind: 'promql', expr: 'up == 1', phase: 'run', holds: 'throughout' },
      { kind: 'promql', expr: 'up ==', after: 'slow', holds: 'eventually', within: '5s' },
    ]);
    await expect(
      preflight(plan, { prometheus, prometheusUrl: 'http://prom', alertmanagerUrl: '' }),
    ).rejects.toMatchObject({
      code: 'FD_USAGE',
      message:
        'Prometheus at http://prom refuses expect[1].expr: up ==: 1:6: parse error: unexpected end of input',
      hint: expect.stringContaining('PromQL'),
    });
    const valid = planWith([{ kind: 'promql', expr: 'up == 1', phase: 'run', holds: 'throughout' }]);
    await expect(
      preflight(valid, { prometheus, prometheusUrl: 'http://prom', alertmanagerUrl: '' }),
    ).resolves.toMatchObject({ belowFloor: [] });
  });
});

describe('predicted detection times', () => {
  const prediction = (expectationId: string, predictedMs: number | null): DetectionPrediction => ({
    expectationId,
    alert: 'Burn',
    measure: 'firing',
    faultId: 'errors',
    shape: 'burn-rate',
    errorRatio: 0.1,
    minErrorRatio: 0.072,
    windowsMs: [60_000, 5000],
    crossingMs: predictedMs,
    predictedMs,
    toleranceMs: 2000,
    explanation: 'arithmetic',
  });

  it('warns when a budget is below the prediction, inside its tolerance, or the alert is predicted never to fire', () => {
    const plan = planWith([
      { id: 'below', kind: 'alert-fires', alert: 'Burn', after: 'slow', within: '43s' },
      { id: 'inside', kind: 'alert-fires', alert: 'Burn', after: 'slow', within: '44s' },
      { id: 'clear', kind: 'alert-fires', alert: 'Burn', after: 'slow', within: '46s' },
      { id: 'never', kind: 'alert-fires', alert: 'Burn', after: 'slow', within: '1m' },
      { id: 'unpredicted', kind: 'alert-fires', alert: 'Burn', after: 'slow', within: '1s' },
    ]);
    const warnings = checkPredictions(plan, [
      prediction('below', 43_200),
      prediction('inside', 43_200),
      prediction('clear', 43_200),
      prediction('never', null),
    ]);
    expect(warnings).toEqual([
      'below: budget 43s is below the predicted detection time 43.2s (arithmetic): it will fail by arithmetic, not by a bug in monitoring',
      'inside: budget 44s leaves less than scrape + evaluation (2s) above the predicted 43.2s; it may fail by phase alone',
      'never: Burn is predicted never to fire after errors (arithmetic): it will fail by arithmetic, not by a bug in monitoring',
    ]);
  });

  it('runs the history checks and warns when earlier requests are still in a window', () => {
    const check = {
      expectationId: 'e1',
      alert: 'Burn',
      windowMs: 360_000,
      spanMs: 340_000,
      requestsQuery: 'r',
      errorsQuery: 'e',
    };
    expect(historyWarnings([check], new Map([['e1', { requests: 0, errors: 0 }]]))).toEqual([]);
    expect(historyWarnings([check], new Map([['e1', { requests: 1200.4, errors: 0 }]]))).toEqual([
      "e1: the predicted time of Burn assumes its 6m window holds only this run's traffic, but ~1200 requests (0 errors) from the last 5m40s before the run will still be in it: expect it later (clean requests dilute the errors) than predicted",
    ]);
    expect(historyWarnings([check], new Map([['e1', { requests: 1200, errors: 30 }]]))[0]).toContain(
      'earlier (their errors) or later (their clean requests)',
    );
  });

  it('predicts from the loaded rules, counts earlier traffic in the window, and journals both', async () => {
    const queries: string[] = [];
    const backend = {
      rules: async (): Promise<ApiRuleGroup[]> => [
        {
          name: 'slo',
          file: 'slo.yml',
          interval: 1,
          rules: [
            {
              type: 'recording',
              name: 'ratio_rate1m',
              query: 'sum(rate(req_total{code=~"5..",job="m"}[1m])) / sum(rate(req_total{job="m"}[1m]))',
            },
            { type: 'alerting', name: 'Burn', query: 'ratio_rate1m > 0.072', duration: 0 },
          ],
        },
      ],
      config: async () => ({ global: { scrape_interval: '1s' } }),
      alertRuleNames: async () => ['Burn'],
      query: async (expr: string): Promise<QueryResult> => {
        queries.push(expr);
        return {
          resultType: 'vector',
          result: [{ metric: {}, value: [0, expr.includes('5..') ? '3' : '400'] }],
        };
      },
    };
    const plan = planScenario(
      parseScenarioOrThrow(
        {
          name: 'burn',
          description: 'a burn',
          target: { model: 'penguins' },
          traffic: { stages: [{ kind: 'constant', rate: 40, duration: '40s' }] },
          faults: [{ id: 'errors', kind: 'error-burst', at: '5s', duration: '30s', ratio: 0.1 }],
          expect: [{ kind: 'alert-fires', alert: 'Burn', after: 'errors', within: '5s' }],
        },
        'burn.ts',
      ),
    );
    const result = await preflight(plan, {
      prometheus: backend,
      prometheusUrl: 'http://prom',
      alertmanagerUrl: '',
    });
    // 0.072 × 5s / (0.1 − 0.072) = 12.86s after 5s of traffic: the 1m window reaches 42s before the run.
    expect(result.predictions).toHaveLength(1);
    expect(result.predictions[0]!.predictedMs).toBeGreaterThanOrEqual(12_850);
    expect(result.predictions[0]!.predictedMs).toBeLessThanOrEqual(12_880);
    expect(queries).toEqual([
      'sum(increase(req_total{job="m"}[43s]))',
      'sum(increase(req_total{job="m",code=~"5.."}[43s]))',
    ]);
    expect(result.warnings).toEqual([
      expect.stringMatching(
        /^fires-Burn-after-errors: budget 5s is below the predicted detection time 12\.9s/,
      ),
      expect.stringContaining('~400 requests (3 errors) from the last 43s before the run'),
    ]);
  });
});

describe('checkBudgets (rollback)', () => {
  it('a rollback budget below the rollback floor cannot pass; expect none has no budget to miss', () => {
    const plan = planScenario(
      parseScenarioOrThrow(
        {
          name: 'canary-test',
          description: 'rollback budgets',
          target: { model: 'penguins' },
          traffic: { stages: [{ kind: 'constant', rate: 10, duration: '60s' }] },
          faults: [{ id: 'c1', kind: 'bad-canary', at: '10s', duration: '20s', weight: 20 }],
          expect: [
            { kind: 'rollback', after: 'c1', within: '3s' },
            { kind: 'rollback', id: 'kept', after: 'c1', within: '3s', expect: 'none' },
          ],
        },
        'canary-test.ts',
      ),
    );
    const result = checkBudgets(plan, [floor('rollout_canary_weight', 4000)]);
    expect(result.belowFloor).toEqual(['rollback-rollback-after-c1']);
  });
});

describe('preflight (rollback judged from a kubernetes canary status)', () => {
  const plan = (within: string) =>
    planScenario(
      parseScenarioOrThrow(
        {
          name: 'k8s-canary-test',
          description: 'rollback floors on kubernetes',
          target: { model: 'penguins' },
          traffic: { stages: [{ kind: 'constant', rate: 10, duration: '60s' }] },
          faults: [
            {
              id: 'c1',
              kind: 'bad-canary',
              at: '10s',
              duration: '40s',
              weight: 20,
              backend: 'kubernetes',
              canary: {
                kind: 'Rollout',
                namespace: 'model-serving',
                name: 'penguin',
                container: 'model-server',
                analysisTemplate: 'error-rate',
                versions: { v2: { image: 'registry.local/penguin:v2' } },
              },
            },
          ],
          expect: [{ kind: 'rollback', after: 'c1', within }],
        },
        'k8s-canary-test.ts',
      ),
    );
  // No rollout_* series at all: a kubernetes rollback must not need the local controller's metrics.
  const prometheus = {
    rules: async () => [],
    config: async () => ({ global: { scrape_interval: '1s' } }),
    alertRuleNames: async () => [],
    query: async (): Promise<QueryResult> => ({ resultType: 'vector', result: [] }),
  };
  const backend = { prometheus, prometheusUrl: 'http://prom', alertmanagerUrl: '' };

  it('takes the floor from the AnalysisTemplate: failureLimit × interval; a budget below it stops the run', async () => {
    const seen: string[] = [];
    const canaryAnalysis = async (fault: { id: string }) => {
      seen.push(fault.id);
      return {
        metrics: [
          {
            template: 'error-rate',
            metric: 'errors',
            intervalMs: 10_000,
            failureLimit: 2,
            initialDelayMs: 0,
            count: null,
          },
        ],
      };
    };
    const low = await preflight(plan('15s'), { ...backend, canaryAnalysis });
    expect(seen).toEqual(['c1']);
    expect(low.floors).toEqual([
      expect.objectContaining({ alert: 'Rollout model-serving/penguin', floorMs: 20_000, jitterMs: 11_000 }),
    ]);
    expect(low.belowFloor).toEqual(['rollback-rollback-after-c1']);
    const ok = await preflight(plan('40s'), { ...backend, canaryAnalysis });
    expect(ok.belowFloor).toEqual([]);
    expect(ok.warnings).toEqual([]);
  });

  it('an unreadable analysis leaves the floor unknown and says so, instead of refusing the run', async () => {
    const result = await preflight(plan('15s'), {
      ...backend,
      canaryAnalysis: async () => ({
        unknown: 'forbidden to read AnalysisTemplate model-serving/error-rate: forbidden',
      }),
    });
    expect(result.floors).toEqual([]);
    expect(result.belowFloor).toEqual([]);
    expect(result.warnings).toEqual([
      'rollback floor of Rollout model-serving/penguin (after c1) unknown: forbidden to read AnalysisTemplate model-serving/error-rate: forbidden; its rollback budgets are not checked against a floor',
    ]);
    const noReader = await preflight(plan('15s'), backend);
    expect(noReader.warnings[0]).toMatch(/unknown: no reader of the controller analysis was given/);
  });
});
