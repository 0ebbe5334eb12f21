import { formatDuration } from '../core/duration.ts';
import type { Plan } from '../scenario/plan.ts';
import type { Expectation } from '../scenario/schema.ts';
import type { BlindPeriod, DetectionFloor, ExpectationResult, PromqlSamples } from './types.ts';

/**
 * `rollback` expectations, judged from the rollout controller's own metrics (fixtures/rollout/):
 * `rollout_canary_weight` (percent on the canary) and `rollout_phase{phase="aborted"}`. The canary is rolled
 * back at the first evaluation step where its weight is 0 AND the rollout is aborted: a weight of 0 from the
 * fault's own revert (v1 restored, phase stable) is not a rollback.
 */

export type RollbackExpectation = Extract<Expectation, { kind: 'rollback' }>;

/** The range query a rollback expectation reads: both controller series, told apart by `__name__`. */
export const ROLLBACK_EXPR = '{__name__=~"rollout_canary_weight|rollout_phase"}';

/** The controller's settings, as it exports them (instant queries at preflight). */
export const ROLLBACK_SETTINGS = {
  interval: 'max(rollout_analysis_interval_seconds)',
  failureLimit: 'max(rollout_analysis_failure_limit)',
} as const;

/** The `alert` field of a rollback's DetectionFloor: the metric whose 0 is measured. */
export const ROLLBACK_FLOOR_SUBJECT = 'rollout_canary_weight';

/**
 * Pure: the earliest rollback after a bad canary lands, as a floor like the alert floors (a true lower bound,
 * the phases of scrape and evaluation being jitter): the first failing check can come at once, then
 * failureLimit − 1 more checks `intervalMs` apart. Jitter: one check interval (where the first failing check
 * falls), the scrape and evaluation that put the canary's errors in the recorded analysis series, and the
 * scrape that shows the weight of 0.
 */
export function rollbackFloor(
  intervalMs: number,
  failureLimit: number,
  scrapeMs: number,
  evaluationMs: number,
): DetectionFloor {
  const fmt = formatDuration;
  return {
    alert: ROLLBACK_FLOOR_SUBJECT,
    floorMs: Math.max(0, failureLimit - 1) * intervalMs,
    jitterMs: intervalMs + 2 * scrapeMs + evaluationMs,
    explanation: `controller checks every ${fmt(intervalMs)}, aborts after ${failureLimit} failed in a row (${failureLimit - 1} × ${fmt(intervalMs)} after the first); scrape ${fmt(scrapeMs)}, eval ${fmt(evaluationMs)}`,
    measure: 'firing',
  };
}

/**
 * Pure: the span the range query reads, from the fault's injection to the end of observation (so a late
 * rollback is measured, not only missed). Null with the reason when the fault was never injected.
 */
export function rollbackWindow(
  plan: Plan,
  e: RollbackExpectation,
  startedAt: number,
  faults: ReadonlyArray<{ id: string; injectedAt: number | null }>,
): { startAt: number; endAt: number } | { why: string } {
  const injectedAt = faults.find((f) => f.id === e.after)?.injectedAt ?? null;
  if (injectedAt === null)
    return { why: `fault ${e.after} was never injected, so there is no clock to start` };
  return { startAt: injectedAt, endAt: Math.max(injectedAt, startedAt + plan.endMs) };
}

/** What a rollback judge needs of each fault's outcome. */
export interface RollbackFaultOutcome {
  id: string;
  injectedAt: number | null;
  landedAt: number | null;
  notLandedReason: string | null;
}

export interface RollbackJudgeInput {
  faults: ReadonlyArray<RollbackFaultOutcome>;
  floors: readonly DetectionFloor[];
  blind: readonly BlindPeriod[];
  promql?: readonly PromqlSamples[] | undefined;
}

/** Per evaluation step: the canary weight and whether the rollout was aborted (null: no sample). */
interface Step {
  at: number;
  weight: number | null;
  aborted: boolean | null;
}

function stepsOf(record: Extract<PromqlSamples, { series: unknown }>): Step[] {
  const byTime = new Map<number, Step>();
  const at = (t: number) => {
    let step = byTime.get(t);
    if (!step) {
      step = { at: t, weight: null, aborted: null };
      byTime.set(t, step);
    }
    return step;
  };
  for (const series of record.series) {
    const name = series.metric.__name__;
    for (const [t, text] of series.points) {
      const value = Number(text);
      if (name === 'rollout_canary_weight') at(t).weight = value;
      else if (name === 'rollout_phase' && series.metric.phase === 'aborted') at(t).aborted = value === 1;
    }
  }
  return [...byTime.values()].sort((a, b) => a.at - b.at);
}

const fmt = formatDuration;

type RollbackBase = Pick<
  ExpectationResult,
  'id' | 'kind' | 'subject' | 'budgetMs' | 'floorMs' | 'measuredMs'
>;

/**
 * What both rollback judges (controller metrics here, object status in rollback-status.ts) settle before
 * reading any evidence: an impossible budget (below the floor) fails a `rollback` whatever happened; a fault
 * that was not injected or did not land leaves it inconclusive. Otherwise the result's common fields, the
 * floor's words and the landed fault (with its injection time). Pure.
 */
export function settleRollback(
  id: string,
  e: RollbackExpectation,
  faults: ReadonlyArray<RollbackFaultOutcome>,
  floor: DetectionFloor | undefined,
  canary: string,
):
  | { result: ExpectationResult }
  | {
      base: RollbackBase;
      floorText: string;
      fault: RollbackFaultOutcome & { injectedAt: number; landedAt: number };
      wantRollback: boolean;
    } {
  const wantRollback = e.expect === 'rollback';
  const base: RollbackBase = {
    id,
    kind: 'rollback',
    subject: `${wantRollback ? 'rollback' : 'no rollback'} of ${canary}`,
    budgetMs: e.within,
    floorMs: floor?.floorMs ?? null,
    measuredMs: null,
  };
  const floorText = floor ? ` (floor ${fmt(floor.floorMs)}: ${floor.explanation})` : '';
  if (wantRollback && floor && e.within < floor.floorMs) {
    return {
      result: {
        ...base,
        verdict: 'failed',
        detail: `budget ${fmt(e.within)} is below the rollback floor ${fmt(floor.floorMs)} (${floor.explanation}): it cannot pass`,
      },
    };
  }
  const fault = faults.find((f) => f.id === e.after);
  if (!fault || fault.injectedAt === null) {
    const reason = fault?.notLandedReason ? `: ${fault.notLandedReason}` : '';
    return {
      result: { ...base, verdict: 'inconclusive', detail: `fault ${e.after} was not injected${reason}` },
    };
  }
  if (fault.landedAt === null) {
    return {
      result: {
        ...base,
        verdict: 'inconclusive',
        detail: `fault ${e.after} did not land: ${fault.notLandedReason ?? 'its effect was never confirmed'}`,
      },
    };
  }
  return {
    base,
    floorText,
    fault: { ...fault, injectedAt: fault.injectedAt, landedAt: fault.landedAt },
    wantRollback,
  };
}
/**
 * Pure. `rollback`: passed when the weight is 0 with the rollout aborted at a step within `within` of the
 * injection; failed when that came later or never (the window having run past the budget); inconclusive when
 * Prometheus was blind in the budget or the run ended before it. `none`: failed at the first aborted step in
 * the budget; passed when the controller showed the canary's weight above 0 and never aborted; inconclusive
 * when it never saw the canary (no weight above 0), or could not be read. An impossible budget (below the
 * floor) fails a `rollback` whatever happened.
 */
export function judgeRollback(
  input: RollbackJudgeInput,
  id: string,
  e: RollbackExpectation,
): ExpectationResult {
  const floor = input.floors.find((f) => f.alert === ROLLBACK_FLOOR_SUBJECT);
  const settled = settleRollback(id, e, input.faults, floor, `${e.after}'s canary`);
  if ('result' in settled) return settled.result;
  const { base, floorText, fault, wantRollback } = settled;
  const record = input.promql?.find((r) => r.id === id);
  if (!record) return { ...base, verdict: 'inconclusive', detail: 'the controller metrics were not read' };
  if ('error' in record) {
    return {
      ...base,
      verdict: 'inconclusive',
      detail: `the controller metrics could not be read: ${record.error}`,
    };
  }
  const t0 = fault.injectedAt;
  const deadline = t0 + e.within;
  const steps = stepsOf(record);
  const rolledBack = steps.find((s) => s.at >= t0 && s.weight === 0 && s.aborted === true);
  const sawCanary = steps.some((s) => s.at >= t0 && s.at <= deadline && (s.weight ?? 0) > 0);
  const blind = input.blind.filter((b) => b.backend === 'prometheus' && b.fromAt <= deadline && b.toAt >= t0);
  const blindText = blind[0]
    ? `, but Prometheus could not be read for part of the budget (${blind[0].reason})`
    : '';
  const measuredMs = rolledBack ? rolledBack.at - t0 : null;

  if (wantRollback) {
    if (rolledBack && rolledBack.at <= deadline) {
      return {
        ...base,
        verdict: 'passed',
        measuredMs,
        detail: `the controller aborted the rollout and the canary's weight was 0 ${fmt(measuredMs as number)} after ${e.after} was injected, within the ${fmt(e.within)} budget${floorText}`,
      };
    }
    if (rolledBack) {
      return {
        ...base,
        verdict: 'failed',
        measuredMs,
        detail: `the canary was rolled back ${fmt(measuredMs as number)} after ${e.after} was injected, ${fmt((measuredMs as number) - e.within)} over the ${fmt(e.within)} budget${floorText}`,
      };
    }
    if (blind.length > 0)
      return { ...base, verdict: 'inconclusive', detail: `no rollback was seen${blindText}: cannot tell` };
    if (record.endAt < deadline) {
      return {
        ...base,
        verdict: 'inconclusive',
        detail: `no rollback by the end of the run, ${fmt(record.endAt - t0)} after ${e.after} was injected, before the ${fmt(e.within)} budget ran out`,
      };
    }
    return {
      ...base,
      verdict: 'failed',
      detail: `the canary was not rolled back within ${fmt(e.within)} of ${e.after}'s injection${sawCanary ? '' : ' (the controller never showed its weight above 0)'}${floorText}`,
    };
  }

  if (rolledBack && rolledBack.at <= deadline) {
    return {
      ...base,
      verdict: 'failed',
      measuredMs,
      detail: `the controller rolled back a canary that should have been promoted, ${fmt(measuredMs as number)} after ${e.after} was injected (a false rollback)`,
    };
  }
  if (!sawCanary) {
    return {
      ...base,
      verdict: 'inconclusive',
      detail: `the controller never showed the canary's weight above 0 within ${fmt(e.within)} of ${e.after}'s injection: it did not analyse it`,
    };
  }
  if (blind.length > 0 || record.endAt < deadline) {
    const why = blind.length > 0 ? blindText.slice(2) : 'the run ended before the budget ran out';
    return { ...base, verdict: 'inconclusive', detail: `no rollback was seen, ${why}` };
  }
  return {
    ...base,
    verdict: 'passed',
    detail: `the controller analysed the canary for ${fmt(e.within)} after ${e.after} was injected and did not roll it back`,
  };
}
