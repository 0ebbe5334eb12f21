import { describe, expect, it } from 'vitest';
import { parseScenario, type Scenario } from '../scenario/index.ts';
import { planCapacity, windowSecondsAt } from './program.ts';
import { builtinConfigurators } from './runner.ts';

const base = {
  name: 'cap',
  description: 'a capacity scenario',
  target: { protocol: 'kserve-v2', model: 'penguins' },
  traffic: { stages: [{ kind: 'constant', rate: 10, duration: '5s' }], timeout: '1s', maxInFlight: 1000 },
  expect: [{ kind: 'threshold', phase: 'run', metric: 'p99', op: '<', value: 50 }],
};

/** A closed-model scenario: 4 virtual users, each looping request → response. */
const closed = {
  ...base,
  traffic: { model: 'closed', stages: [{ kind: 'concurrency', vus: 4, duration: '5s' }], timeout: '1s' },
};

function parsed(capacity: unknown, scenario: object = base): Scenario {
  const result = parseScenario({ ...scenario, capacity });
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.scenario;
}

function refusal(plan: () => unknown): string {
  try {
    plan();
  } catch (error) {
    return (error as Error).message;
  }
  return 'not refused';
}

describe('the capacity block and its plan', () => {
  it.each([
    [{ slo: {} }, 'capacity.slo', 'at least one limit'],
    [{ slo: { p99: '50' } }, 'capacity.slo.p99', 'like "30s"'],
    [{ slo: { p99: '50ms' }, startRate: 100, maxRate: 50 }, 'capacity.maxRate', 'below startRate 100'],
    [{ slo: { p99: '50ms' }, window: '1500ms' }, 'capacity.window', 'whole seconds'],
    [
      { slo: { p99: '50ms' }, configurations: [{ maxBatchSize: 4 }] },
      'capacity.configurator',
      'need a configurator',
    ],
    [
      { slo: { p99: '50ms' }, configurator: { kind: 'vllm' } },
      'capacity.configurator.kind',
      'one of fixture',
    ],
  ])('refuses %j at %s', (capacity, path, message) => {
    const result = parseScenario({ ...base, capacity });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues).toContainEqual({ path, message: expect.stringContaining(message) });
  });

  it('plans defaults (printed before start) and expands a grid', () => {
    const plan = planCapacity(
      parsed({
        slo: { p90: '20ms', p99: '50ms' },
        configurator: { kind: 'fixture' },
        configurations: { grid: { maxBatchSize: [1, 8], maxQueueDelayMs: [0, 2] } },
      }),
      'cap.ts',
      { pricePerHour: 2, maxRate: 1000 },
      builtinConfigurators,
      undefined,
    );
    expect(plan.search).toMatchObject({
      unit: 'rate',
      start: 10,
      max: 1000,
      precision: 0.02,
      strategy: 'bisect',
    });
    expect(plan.maxDurationMs).toBe(600_000);
    expect(plan.stability.percentile).toBe('p99');
    expect(plan.configurations).toHaveLength(4);
    expect(plan.pricing).toEqual({ pricePerHour: 2, replicas: 1 });
    // Latency within ±10 % of the SLO's 50 ms agrees; a window holds ≥ 100 requests (5 s at 20 req/s).
    expect(plan.stability.latencyFloorMs).toBeCloseTo(5, 10);
    expect(windowSecondsAt(plan, 20)).toBe(5);
    expect(windowSecondsAt(plan, 400)).toBe(2);
  });

  it('refuses, all together: no capacity block; a max rate under the start; an in-flight cap; a fault; a configurator', () => {
    expect(() => planCapacity(parsed(undefined), 'cap.ts', {}, builtinConfigurators, undefined)).toThrow(
      /cap.ts: capacity: missing: a capacity search needs an SLO/,
    );
    const scenario = parsed({
      slo: { p99: '50ms' },
      startRate: 20,
      configurator: { kind: 'fixture' },
      configurations: [{ maxBatch: 4 }],
    });
    let message = '';
    try {
      planCapacity(
        scenario,
        'cap.ts',
        { maxRate: 10, fault: 'nope' },
        builtinConfigurators,
        'http://127.0.0.1:9000',
      );
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('--max-rate: 10 is below capacity.startRate 20');
    expect(message).toContain('--fault: no fault "nope"');
    expect(message).toContain('capacity.configurator.kind: "fixture" configures the fixture');
    expect(message).toContain('capacity.configurations[0]: maxBatch is not a fixture batcher setting');
    expect(() =>
      planCapacity(scenario, 'cap.ts', { maxRate: 5000 }, builtinConfigurators, undefined),
    ).toThrow(/traffic.maxInFlight: at the max rate 5000/);
    expect(() => planCapacity(scenario, 'cap.ts', {}, {}, undefined)).toThrow(
      /"fixture" is not available in this build/,
    );
  });
});

describe('the capacity block of a closed-model scenario: a concurrency search', () => {
  it('plans a search in whole virtual users, with windows of `window` (the rate is not known before a step)', () => {
    const plan = planCapacity(
      parsed({ slo: { p99: '50ms' }, startConcurrency: 2, maxConcurrency: 32 }, closed),
      'cap.ts',
      {},
      builtinConfigurators,
      undefined,
    );
    expect(plan.search).toMatchObject({ unit: 'concurrency', start: 2, max: 32, precision: 0.02 });
    expect(windowSecondsAt(plan, 2)).toBe(2);
    const defaults = planCapacity(parsed({ slo: { p99: '50ms' } }, closed), 'c.ts', {}, {}, undefined);
    expect(defaults.search).toMatchObject({ unit: 'concurrency', start: 1, max: 256 });
    const flag = planCapacity(
      parsed({ slo: { p99: '50ms' } }, closed),
      'c.ts',
      { maxConcurrency: 8 },
      {},
      undefined,
    );
    expect(flag.search.max).toBe(8);
  });

  it.each([
    [
      { startRate: 5 },
      closed,
      'capacity.startRate',
      'closed-model: its capacity search counts concurrent virtual users; use startConcurrency',
    ],
    [{ maxRate: 500 }, closed, 'capacity.maxRate', 'use maxConcurrency instead (e.g. maxConcurrency: 256)'],
    [{ maxLateRatio: 0.05 }, closed, 'capacity.maxLateRatio', 'sends nothing late'],
    [{ minWindowRequests: 50 }, closed, 'capacity.minWindowRequests', 'capacity.window long'],
    [{ maxConcurrency: 16 }, base, 'capacity.maxConcurrency', 'open-model: use maxRate'],
    [
      { startConcurrency: 8, maxConcurrency: 4 },
      closed,
      'capacity.maxConcurrency',
      'maxConcurrency 4 users is below startConcurrency 8 users',
    ],
    [{ maxConcurrency: 0 }, closed, 'capacity.maxConcurrency', 'at least 1 virtual user'],
    [{ startConcurrency: 2.5 }, closed, 'capacity.startConcurrency', 'whole number'],
    [
      { startConcurrency: 300 },
      closed,
      'capacity.startConcurrency',
      'maxConcurrency 256 users (default) is below startConcurrency 300 users',
    ],
  ])('refuses %j at %s', (bounds, scenario, path, message) => {
    const result = parseScenario({ ...scenario, capacity: { slo: { p99: '50ms' }, ...bounds } });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues).toContainEqual({ path, message: expect.stringContaining(message) });
  });

  it("refuses the other model's max flag and a max under the start, together, before anything starts", () => {
    const scenario = parsed({ slo: { p99: '50ms' }, startConcurrency: 4 }, closed);
    const message = refusal(() =>
      planCapacity(scenario, 'cap.ts', { maxRate: 100 }, builtinConfigurators, undefined),
    );
    expect(message).toContain("--max-rate: this scenario's traffic is closed-model");
    expect(message).toContain('use --max-concurrency N');
    expect(
      refusal(() => planCapacity(scenario, 'cap.ts', { maxConcurrency: 2 }, builtinConfigurators, undefined)),
    ).toContain('--max-concurrency: 2 is below capacity.startConcurrency 4 (virtual users)');
    expect(
      refusal(() =>
        planCapacity(scenario, 'cap.ts', { maxConcurrency: 20_000 }, builtinConfigurators, undefined),
      ),
    ).toContain('--max-concurrency: 20000 virtual users is beyond one generator');
    expect(
      refusal(() =>
        planCapacity(parsed({ slo: { p99: '50ms' } }), 'cap.ts', { maxConcurrency: 8 }, {}, undefined),
      ),
    ).toContain("--max-concurrency: this scenario's traffic is open-model");
  });

  it('--workers: planned for an open-model search, refused for a closed one (its steps are users)', () => {
    const open = parsed({ slo: { p99: '50ms' }, maxRate: 500 });
    expect(planCapacity(open, 'cap.ts', {}, {}, undefined).workers).toBe(1);
    expect(planCapacity(open, 'cap.ts', { workers: 2 }, {}, undefined).workers).toBe(2);
    const scenario = parsed({ slo: { p99: '50ms' } }, closed);
    expect(refusal(() => planCapacity(scenario, 'cap.ts', { workers: 2 }, {}, undefined))).toContain(
      "--workers 2: this scenario's traffic is closed-model",
    );
  });
});
