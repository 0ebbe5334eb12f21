import { formatDuration } from '../core/duration.ts';
import type { Plan } from '../scenario/plan.ts';
import { type RollbackExpectation, type RollbackFaultOutcome, settleRollback } from './rollback.ts';
import type {
  AnalysisMetricSettings,
  CanaryWatchRecord,
  DetectionFloor,
  ExpectationResult,
} from './types.ts';

/**
 * `rollback` expectations judged from the rollout controller's own status (Argo Rollouts, KServe on the
 * kubernetes backend): the executor watches the canary object from the fault's injection and journals what
 * it saw (`CanaryWatchRecord`); the judge here reads only those records. The local backend's controller is
 * read from Prometheus instead (rollback.ts).
 */

/** How long a watch runs past the longest budget after its fault, so a late rollback is measured as late. */
export const ROLLBACK_WATCH_MARGIN_MS = 30_000;

type PlannedFaultOf = Plan['faults'][number]['fault'];

/** "Rollout model-serving/penguin" for a bad-canary fault with a canary target (kubernetes), else undefined. */
export function canaryObjectOf(fault: PlannedFaultOf): string | undefined {
  if (fault.kind !== 'bad-canary' || fault.canary === undefined) return undefined;
  return `${fault.canary.kind} ${fault.canary.namespace}/${fault.canary.name}`;
}

/** Pure: whether a rollback after `faultId` is judged from the controller's status (a kubernetes fault). */
export function judgedFromStatus(plan: Plan, faultId: string): boolean {
  const fault = plan.faults.find((f) => f.fault.id === faultId)?.fault;
  return fault?.backend === 'kubernetes' && canaryObjectOf(fault) !== undefined;
}

/** The floor subject (DetectionFloor.alert) of a status-judged rollback: the object watched. */
export function statusFloorSubject(plan: Plan, faultId: string): string | undefined {
  const fault = plan.faults.find((f) => f.fault.id === faultId)?.fault;
  return fault ? canaryObjectOf(fault) : undefined;
}

export interface RollbackWatchPlan {
  faultId: string;
  object: string;
  /** From the injection: the longest budget of the rollback expectations after the fault, plus the margin. */
  forMs: number;
}

/** Pure: the canary watches a run needs, one per status-judged fault that a rollback expectation follows. */
export function rollbackWatchPlan(plan: Plan): RollbackWatchPlan[] {
  const byFault = new Map<string, RollbackWatchPlan>();
  for (const { expectation } of plan.expectations) {
    if (expectation.kind !== 'rollback' || !judgedFromStatus(plan, expectation.after)) continue;
    const forMs = expectation.within + ROLLBACK_WATCH_MARGIN_MS;
    const known = byFault.get(expectation.after);
    if (known) known.forMs = Math.max(known.forMs, forMs);
    else {
      const object = statusFloorSubject(plan, expectation.after) as string;
      byFault.set(expectation.after, { faultId: expectation.after, object, forMs });
    }
  }
  return [...byFault.values()];
}

const fmt = formatDuration;

/**
 * Pure: the earliest rollback an Argo Rollouts analysis can make, as a floor. A metric fails at its
 * (failureLimit + 1)-th failed measurement, the first taken `initialDelay` after the analysis starts, so at
 * best initialDelay + failureLimit × interval; the analysis aborts the rollout at its first failed metric
 * (the lowest of them). The analysis starts only once the canary's pods are ready, which the floor does not
 * count (it is a lower bound). Jitter: one measurement interval (a measurement can come at any point of the
 * error's onset) and a second (status times are whole seconds). A reason instead when no metric can fail.
 */
export function analysisRollbackFloor(
  subject: string,
  metrics: readonly AnalysisMetricSettings[],
): DetectionFloor | { unknown: string } {
  let best: { ms: number; metric: AnalysisMetricSettings } | undefined;
  const cannot: string[] = [];
  for (const metric of metrics) {
    const name = `${metric.template}/${metric.metric}`;
    if (metric.failureLimit < 0) {
      cannot.push(`${name} has failureLimit ${metric.failureLimit} (never fails)`);
      continue;
    }
    const needed = metric.failureLimit + 1;
    if (metric.count !== null && metric.count < needed) {
      cannot.push(`${name} measures ${metric.count} times, fewer than the ${needed} failures that fail it`);
      continue;
    }
    if (metric.intervalMs === null && needed > 1) {
      cannot.push(`${name} measures once, fewer than the ${needed} failures that fail it`);
      continue;
    }
    const ms = metric.initialDelayMs + metric.failureLimit * (metric.intervalMs ?? 0);
    if (!best || ms < best.ms) best = { ms, metric };
  }
  if (!best) {
    return {
      unknown:
        metrics.length === 0 ? 'the analysis has no metrics' : `no metric can fail: ${cannot.join('; ')}`,
    };
  }
  const m = best.metric;
  const every = m.intervalMs === null ? 'measures once' : `measures every ${fmt(m.intervalMs)}`;
  return {
    alert: subject,
    floorMs: best.ms,
    jitterMs: (m.intervalMs ?? 0) + 1000,
    explanation: `AnalysisTemplate ${m.template}, metric ${m.metric} ${every}, fails at ${m.failureLimit + 1} failed (failureLimit ${m.failureLimit}: ${m.failureLimit} × ${fmt(m.intervalMs ?? 0)} after the first), initialDelay ${fmt(m.initialDelayMs)}; the analysis starts once the canary's pods are ready (not counted)`,
    measure: 'firing',
  };
}

export interface RollbackStatusJudgeInput {
  plan: Plan;
  faults: ReadonlyArray<RollbackFaultOutcome>;
  floors: readonly DetectionFloor[];
  canaryWatches?: readonly CanaryWatchRecord[] | undefined;
}

/**
 * Pure. `rollback`: passed when the watch saw the canary rolled back within `within` of the injection;
 * failed when later, or when the watch saw it held for the whole budget. `none`: failed on a rollback within
 * the budget (a false rollback); passed when watched for the whole budget with none. Inconclusive when the
 * fault did not land, when the status was never read (RBAC, the API) or not for part of the budget, or when
 * the watch stopped before the budget ran out (the fault's own revert, the run's end, Ctrl-C). An impossible
 * budget (below the analysis floor) fails a `rollback` whatever happened.
 */
export function judgeRollbackFromStatus(
  input: RollbackStatusJudgeInput,
  id: string,
  e: RollbackExpectation,
): ExpectationResult {
  const object = statusFloorSubject(input.plan, e.after) ?? `${e.after}'s canary`;
  const floor = input.floors.find((f) => f.alert === object);
  const settled = settleRollback(id, e, input.faults, floor, `${e.after}'s canary (${object})`);
  if ('result' in settled) return settled.result;
  const { base, floorText, fault, wantRollback } = settled;
  const watch = input.canaryWatches?.find((w) => w.faultId === e.after);
  if (!watch) {
    return {
      ...base,
      verdict: 'inconclusive',
      detail: `the status of ${object} was not watched (the run stopped before the watch recorded anything)`,
    };
  }
  const t0 = fault.injectedAt;
  const deadline = t0 + e.within;
  const rolledBackAt = watch.rolledBackAt;
  const measuredMs = rolledBackAt === null ? null : Math.max(0, rolledBackAt - t0);
  if (rolledBackAt !== null && measuredMs !== null) {
    const inTime = rolledBackAt <= deadline;
    if (wantRollback) {
      return inTime
        ? {
            ...base,
            verdict: 'passed',
            measuredMs,
            detail: `${object} rolled the canary back ${fmt(measuredMs)} after ${e.after} was injected, within the ${fmt(e.within)} budget: ${watch.evidence}${floorText}`,
          }
        : {
            ...base,
            verdict: 'failed',
            measuredMs,
            detail: `${object} rolled the canary back ${fmt(measuredMs)} after ${e.after} was injected, ${fmt(measuredMs - e.within)} over the ${fmt(e.within)} budget: ${watch.evidence}${floorText}`,
          };
    }
    if (inTime) {
      return {
        ...base,
        verdict: 'failed',
        measuredMs,
        detail: `${object} rolled back a canary that should have been promoted, ${fmt(measuredMs)} after ${e.after} was injected (a false rollback): ${watch.evidence}`,
      };
    }
  }
  const firstBlind = watch.blind[0];
  if (watch.reads === 0) {
    return {
      ...base,
      verdict: 'inconclusive',
      detail: `the status of ${object} could not be read: ${firstBlind?.reason ?? 'no read was made'}`,
    };
  }
  const coveredTo = Math.min(deadline, watch.toAt);
  const blind = watch.blind.find((b) => b.fromAt <= coveredTo && b.toAt >= t0);
  if (rolledBackAt === null && blind) {
    return {
      ...base,
      verdict: 'inconclusive',
      detail: `no rollback was seen, but the status of ${object} could not be read for part of the budget (${blind.reason}): cannot tell`,
    };
  }
  if (rolledBackAt === null && watch.toAt < deadline) {
    const why =
      watch.endedBy === 'fault-reverting'
        ? `firedrill reverted the canary ${fmt(watch.toAt - t0)} after the injection, before the ${fmt(e.within)} budget ran out (give ${e.after} a duration of at least ${fmt(e.within)})`
        : watch.endedBy === 'interrupted'
          ? `the run was interrupted ${fmt(watch.toAt - t0)} after the injection, before the ${fmt(e.within)} budget ran out`
          : `the run ended ${fmt(watch.toAt - t0)} after the injection, before the ${fmt(e.within)} budget ran out`;
    return { ...base, verdict: 'inconclusive', detail: `no rollback was seen, but ${why}` };
  }
  if (wantRollback) {
    return {
      ...base,
      verdict: 'failed',
      detail: `${object} did not roll the canary back within ${fmt(e.within)} of ${e.after}'s injection (watched for ${fmt(watch.toAt - t0)}; last status: ${watch.evidence})${floorText}`,
    };
  }
  const later = measuredMs !== null ? ` (it rolled back later, ${fmt(measuredMs)} after the injection)` : '';
  return {
    ...base,
    verdict: 'passed',
    measuredMs,
    detail: `${object} held the canary for the ${fmt(e.within)} budget after ${e.after} was injected and did not roll it back${later}`,
  };
}
