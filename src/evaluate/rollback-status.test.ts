import { describe, expect, it } from 'vitest';
import { planScenario } from '../scenario/plan.ts';
import type { ScenarioInput } from '../scenario/schema.ts';
import { parseScenarioOrThrow } from '../scenario/validate.ts';
import { judge } from './judge.ts';
import {
  analysisRollbackFloor,
  judgeRollbackFromStatus,
  ROLLBACK_WATCH_MARGIN_MS,
  type RollbackStatusJudgeInput,
  rollbackWatchPlan,
} from './rollback-status.ts';
import type { CanaryWatchRecord } from './types.ts';

const START = 1_700_000_000_000;
const T0 = START + 5_000; // the canary injected
const OBJECT = 'Rollout model-serving/penguin';

function planFor(options: { backend?: 'kubernetes' | 'local'; expect?: 'rollback' | 'none' } = {}) {
  const backend = options.backend ?? 'kubernetes';
  return planScenario(
    parseScenarioOrThrow(
      {
        name: 'k8s-canary',
        description: 'rollback judged from the Rollout status',
        target: { model: 'iris' },
        traffic: { stages: [{ kind: 'constant', rate: 10, duration: '60s' }] },
        faults: [
          {
            id: 'canary',
            kind: 'bad-canary',
            at: '5s',
            duration: '40s',
            weight: 20,
            errors: 0.05,
            backend,
            ...(backend === 'kubernetes'
              ? {
                  canary: {
                    kind: 'Rollout' as const,
                    namespace: 'model-serving',
                    name: 'penguin',
                    container: 'model-server',
                    versions: { v2: { image: 'registry.local/penguin:v2' } },
                  },
                }
              : {}),
          },
        ],
        expect: [
          {
            kind: 'rollback',
            after: 'canary',
            within: '20s',
            ...(options.expect ? { expect: options.expect } : {}),
          },
        ],
      } satisfies ScenarioInput,
      'rollback-status.test.ts',
    ),
  );
}

/** A watch as the executor journals it: from the injection, `toS` seconds long. */
function watch(partial: Partial<CanaryWatchRecord> & { toS: number }): CanaryWatchRecord {
  const { toS, ...rest } = partial;
  return {
    faultId: 'canary',
    object: OBJECT,
    fromAt: T0,
    toAt: T0 + toS * 1000,
    endedBy: 'deadline',
    rolledBackAt: null,
    observedAt: null,
    reads: 40,
    evidence: 'Rollout phase Paused, abort false, canary weight 20',
    blind: [],
    ...rest,
  };
}

const rolledBack = (atS: number): Partial<CanaryWatchRecord> & { toS: number } => ({
  toS: atS + 0.4,
  endedBy: 'rollback',
  rolledBackAt: T0 + atS * 1000,
  observedAt: T0 + atS * 1000 + 400,
  evidence: 'Rollout phase Degraded, abort true, abortedAt 2023-11-14T22:13:40Z, canary weight 0',
});

function input(
  watches: CanaryWatchRecord[],
  options: { expect?: 'rollback' | 'none'; landedAt?: number | null } = {},
): RollbackStatusJudgeInput {
  return {
    plan: planFor(options.expect ? { expect: options.expect } : {}),
    faults: [
      {
        id: 'canary',
        injectedAt: T0,
        landedAt: options.landedAt === undefined ? T0 + 600 : options.landedAt,
        notLandedReason: options.landedAt === null ? 'canary not at 20% after 5000ms' : null,
      },
    ],
    floors: [],
    canaryWatches: watches,
  };
}

const e = (want: 'rollback' | 'none' = 'rollback') =>
  ({ kind: 'rollback', after: 'canary', within: 20_000, expect: want }) as const;

describe('judgeRollbackFromStatus', () => {
  it.each([
    [
      'aborted in time',
      [watch(rolledBack(12))],
      'rollback',
      'passed',
      12_000,
      /rolled the canary back 12s after canary was injected, within the 20s budget: Rollout phase Degraded/,
    ],
    [
      'aborted late',
      [watch(rolledBack(26))],
      'rollback',
      'failed',
      26_000,
      /26s after canary was injected, 6s over the 20s budget/,
    ],
    [
      'held for the whole budget',
      [watch({ toS: 50 })],
      'rollback',
      'failed',
      null,
      /did not roll the canary back within 20s .*watched for 50s/,
    ],
    ['a false rollback of a good canary', [watch(rolledBack(9))], 'none', 'failed', 9000, /a false rollback/],
    [
      'a good canary held',
      [watch({ toS: 50 })],
      'none',
      'passed',
      null,
      /held the canary for the 20s budget/,
    ],
    [
      'a good canary rolled back after the budget',
      [watch(rolledBack(31))],
      'none',
      'passed',
      31_000,
      /rolled back later, 31s after/,
    ],
  ] as const)('%s', (_name, watches, want, verdict, measuredMs, detail) => {
    const result = judgeRollbackFromStatus(input([...watches], { expect: want }), 'r1', e(want));
    expect(result).toMatchObject({ verdict, measuredMs, budgetMs: 20_000, kind: 'rollback' });
    expect(result.detail).toMatch(detail);
    expect(result.subject).toContain(OBJECT);
  });

  it('unreadable status (RBAC 403 on every read) is inconclusive, with the reason and the fix', () => {
    const forbidden =
      'forbidden to read Rollout model-serving/penguin: rollouts.argoproj.io "penguin" is forbidden (grant firedrill get/patch on rollouts.argoproj.io …)';
    for (const want of ['rollback', 'none'] as const) {
      const result = judgeRollbackFromStatus(
        input(
          [
            watch({
              toS: 50,
              reads: 0,
              evidence: 'no status read yet',
              blind: [{ fromAt: T0, toAt: T0 + 50_000, reason: forbidden }],
            }),
          ],
          { expect: want },
        ),
        'r1',
        e(want),
      );
      expect(result.verdict).toBe('inconclusive');
      expect(result.detail).toBe(`the status of ${OBJECT} could not be read: ${forbidden}`);
    }
  });

  it('a blind span inside the budget hides a rollback: inconclusive; a rollback seen still decides', () => {
    const blind = [{ fromAt: T0 + 8000, toAt: T0 + 11_000, reason: 'Kubernetes API unreachable (read …)' }];
    const hidden = judgeRollbackFromStatus(input([watch({ toS: 50, blind })]), 'r1', e());
    expect(hidden).toMatchObject({ verdict: 'inconclusive' });
    expect(hidden.detail).toMatch(/could not be read for part of the budget \(Kubernetes API unreachable/);
    const seen = judgeRollbackFromStatus(input([watch({ ...rolledBack(14), blind })]), 'r1', e());
    expect(seen).toMatchObject({ verdict: 'passed', measuredMs: 14_000 });
  });

  it('a watch that stopped before the budget ran out cannot say "not rolled back"', () => {
    const reverted = judgeRollbackFromStatus(
      input([watch({ toS: 10, endedBy: 'fault-reverting' })]),
      'r1',
      e(),
    );
    expect(reverted).toMatchObject({ verdict: 'inconclusive' });
    expect(reverted.detail).toMatch(
      /firedrill reverted the canary 10s after the injection, before the 20s budget ran out \(give canary a duration of at least 20s\)/,
    );
    const interrupted = judgeRollbackFromStatus(
      input([watch({ toS: 3, endedBy: 'interrupted' })], { expect: 'none' }),
      'r1',
      e('none'),
    );
    expect(interrupted).toMatchObject({ verdict: 'inconclusive' });
    expect(interrupted.detail).toMatch(/interrupted 3s after the injection/);
  });

  it('no watch, or a canary that never landed, is inconclusive', () => {
    expect(judgeRollbackFromStatus(input([]), 'r1', e()).detail).toMatch(/was not watched/);
    const notLanded = judgeRollbackFromStatus(input([watch(rolledBack(3))], { landedAt: null }), 'r1', e());
    expect(notLanded).toMatchObject({ verdict: 'inconclusive' });
    expect(notLanded.detail).toBe('fault canary did not land: canary not at 20% after 5000ms');
  });

  it('a budget below the analysis floor fails whatever the watch saw', () => {
    const floor = analysisRollbackFloor(OBJECT, [
      {
        template: 'error-rate',
        metric: 'errors',
        intervalMs: 10_000,
        failureLimit: 3,
        initialDelayMs: 0,
        count: null,
      },
    ]);
    if ('unknown' in floor) throw new Error(floor.unknown);
    const result = judgeRollbackFromStatus({ ...input([watch(rolledBack(12))]), floors: [floor] }, 'r1', e());
    expect(result).toMatchObject({ verdict: 'failed', floorMs: 30_000 });
    expect(result.detail).toMatch(/budget 20s is below the rollback floor 30s \(AnalysisTemplate error-rate/);
  });
});

describe('judge dispatches rollback by the fault backend', () => {
  const base = {
    startedAt: START,
    endedAt: START + 60_000,
    alerts: [],
    floors: [],
    blind: [],
    phaseStats: {},
  };
  const fault = { id: 'canary', injectedAt: T0, landedAt: T0 + 600, notLandedReason: null, revertedAt: null };

  it('kubernetes: the status watch decides, and no Prometheus samples are needed', () => {
    const [result] = judge({
      ...base,
      plan: planFor(),
      faults: [fault],
      canaryWatches: [watch(rolledBack(12))],
    });
    expect(result).toMatchObject({ verdict: 'passed', measuredMs: 12_000, faultId: 'canary' });
  });

  it('local: the controller metrics decide, and a status watch is not read', () => {
    const [result] = judge({
      ...base,
      plan: planFor({ backend: 'local' }),
      faults: [fault],
      canaryWatches: [watch(rolledBack(12))],
    });
    expect(result).toMatchObject({ verdict: 'inconclusive', detail: 'the controller metrics were not read' });
  });
});

describe('rollbackWatchPlan', () => {
  it('watches a kubernetes canary for its longest budget plus the margin; none on local', () => {
    expect(rollbackWatchPlan(planFor())).toEqual([
      { faultId: 'canary', object: OBJECT, forMs: 20_000 + ROLLBACK_WATCH_MARGIN_MS },
    ]);
    expect(rollbackWatchPlan(planFor({ backend: 'local' }))).toEqual([]);
  });
});

describe('analysisRollbackFloor', () => {
  const metric = {
    template: 't',
    metric: 'm',
    intervalMs: 30_000,
    failureLimit: 2,
    initialDelayMs: 0,
    count: null,
  };

  it('is initialDelay + failureLimit × interval of the quickest metric that can fail', () => {
    const floor = analysisRollbackFloor(OBJECT, [
      { ...metric, metric: 'latency', intervalMs: 60_000 },
      { ...metric, metric: 'errors', initialDelayMs: 5000 },
    ]);
    expect(floor).toMatchObject({ alert: OBJECT, floorMs: 65_000, jitterMs: 31_000, measure: 'firing' });
    if ('unknown' in floor) throw new Error('unreachable');
    expect(floor.explanation).toMatch(/metric errors measures every 30s, fails at 3 failed \(failureLimit 2/);
  });

  it('says why when no metric can fail', () => {
    expect(analysisRollbackFloor(OBJECT, [{ ...metric, failureLimit: -1 }])).toEqual({
      unknown: 'no metric can fail: t/m has failureLimit -1 (never fails)',
    });
    expect(analysisRollbackFloor(OBJECT, [{ ...metric, count: 2 }])).toEqual({
      unknown: 'no metric can fail: t/m measures 2 times, fewer than the 3 failures that fail it',
    });
    expect(analysisRollbackFloor(OBJECT, [])).toEqual({ unknown: 'the analysis has no metrics' });
  });
});
