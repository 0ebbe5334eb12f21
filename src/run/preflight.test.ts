import { describe, expect, it } from 'vitest';
import { FiredrillError } from '../core/errors.ts';
import {
  type ApiRuleGroup,
  BackendApiError,
  type DetectionFloor,
  type QueryResult,
} from '../evaluate/index.ts';
import { parseScenarioOrThrow, planScenario } from '../scenario/index.ts';
import { checkBudgets, preflight } from './preflight.ts';

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
