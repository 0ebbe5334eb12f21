import { describe, expect, it } from 'vitest';
import { isFiredrillError } from '../core/errors.ts';
import { parseScenario, planScenario } from '../scenario/index.ts';
import { vusAt } from '../traffic/closed-engine.ts';
import { expectedArrivals } from '../traffic/schedule.ts';
import {
  type K6RampingArrivalRate,
  type K6Shape,
  type K6Stage,
  k6Shape,
  k6Thresholds,
  phaseSpans,
  unexportedThresholds,
} from './options.ts';

function planOf(traffic: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  const result = parseScenario({
    name: 'k6-test',
    description: 'k6 export test',
    target: { model: 'm', url: 'http://127.0.0.1:8080' },
    traffic,
    expect: [{ kind: 'threshold', phase: 'run', metric: 'p99', op: '<', value: 100 }],
    ...extra,
  });
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return planScenario(result.scenario);
}

function arrivalRate(shape: K6Shape): K6RampingArrivalRate {
  if (shape.scenario.executor !== 'ramping-arrival-rate') throw new Error(`got ${shape.scenario.executor}`);
  return shape.scenario;
}

/** Iterations k6 starts for a ramping-arrival-rate config: the area under its piecewise-linear rate. */
function k6Iterations(shape: K6Shape): number {
  const scenario = arrivalRate(shape);
  let rate = scenario.startRate;
  let total = 0;
  for (const stage of scenario.stages) {
    const seconds = stage.duration.endsWith('ms')
      ? Number(stage.duration.slice(0, -2)) / 1000
      : Number(stage.duration.slice(0, -1));
    total += ((rate + stage.target) / 2) * seconds;
    rate = stage.target;
  }
  return total / shape.scale;
}

describe('k6Shape', () => {
  it.each([
    {
      what: 'one constant stage is a flat segment from startRate',
      stages: [{ kind: 'constant', rate: 40, duration: '70s' }],
      startRate: 40,
      timeUnit: '1s',
      k6: [{ target: 40, duration: '70s' }],
    },
    {
      what: 'a change of constant rate is a 0 s jump then a flat segment',
      stages: [
        { kind: 'constant', rate: 10, duration: '30s' },
        { kind: 'constant', rate: 50, duration: '1500ms' },
      ],
      startRate: 10,
      timeUnit: '1s',
      k6: [
        { target: 10, duration: '30s' },
        { target: 50, duration: '0s' },
        { target: 50, duration: '1500ms' },
      ],
    },
    {
      what: 'a ramp from 0 then a constant at its end needs no jump',
      stages: [
        { kind: 'ramp', from: 0, to: 20, duration: '10s' },
        { kind: 'constant', rate: 20, duration: '5s' },
        { kind: 'ramp', from: 5, to: 1, duration: '4s' },
      ],
      startRate: 0,
      timeUnit: '1s',
      k6: [
        { target: 20, duration: '10s' },
        { target: 20, duration: '5s' },
        { target: 5, duration: '0s' },
        { target: 1, duration: '4s' },
      ],
    },
    {
      what: 'decimal rates widen timeUnit instead of rounding',
      stages: [
        { kind: 'constant', rate: 0.5, duration: '20s' },
        { kind: 'constant', rate: 2.25, duration: '8s' },
      ],
      startRate: 50,
      timeUnit: '100s',
      k6: [
        { target: 50, duration: '20s' },
        { target: 225, duration: '0s' },
        { target: 225, duration: '8s' },
      ],
    },
  ])('$what', ({ stages, startRate, timeUnit, k6 }) => {
    const plan = planOf({ stages });
    const shape = k6Shape(plan);
    expect(shape.scenario).toMatchObject({
      executor: 'ramping-arrival-rate',
      startRate,
      timeUnit,
      stages: k6,
    });
    expect(shape.warnings).toEqual([]);
    // Same number of requests as firedrill's own schedule (the area under the same rate curve).
    const local = expectedArrivals(
      plan.scenario.traffic.stages.map((s) =>
        s.kind === 'constant'
          ? { kind: 'constant' as const, rate: s.rate, durationMs: s.duration }
          : {
              kind: 'ramp' as const,
              from: (s as { from: number }).from,
              to: (s as { to: number }).to,
              durationMs: s.duration,
            },
      ),
    );
    expect(k6Iterations(shape)).toBeCloseTo(local, 9);
  });

  it('sizes VUs from maxInFlight and the peak rate, and lets in-flight requests finish', () => {
    const shape = k6Shape(
      planOf({
        stages: [{ kind: 'ramp', from: 1, to: 30, duration: '10s' }],
        maxInFlight: 100,
        timeout: '2s',
      }),
    );
    expect(shape.scenario).toMatchObject({ preAllocatedVUs: 30, maxVUs: 100, gracefulStop: '2s' });
    const capped = k6Shape(
      planOf({
        stages: [{ kind: 'constant', rate: 500, duration: '1s' }],
        maxInFlight: 64,
        timeout: '100ms',
      }),
    );
    expect(capped.scenario).toMatchObject({ preAllocatedVUs: 64, maxVUs: 64 });
  });

  it('warns, and rounds, a rate with more than 3 decimals', () => {
    const shape = k6Shape(planOf({ stages: [{ kind: 'constant', rate: 0.12345, duration: '10s' }] }));
    expect(arrivalRate(shape).timeUnit).toBe('1000s');
    expect(arrivalRate(shape).startRate).toBe(123);
    expect(shape.warnings).toHaveLength(1);
  });
});

/** Milliseconds of a k6 duration string as k6Duration writes them ("70s", "250ms"). */
function k6Ms(duration: string): number {
  return duration.endsWith('ms') ? Number(duration.slice(0, -2)) : Number(duration.slice(0, -1)) * 1000;
}

/** VUs a ramping-vus config asks for at `ms`: linear from each stage's start value to its target. */
function k6VusAt(startVUs: number, stages: readonly K6Stage[], ms: number): number {
  let from = startVUs;
  let start = 0;
  for (const stage of stages) {
    const duration = k6Ms(stage.duration);
    if (ms < start + duration) return from + ((stage.target - from) * (ms - start)) / duration;
    from = stage.target;
    start += duration;
  }
  return 0;
}

describe('k6Shape, closed model', () => {
  const closed = (stages: unknown[], extra: Record<string, unknown> = {}) =>
    planOf({ model: 'closed', stages, timeout: '2s', ...extra });

  it('exports one concurrency stage as constant-vus, letting the last requests finish', () => {
    const shape = k6Shape(closed([{ kind: 'concurrency', vus: 20, duration: '30s' }]));
    expect(shape.scenario).toEqual({
      executor: 'constant-vus',
      vus: 20,
      duration: '30s',
      gracefulStop: '2s',
    });
    expect(shape.warnings).toEqual([]);
  });

  it.each([
    {
      what: 'a ramp then a hold at its end needs no jump',
      stages: [
        { kind: 'concurrency-ramp', from: 1, to: 16, duration: '20s' },
        { kind: 'concurrency', vus: 16, duration: '10s' },
      ],
      startVUs: 1,
      k6: [
        { target: 16, duration: '20s' },
        { target: 16, duration: '10s' },
      ],
    },
    {
      what: 'a change of concurrency is a 0 s jump then a flat segment',
      stages: [
        { kind: 'concurrency', vus: 4, duration: '10s' },
        { kind: 'concurrency', vus: 8, duration: '1500ms' },
        { kind: 'concurrency-ramp', from: 2, to: 0, duration: '4s' },
      ],
      startVUs: 4,
      k6: [
        { target: 4, duration: '10s' },
        { target: 8, duration: '0s' },
        { target: 8, duration: '1500ms' },
        { target: 2, duration: '0s' },
        { target: 0, duration: '4s' },
      ],
    },
  ])('exports $what as ramping-vus following the same user count', ({ stages, startVUs, k6 }) => {
    const plan = closed(stages);
    const shape = k6Shape(plan);
    expect(shape.scenario).toEqual({
      executor: 'ramping-vus',
      startVUs,
      stages: k6,
      gracefulRampDown: '2s',
      gracefulStop: '2s',
    });
    // k6's user curve is the one firedrill's closed engine follows (before it rounds to whole users).
    const traffic = plan.scenario.traffic;
    if (traffic.model !== 'closed' || shape.scenario.executor !== 'ramping-vus')
      throw new Error('not closed');
    const engineStages = traffic.stages.map((s) =>
      s.kind === 'concurrency'
        ? { kind: s.kind, vus: s.vus, durationMs: s.duration }
        : { kind: s.kind, from: s.from, to: s.to, durationMs: s.duration },
    );
    for (let ms = 0; ms < plan.trafficEndMs; ms += 250) {
      expect(vusAt(engineStages, ms), `at ${ms} ms`).toBe(
        Math.round(k6VusAt(shape.scenario.startVUs, shape.scenario.stages, ms)),
      );
    }
  });
});

describe('phaseSpans', () => {
  it('tags baseline, fault, between and recovery without overlap', () => {
    const plan = planOf(
      { stages: [{ kind: 'constant', rate: 10, duration: '60s' }] },
      {
        faults: [
          { id: 'a', kind: 'latency-spike', at: '10s', duration: '10s', delay: '100ms' },
          { id: 'b', kind: 'latency-spike', at: '30s', duration: '5s', delay: '100ms' },
        ],
      },
    );
    expect(phaseSpans(plan)).toEqual([
      { tag: 'baseline', startMs: 0, endMs: 10_000 },
      { tag: 'fault', startMs: 10_000, endMs: 20_000 },
      { tag: 'between', startMs: 20_000, endMs: 30_000 },
      { tag: 'fault', startMs: 30_000, endMs: 35_000 },
      { tag: 'recovery', startMs: 35_000, endMs: 60_000 },
    ]);
  });
});

describe('k6Thresholds', () => {
  const expectations = [
    { kind: 'threshold', phase: 'baseline', metric: 'p99', op: '<', value: 150 },
    { kind: 'threshold', phase: 'fault', metric: 'p50', op: '>=', value: 400 },
    { kind: 'threshold', phase: 'warm', metric: 'p90', op: '<=', value: 80 },
    { kind: 'threshold', phase: 'run', metric: 'max', op: '<', value: 5000 },
    { kind: 'threshold', id: 'errors', phase: 'recovery', metric: 'error-ratio', op: '<', value: 0.01 },
    { kind: 'threshold', id: 'tput', phase: 'fault', metric: 'throughput', op: '>=', value: 9.5 },
    { kind: 'alert-silent', alert: 'X' },
  ];
  const plan = planOf(
    {
      stages: [
        { kind: 'constant', name: 'warm', rate: 10, duration: '10s' },
        { kind: 'constant', name: 'main', rate: 10, duration: '50s' },
      ],
    },
    {
      faults: [{ id: 'f', kind: 'latency-spike', at: '20s', duration: '20s', delay: '400ms' }],
      expect: expectations,
    },
  );

  it('maps each firedrill threshold to the k6 metric, tag filter and expression of the same meaning', () => {
    expect(k6Thresholds(plan).map(({ metric, expression }) => `${metric} ${expression}`)).toEqual([
      'http_req_duration{phase:baseline,expected_response:true} p(99)<150',
      'http_req_duration{phase:fault,expected_response:true} p(50)>=400',
      'http_req_duration{stage:warm,expected_response:true} p(90)<=80',
      'http_req_duration{expected_response:true} max<5000',
      'http_req_failed{phase:recovery} rate<0.01',
      // throughput over the 20 s fault phase: 9.5 req/s × 20 s, as a count (k6's rate divides by the whole test)
      'http_reqs{phase:fault} count>=190',
    ]);
    expect(
      k6Thresholds(plan)
        .map((t) => t.source)
        .slice(4),
    ).toEqual(['errors', 'tput']);
  });

  it('leaves out wrong-answer-ratio (k6 does not check bodies) and says so', () => {
    const withWrong = planOf(
      { stages: [{ kind: 'constant', rate: 10, duration: '10s' }], validate: {} },
      {
        expect: [
          {
            kind: 'threshold',
            id: 'right',
            phase: 'run',
            metric: 'wrong-answer-ratio',
            op: '<',
            value: 0.01,
          },
          { kind: 'threshold', phase: 'run', metric: 'p99', op: '<', value: 100 },
        ],
      },
    );
    expect(k6Thresholds(withWrong).map((t) => t.expression)).toEqual(['p(99)<100']);
    expect(unexportedThresholds(withWrong)).toEqual([
      expect.stringMatching(/^right: wrong-answer-ratio is not exported/),
    ]);
    expect(unexportedThresholds(plan)).toEqual([]);
  });

  it('refuses a stage name that would break the k6 tag filter', () => {
    const bad = planOf(
      { stages: [{ kind: 'constant', name: 'a,b', rate: 10, duration: '10s' }] },
      { expect: [{ kind: 'threshold', phase: 'a,b', metric: 'p99', op: '<', value: 1 }] },
    );
    let error: unknown;
    try {
      k6Thresholds(bad);
    } catch (e) {
      error = e;
    }
    expect(isFiredrillError(error) && error.code).toBe('FD_SCENARIO_INVALID');
  });
});
