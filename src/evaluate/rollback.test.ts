import { describe, expect, it } from 'vitest';
import {
  judgeRollback,
  type RollbackExpectation,
  type RollbackJudgeInput,
  rollbackFloor,
} from './rollback.ts';
import type { PromqlSamples } from './types.ts';

const T0 = 1_000_000;
const floor = rollbackFloor(2000, 3, 1000, 1000);
const rollback = (extra: Partial<RollbackExpectation> = {}): RollbackExpectation => ({
  kind: 'rollback',
  after: 'canary',
  within: 15_000,
  expect: 'rollback',
  ...extra,
});

/**
 * The controller's series at 1 s steps from the injection: weight 20 until `abortAtS` (then 0, aborted), and
 * weight 0 + stable from `revertAtS` (the fault's revert) on.
 */
function samples(options: {
  abortAtS?: number;
  revertAtS?: number;
  endS?: number;
  weight?: number;
}): PromqlSamples {
  const end = options.endS ?? 30;
  const weight: Array<[number, string]> = [];
  const aborted: Array<[number, string]> = [];
  for (let s = 0; s <= end; s++) {
    const isAborted =
      options.abortAtS !== undefined &&
      s >= options.abortAtS &&
      (options.revertAtS === undefined || s < options.revertAtS);
    const isReverted = options.revertAtS !== undefined && s >= options.revertAtS;
    weight.push([T0 + s * 1000, isAborted || isReverted ? '0' : String(options.weight ?? 20)]);
    aborted.push([T0 + s * 1000, isAborted ? '1' : '0']);
  }
  return {
    id: 'r1',
    expr: 'x',
    startAt: T0,
    endAt: T0 + end * 1000,
    plannedEndAt: T0 + end * 1000,
    stepMs: 1000,
    series: [
      { metric: { __name__: 'rollout_canary_weight', rollout: 'penguins' }, points: weight },
      { metric: { __name__: 'rollout_phase', rollout: 'penguins', phase: 'aborted' }, points: aborted },
      { metric: { __name__: 'rollout_phase', rollout: 'penguins', phase: 'stable' }, points: [] },
    ],
  };
}

function input(
  record: PromqlSamples | undefined,
  extra: Partial<RollbackJudgeInput> = {},
): RollbackJudgeInput {
  return {
    faults: [{ id: 'canary', injectedAt: T0, landedAt: T0 + 300, notLandedReason: null }],
    floors: [floor],
    blind: [],
    promql: record ? [record] : [],
    ...extra,
  };
}

describe('rollbackFloor', () => {
  it('is (failureLimit − 1) check intervals; the check phase, scrapes and evaluation are jitter', () => {
    expect(floor).toMatchObject({ alert: 'rollout_canary_weight', floorMs: 4000, jitterMs: 5000 });
    expect(floor.explanation).toMatch(/every 2s, aborts after 3 failed in a row/);
  });
});

describe('judgeRollback', () => {
  it.each([
    ['rolled back in time', { abortAtS: 7, revertAtS: 20 }, 'passed', 7000],
    ['rolled back late', { abortAtS: 18, revertAtS: 25 }, 'failed', 18_000],
    ['never rolled back: only the revert set the weight to 0', { revertAtS: 20 }, 'failed', null],
  ] as const)('expect rollback, %s', (_what, shape, verdict, measured) => {
    const result = judgeRollback(input(samples(shape)), 'r1', rollback());
    expect(result).toMatchObject({
      verdict,
      measuredMs: measured,
      budgetMs: 15_000,
      floorMs: 4000,
      kind: 'rollback',
    });
  });

  it('a budget below the floor fails before anything is read', () => {
    const result = judgeRollback(input(samples({ abortAtS: 3 })), 'r1', rollback({ within: 3000 }));
    expect(result.verdict).toBe('failed');
    expect(result.detail).toMatch(/below the rollback floor 4s/);
  });

  it('a fault that did not land, a missing or failed read, a blind Prometheus, or a short run are inconclusive', () => {
    const notLanded = input(samples({ abortAtS: 7 }), {
      faults: [{ id: 'canary', injectedAt: T0, landedAt: null, notLandedReason: 'no v2 answer' }],
    });
    expect(judgeRollback(notLanded, 'r1', rollback()).detail).toMatch(/did not land: no v2 answer/);
    expect(judgeRollback(input(undefined), 'r1', rollback()).verdict).toBe('inconclusive');
    expect(judgeRollback(input({ id: 'r1', expr: 'x', error: 'boom' }), 'r1', rollback()).detail).toMatch(
      /boom/,
    );
    const blind = input(samples({ revertAtS: 20 }), {
      blind: [{ backend: 'prometheus', fromAt: T0 + 2000, toAt: T0 + 9000, reason: 'timeout' }],
    });
    expect(judgeRollback(blind, 'r1', rollback()).verdict).toBe('inconclusive');
    expect(judgeRollback(input(samples({ endS: 10 })), 'r1', rollback()).verdict).toBe('inconclusive');
  });

  it('expect none: passes when the controller analysed the canary and kept it; a rollback fails it', () => {
    const kept = judgeRollback(input(samples({ revertAtS: 20 })), 'r1', rollback({ expect: 'none' }));
    expect(kept).toMatchObject({ verdict: 'passed', measuredMs: null });
    const falseRollback = judgeRollback(input(samples({ abortAtS: 9 })), 'r1', rollback({ expect: 'none' }));
    expect(falseRollback).toMatchObject({ verdict: 'failed', measuredMs: 9000 });
    expect(falseRollback.detail).toMatch(/false rollback/);
  });

  it('expect none is inconclusive when the controller never showed the canary with weight', () => {
    const unseen = judgeRollback(input(samples({ weight: 0 })), 'r1', rollback({ expect: 'none' }));
    expect(unseen.verdict).toBe('inconclusive');
    expect(unseen.detail).toMatch(/never showed the canary's weight above 0/);
  });
});
