import { describe, expect, expectTypeOf, it } from 'vitest';
import { offeredRateAt, planScenario } from './plan.ts';
import type { Scenario } from './schema.ts';
import type { ClosedStage, OpenStage } from './traffic.ts';
import { formatPath, parseScenario, parseScenarioOrThrow } from './validate.ts';

const valid = {
  name: 'latency-spike',
  description: 'spike',
  target: { model: 'penguins' },
  traffic: {
    stages: [
      { kind: 'constant', name: 'warm', rate: 10, duration: '10s' },
      { kind: 'ramp', name: 'climb', from: 10, to: 50, duration: '20s' },
    ],
  },
  faults: [{ id: 'f1', kind: 'latency-spike', at: '12s', duration: '8s', delay: '300ms' }],
  expect: [
    { kind: 'alert-fires', alert: 'ModelLatencyP99High', after: 'f1', within: '15s' },
    { kind: 'alert-silent', alert: 'ModelErrorRatioHigh' },
    { kind: 'threshold', phase: 'warm', metric: 'p99', op: '<', value: 100 },
  ],
};

function withChange(change: (s: Record<string, any>) => void): unknown {
  const copy = structuredClone(valid) as Record<string, any>;
  change(copy);
  return copy;
}

describe('scenario validation', () => {
  it('accepts a valid scenario, fills defaults and parses durations into ms', () => {
    const result = parseScenario(valid);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.scenario.target.protocol).toBe('kserve-v2');
    expect(result.scenario.traffic.timeout).toBe(5000);
    expect(result.scenario.faults[0]).toMatchObject({
      at: 12_000,
      duration: 8000,
      delay: 300,
      backend: 'local',
    });
    expect(result.scenario.expect[0]).toMatchObject({ within: 15_000, measure: 'firing' });
    expect(result.scenario.recovery).toBe(30_000);
    expectTypeOf(result.scenario).toEqualTypeOf<Scenario>();
  });

  it.each([
    [
      'a bad duration',
      (s: any) => (s.faults[0].duration = '8 seconds'),
      'faults[0].duration',
      'expected a fault duration like "30s"',
    ],
    ['an unknown fault kind', (s: any) => (s.faults[0].kind = 'meteor'), 'faults[0].kind', 'a fault kind is'],
    ['a misspelt field', (s: any) => (s.traffic.stagez = []), 'traffic', 'unknown field "stagez"'],
    ['a negative rate', (s: any) => (s.traffic.stages[0].rate = -5), 'traffic.stages[0].rate', 'above 0'],
    [
      'an unknown fault reference',
      (s: any) => (s.expect[0].after = 'f9'),
      'expect[0].after',
      'no fault has id "f9"',
    ],
    [
      'an unknown phase',
      (s: any) => (s.expect[2].phase = 'lunch'),
      'expect[2].phase',
      'unknown phase "lunch"',
    ],
    [
      'a fault past the traffic',
      (s: any) => (s.faults[0].duration = '60s'),
      'faults[0].duration',
      'after the traffic stops',
    ],
    [
      'an error ratio over 1',
      (s: any) => s.faults.push({ id: 'f2', kind: 'error-burst', at: '1s', duration: '1s', ratio: 2 }),
      'faults[1].ratio',
      'at most 1',
    ],
    [
      'a bad alert name',
      (s: any) => (s.expect[1].alert = 'not an alert'),
      'expect[1].alert',
      'expected an alert name',
    ],
    ['a bad target url', (s: any) => (s.target.url = 'nope'), 'target.url', 'expected a URL'],
    [
      'an empty promql expr',
      (s: any) => s.expect.push({ kind: 'promql', expr: '  ', phase: 'run', holds: 'throughout' }),
      'expect[3].expr',
      'expr is a PromQL expression',
    ],
    [
      'a promql window given twice',
      (s: any) =>
        s.expect.push({ kind: 'promql', expr: 'up', phase: 'run', after: 'f1', holds: 'throughout' }),
      'expect[3].after',
      'either phase',
    ],
    [
      'a promql expectation without a window',
      (s: any) => s.expect.push({ kind: 'promql', expr: 'up', holds: 'throughout' }),
      'expect[3].phase',
      'either phase',
    ],
    [
      'promql eventually after a fault without within',
      (s: any) => s.expect.push({ kind: 'promql', expr: 'up', after: 'f1', holds: 'eventually' }),
      'expect[3].within',
      'needs a budget: within, e.g. "20s" from f1\'s revert',
    ],
    [
      'promql after an unknown fault',
      (s: any) =>
        s.expect.push({ kind: 'promql', expr: 'up', after: 'f7', holds: 'eventually', within: '5s' }),
      'expect[3].after',
      'no fault has id "f7"',
    ],
    [
      'promql in an unknown phase',
      (s: any) => s.expect.push({ kind: 'promql', expr: 'up', phase: 'wram', holds: 'throughout' }),
      'expect[3].phase',
      'unknown phase "wram" (did you mean "warm"?)',
    ],
    [
      'a bad promql holds',
      (s: any) => s.expect.push({ kind: 'promql', expr: 'up', phase: 'run', holds: 'always' }),
      'expect[3].holds',
      'holds is "throughout" or "eventually"',
    ],
  ])('reports %s with its path and a hint', (_label, change, path, message) => {
    const result = parseScenario(withChange(change));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const issue = result.issues.find((i) => i.path === path);
    expect(issue, JSON.stringify(result.issues)).toBeDefined();
    expect(issue?.message).toContain(message);
  });

  it('reports every issue, not only the first', () => {
    const result = parseScenario(
      withChange((s) => {
        s.faults[0].duration = 'x';
        s.traffic.stages[1].to = 0;
        delete s.description;
      }),
    );
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.issues.map((i) => i.path).sort()).toEqual([
        'description',
        'faults[0].duration',
        'traffic.stages[1].to',
      ]);
  });

  it('runs every layer over the parts that parsed: structure, references, capacity, drift timeline', () => {
    const result = parseScenario(
      withChange((s) => {
        s.faults[0].kind = 'latency-spyke';
        s.faults.push({ id: 'f1', kind: 'error-burst', at: '1s', duration: '1s', ratio: 0.5 });
        s.expect[0].after = 'f9';
        s.expect[1] = { kind: 'alert-fires', alert: 'X', after: 'f2', within: 'soon' };
        s.expect[2].phase = 'wram';
        s.traffic.maxInFlight = 2;
        s.payload = { drift: [{ kind: 'missing', feature: 'bill_depth_mm', rate: 0.1, at: '40s' }] };
      }),
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues.map((i) => `${i.path}: ${i.message}`)).toEqual([
      'faults[0].kind: a fault kind is one of latency-spike, error-burst, pod-kill, pod-failure, container-kill, feature-store-outage, http-fault, gpu-throttle, bad-canary, cpu-stress, memory-stress; got "latency-spyke" (did you mean "latency-spike"?)',
      'expect[1].within: expected a detection budget like "30s", "250ms" or "2m", got "soon"',
      'faults[1].id: duplicate fault id "f1"',
      expect.stringMatching(/^traffic\.maxInFlight: maxInFlight 2 cannot carry 50 req\/s/),
      'expect[0].after: no fault has id "f9" (did you mean "f1"?) (faults: f1)',
      'expect[1].after: no fault has id "f2" (did you mean "f1"?) (faults: f1)',
      'expect[2].phase: unknown phase "wram" (did you mean "warm"?) (phases: baseline, fault, recovery, run, warm, climb)',
      'payload.drift[0].at: the drift starts at 40s, after the traffic stops at 30s',
    ]);
  });

  it('checks references on elements that did not parse, without repeating their own problems', () => {
    const result = parseScenario(
      withChange((s) => {
        s.faults[0].delay = 'slow';
        s.expect[0].after = 'Not A Name';
        s.expect.push({ kind: 'alert-silent', alert: 'Y', during: 'f3', extra: true });
      }),
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues.map((i) => i.path)).toEqual([
      'faults[0].delay',
      'expect[0].after',
      'expect[3]',
      'expect[3].during',
    ]);
    expect(result.issues[3]?.message).toBe(
      '"during" is "run" or a fault id; no fault has id "f3" (did you mean "f1"?) (faults: f1)',
    );
  });

  it('names the fields an object takes when one is unknown, and the one it was likely meant to be', () => {
    const result = parseScenario(
      withChange((s) => {
        s.faults[0].dellay = '1s';
        s.traffic.stages[1].durration = '1s';
      }),
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues.map((i) => `${i.path}: ${i.message}`)).toEqual([
      'traffic.stages[1]: unknown field "durration" (did you mean "duration"?) (fields here: kind, name, from, to, duration)',
      'faults[0]: unknown field "dellay" (did you mean "delay"?) (fields here: id, at, duration, backend, kind, delay)',
    ]);
  });

  it('quotes keys in paths that are not plain names, so a path is never ambiguous', () => {
    expect(formatPath(['faults', 0, 'selector', 'labelSelectors', 'app.kubernetes.io/name'])).toBe(
      'faults[0].selector.labelSelectors["app.kubernetes.io/name"]',
    );
    expect(formatPath(['target', 'labels', ''])).toBe('target.labels[""]');
    expect(formatPath(['expect', 1, 'within'])).toBe('expect[1].within');
    expect(formatPath([])).toBe('(scenario)');
  });

  it('throws FD_SCENARIO_INVALID naming the file and each path', () => {
    expect(() =>
      parseScenarioOrThrow(
        withChange((s) => (s.faults[0].at = 'soon')),
        'scenarios/x.ts',
      ),
    ).toThrow(/scenarios\/x\.ts: faults\[0\]\.at: expected a fault start offset/);
  });
});

describe('planner', () => {
  const plan = planScenario(parseScenarioOrThrow(valid, 'test'));

  it('lays out stages back to back and the run end after the recovery window', () => {
    expect(plan.stages.map((s) => [s.name, s.startMs, s.endMs])).toEqual([
      ['warm', 0, 10_000],
      ['climb', 10_000, 30_000],
    ]);
    expect(plan.trafficEndMs).toBe(30_000);
    expect(plan.endMs).toBe(20_000 + 30_000);
  });

  it('derives baseline, fault and recovery phases from the faults', () => {
    const phase = (name: string) => plan.phases.find((p) => p.name === name)?.spans;
    expect(phase('baseline')).toEqual([{ startMs: 0, endMs: 12_000 }]);
    expect(phase('fault')).toEqual([{ startMs: 12_000, endMs: 20_000 }]);
    expect(phase('recovery')).toEqual([{ startMs: 20_000, endMs: 30_000 }]);
    expect(phase('climb')).toEqual([{ startMs: 10_000, endMs: 30_000 }]);
  });

  it('gives expectations stable, unique ids', () => {
    expect(plan.expectations.map((e) => e.id)).toEqual([
      'fires-ModelLatencyP99High-after-f1',
      'silent-ModelErrorRatioHigh-during-run',
      'threshold-warm-p99-2',
    ]);
  });

  it.each([
    [0, 10],
    [9_999, 10],
    [10_000, 10],
    [20_000, 30],
    [29_999, 50],
    [30_000, 0],
  ])('offered rate at %i ms is about %d req/s', (ms, rate) => {
    expect(offeredRateAt(plan, ms)).toBeCloseTo(rate, 0);
  });
});

describe('wrong-answer-ratio threshold', () => {
  const withThreshold = (traffic: Record<string, unknown>, protocol = 'kserve-v2') => ({
    ...valid,
    target: { model: 'penguins', protocol },
    faults: [],
    expect: [{ kind: 'threshold', phase: 'run', metric: 'wrong-answer-ratio', op: '<', value: 0.01 }],
    traffic: { stages: [{ kind: 'constant', rate: 10, duration: '10s' }], ...traffic },
  });

  it('is accepted when responses are validated', () => {
    const result = parseScenario(withThreshold({ validate: { outputs: [{ name: 'probabilities' }] } }));
    expect(result.ok, JSON.stringify(!result.ok && result.issues)).toBe(true);
  });

  it('is refused when nothing would check the answers', () => {
    const result = parseScenario(withThreshold({}));
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.issues).toContainEqual({
        path: 'expect[0].metric',
        message: expect.stringContaining('responses are not checked without traffic.validate'),
      });
  });

  it('takes a raw target whose answers a predicate checks', () => {
    const result = parseScenario(withThreshold({ validate: { predicate: () => true } }, 'raw'));
    expect(result.ok, JSON.stringify(!result.ok && result.issues)).toBe(true);
  });
});

describe('traffic.validate that would check nothing', () => {
  const withValidate = (validate: Record<string, unknown>, protocol: string) => ({
    ...valid,
    target: { model: 'penguins', protocol },
    faults: [],
    expect: [{ kind: 'alert-silent', alert: 'X' }],
    traffic: { stages: [{ kind: 'constant', rate: 10, duration: '10s' }], validate },
  });

  it('is refused for a raw target without a predicate, at traffic.validate', () => {
    const result = parseScenario(withValidate({}, 'raw'));
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.issues).toEqual([
        { path: 'traffic.validate', message: expect.stringContaining('give validate.predicate') },
      ]);
  });

  it('refuses outputs for a protocol other than KServe V2, at traffic.validate.outputs', () => {
    const result = parseScenario(withValidate({ outputs: [{ name: 'y' }] }, 'kserve-v1'));
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.issues).toEqual([
        {
          path: 'traffic.validate.outputs',
          message: expect.stringContaining('checked on KServe V2 answers only; kserve-v1 answers'),
        },
      ]);
  });
});

describe('payload.stream', () => {
  const streamed = (protocol: string, expect: unknown[] = [{ kind: 'alert-silent', alert: 'X' }]) => ({
    ...valid,
    target: { model: 'penguin-chat', protocol },
    faults: [],
    expect,
    payload: { stream: true },
  });

  it('is accepted for the OpenAI protocols, and its streams count as checked answers', () => {
    const wrong = [{ kind: 'threshold', phase: 'run', metric: 'wrong-answer-ratio', op: '<', value: 0.01 }];
    for (const protocol of ['openai-chat', 'openai-completions']) {
      const result = parseScenario(streamed(protocol, wrong));
      expect(result.ok, JSON.stringify(!result.ok && result.issues)).toBe(true);
      expect(result.ok && result.scenario.payload?.stream).toBe(true);
    }
  });

  it('takes ttft/tpot thresholds only with a streamed payload', () => {
    const ttft = [{ kind: 'threshold', phase: 'run', metric: 'ttft-p99', op: '<', value: 800 }];
    const ok = parseScenario(streamed('openai-chat', ttft));
    expect(ok.ok, JSON.stringify(!ok.ok && ok.issues)).toBe(true);
    const notStreamed = parseScenario({ ...streamed('openai-chat', ttft), payload: { stream: false } });
    expect(notStreamed.ok).toBe(false);
    if (!notStreamed.ok)
      expect(notStreamed.issues).toContainEqual({
        path: 'expect[0].metric',
        message: expect.stringContaining('ttft-p99 is measured on streamed answers only'),
      });
  });

  it('is refused for a protocol that does not stream, at payload.stream', () => {
    const result = parseScenario(streamed('kserve-v2'));
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.issues).toEqual([
        {
          path: 'payload.stream',
          message: expect.stringContaining('belong to the OpenAI protocols, not kserve-v2'),
        },
      ]);
  });
});

describe('missing fields', () => {
  it('says a required field is missing rather than "received undefined"', () => {
    const result = parseScenario({ name: 'x' });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.issues).toContainEqual({
        path: 'target',
        message: 'required field is missing (expected object)',
      });
      expect(result.issues).toContainEqual({
        path: 'description',
        message: expect.stringContaining('required field is missing'),
      });
    }
  });
});

describe('in-flight cap', () => {
  const withRate = (traffic: Record<string, unknown>) => ({
    ...valid,
    faults: [],
    expect: [{ kind: 'alert-silent', alert: 'X' }],
    traffic: { stages: [{ kind: 'constant', rate: 100, duration: '10s' }], ...traffic },
  });
  it('defaults to what the peak rate needs at the timeout (Little’s law), at least 256', () => {
    const result = parseScenario(withRate({}));
    expect(result.ok && result.scenario.traffic.model === 'open' && result.scenario.traffic.maxInFlight).toBe(
      500,
    );
    const slow = parseScenario(withRate({ timeout: '1s' }));
    expect(slow.ok && slow.scenario.traffic.model === 'open' && slow.scenario.traffic.maxInFlight).toBe(256);
  });
  it('refuses an explicit cap the rate cannot fit in, with the numbers', () => {
    const result = parseScenario(withRate({ maxInFlight: 100 }));
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.issues[0]).toMatchObject({
        path: 'traffic.maxInFlight',
        message: expect.stringContaining('100 × 5 = 500'),
      });
  });
});

describe('closed model', () => {
  const closed = (traffic: Record<string, unknown>) => ({
    ...valid,
    faults: [],
    expect: [{ kind: 'threshold', phase: 'run', metric: 'p99', op: '<', value: 100 }],
    traffic: {
      model: 'closed',
      stages: [
        { kind: 'concurrency-ramp', name: 'climb', from: 1, to: 16, duration: '20s' },
        { kind: 'concurrency', name: 'hold', vus: 16, duration: '10s' },
      ],
      ...traffic,
    },
  });
  const issuesOf = (data: unknown) => {
    const result = parseScenario(data);
    return result.ok ? [] : result.issues;
  };

  it('accepts concurrency stages, in ms, with no arrival process and no in-flight cap', () => {
    const result = parseScenario(closed({}));
    expect(result.ok, JSON.stringify(!result.ok && result.issues)).toBe(true);
    if (!result.ok) return;
    const { traffic } = result.scenario;
    expect(traffic).toMatchObject({ model: 'closed', timeout: 5000, seed: 1 });
    expect(traffic.stages).toEqual([
      { kind: 'concurrency-ramp', name: 'climb', from: 1, to: 16, duration: 20_000 },
      { kind: 'concurrency', name: 'hold', vus: 16, duration: 10_000 },
    ]);
    expect(traffic).not.toHaveProperty('maxInFlight');
    expect(traffic).not.toHaveProperty('arrival');
    // The model narrows the stages' type: closed traffic has concurrency stages only.
    if (traffic.model === 'closed') expectTypeOf(traffic.stages).toEqualTypeOf<ClosedStage[]>();
    else expectTypeOf(traffic.stages).toEqualTypeOf<OpenStage[]>();
  });

  it('refuses an open-model stage in a closed model, at the stage kind', () => {
    const data = closed({});
    (data.traffic.stages as any[])[1] = { kind: 'constant', rate: 10, duration: '10s' };
    expect(issuesOf(data)).toEqual([
      {
        path: 'traffic.stages[1].kind',
        message: expect.stringContaining(
          '"constant" is an open-model stage; the closed model takes "concurrency"',
        ),
      },
    ]);
  });

  it('refuses a closed-model stage in the (default) open model, at the stage kind', () => {
    const data = withChange((s) => s.traffic.stages.push({ kind: 'concurrency', vus: 4, duration: '5s' }));
    expect(issuesOf(data)).toEqual([
      {
        path: 'traffic.stages[2].kind',
        message: expect.stringContaining('"concurrency" is a closed-model stage; the open model takes'),
      },
    ]);
    const second = withChange(
      (s) => (s.traffic.stages[1] = { kind: 'concurrency', vus: 4, duration: '20s' }),
    );
    expect(issuesOf(second).map((i) => i.path)).toEqual(['traffic.stages[1].kind']);
  });

  it.each([
    [{ arrival: { kind: 'poisson' } }, 'traffic.arrival', 'arrival processes belong to the open model'],
    [{ maxInFlight: 64 }, 'traffic.maxInFlight', "the stages' vus are the concurrency"],
  ])('refuses open-model settings: %j', (extra, path, message) => {
    expect(issuesOf(closed(extra))).toEqual([{ path, message: expect.stringContaining(message) }]);
  });

  it.each([
    [{ kind: 'concurrency', vus: 0, duration: '5s' }, 'traffic.stages[0].vus', 'at least 1 virtual user'],
    [
      { kind: 'concurrency-ramp', from: 1, to: 20_000, duration: '5s' },
      'traffic.stages[0].to',
      'more than 10000 virtual users',
    ],
    [{ kind: 'concurrency', vus: 2.5, duration: '5s' }, 'traffic.stages[0].vus', 'whole number'],
    [
      { kind: 'concurency', vus: 2, duration: '5s' },
      'traffic.stages[0].kind',
      '"concurrency" or "concurrency-ramp"',
    ],
    // Per-kind messages survive the combined union (a z.union would only say "Invalid input").
    [
      { kind: 'ramp', from: 1, duration: '5s' },
      'traffic.stages[0].to',
      'expected a rate in requests per second',
    ],
  ])('reports a bad stage %j with its path', (stage, path, message) => {
    const issues = issuesOf(closed({ stages: [stage] }));
    const issue = issues.find((i) => i.path === path);
    expect(issue, JSON.stringify(issues)).toBeDefined();
    expect(issue?.message).toContain(message);
  });

  it('plans concurrency stages back to back, with phases and no offered rate', () => {
    const plan = planScenario(parseScenarioOrThrow(closed({}), 'test'));
    expect(plan.stages.map((s) => [s.name, s.stage.kind, s.startMs, s.endMs])).toEqual([
      ['climb', 'concurrency-ramp', 0, 20_000],
      ['hold', 'concurrency', 20_000, 30_000],
    ]);
    expect(plan.trafficEndMs).toBe(30_000);
    // No faults: the run ends after the default 30 s recovery window (which starts at 0).
    expect(plan.endMs).toBe(30_000);
    const phase = (name: string) => plan.phases.find((p) => p.name === name)?.spans;
    expect(phase('run')).toEqual([{ startMs: 0, endMs: 30_000 }]);
    expect(phase('baseline')).toEqual([{ startMs: 0, endMs: 30_000 }]);
    expect(phase('hold')).toEqual([{ startMs: 20_000, endMs: 30_000 }]);
    expect(offeredRateAt(plan, 5_000)).toBeNull();
    expect(offeredRateAt(plan, 30_000)).toBe(0);
  });
});

describe('rollback expectations', () => {
  it('follow a bad-canary fault; after any other fault they are refused with the canaries named', () => {
    const ok = parseScenario(
      withChange((s) => {
        s.faults.push({ id: 'c1', kind: 'bad-canary', at: '1s', duration: '10s', weight: 20, errors: 0.05 });
        s.expect.push({ kind: 'rollback', after: 'c1', within: '20s' });
      }),
    );
    expect(ok.ok).toBe(true);
    if (ok.ok)
      expect(ok.scenario.expect.at(-1)).toEqual({
        kind: 'rollback',
        after: 'c1',
        within: 20_000,
        expect: 'rollback',
      });
    const wrong = parseScenario(
      withChange((s) => {
        s.faults.push({ id: 'c1', kind: 'bad-canary', at: '1s', duration: '10s', weight: 20 });
        s.expect.push({ kind: 'rollback', after: 'f1', within: '20s', expect: 'none' });
      }),
    );
    expect(wrong.ok).toBe(false);
    if (!wrong.ok)
      expect(wrong.issues.map((i) => `${i.path}: ${i.message}`)).toEqual([
        'expect[3].after: a rollback follows a bad-canary fault; "f1" is not one (bad-canary faults: c1)',
      ]);
  });

  it('a bad-canary on kubernetes names its Rollout or InferenceService and the version it runs', () => {
    const issuesOf = (canary: unknown, backend = 'kubernetes') => {
      const result = parseScenario(
        withChange((s) => {
          s.faults.push({
            id: 'c1',
            kind: 'bad-canary',
            backend,
            at: '1s',
            duration: '10s',
            weight: 20,
            ...(canary === undefined ? {} : { canary }),
          });
        }),
      );
      return result.ok ? [] : result.issues.map((i) => `${i.path}: ${i.message}`);
    };
    const rollout = {
      kind: 'Rollout',
      namespace: 'models',
      name: 'penguin',
      container: 'server',
      versions: { v2: { image: 'registry.example/penguin:v2' } },
    };
    expect(issuesOf(rollout)).toEqual([]);
    expect(issuesOf(undefined)[0]).toMatch(/^faults\[\d\]\.canary: required when backend is "kubernetes"/);
    expect(issuesOf({ ...rollout, versions: { v3: { image: 'x' } } })[0]).toMatch(
      /^faults\[\d\]\.canary\.versions: names no "v2"/,
    );
    expect(issuesOf({ ...rollout, kind: 'Deployment' })[0]).toContain(
      'canary.kind is "Rollout" (Argo Rollouts) or "InferenceService" (KServe)',
    );
    expect(issuesOf(rollout, 'local')).toEqual([
      expect.stringMatching(/canary: only for backend "kubernetes"/),
    ]);
  });

  it('a bad-canary on docker is refused: the compose stack has one model version', () => {
    const result = parseScenario(
      withChange((s) => {
        s.faults.push({
          id: 'c1',
          kind: 'bad-canary',
          at: '1s',
          duration: '10s',
          weight: 20,
          backend: 'docker',
        });
      }),
    );
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.issues.map((i) => i.path)).toEqual(['faults[1].backend']);
  });
});
