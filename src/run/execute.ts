import { type Clock, sleep } from '../core/clock.ts';
import { FiredrillError, formatError, isFiredrillError } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import type { ExpectedStepDrift } from '../drift/expected.ts';
import {
  type AlertmanagerClient,
  type AlertObservation,
  type BlindPeriod,
  type CanaryWatchRecord,
  evaluationStepMs,
  judgedFromStatus,
  latenessWarning,
  type PrometheusClient,
  type PrometheusScheduleReading,
  type PromqlSamples,
  promqlWindow,
  ROLLBACK_EXPR,
  readAlertsSeries,
  readPrometheusLateness,
  rollbackWindow,
  startAlertWatcher,
} from '../evaluate/index.ts';
import type { JournalSink } from '../journal/index.ts';
import type { Plan } from '../scenario/index.ts';
import type { EngineSummary, TrafficProgress, TrafficWindow } from '../traffic/index.ts';
import { type DriftReport, observeDrift } from './drift.ts';
import type { FaultTimeline } from './faults.ts';
import { alertNames } from './preflight.ts';

/** Live state, about once a second (the CLI draws a progress line from it). */
export interface RunProgress {
  elapsedMs: number;
  totalMs: number;
  phase: string;
  /** The scenario's workload model: open (offeredRate is the schedule's) or closed (inFlight ≈ active users). */
  model: 'open' | 'closed';
  /** Requests that fell due (open) or were started (closed) per second since the previous report. */
  offeredRate: number;
  achievedRate: number;
  /** Requests in flight at the report (closed model: one per active virtual user). */
  inFlight: number;
  p99Ms: number | null;
  faults: string[];
  pending: string[];
  firing: string[];
}

/**
 * A traffic engine already prepared (a thread, a k6 export): `run` starts the sends, and says when its
 * schedule began (`onStarted`, once): the run times its faults and phases from that moment, so a fault at
 * `at: 15s` lands at the schedule's 15 s however long the engine took to start.
 */
export interface TrafficSource {
  readonly engine: string;
  run(input: {
    signal: AbortSignal;
    /** Epoch ms the run asked for the traffic (the earliest the schedule can begin). */
    startAt: number;
    /** Once, with the epoch ms the schedule began at; not called when it never began (aborted, failed). */
    onStarted: (startedAt: number) => void;
    onWindow: (window: TrafficWindow) => void;
    onProgress: (progress: TrafficProgress) => void;
  }): Promise<{ summary: EngineSummary; warnings: string[] }>;
}

/** A process the run depends on: its exit during the run aborts it as an environment error. */
export interface WatchedComponent {
  name: string;
  exited: Promise<string>;
  logFile: string;
}

/**
 * The world `execute` runs in, every part acquired (and released) by the program that calls it: execute
 * starts no stack, opens no port, owns no folder and closes nothing it was given.
 */
export interface ExecuteEnv {
  /** The evaluator backend: alert watching, ALERTS samples, drift readings. */
  prometheus: PrometheusClient;
  /**
   * Alertmanager, when the stack has one: its readiness is watched too, so a notification nobody could send
   * is inconclusive, not missed.
   */
  alertmanager?: AlertmanagerClient | undefined;
  traffic: TrafficSource;
  /** The injectors, on the plan's fault timeline; execute reverts what it injected before it returns. */
  faults: FaultTimeline;
  journal: JournalSink;
  /** firedrill's own metrics (phase and per-window traffic). */
  metrics: { setPhase(phase: string): void; recordWindow(window: TrafficWindow): void };
  /** Components whose exit aborts the run (an embedded stack's processes); empty for an external stack. */
  components: readonly WatchedComponent[];
  /** Expected drift per payload step, computed before the run (compared with the monitor's readings). */
  expectedDrift: readonly ExpectedStepDrift[];
  clock: Clock;
  log: Logger;
  /** Aborted on Ctrl-C: traffic stops, faults are reverted, the execution says `interrupted`. */
  signal: AbortSignal;
  onProgress?: ((progress: RunProgress) => void) | undefined;
}

/** What happened, as data. Partial when the execution errored or was interrupted. */
export interface Execution {
  /** When the traffic started (epoch ms); the plan's offsets count from here. */
  startedAt: number;
  endedAt: number;
  observations: AlertObservation[];
  blind: BlindPeriod[];
  windows: TrafficWindow[];
  warnings: string[];
  traffic: EngineSummary | null;
  drift: DriftReport[];
  /** The range query of each `promql` expectation (journaled as `promql-samples`). */
  promql: PromqlSamples[];
  /** What each canary status watch saw (journaled as `canary-watch-ended`); see FaultTimeline. */
  canaryWatches: CanaryWatchRecord[];
  /**
   * Whether Prometheus kept its own schedule during the run (journaled as `prometheus-lateness`); absent
   * when the run did not get that far or Prometheus could not say.
   */
  prometheusLateness?: PrometheusScheduleReading;
  /** Faults whose revert failed: the system may still be faulted. */
  revertFailed: string[];
  interrupted: boolean;
  /** Set when the execution stopped on an error (never when it was interrupted). */
  error: FiredrillError | undefined;
}

/**
 * Stage 4: traffic, faults and alert watching on one clock, from the plan's start to its end (recovery
 * window included), then every injected fault reverted, exact ALERTS times and drift readings read back.
 * Never throws: an error or an interrupt ends it early and is part of the returned execution.
 */
export async function execute(plan: Plan, env: ExecuteEnv): Promise<Execution> {
  const { clock, journal, log, signal, metrics } = env;
  const observations: AlertObservation[] = [];
  const blind: BlindPeriod[] = [];
  const windows: TrafficWindow[] = [];
  const warnings: string[] = [];
  let traffic: EngineSummary | null = null;
  let drift: DriftReport[] = [];
  let prometheusLateness: PrometheusScheduleReading | undefined;
  let promql: PromqlSamples[] = [];
  let revertFailed: string[] = [];
  let interrupted = false;
  let error: FiredrillError | undefined;
  let startedAt = clock.now();

  const runAbort = new AbortController();
  const onAbort = () => {
    interrupted = true;
    runAbort.abort(signal.reason);
  };
  if (signal.aborted) onAbort();
  signal.addEventListener('abort', onAbort, { once: true });
  const crashWatch = watchComponents(env.components, runAbort, (crash) => {
    error = crash;
  });

  try {
    const watcher = startAlertWatcher({
      ...(env.alertmanager ? { alertmanager: env.alertmanager } : {}),
      client: env.prometheus,
      intervalMs: 250,
      now: clock.now,
      signal: runAbort.signal,
      onObservation: (observation) => {
        observations.push(observation);
        journal.append({ type: 'alert-observed', at: clock.now(), observation });
      },
      onBlind: (period) => {
        blind.push(period);
        journal.append({ type: 'backend-blind', at: clock.now(), ...period });
      },
    });

    const engine = env.traffic.engine;
    // The scenario's model, whichever engine carries it (the k6 export follows it too).
    const model = plan.scenario.traffic.model;
    // Until the engine says when its schedule began, the run's clock starts now (see onStarted below).
    startedAt = clock.now();
    log.info(
      `traffic: ${engine} (${model} model) for ${plan.trafficEndMs / 1000}s; run ends at +${plan.endMs / 1000}s`,
    );
    let lastProgress: Pick<RunProgress, 'offeredRate' | 'achievedRate' | 'inFlight' | 'p99Ms'> = {
      offeredRate: 0,
      achievedRate: 0,
      inFlight: 0,
      p99Ms: null,
    };
    metrics.setPhase('baseline');
    const progressTimer = setInterval(() => {
      const elapsedMs = clock.now() - startedAt;
      metrics.setPhase(phaseAt(plan, elapsedMs));
      env.onProgress?.({
        elapsedMs,
        totalMs: plan.endMs,
        phase: phaseAt(plan, elapsedMs),
        model,
        ...lastProgress,
        faults: env.faults.activeIds(),
        pending: activeAlerts(observations, 'pending'),
        firing: activeAlerts(observations, 'firing'),
      });
    }, 1000);

    try {
      let markStarted: (at: number) => void = () => {};
      const trafficStarted = new Promise<number>((resolve) => {
        markStarted = resolve;
      });
      const trafficDone = env.traffic.run({
        signal: runAbort.signal,
        startAt: startedAt,
        onStarted: (at) => markStarted(at),
        onWindow: (window) => {
          windows.push(window);
          journal.append({ type: 'traffic-window', at: clock.now(), window });
          metrics.recordWindow(window);
        },
        onProgress: (progress) => {
          lastProgress = progress;
        },
      });
      // The run's clock is the traffic's: faults, phases and the planned end count from the moment the
      // schedule began (a traffic thread starts a few hundred ms after it is asked to on a busy host), so a
      // fault at 15 s lands at the schedule's 15 s. Traffic that ends without beginning runs no fault.
      const faultsDone = Promise.race([
        trafficStarted,
        trafficDone.then(
          () => null,
          () => null,
        ),
      ]).then((at) => {
        if (at === null) return;
        startedAt = at;
        journal.append({ type: 'traffic-started', at, engine, model });
        return env.faults.run(at, runAbort.signal);
      });
      const [trafficResult, faultResult] = await Promise.allSettled([trafficDone, faultsDone]);
      if (trafficResult.status === 'fulfilled') {
        traffic = trafficResult.value.summary;
        journal.append({ type: 'traffic-summary', at: clock.now(), summary: traffic });
        warnings.push(...trafficResult.value.warnings);
      } else throw trafficResult.reason;
      if (faultResult.status === 'rejected' && !runAbort.signal.aborted) throw faultResult.reason;
      // Observe until the planned end (recovery window), unless interrupted.
      if (!runAbort.signal.aborted)
        await sleep(startedAt + plan.endMs - clock.now(), runAbort.signal).catch(() => {});
    } finally {
      clearInterval(progressTimer);
      signal.removeEventListener('abort', onAbort);
      crashWatch.stop();
      revertFailed = await env.faults.revertAll();
      await watcher.stop();
    }

    // Exact pending/firing times from the ALERTS series (the API only gives activeAt).
    const endedAt = clock.now();
    try {
      // Every loaded alert, not only the expected ones: unexpected alerts are findings too (the detection
      // matrix of a suite classifies them).
      const expected = alertNames(plan);
      const loaded = await env.prometheus.alertRuleNames().catch(() => expected);
      const samples = await readAlertsSeries(
        env.prometheus,
        [...new Set([...expected, ...loaded])],
        startedAt - 60_000,
        endedAt,
      );
      observations.push(...samples);
      const at = clock.now();
      for (const observation of samples) journal.append({ type: 'alert-observed', at, observation });
    } catch (failure) {
      warnings.push(`could not read ALERTS samples (${formatError(failure)}); firing times are poll times`);
    }
    promql = await readPromql(plan, env, startedAt);
    // Detection times assume Prometheus kept its schedule; say so when it did not.
    const late = await readPrometheusLateness(env.prometheus, startedAt, endedAt).then(
      (lateness) => {
        const warning = latenessWarning(lateness);
        prometheusLateness = { late: warning !== undefined, ...lateness };
        journal.append({ type: 'prometheus-lateness', at: clock.now(), reading: prometheusLateness });
        return warning;
      },
      (failure: unknown) => `could not read whether Prometheus kept its schedule (${formatError(failure)})`,
    );
    if (late) {
      warnings.push(late);
      log.warn(late);
    }
    drift = await observeDrift(env.prometheus, plan.scenario, env.expectedDrift, startedAt, warnings);
    if (drift.length > 0) journal.append({ type: 'drift-observed', at: clock.now(), reports: drift });
  } catch (failure) {
    if (!interrupted) {
      error = isFiredrillError(failure)
        ? failure
        : new FiredrillError('FD_INTERNAL', formatError(failure), { cause: failure });
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
    crashWatch.stop();
    // Every warning is a journal event, so the report rebuilt from the journal says what this one says.
    for (const message of warnings) journal.append({ type: 'warning', at: clock.now(), message });
  }
  return {
    startedAt,
    endedAt: clock.now(),
    observations,
    blind,
    windows,
    warnings,
    traffic,
    drift,
    promql,
    canaryWatches: [...env.faults.canaryWatches],
    ...(prometheusLateness ? { prometheusLateness } : {}),
    revertFailed,
    interrupted,
    error: interrupted ? undefined : error,
  };
}

/**
 * One range query per `promql` and `rollback` expectation over its window (cut at now when the run ended
 * first), at the rule evaluation step, each journaled before it is returned; a rollback judged from the
 * controller's status (kubernetes) has no query. Never throws: a failure is recorded as the reason.
 */
async function readPromql(plan: Plan, env: ExecuteEnv, startedAt: number): Promise<PromqlSamples[]> {
  const wanted = plan.expectations.flatMap(({ id, expectation }) =>
    expectation.kind === 'promql'
      ? [
          {
            id,
            expr: expectation.expr,
            window: promqlWindow(plan, expectation, startedAt, env.faults.records),
          },
        ]
      : expectation.kind === 'rollback' && !judgedFromStatus(plan, expectation.after)
        ? [
            {
              id,
              expr: ROLLBACK_EXPR,
              window: rollbackWindow(plan, expectation, startedAt, env.faults.records),
            },
          ]
        : [],
  );
  if (wanted.length === 0) return [];
  let stepMs: number | string;
  try {
    stepMs = await evaluationStepMs(env.prometheus);
  } catch (failure) {
    stepMs = `could not read the rule evaluation interval: ${formatError(failure)}`;
  }
  const out: PromqlSamples[] = [];
  for (const { id, expr, window } of wanted) {
    let samples: PromqlSamples;
    if (typeof stepMs === 'string') samples = { id, expr, error: stepMs };
    else if ('why' in window) samples = { id, expr, error: window.why };
    else {
      const endAt = Math.min(window.endAt, env.clock.now());
      if (endAt < window.startAt) samples = { id, expr, error: 'the run ended before its window began' };
      else
        try {
          const series = await env.prometheus.queryRange(expr, window.startAt, endAt, stepMs);
          samples = { id, expr, startAt: window.startAt, endAt, plannedEndAt: window.endAt, stepMs, series };
        } catch (failure) {
          samples = { id, expr, error: formatError(failure) };
        }
    }
    env.journal.append({ type: 'promql-samples', at: env.clock.now(), ...samples });
    out.push(samples);
  }
  return out;
}

/** Aborts the run when a component it depends on exits: a crash is an environment error, not a hang. */
function watchComponents(
  components: readonly WatchedComponent[],
  abort: AbortController,
  onCrash: (error: FiredrillError) => void,
): { stop(): void } {
  let stopped = false;
  for (const component of components) {
    void component.exited.then((how) => {
      if (stopped) return;
      onCrash(
        new FiredrillError('FD_STACK_CRASHED', `${component.name} exited (${how}) during the run`, {
          hint: `see ${component.logFile}`,
        }),
      );
      abort.abort(new Error(`${component.name} crashed`));
    });
  }
  return {
    stop: () => {
      stopped = true;
    },
  };
}

function phaseAt(plan: Plan, elapsedMs: number): string {
  if (elapsedMs >= plan.trafficEndMs) return 'observe';
  const active = plan.faults
    .filter((f) => elapsedMs >= f.startMs && elapsedMs < f.endMs)
    .map((f) => f.fault.id);
  if (active.length > 0) return `fault ${active.join('+')}`;
  const firstFault = plan.faults[0]?.startMs ?? Number.POSITIVE_INFINITY;
  return elapsedMs < firstFault ? 'baseline' : 'recovery';
}

/** Alert names whose latest observation per instance is `state`. */
function activeAlerts(observations: readonly AlertObservation[], state: 'pending' | 'firing'): string[] {
  const latest = new Map<string, AlertObservation>();
  for (const o of observations) {
    if (o.source !== 'api') continue;
    latest.set(`${o.name}${JSON.stringify(o.labels)}`, o);
  }
  return [...new Set([...latest.values()].filter((o) => o.state === state).map((o) => o.name))];
}
