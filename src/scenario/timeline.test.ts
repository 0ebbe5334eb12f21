import { describe, expect, it } from 'vitest';
import { intensityAt, planDrift, slowestRate } from './timeline.ts';
import { parseScenario } from './validate.ts';

function scenarioData(
  payload: unknown,
  expect: unknown[] = [{ kind: 'alert-silent', alert: 'X' }],
  rate = 40,
  duration = '300s',
) {
  return {
    name: 's',
    description: 'timeline test',
    target: { model: 'penguins' },
    traffic: { stages: [{ kind: 'constant', name: 'steady', rate, duration }] },
    payload,
    expect,
  };
}

function scenario(...args: Parameters<typeof scenarioData>) {
  const result = parseScenario(scenarioData(...args));
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.scenario;
}

describe('planDrift', () => {
  it('expands a sweep into steps with gaps that clear the 500-row window (13 s at 40 req/s, + 10 s)', () => {
    const steps = planDrift(
      scenario({
        sweep: { feature: 'flipper_length_mm', sigmas: [0.25, 0.5, 1], stepDuration: '30s', at: '30s' },
      }),
    );
    expect(steps.map((s) => [s.id, s.sigma, s.startMs, s.endMs])).toEqual([
      ['sweep-0', 0.25, 30_000, 60_000],
      ['sweep-1', 0.5, 83_000, 113_000],
      ['sweep-2', 1, 136_000, 166_000],
    ]);
    // batch 4 at 40 req/s: 160 rows/s, 500 rows in 4 s (ceil 3.125)
    const batched = planDrift(
      scenario({ batch: 4, sweep: { feature: 'flipper_length_mm', sigmas: [1, 2], stepDuration: '30s' } }),
    );
    expect(batched[1]!.startMs - batched[0]!.endMs).toBe(14_000);
  });

  it('drift entries: id, span to the end of traffic by default, ramp', () => {
    const [step] = planDrift(
      scenario({ drift: [{ kind: 'mean-shift', feature: 'body_mass_g', sigma: 1, at: '10s', ramp: '20s' }] }),
    );
    expect(step).toMatchObject({ id: 'drift-0', startMs: 10_000, fullMs: 30_000, endMs: 300_000, sigma: 1 });
    expect([0, 10_000, 20_000, 30_000, 299_999, 300_000].map((t) => intensityAt(step!, t))).toEqual([
      0, 0, 0.5, 1, 1, 0,
    ]);
  });
});

describe('drift timeline checks (payloadIssues, run by parseScenario)', () => {
  it('reports gaps too short for the window, steps past the traffic, unknown phases and features', () => {
    const result = parseScenario(
      scenarioData(
        {
          drift: [
            { id: 'x', kind: 'missing', feature: 'bill_depth_mm', rate: 0.1, at: '10s', duration: '400s' },
            { id: 'x', kind: 'missing', feature: 'bill_depth_mm', rate: 0.1, at: '10s' },
          ],
          sweep: {
            feature: 'flipper_length_mm',
            sigmas: [1, 2, 3, 4, 5, 6, 7, 8, 9],
            stepDuration: '30s',
            gap: '5s',
          },
        },
        [
          { kind: 'requests-rejected', minShare: 0.1, phase: 'nope' },
          { kind: 'requests-rejected', minShare: 0.1, phase: 'x' },
          { kind: 'drift-detected', alert: 'FeatureDriftPSIHigh', feature: 'body_mass_g', within: '20s' },
        ],
      ),
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues.map((i) => `${i.path}: ${i.message}`)).toEqual([
      'payload.drift[0].duration: the drift ends at 410s, after the traffic stops at 300s',
      'payload.drift[1].id: duplicate drift id "x"',
      'payload.sweep.gap: a gap of 5s does not clear the monitor window: 500 rows at 40 req/s × 1 rows take 13s',
      "payload.sweep: the sweep's last step ends at 310s, after the traffic stops at 300s (9 steps of 30s with gaps of 5s)",
      'expect[0].phase: unknown phase "nope" (phases: run, baseline, fault, recovery, steady, x, sweep-0, sweep-1, sweep-2, sweep-3, sweep-4, sweep-5, sweep-6, sweep-7, sweep-8)',
      'expect[2].feature: no drift step changes feature "body_mass_g" (give a payload.drift entry or a payload.sweep on it)',
    ]);
  });
});

describe('slowestRate, closed model', () => {
  it('counts a concurrency stage at the rate its users cannot fall below: vus / timeout', () => {
    const result = parseScenario({
      name: 's',
      description: 'closed timeline test',
      target: { model: 'penguins' },
      traffic: {
        model: 'closed',
        timeout: '2s',
        stages: [
          { kind: 'concurrency', vus: 16, duration: '200s' },
          { kind: 'concurrency-ramp', from: 4, to: 8, duration: '200s' },
        ],
      },
      payload: { sweep: { feature: 'flipper_length_mm', sigmas: [1, 2], stepDuration: '30s' } },
      expect: [{ kind: 'alert-silent', alert: 'X' }],
    });
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    // 16 users ≥ 8 req/s; the ramp's slowest end, 4 users, ≥ 2 req/s
    expect(slowestRate(result.scenario)).toBe(2);
    // so the sweep's gap clears the 500-row window at 2 req/s: 250 s, + 10 s
    const steps = planDrift(result.scenario);
    expect(steps[1]!.startMs - steps[0]!.endMs).toBe(260_000);
  });
});
