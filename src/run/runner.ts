import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { modelServerProbe } from '../../chaos/index.ts';
import { type Clock, isoTime, sleep, systemClock } from '../core/clock.ts';
import { ExitCode, FiredrillError, formatError, isFiredrillError } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import { createScope } from '../core/scope.ts';
import { expectedDriftForScenario } from '../drift/expected.ts';
import {
  type AlertObservation,
  type BlindPeriod,
  buildAlertRecords,
  createPrometheusClient,
  type DetectionFloor,
  type ExpectationResult,
  judge,
  type Notification,
  readAlertsSeries,
  runVerdict,
  startAlertWatcher,
  startWebhookReceiver,
} from '../evaluate/index.ts';
import { FileJournal } from '../journal/index.ts';
import { exportK6, runK6Engine } from '../k6/index.ts';
import { kserveV2Body, loadPayloadReference, loadReferenceRows } from '../payload/index.ts';
import type { RunOutcome } from '../report/index.ts';
import { updateLatestLink, writeReports } from '../report/index.ts';
import type { FaultBackend, Plan, PreparedScenario, Scenario } from '../scenario/index.ts';
import { type EmbeddedStack, projectRoot } from '../stack/index.ts';
import { type EngineSummary, summarizeWindows, type TrafficWindow } from '../traffic/index.ts';
import { type DriftReport, observeDrift } from './drift.ts';
import { connectStack, type StackFlags } from './endpoints.ts';
import { type FaultRecord, FaultTimeline } from './faults.ts';
import { phaseWindows } from './phases.ts';
import { alertNames, preflight, waitReady, waitScraped } from './preflight.ts';
import { prepare } from './prepare.ts';
import { startSelfMetrics } from './self-metrics.ts';
import { prepareTraffic } from './traffic-setup.ts';
import { startTrafficThread } from './traffic-thread.ts';

export interface RunOptions extends StackFlags {
  scenarioFile: string;
  /** The load engine: firedrill's open-model engine (default), or a local `k6` binary. */
  engine?: 'firedrill' | 'k6' | undefined;
  /** Run every fault on this backend instead of the scenario's. */
  backend?: FaultBackend | undefined;
  /** Kubernetes namespaces faults may target. */
  allowedNamespaces?: readonly string[];
  /** Address the webhook receiver and self metrics listen on (default 127.0.0.1). */
  listenHost?: string | undefined;
  /** Reports root; the run writes `<reportsDir>/<runId>/` and points `<reportsDir>/latest` at it. */
  reportsDir: string;
  allowHosts?: readonly string[];
  log: Logger;
  /** Aborted on Ctrl-C: traffic stops, faults are reverted, the report says "aborted". */
  signal: AbortSignal;
  clock?: Clock;
  /** Called about once a second with the live state (the CLI draws a progress line from it). */
  onProgress?: (progress: RunProgress) => void;
  /** Write `requests.ndjson` (one line per request with its timestamps) in the run folder. */
  requestLog?: boolean | undefined;
}

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

export interface RunResult {
  outcome: RunOutcome;
  reportDir: string;
  exitCode: number;
}

function runIdFor(scenario: Scenario, startedAt: number): string {
  return `${isoTime(startedAt).replace(/[:.]/g, '-').replace('T', '_').slice(0, 19)}_${scenario.name}`;
}

/**
 * One game day: load → plan → connect/start the stack → preflight → traffic + faults + alert watching
 * on one clock → revert → observe → judge → report. The only function here with side effects on the
 * world; planning, judging and reporting are pure.
 */
export async function runGameDay(options: RunOptions): Promise<RunResult> {
  const clock = options.clock ?? systemClock();
  const { log, signal } = options;
  const prepared = await prepare(options.scenarioFile, { backend: options.backend });
  const { scenario, plan } = prepared;
  // The reference dataset is read (and every problem in it reported) before anything starts.
  const reference = await loadPayloadReference(scenario);
  // Refuses impossible traffic (a malformed trace, a cap the rate cannot fit in) before anything starts; the
  // traffic thread prepares its own copy.
  prepareTraffic(scenario, options.scenarioFile);
  const expectedDrift = expectedDriftForScenario(scenario, reference);
  const createdAt = clock.now();
  const runId = runIdFor(scenario, createdAt);
  const reportsDir = resolve(options.reportsDir);
  const runDir = join(reportsDir, runId);
  await mkdir(runDir, { recursive: true });
  const journal = new FileJournal(join(runDir, 'events.ndjson'));
  // `reports/latest` points at the run from its start, so `tail -f reports/latest/events.ndjson` follows it.
  await updateLatestLink(reportsDir, runDir);
  journal.append({
    type: 'run-started',
    at: createdAt,
    runId,
    scenario: scenario.name,
    scenarioFile: options.scenarioFile,
    planEndMs: plan.endMs,
  });

  const observations: AlertObservation[] = [];
  const notifications: Notification[] = [];
  const blind: BlindPeriod[] = [];
  const windows: TrafficWindow[] = [];
  const warnings: string[] = [];
  let floors: DetectionFloor[] = [];
  let drift: DriftReport[] = [];
  let traffic: EngineSummary | null = null;
  let startedAt = createdAt;
  let faultTimeline: FaultTimeline | undefined;
  let preflightResults: ExpectationResult[] | undefined;
  let errored: FiredrillError | undefined;
  let interrupted = false;
  let revertFailed: string[] = [];
  let endpoints = { prometheus: '', alertmanager: '', target: '', embedded: false };
  // Every resource is registered here the moment it is acquired and released in reverse order on every
  // path (error, Ctrl-C, a port already in use): the stack first in, last out; faults last in, first out.
  const scope = createScope();
  let ownedComponents: EmbeddedStack['components'] = [];

  try {
    const connected = await connectStack({
      ...options,
      allowHosts: options.allowHosts ?? [],
      scenarioTarget: scenario.target.url,
      runDir,
      log,
    }).catch((error: unknown) => {
      throw isFiredrillError(error)
        ? error
        : new FiredrillError('FD_STACK_START', formatError(error), { cause: error });
    });
    if (connected.owned) {
      const owned = scope.add('embedded stack', connected.owned, (stack) => stack.stop());
      ownedComponents = owned.components;
    }
    const stack = connected.endpoints;
    endpoints = {
      prometheus: stack.prometheus,
      alertmanager: stack.alertmanager,
      target: stack.target,
      embedded: stack.embedded,
    };
    journal.append({
      type: 'stack-ready',
      at: clock.now(),
      ...endpoints,
      ...(connected.owned
        ? { ownedPids: connected.owned.components.map((c) => ({ name: c.name, pid: c.pid })) }
        : {}),
    });
    scope.add(
      'webhook receiver',
      await startWebhookReceiver({
        host: options.listenHost ?? '127.0.0.1',
        port: stack.webhookPort,
        now: clock.now,
        onNotification: (notification) => {
          notifications.push(notification);
          journal.append({ type: 'alert-notified', at: notification.receivedAt, notification });
        },
      }),
      (receiver) => receiver.close(),
    );
    const prometheus = scope.add(
      'prometheus client',
      createPrometheusClient({ url: stack.prometheus }),
      (c) => c.close(),
    );

    // Preflight: every referenced alert exists; detection floors from the loaded configuration.
    const checked = await preflight(plan, {
      prometheus,
      prometheusUrl: stack.prometheus,
      alertmanagerUrl: stack.alertmanager,
    });
    floors = checked.floors;
    warnings.push(...checked.warnings);
    journal.append({ type: 'preflight', at: clock.now(), floors, warnings: checked.warnings });
    for (const warning of checked.warnings) log.warn(warning);

    const impossible = checked.belowFloor.length > 0;
    if (impossible) {
      // Judge with no run at all: the impossible budgets fail, everything else is inconclusive (not run).
      log.warn('a detection budget is below its floor: the game day cannot pass, so no traffic is sent');
      preflightResults = judge({
        plan,
        startedAt,
        endedAt: startedAt,
        faults: [],
        alerts: [],
        floors,
        blind: [],
        phaseStats: {},
      }).map((result) =>
        result.verdict === 'failed'
          ? result
          : {
              ...result,
              verdict: 'inconclusive' as const,
              detail: `not run: ${plan.scenario.name} stopped at preflight (a budget below its floor)`,
            },
      );
      return await finish();
    }

    // Target readiness and a reference payload for landed() probes.
    const rows = await loadReferenceRows(join(projectRoot, 'fixtures/data/penguins.json'));
    const probeBody = kserveV2Body(rows[0]!, 'firedrill-probe');
    const probeModel = scenario.target.protocol === 'kserve-v2' ? scenario.target.model : 'penguins';
    await waitReady(`${stack.target}/v2/health/ready`, 30_000, signal);
    if (connected.owned) await waitScraped(prometheus, 'model-server', 15_000, signal);

    const selfMetrics = scope.add(
      'self metrics',
      await startSelfMetrics({
        host: options.listenHost ?? '127.0.0.1',
        port: stack.selfMetricsPort,
        runId,
        scenario: scenario.name,
      }),
      (m) => m.close(),
    );
    log.debug(`firedrill metrics on ${selfMetrics.url}`);
    faultTimeline = new FaultTimeline(plan.faults, {
      onActiveChange: (faultId, kind, active) => selfMetrics.setFault(faultId, kind, active),
      targets: {
        local: {
          modelServerAdmin: { url: stack.admin, token: stack.adminToken },
          modelServerProbe: modelServerProbe(stack.target, probeModel, probeBody),
          // Embedded stack only (absent for a stack given by flags): see LocalTargets in chaos/local.
          ...(stack.supervisors ? { supervisors: stack.supervisors } : {}),
          ...(stack.featureStoreProxy ? { featureStoreProxy: stack.featureStoreProxy } : {}),
          ...(stack.redis ? { redis: stack.redis } : {}),
          ...(stack.gpuExporter ? { gpuExporter: stack.gpuExporter } : {}),
          ...(stack.controlFile ? { controlFile: stack.controlFile } : {}),
        },
        docker: {},
        kubernetes: { allowedNamespaces: [...(options.allowedNamespaces ?? [])] },
      },
      journal,
      clock,
      log,
      runId,
    });
    const timeline = faultTimeline;
    scope.defer('faults', async () => {
      revertFailed = await timeline.revertAll();
    });

    const runAbort = new AbortController();
    const onAbort = () => {
      interrupted = true;
      runAbort.abort(signal.reason);
    };
    if (signal.aborted) onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    const crashWatch = watchComponents(ownedComponents, runAbort, (error) => {
      errored = error;
    });

    const watcher = startAlertWatcher({
      client: prometheus,
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

    // firedrill's engines run on a thread of their own, prepared now (loading the scenario there takes time
    // that must not shift the schedule), so that sends keep their times whatever this thread is doing.
    const trafficThread =
      options.engine === 'k6'
        ? undefined
        : await startTrafficThread({
            scenarioFile: options.scenarioFile,
            backend: options.backend,
            target: stack.target,
            requestLogPath: options.requestLog ? join(runDir, 'requests.ndjson') : undefined,
          });
    if (trafficThread) scope.add('traffic thread', trafficThread, (t) => t.close());
    const engineName = trafficThread?.engine ?? 'k6';
    // The scenario's model, whichever engine carries it (the k6 export follows it too).
    const model = scenario.traffic.model;
    startedAt = clock.now();
    journal.append({ type: 'traffic-started', at: startedAt, engine: engineName, model });
    log.info(
      `traffic: ${engineName} (${model} model) for ${plan.trafficEndMs / 1000}s; run ends at +${plan.endMs / 1000}s`,
    );
    let lastProgress = { offeredRate: 0, achievedRate: 0, inFlight: 0, p99Ms: null as number | null };
    selfMetrics.setPhase('baseline');
    const progressTimer = setInterval(() => {
      const elapsedMs = clock.now() - startedAt;
      selfMetrics.setPhase(phaseAt(plan, elapsedMs));
      options.onProgress?.({
        elapsedMs,
        totalMs: plan.endMs,
        phase: phaseAt(plan, elapsedMs),
        model,
        ...lastProgress,
        faults: faultTimeline?.activeIds() ?? [],
        pending: activeAlerts(observations, 'pending'),
        firing: activeAlerts(observations, 'firing'),
      });
    }, 1000);

    if (options.requestLog && options.engine === 'k6') {
      const warning =
        "--request-log applies to firedrill's engines; k6 keeps its own per-request stream in k6/";
      warnings.push(warning);
      log.warn(warning);
    }
    try {
      const trafficDone =
        trafficThread === undefined
          ? runK6Traffic(prepared, join(runDir, 'k6'), stack.target, runAbort.signal, startedAt, (window) => {
              windows.push(window);
              journal.append({ type: 'traffic-window', at: clock.now(), window });
              selfMetrics.recordWindow(window);
            })
          : trafficThread
              .run({
                signal: runAbort.signal,
                onWindow: (window) => {
                  windows.push(window);
                  journal.append({ type: 'traffic-window', at: clock.now(), window });
                  selfMetrics.recordWindow(window);
                },
                onProgress: (progress) => {
                  lastProgress = progress;
                },
              })
              .then(({ summary, logError }) => {
                if (logError) warnings.push(`could not write requests.ndjson: ${logError}`);
                return summary;
              });
      const faultsDone = faultTimeline.run(startedAt, runAbort.signal);
      const [trafficResult, faultResult] = await Promise.allSettled([trafficDone, faultsDone]);
      if (trafficResult.status === 'fulfilled') traffic = trafficResult.value;
      else throw trafficResult.reason;
      if (faultResult.status === 'rejected' && !runAbort.signal.aborted) throw faultResult.reason;
      // Observe until the planned end (recovery window), unless interrupted.
      if (!runAbort.signal.aborted)
        await sleep(startedAt + plan.endMs - clock.now(), runAbort.signal).catch(() => {});
    } finally {
      clearInterval(progressTimer);
      signal.removeEventListener('abort', onAbort);
      crashWatch.stop();
      revertFailed = await faultTimeline.revertAll();
      await watcher.stop();
    }

    // Exact pending/firing times from the ALERTS series (the API only gives activeAt).
    const endedAt = clock.now();
    try {
      observations.push(
        ...(await readAlertsSeries(prometheus, alertNames(plan), startedAt - 60_000, endedAt)),
      );
    } catch (error) {
      warnings.push(`could not read ALERTS samples (${formatError(error)}); firing times are poll times`);
    }
    drift = await observeDrift(prometheus, scenario, expectedDrift, startedAt, warnings);
  } catch (error) {
    if (!interrupted) {
      errored = isFiredrillError(error)
        ? error
        : new FiredrillError('FD_INTERNAL', formatError(error), { cause: error });
    }
  } finally {
    for (const failure of await scope.close()) {
      warnings.push(`could not release the ${failure.name}: ${failure.error}`);
    }
  }
  return await finish();

  async function finish(): Promise<RunResult> {
    const endedAt = clock.now();
    const faults: FaultRecord[] = faultTimeline?.records ?? [];
    const alerts = buildAlertRecords(observations, notifications);
    const phaseStats = Object.fromEntries(
      plan.phases.map((phase) => [
        phase.name,
        summarizeWindows(phaseWindows(windows, phase, startedAt, faults)),
      ]),
    );
    const runError = interrupted ? undefined : errored;
    const results =
      preflightResults ??
      (runError
        ? judge({ plan, startedAt, endedAt, faults: [], alerts: [], floors, blind: [], phaseStats: {} }).map(
            (result) => ({
              ...result,
              verdict: 'inconclusive' as const,
              measuredMs: null,
              detail: `not judged: the run errored (${runError.message.split('\n')[0]})`,
            }),
          )
        : judge({
            plan,
            startedAt,
            endedAt,
            faults: faults.map((f) => ({
              id: f.id,
              injectedAt: f.injectedAt,
              landedAt: f.landedAt,
              notLandedReason: f.notLandedReason,
              revertedAt: f.revertedAt,
            })),
            alerts,
            floors,
            blind,
            phaseStats,
            trafficWindows: windows,
          }));
    const { verdict, exitCode } = runVerdict(results, {
      interrupted,
      revertFailed: revertFailed.length > 0,
      errored: errored !== undefined && !interrupted,
    });
    const finalExit = errored && !interrupted && revertFailed.length === 0 ? errored.exitCode : exitCode;
    journal.append({ type: 'run-ended', at: endedAt });
    const outcome: RunOutcome = {
      runId,
      scenario: { name: scenario.name, description: scenario.description, file: options.scenarioFile },
      startedAt,
      endedAt,
      verdict,
      exitCode: finalExit,
      ...(errored ? { reason: errored.hint ? `${errored.message} (${errored.hint})` : errored.message } : {}),
      ...(interrupted ? { reason: 'interrupted (Ctrl-C); every fault was reverted' } : {}),
      ...(revertFailed.length > 0
        ? { reason: `could not revert ${revertFailed.join(', ')}: the system may still be faulted` }
        : {}),
      stack: endpoints,
      faults,
      alerts,
      floors,
      expectations: results,
      traffic,
      phases: Object.fromEntries(Object.entries(phaseStats).filter(([, stats]) => stats.windows > 0)),
      blind,
      warnings,
      drift,
    };
    await writeReports(runDir, outcome, journal.events);
    await updateLatestLink(reportsDir, runDir);
    return { outcome, reportDir: runDir, exitCode: finalExit };
  }
}

/**
 * `--engine k6`: exports the scenario as a k6 script into the run folder, runs the local `k6` binary
 * against the target, and ingests its `--out json` stream as firedrill windows (same report).
 */
async function runK6Traffic(
  prepared: PreparedScenario,
  dir: string,
  target: string,
  signal: AbortSignal,
  startAt: number,
  onWindow: (window: TrafficWindow) => void,
): Promise<EngineSummary> {
  const exported = await exportK6(prepared, { outDir: dir, targetUrl: target });
  const result = await runK6Engine(dir, {
    env: { ...process.env, FIREDRILL_TARGET: target },
    signal,
    startAt,
    executor: exported.script.scenario.executor,
  });
  for (const window of result.windows) onWindow(window);
  return result.summary;
}

/** Aborts the run when a stack component owned by it exits: a crash is an environment error, not a hang. */
function watchComponents(
  components: ReadonlyArray<{ name: string; exited: Promise<string>; logFile: string }>,
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

export { ExitCode };
