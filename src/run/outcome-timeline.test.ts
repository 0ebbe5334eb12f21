import { describe, expect, it } from 'vitest';
import { buildRunJson, runJsonSchema } from '../report/index.ts';
import { sampleOutcome } from '../report/testing.ts';
import { parseScenarioOrThrow, planScenario } from '../scenario/index.ts';
import { createHistogram, encodeHistogram, recordMicros, type TrafficWindow } from '../traffic/index.ts';
import { secondStats, stageSpans } from './outcome.ts';

const T0 = 1_700_000_000_000;

function window(second: number, latenciesMs: number[], errors: number, late = 0): TrafficWindow {
  const ok = createHistogram();
  for (const ms of latenciesMs) recordMicros(ok, ms * 1000);
  const encoded = encodeHistogram(ok);
  ok.destroy();
  return {
    startAt: T0 + second * 1000,
    second,
    intended: 20,
    sent: latenciesMs.length + errors,
    ok: latenciesMs.length,
    httpErrors: errors,
    networkErrors: 0,
    timeouts: 0,
    late,
    dropped: 0,
    okHistogram: encoded,
    errorHistogram: '',
    statusCodes: {},
  };
}

describe('the timeline of a run', () => {
  it('gives one entry per second, in time order, with its own percentiles of ok answers and its error ratio', () => {
    const slow = Array.from({ length: 100 }, (_, i) => (i < 98 ? 100 : 900));
    const seconds = secondStats([
      window(1, slow, 0, 3),
      window(
        0,
        Array.from({ length: 10 }, () => 10),
        10,
      ),
      window(2, [], 20),
    ]);
    expect(seconds.map((s) => s.startAt)).toEqual([T0, T0 + 1000, T0 + 2000]);
    expect(seconds[0]).toMatchObject({ intended: 20, sent: 20, completed: 20, errors: 10, errorRatio: 0.5 });
    expect(seconds[0]!.p50Ms).toBeCloseTo(10, 0);
    expect(seconds[1]!.p50Ms).toBeCloseTo(100, 0);
    expect(seconds[1]!.p99Ms).toBeCloseTo(900, -1);
    expect(seconds[1]!.late).toBe(3);
    // No ok answer: no latency (null, never 0).
    expect(seconds[2]).toMatchObject({ p50Ms: null, p99Ms: null, errorRatio: 1 });
  });

  it('places the plan’s stages on the run clock with their offered rates', () => {
    const scenario = parseScenarioOrThrow(
      {
        name: 'stages',
        description: 'x',
        target: { model: 'penguins' },
        traffic: {
          stages: [
            { kind: 'ramp', name: 'warm', from: 5, to: 50, duration: '10s' },
            { kind: 'constant', rate: 50, duration: '20s' },
          ],
        },
        faults: [],
        expect: [{ kind: 'alert-silent', alert: 'X' }],
      },
      'stages.ts',
    );
    expect(stageSpans(planScenario(scenario), T0)).toEqual([
      { name: 'warm', kind: 'ramp', startAt: T0, endAt: T0 + 10_000, rateFrom: 5, rateTo: 50 },
      {
        name: 'stage-2',
        kind: 'constant',
        startAt: T0 + 10_000,
        endAt: T0 + 30_000,
        rateFrom: 50,
        rateTo: 50,
      },
    ]);
  });

  it('writes both into run.json, and still reads a run.json written before they existed', () => {
    const json = buildRunJson(sampleOutcome());
    expect(json.seconds).toHaveLength(3);
    expect(json.seconds![2]).toMatchObject({ p50Ms: null, errorRatio: 1 });
    expect(json.stages![0]!.name).toBe('steady');
    expect(runJsonSchema.parse(JSON.parse(JSON.stringify(json)))).toEqual(json);
    const { seconds: _s, stages: _st, ...older } = json;
    expect(runJsonSchema.safeParse(older).success).toBe(true);
  });
});
