import type { FiredrillError } from '../core/errors.ts';
import { assertNever } from '../core/errors.ts';
import {
  buildAlertRecords,
  type DetectionFloor,
  type DetectionPrediction,
  type ExpectationResult,
  judge,
  type Notification,
  predictFromTraffic,
  runVerdict,
  type WebhookTally,
  withPredictions,
} from '../evaluate/index.ts';
import type { FaultOutcome, RunOutcome, SecondStats, StageSpan } from '../report/index.ts';
import type { Plan, PreparedScenario } from '../scenario/index.ts';
import { summarizeWindows, type TrafficWindow } from '../traffic/index.ts';
import type { Execution } from './execute.ts';
import { phaseWindows } from './phases.ts';

/** Everything a run learnt, whatever stage it stopped at: the input of the judge stage. */
export interface RunFacts {
  runId: string;
  prepared: PreparedScenario;
  stack: RunOutcome['stack'];
  /** When the run folder was created (epoch ms): the run's start when it never got to send traffic. */
  createdAt: number;
  endedAt: number;
  floors: DetectionFloor[];
  /** Predicted detection times from preflight; absent when it made none (or the journal predates them). */
  predictions?: DetectionPrediction[];
  /** Preflight found a budget below its floor, so nothing was executed. */
  stoppedAtPreflight: boolean;
  /** Absent when the run stopped before execution (stack, preflight, readiness). */
  execution:
    | (Pick<Execution, 'startedAt' | 'observations' | 'blind' | 'windows' | 'traffic' | 'drift'> &
        Partial<Pick<Execution, 'promql' | 'canaryWatches' | 'prometheusLateness'>>)
    | undefined;
  notifications: readonly Notification[];
  faults: readonly FaultOutcome[];
  warnings: readonly string[];
  /** The error the run stopped on (any stage), if any. */
  error: FiredrillError | undefined;
  interrupted: boolean;
  revertFailed: readonly string[];
  /** What the webhook receiver accepted and refused; absent when the run never listened. */
  webhook?: WebhookTally | undefined;
}

/**
 * Stage 5 (pure): verdict per expectation, run verdict, exit code and the reason, as the outcome every
 * reporter reads. A run stopped at preflight judges the impossible budgets failed and the rest inconclusive
 * (not run); an errored run judges everything inconclusive (not judged).
 */
export function judgeRun(facts: RunFacts): RunOutcome {
  const { plan, scenario, file } = facts.prepared;
  const execution = facts.execution;
  const startedAt = execution?.startedAt ?? facts.createdAt;
  const endedAt = facts.endedAt;
  const { interrupted, error, revertFailed, floors } = facts;
  const alerts = buildAlertRecords(execution?.observations ?? [], [...facts.notifications]);
  const windows = execution?.windows ?? [];
  const faults = [...facts.faults];
  const phaseStats = Object.fromEntries(
    plan.phases.map((phase) => [
      phase.name,
      summarizeWindows(phaseWindows(windows, phase, startedAt, faults)),
    ]),
  );
  const runError = interrupted ? undefined : error;
  const notRun = () =>
    judge({ plan, startedAt, endedAt: startedAt, faults: [], alerts: [], floors, blind: [], phaseStats: {} });
  let results: ExpectationResult[];
  if (facts.stoppedAtPreflight) {
    results = notRun().map((result) =>
      result.verdict === 'failed'
        ? result
        : {
            ...result,
            verdict: 'inconclusive' as const,
            detail: `not run: ${scenario.name} stopped at preflight (a budget below its floor)`,
          },
    );
  } else if (runError) {
    results = judge({
      plan,
      startedAt,
      endedAt,
      faults: [],
      alerts: [],
      floors,
      blind: [],
      phaseStats: {},
    }).map((result) => ({
      ...result,
      verdict: 'inconclusive' as const,
      measuredMs: null,
      detail: `not judged: the run errored (${runError.message.split('\n')[0]})`,
    }));
  } else {
    results = judge({
      plan,
      startedAt,
      endedAt,
      faults: faults.map((f) => ({
        id: f.id,
        injectedAt: f.injectedAt,
        landedAt: f.landedAt,
        notLandedReason: f.notLandedReason,
        revertingAt: f.revertingAt,
        revertedAt: f.revertedAt,
      })),
      alerts,
      floors,
      blind: execution?.blind ?? [],
      phaseStats,
      trafficWindows: windows,
      promql: execution?.promql ?? [],
      canaryWatches: execution?.canaryWatches ?? [],
    });
  }
  const predictions = facts.predictions ?? [];
  // The same arithmetic over the traffic as sent, for the faults that were injected.
  const asSent = new Map<string, number | null>();
  for (const prediction of predictions) {
    const fault = faults.find((f) => f.id === prediction.faultId);
    if (!execution || !fault || fault.injectedAt === null || runError) continue;
    const replayed = predictFromTraffic(prediction, windows, startedAt, fault.injectedAt);
    if (replayed !== undefined) asSent.set(prediction.expectationId, replayed);
  }
  results = withPredictions(results, predictions, asSent);
  const { verdict, exitCode } = runVerdict(results, {
    interrupted,
    revertFailed: revertFailed.length > 0,
    errored: runError !== undefined,
    errorExitCode: runError?.exitCode,
  });
  return {
    runId: facts.runId,
    scenario: { name: scenario.name, description: scenario.description, file },
    startedAt,
    endedAt,
    verdict,
    exitCode,
    ...(error ? { reason: error.hint ? `${error.message} (${error.hint})` : error.message } : {}),
    ...(interrupted ? { reason: 'interrupted (Ctrl-C); every fault was reverted' } : {}),
    ...(revertFailed.length > 0
      ? { reason: `could not revert ${revertFailed.join(', ')}: the system may still be faulted` }
      : {}),
    stack: facts.stack,
    faults,
    alerts,
    floors,
    predictions,
    expectations: results,
    traffic: execution?.traffic ?? null,
    phases: Object.fromEntries(Object.entries(phaseStats).filter(([, stats]) => stats.windows > 0)),
    blind: execution?.blind ?? [],
    warnings: [...facts.warnings],
    drift: execution?.drift ?? [],
    stages: execution ? stageSpans(plan, startedAt) : [],
    seconds: secondStats(windows),
    ...(facts.webhook ? { webhook: facts.webhook } : {}),
    ...(execution?.canaryWatches && execution.canaryWatches.length > 0
      ? { canaryWatches: [...execution.canaryWatches] }
      : {}),
    ...(execution?.prometheusLateness ? { prometheusLateness: execution.prometheusLateness } : {}),
  };
}

/** The plan's traffic stages on the run's clock, with the rate each offers at its start and end. */
export function stageSpans(plan: Plan, startedAt: number): StageSpan[] {
  return plan.stages.map(({ name, stage, startMs, endMs }) => {
    let rate: [number | null, number | null];
    switch (stage.kind) {
      case 'constant':
        rate = [stage.rate, stage.rate];
        break;
      case 'ramp':
        rate = [stage.from, stage.to];
        break;
      case 'concurrency':
      case 'concurrency-ramp':
        rate = [null, null];
        break;
      default:
        return assertNever(stage, 'stage kind');
    }
    return {
      name,
      kind: stage.kind,
      startAt: startedAt + startMs,
      endAt: startedAt + endMs,
      rateFrom: rate[0],
      rateTo: rate[1],
    };
  });
}

/** One entry per traffic window, in time order: offered and achieved counts, error ratio, ok p50/p99. */
export function secondStats(windows: readonly TrafficWindow[]): SecondStats[] {
  return [...windows]
    .sort((a, b) => a.startAt - b.startAt)
    .map((window) => {
      const stats = summarizeWindows([window]);
      const answered = stats.latencyMs.count > 0;
      return {
        startAt: window.startAt,
        intended: window.intended,
        sent: stats.sent,
        completed: stats.completed,
        errors: stats.errors,
        errorRatio: stats.errorRatio,
        late: stats.late,
        dropped: stats.dropped,
        p50Ms: answered ? stats.latencyMs.p50 : null,
        p99Ms: answered ? stats.latencyMs.p99 : null,
      };
    });
}
