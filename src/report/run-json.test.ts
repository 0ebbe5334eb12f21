import { describe, expect, expectTypeOf, it } from 'vitest';
import { buildRunJson, type RunJson } from './index.ts';
import { at, sampleOutcome, t0 } from './testing.ts';

const iso = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe('buildRunJson', () => {
  const json = buildRunJson(sampleOutcome());

  it('has every DESIGN.md schema v1 top-level field with its type', () => {
    expect(json.schemaVersion).toBe(1);
    expect(json.runId).toBe('20250115-100000-latency-spike-a1b2');
    expect(json.scenario).toBe('latency-spike');
    expect(json.startedAt).toBe(new Date(t0).toISOString());
    expect(json.endedAt).toBe('2025-01-15T10:01:05.432Z');
    expect(json.verdict).toBe('failed');
    expect(json.stack).toEqual({
      prometheus: 'http://127.0.0.1:39090',
      alertmanager: 'http://127.0.0.1:39093',
      embedded: true,
      target: 'http://127.0.0.1:38080',
    });
    for (const key of ['faults', 'alerts', 'expectations'])
      expect(Array.isArray(json[key as keyof RunJson])).toBe(true);
  });

  it('writes fault times as ISO strings and keeps the extensions', () => {
    expect(json.faults).toEqual([
      {
        id: 'f1',
        kind: 'gpu-throttle',
        backend: 'local',
        injectedAt: new Date(at(12.3)).toISOString(),
        landedAt: new Date(at(12.8)).toISOString(),
        revertedAt: new Date(at(42.3)).toISOString(),
        params: { factor: 4, durationMs: 30_000 },
        landedEvidence: 'fixture reports gpu_clock_throttle_reasons=4',
        notLandedReason: null,
        revertError: null,
        cleanupHint: null,
      },
    ]);
  });

  it('writes alert lifecycle times as ISO strings, null where they did not happen', () => {
    const [latency, errors] = json.alerts;
    expect(latency?.name).toBe('ModelLatencyHigh');
    expect(latency?.labels).toEqual({ alertname: 'ModelLatencyHigh', severity: 'page', model: 'resnet50' });
    for (const k of ['pendingAt', 'firingAt', 'notifiedAt'] as const) expect(latency?.[k]).toMatch(iso);
    expect(latency?.firingAt).toBe('2025-01-15T10:00:15.100Z');
    expect(latency?.resolvedAt).toBeNull();
    expect(errors?.notifiedAt).toBeNull();
    expect(errors?.resolvedAt).toBe('2025-01-15T10:00:50.250Z');
    expect([latency?.source, errors?.source]).toEqual(['alerts-series', 'api']);
    expect([latency?.endedAt, errors?.endedAt]).toEqual([null, null]);
  });

  it('writes expectations with measured, budget and floor in ms rounded to 0.1, null where missing', () => {
    expect(json.expectations.map((e) => [e.id, e.kind, e.verdict])).toEqual([
      ['latency-alert-fires', 'alert-fires', 'passed'],
      ['errors-stay-silent', 'alert-silent', 'failed'],
      ['latency-alert-resolves', 'alert-resolves', 'inconclusive'],
    ]);
    expect(json.expectations[0]).toMatchObject({
      subject: 'ModelLatencyHigh',
      measuredMs: 2800,
      budgetMs: 10_000,
      floorMs: 2000,
    });
    expect(json.expectations[1]).toMatchObject({ measuredMs: null, budgetMs: null, floorMs: null });
    expect(json.expectations[2]).toMatchObject({ measuredMs: null, budgetMs: 30_000, floorMs: 1000 });
    expect(typeof json.expectations[1]?.detail).toBe('string');
  });

  it('writes traffic with the schema fields, rounded latency and the extensions', () => {
    expect(json.traffic).toEqual({
      engine: 'undici',
      model: 'open',
      sent: 1300,
      completed: 1296,
      errors: 12,
      dropped: 0,
      late: 3,
      latencyMs: { p50: 11, p90: 25.6, p99: 180.1, max: 512.9 },
      timeouts: 4,
      saturated: false,
      maxLateMs: 4.3,
      loopLagP99Ms: null,
      wrongAnswers: null,
      streaming: null,
    });
  });

  it('carries streaming figures (rounded) for the run and for phases that streamed', () => {
    const o = sampleOutcome();
    const l = (p50: number, p99: number) => ({ p50, p90: p99, p99, max: p99, count: 10 });
    const streaming = {
      ttftMs: l(180.2345, 951.44),
      itlMs: l(20, 61.5),
      tpotMs: l(22.1, 70.3),
      outputTokens: 3400,
      outputTokensPerSecond: 113.3333,
      streams: 400,
    };
    o.traffic!.streaming = streaming;
    o.phases.fault = { ...o.phases.fault!, streaming };
    const j = buildRunJson(o);
    const expected = {
      streams: 400,
      outputTokens: 3400,
      outputTokensPerSecond: 113.33,
      ttftMs: { p50: 180.2, p90: 951.4, p99: 951.4, max: 951.4 },
      itlMs: { p50: 20, p90: 61.5, p99: 61.5, max: 61.5 },
      tpotMs: { p50: 22.1, p90: 70.3, p99: 70.3, max: 70.3 },
    };
    expect(j.traffic?.streaming).toEqual(expected);
    expect(j.phases.fault?.streaming).toEqual(expected);
    expect(j.phases.baseline).not.toHaveProperty('streaming');
  });

  it('carries the extensions: exit code, reason, description, duration, phases, floors, blind, warnings', () => {
    expect(json.exitCode).toBe(10);
    expect(json.reason).toBeNull();
    expect(json.description).toMatch(/GPU throttling/);
    expect(json.scenarioFile).toBe('scenarios/latency-spike.ts');
    expect(json.durationMs).toBe(65432);
    expect(Object.keys(json.phases)).toEqual(['baseline', 'fault']);
    expect(json.phases.fault).toMatchObject({
      sent: 600,
      ok: 588,
      errors: 12,
      completed: 600,
      errorRatio: 0.02,
      wrongAnswers: null,
      wrongAnswerRatio: null,
      throughput: 20,
    });
    expect(json.phases.fault?.latencyMs).toEqual({
      p50: 40.1,
      p90: 120.4,
      p99: 300.9,
      max: 512.9,
      count: 588,
    });
    expect(json.phases.baseline?.latencyMs.p90).toBe(12.3);
    expect(json.floors).toEqual([
      {
        alert: 'ModelLatencyHigh',
        measure: 'firing',
        floorMs: 2000,
        jitterMs: 2000,
        explanation: 'scrape 1s, eval 1s, for 2s, group_wait 0s',
      },
    ]);
    expect(json.blind).toEqual([
      {
        backend: 'prometheus',
        fromAt: '2025-01-15T10:00:44.000Z',
        toAt: '2025-01-15T10:00:52.000Z',
        durationMs: 8000,
        reason: 'connect ECONNREFUSED 127.0.0.1:39090',
      },
    ]);
    expect(json.warnings).toEqual(['scrape interval 1s is longer than half of the shortest budget']);
  });

  it('carries wrong answers per phase and for the run when responses were checked', () => {
    const o = sampleOutcome();
    o.traffic!.wrongAnswers = 7;
    o.phases.fault = {
      ...o.phases.fault!,
      ok: 581,
      completed: 600,
      wrongAnswers: 7,
      wrongAnswerRatio: 7 / 600,
    };
    const j = buildRunJson(o);
    expect(j.traffic?.wrongAnswers).toBe(7);
    expect(j.phases.fault).toMatchObject({ wrongAnswers: 7, wrongAnswerRatio: 0.011667, completed: 600 });
  });

  it('round-trips through JSON unchanged', () => {
    expect(JSON.parse(JSON.stringify(json))).toEqual(json);
  });

  it('writes null for a fault that was never injected, null traffic, and the reason of an errored run', () => {
    const o = sampleOutcome();
    o.verdict = 'errored';
    o.exitCode = 3;
    o.reason = 'Prometheus at http://127.0.0.1:39090 stopped answering';
    o.traffic = null;
    o.faults = [
      {
        ...o.faults[0]!,
        injectedAt: null,
        landedAt: null,
        landedEvidence: null,
        notLandedReason: 'inject failed',
        revertedAt: null,
      },
    ];
    const j = buildRunJson(o);
    expect(j.traffic).toBeNull();
    expect(j.reason).toBe('Prometheus at http://127.0.0.1:39090 stopped answering');
    expect(j.faults[0]).toMatchObject({
      injectedAt: null,
      landedAt: null,
      revertedAt: null,
      notLandedReason: 'inject failed',
    });
    expect(j.verdict).toBe('errored');
    expect(j.exitCode).toBe(3);
  });

  it('exposes a literal schemaVersion type', () => {
    expectTypeOf<RunJson['schemaVersion']>().toEqualTypeOf<1>();
    expectTypeOf<RunJson['faults'][number]['injectedAt']>().toEqualTypeOf<string | null>();
  });
});
