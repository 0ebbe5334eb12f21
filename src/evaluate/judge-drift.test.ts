import { describe, expect, it } from 'vitest';
import { planScenario } from '../scenario/plan.ts';
import { parseScenarioOrThrow } from '../scenario/validate.ts';
import type { TrafficWindow } from '../traffic/types.ts';
import { type JudgeInput, judge } from './judge.ts';
import type { AlertRecord, BlindPeriod } from './types.ts';

const START = 1_700_000_000_000;

function plan(payload: unknown, expect: unknown[], duration = '300s') {
  return planScenario(
    parseScenarioOrThrow(
      {
        name: 'd',
        description: 'drift judge',
        target: { model: 'penguins' },
        traffic: { stages: [{ kind: 'constant', name: 'steady', rate: 40, duration }] },
        payload,
        expect,
      },
      'test',
    ),
  );
}

function input(
  p: ReturnType<typeof plan>,
  alerts: AlertRecord[],
  extra: Partial<JudgeInput> = {},
): JudgeInput {
  return {
    plan: p,
    startedAt: START,
    endedAt: START + p.endMs,
    faults: [],
    alerts,
    floors: [],
    blind: [],
    phaseStats: {},
    ...extra,
  };
}

const firing = (feature: string, atS: number, resolvedS: number | null = null): AlertRecord => ({
  name: 'FeatureDriftPSIHigh',
  labels: { model: 'penguins', feature },
  pendingAt: START + (atS - 5) * 1000,
  firingAt: START + atS * 1000,
  notifiedAt: null,
  resolvedAt: resolvedS === null ? null : START + resolvedS * 1000,
});

// Steps at 30, 83, 136 s (30 s each, 23 s gaps at 40 req/s).
const sweep = {
  sweep: { feature: 'flipper_length_mm', sigmas: [0.25, 1, 2], stepDuration: '30s', at: '30s' },
};
const detect = {
  kind: 'drift-detected',
  alert: 'FeatureDriftPSIHigh',
  feature: 'flipper_length_mm',
  within: '20s',
  minSigma: 0.5,
};

describe('drift-detected', () => {
  it('passes when every required step fires within its budget; the per-step table is in detail and steps', () => {
    const [result] = judge(
      input(plan(sweep, [detect]), [
        firing('flipper_length_mm', 92, 120),
        firing('flipper_length_mm', 143, 175),
        firing('body_mass_g', 40, 50),
      ]),
    );
    expect(result!.verdict).toBe('passed');
    expect(result!.kind).toBe('drift-detected');
    expect(result!.measuredMs).toBe(9_000);
    expect(result!.steps!.map((s) => [s.id, s.sigma, s.required, s.outcome, s.detectedAfterMs])).toEqual([
      ['sweep-0', 0.25, false, 'missed', null],
      ['sweep-1', 1, true, 'fired', 9_000],
      ['sweep-2', 2, true, 'fired', 7_000],
    ]);
    expect(result!.detail).toBe(
      'FeatureDriftPSIHigh{feature="flipper_length_mm"} fired within 20s for all 2 required step(s) — sweep-0 (0.25σ) [not required]: missed; sweep-1 (1σ): fired after 9s; sweep-2 (2σ): fired after 7s',
    );
  });

  it('fails on a late or missed required step, and when the alert was still firing from the step before', () => {
    const late = judge(
      input(plan(sweep, [detect]), [
        firing('flipper_length_mm', 110, 120),
        firing('flipper_length_mm', 140, 175),
      ]),
    )[0]!;
    expect(late.verdict).toBe('failed');
    expect(late.steps!.map((s) => s.outcome)).toEqual(['missed', 'late', 'fired']);
    const stuck = judge(input(plan(sweep, [detect]), [firing('flipper_length_mm', 90, null)]))[0]!;
    expect(stuck.steps!.map((s) => s.outcome)).toEqual(['missed', 'fired', 'already-firing']);
    expect(stuck.verdict).toBe('failed');
    expect(stuck.detail).toMatch(
      /^FeatureDriftPSIHigh\{feature="flipper_length_mm"\}: 1 of 2 required step\(s\) not detected within 20s/,
    );
  });

  it('is inconclusive when Prometheus could not be read during a required step’s budget', () => {
    const blind: BlindPeriod[] = [
      { backend: 'prometheus', fromAt: START + 140_000, toAt: START + 150_000, reason: 'timeout' },
    ];
    const result = judge(input(plan(sweep, [detect]), [firing('flipper_length_mm', 92, 120)], { blind }))[0]!;
    expect(result.steps!.map((s) => s.outcome)).toEqual(['missed', 'fired', 'blind']);
    expect(result.verdict).toBe('inconclusive');
  });
});

function window(second: number, ok: number, codes: Record<string, number>): TrafficWindow {
  const httpErrors = Object.entries(codes)
    .filter(([c]) => c !== '200')
    .reduce((s, [, n]) => s + n, 0);
  return {
    startAt: START + second * 1000,
    second,
    intended: ok + httpErrors,
    sent: ok + httpErrors,
    ok,
    httpErrors,
    networkErrors: 0,
    timeouts: 0,
    late: 0,
    dropped: 0,
    okHistogram: '',
    errorHistogram: '',
    statusCodes: { '200': ok, ...codes },
  };
}

describe('requests-rejected', () => {
  const p = plan(
    {
      drift: [
        { id: 'break', kind: 'wrong-type', feature: 'body_mass_g', share: 0.3, at: '10s', duration: '10s' },
      ],
    },
    [
      { kind: 'requests-rejected', status: 400, minShare: 0.2, maxShare: 0.4, phase: 'break' },
      { kind: 'requests-rejected', status: 400, minShare: 0.5, phase: 'break' },
      { kind: 'requests-rejected', status: 400, minShare: 0, maxShare: 0.01, phase: 'steady' },
    ],
    '30s',
  );
  const windows = Array.from({ length: 30 }, (_, s) =>
    s >= 10 && s < 20 ? window(s, 28, { '400': 12 }) : window(s, 40, {}),
  );

  it('counts the status share in a drift step’s span or a phase', () => {
    const [inBand, tooFew, run] = judge(input(p, [], { trafficWindows: windows }));
    expect(inBand).toMatchObject({
      verdict: 'passed',
      measured: 0.3,
      detail: '120 of 400 requests (30%) in break were answered 400, meeting 20%–40%',
    });
    expect(tooFew).toMatchObject({
      verdict: 'failed',
      detail: '120 of 400 requests (30%) in break were answered 400, missing at least 50%',
    });
    expect(run!.verdict).toBe('failed'); // 120 of 1200 over the whole run
  });

  it('is inconclusive without traffic windows', () => {
    expect(judge(input(p, []))[0]).toMatchObject({ verdict: 'inconclusive', kind: 'requests-rejected' });
  });
});
