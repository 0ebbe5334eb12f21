import { describe, expect, it } from 'vitest';
import { planScenario } from '../scenario/plan.ts';
import { parseScenarioOrThrow } from '../scenario/validate.ts';
import { judge } from './judge.ts';
import {
  evaluationStepMs,
  judgePromql,
  type PromqlExpectation,
  type PromqlJudgeInput,
  promqlWindow,
} from './promql.ts';
import type { BlindPeriod, PromqlSamples } from './types.ts';

const START = 1_700_000_000_000;
const R0 = START + 25_000; // f1 reverted
const STEP = 1000;

const scenario = parseScenarioOrThrow(
  {
    name: 'promql',
    description: 'promql expectations',
    target: { model: 'penguins' },
    traffic: { stages: [{ kind: 'constant', name: 'steady', rate: 5, duration: '40s' }] },
    faults: [{ id: 'f1', kind: 'latency-spike', at: '15s', duration: '10s', delay: '300ms' }],
    expect: [
      { kind: 'promql', id: 'up-again', expr: 'up == 1', after: 'f1', holds: 'eventually', within: '20s' },
      { kind: 'promql', id: 'up-baseline', expr: 'up == 1', phase: 'baseline', holds: 'throughout' },
    ],
    recovery: '10s',
  },
  'promql.test.ts',
);
const plan = planScenario(scenario);
const eventually = scenario.expect[0] as PromqlExpectation;
const throughout = scenario.expect[1] as PromqlExpectation;

const faults = [
  { id: 'f1', injectedAt: START + 15_000, landedAt: START + 15_050, notLandedReason: null, revertedAt: R0 },
];

/** A recorded query over [from, from + (steps - 1)·STEP] with one series present at the given step indexes. */
function samples(
  id: string,
  from: number,
  steps: number,
  present: number[],
  plannedSteps = steps,
): PromqlSamples {
  return {
    id,
    expr: 'up == 1',
    startAt: from,
    endAt: from + (steps - 1) * STEP,
    plannedEndAt: from + (plannedSteps - 1) * STEP,
    stepMs: STEP,
    series:
      present.length === 0
        ? []
        : [{ metric: { job: 'm' }, points: present.map((k) => [from + k * STEP, '1']) }],
  };
}

const blindAt = (fromStep: number, toStep: number, from: number): BlindPeriod => ({
  backend: 'prometheus',
  fromAt: from + fromStep * STEP - 100,
  toAt: from + toStep * STEP + 100,
  reason: 'connection refused',
});

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => from + k);

describe('judgePromql', () => {
  it.each<[string, PromqlExpectation, PromqlSamples, BlindPeriod[], string, number | null, RegExp]>([
    [
      'throughout: every step non-empty passes',
      throughout,
      samples('up-baseline', START, 16, range(0, 16)),
      [],
      'passed',
      null,
      /^up == 1 held at all 16 steps of 1s over 15s in baseline$/,
    ],
    [
      'throughout: fails at the first empty step, saying when',
      throughout,
      samples('up-baseline', START, 16, [...range(0, 7), ...range(9, 16)]),
      [],
      'failed',
      7000,
      /no result at \+7s in baseline \(2 of 16 steps empty\)/,
    ],
    [
      'throughout: an empty step while Prometheus was blind is inconclusive, not failed',
      throughout,
      samples('up-baseline', START, 16, [...range(0, 7), ...range(9, 16)]),
      [blindAt(7, 8, START)],
      'inconclusive',
      null,
      /could not be read at 2 of its 16 steps \(from \+7s: connection refused\)/,
    ],
    [
      'throughout: a readable empty step fails even beside a blind one',
      throughout,
      samples('up-baseline', START, 16, [...range(0, 7), ...range(9, 16)]),
      [blindAt(7, 7, START)],
      'failed',
      8000,
      /no result at \+8s/,
    ],
    [
      'throughout: a window the run cut short is inconclusive',
      throughout,
      samples('up-baseline', START, 10, range(0, 10), 16),
      [],
      'inconclusive',
      null,
      /the run ended 6s before the window did/,
    ],
    [
      'eventually: passes at the first non-empty step, measured from the revert',
      eventually,
      samples('up-again', R0, 21, range(12, 21)),
      [],
      'passed',
      12_000,
      /^up == 1 held 12s after f1's revert, within the 20s budget$/,
    ],
    [
      'eventually: none within the budget fails',
      eventually,
      samples('up-again', R0, 21, []),
      [],
      'failed',
      null,
      /never held in 21 steps of 1s over 20s after f1's revert/,
    ],
    [
      'eventually: none, but blind steps could hide it: inconclusive',
      eventually,
      samples('up-again', R0, 21, []),
      [blindAt(3, 5, R0)],
      'inconclusive',
      null,
      /never held at a step that could be read, but Prometheus could not be read at 3 of its 21 steps/,
    ],
    [
      'eventually: a pass after blind steps passes, its time an upper bound',
      eventually,
      samples('up-again', R0, 21, range(6, 21)),
      [blindAt(3, 5, R0)],
      'passed',
      6000,
      /held 6s after f1's revert \(at most: Prometheus could not be read at 3 steps before it\)/,
    ],
    [
      'eventually: not yet when the run ended is inconclusive',
      eventually,
      samples('up-again', R0, 8, [], 21),
      [],
      'inconclusive',
      null,
      /had not held when the run ended, 13s before the window did/,
    ],
    [
      'a query error is inconclusive with the reason',
      eventually,
      { id: 'up-again', expr: 'up == 1', error: 'Prometheus answered HTTP 400 bad_data: parse error' },
      [],
      'inconclusive',
      null,
      /^the range query failed: Prometheus answered HTTP 400 bad_data: parse error$/,
    ],
  ])('%s', (_label, e, recorded, blind, verdict, measuredMs, detail) => {
    const id = e.id as string;
    const result = judgePromql({ faults, blind, promql: [recorded] }, id, e);
    expect(result).toMatchObject({ id, kind: 'promql', verdict, measuredMs });
    expect(result.detail).toMatch(detail);
  });

  it('matches steps to points in whole ms when the window starts at a fractional ms (the run clock)', () => {
    const recorded = samples('up-again', R0, 21, range(1, 21));
    const fractional = {
      ...recorded,
      startAt: R0 + 0.172,
      endAt: R0 + 20_000.172,
      plannedEndAt: R0 + 20_000.172,
    };
    expect(judgePromql({ faults, blind: [], promql: [fractional] }, 'up-again', eventually)).toMatchObject({
      verdict: 'passed',
      measuredMs: 1000,
    });
  });

  it('is inconclusive without a recorded query, or when the fault was never reverted', () => {
    const input: PromqlJudgeInput = { faults, blind: [], promql: [] };
    expect(judgePromql(input, 'up-again', eventually)).toMatchObject({
      verdict: 'inconclusive',
      detail: 'no range query was recorded for it',
    });
    const unreverted = { ...input, faults: [{ ...faults[0]!, revertedAt: null }] };
    expect(judgePromql(unreverted, 'up-again', eventually).detail).toMatch(/never reverted/);
  });

  it('is what judge() answers for a promql expectation, with the fault as structured subject', () => {
    const [result] = judge({
      plan,
      startedAt: START,
      endedAt: START + 50_000,
      faults,
      alerts: [],
      floors: [],
      blind: [],
      phaseStats: {},
      promql: [samples('up-again', R0, 21, range(4, 21))],
    });
    expect(result).toMatchObject({
      id: 'up-again',
      verdict: 'passed',
      measuredMs: 4000,
      budgetMs: 20_000,
      faultId: 'f1',
      faultKind: 'latency-spike',
    });
  });
});

describe('promqlWindow', () => {
  it.each<[string, PromqlExpectation, object]>([
    ['after: from the revert, cut to within', eventually, { startAt: R0, endAt: R0 + 20_000 }],
    [
      'a phase: its planned span from the traffic start',
      throughout,
      { startAt: START, endAt: START + 15_000 },
    ],
    [
      'recovery: from the actual revert',
      { ...throughout, phase: 'recovery' },
      { startAt: R0, endAt: START + 40_000 },
    ],
    [
      'after without within: to the end of observation',
      { ...eventually, holds: 'throughout', within: undefined },
      { startAt: R0, endAt: START + plan.endMs },
    ],
  ])('%s', (_label, e, window) => {
    expect(promqlWindow(plan, e, START, faults)).toEqual(window);
  });

  it('names why there is no window for a fault never reverted', () => {
    expect(promqlWindow(plan, eventually, START, [{ ...faults[0]!, revertedAt: null }])).toEqual({
      why: 'fault f1 was never reverted, so there is no clock to start',
    });
  });
});

describe('evaluationStepMs', () => {
  const config = async () => ({ global: { evaluation_interval: '15s' } });
  it.each([
    ['the shortest rule group interval', [{ interval: 5 }, { interval: 1 }], 1000],
    ['the global evaluation_interval without rule groups', [], 15_000],
  ])('reads %s', async (_label, groups, stepMs) => {
    const rules = async () => groups.map((g, i) => ({ name: `g${i}`, file: 'f', rules: [], ...g }));
    expect(await evaluationStepMs({ rules, config })).toBe(stepMs);
  });
});
