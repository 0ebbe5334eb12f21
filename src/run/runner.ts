import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { type ChaosTargets, modelServerProbe, readCanaryAnalysis } from '../../chaos/index.ts';
import { type Clock, isoTime, systemClock } from '../core/clock.ts';
import { ExitCode, FiredrillError, formatError, isFiredrillError } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import { createScope, type DisposalScope } from '../core/scope.ts';
import { expectedDriftForScenario } from '../drift/expected.ts';
import {
  createAlertmanagerClient,
  createPrometheusClient,
  rollbackWatchPlan,
  startWebhookReceiver,
} from '../evaluate/index.ts';
import { FileJournal, type JournalEvent } from '../journal/index.ts';
import { kserveV2Body, loadPayloadReference, loadReferenceRows } from '../payload/index.ts';
import type { RunOutcome } from '../report/index.ts';
import { rejectionWarning, updateLatestLink } from '../report/index.ts';
import type { FaultBackend, PreparedScenario, Scenario } from '../scenario/index.ts';
import { projectRoot, type StackEndpoints, scrapeTargetOf, waitTargetReady } from '../stack/index.ts';
import { type ConnectedStack, connectStack, type StackFlags, targetProbe } from './endpoints.ts';
import { type Execution, execute, type RunProgress, type TrafficSource } from './execute.ts';
import { FaultTimeline } from './faults.ts';
import { renderRunReports } from './journal-outcome.ts';
import { preflight, waitScraped } from './preflight.ts';
import { prepare } from './prepare.ts';
import { startSelfMetrics } from './self-metrics.ts';
import { prepareTraffic } from './traffic-setup.ts';
import { k6Traffic, threadTraffic } from './traffic-sources.ts';
import { startTrafficThreads } from './traffic-thread.ts';

export type { RunProgress } from './execute.ts';

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
  onProgress?: ((progress: RunProgress) => void) | undefined;
  /** Write `requests.ndjson` (one line per request with its timestamps) in the run folder. */
  requestLog?: boolean | undefined;
  /**
   * Traffic threads for firedrill's open engine (`--workers`), each sending a round-robin share of the one
   * schedule; windows merged exactly. Default 1.
   */
  workers?: number | undefined;
  /**
   * A stack the caller holds (a suite runs many scenarios on one): used as is, neither started nor stopped
   * by this run. Without it the run connects (and may start) its own; see connectStack.
   */
  stack?: ConnectedStack | undefined;
  /** Called with each journal event once it is on disk (tests: see src/cli/test-hooks.ts). */
  afterJournalAppend?: ((event: JournalEvent) => void) | undefined;
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
 * The `run` program, one game day: prepare → (run folder, journal) → acquire the stack and the evaluator
 * into one disposal scope → preflight → execute → release → judge → report. Each stage takes its world as
 * an argument; this function only acquires, wires and records. Never throws once the run folder exists:
 * every failure ends in a written report and an exit code.
 */
export async function runGameDay(options: RunOptions): Promise<RunResult> {
  const clock = options.clock ?? systemClock();
  const { log, signal } = options;
  // Stage 1, before anything starts: the scenario, its reference dataset and its traffic are checked here.
  const prepared = await prepare(options.scenarioFile, { backend: options.backend });
  const { scenario, plan } = prepared;
  const reference = await loadPayloadReference(scenario);
  // Refuses impossible traffic (a malformed trace, a cap the rate cannot fit in); the traffic thread
  // prepares its own copy.
  prepareTraffic(scenario, options.scenarioFile);
  const expectedDrift = expectedDriftForScenario(scenario, reference);

  // The run folder and the journal belong to this program (a suite would own one per scenario).
  const createdAt = clock.now();
  const runId = runIdFor(scenario, createdAt);
  const reportsDir = resolve(options.reportsDir);
  const runDir = join(reportsDir, runId);
  await mkdir(runDir, { recursive: true });
  const journal = new FileJournal(join(runDir, 'events.ndjson'), { afterAppend: options.afterJournalAppend });
  // `reports/latest` points at the run from its start, so `tail -f reports/latest/events.ndjson` follows it.
  await updateLatestLink(reportsDir, runDir);
  journal.append({
    type: 'run-started',
    at: createdAt,
    runId,
    scenario: scenario.name,
    scenarioFile: options.scenarioFile,
    planEndMs: plan.endMs,
    definition: scenario,
    // Until a stack is connected, the report names the target the user asked for (a run that could not
    // reach it says which server it tried).
    target: options.target ?? scenario.target.url ?? '',
  });

  // Everything the judge reads is journaled as it happens; the outcome is rebuilt from the journal at the end.
  const warn = (message: string) => {
    journal.append({ type: 'warning', at: clock.now(), message });
    log.warn(message);
  };
  let execution: Execution | undefined;
  let error: FiredrillError | undefined;
  // Every resource is registered the moment it is acquired and released in reverse order on every path
  // (error, Ctrl-C, a port already in use): the stack first in, last out; faults last in, first out.
  const scope = createScope();
  try {
    const connected = await acquireStack(scope, options, prepared, runDir, journal);
    const stack = connected.endpoints;
    journal.append({
      type: 'stack-ready',
      at: clock.now(),
      prometheus: stack.prometheus,
      alertmanager: stack.alertmanager,
      target: stack.target,
      embedded: stack.embedded,
      ...(connected.owned
        ? { ownedPids: connected.owned.components.map((c) => ({ name: c.name, pid: c.pid })) }
        : {}),
    });
    scope.add(
      'webhook receiver',
      await startWebhookReceiver({
        host: options.listenHost ?? '127.0.0.1',
        port: stack.webhookPort,
        // A stack held by this process (the run's own, or a suite's) lends the port it holds.
        ...(connected.listeners ? { listener: connected.listeners.webhook } : {}),
        now: clock.now,
        secret: stack.webhookSecret,
        onNotification: (notification) => {
          journal.append({ type: 'alert-notified', at: notification.receivedAt, notification });
        },
        onRejected: (rejection) =>
          journal.append({ type: 'notification-rejected', at: rejection.at, rejection }),
      }),
      async (receiver) => {
        // What the receiver accepted and refused, journaled as it closes: forged notifications are loud.
        const tally = receiver.tally();
        journal.append({
          type: 'webhook-closed',
          at: clock.now(),
          accepted: tally.accepted,
          rejected: tally.rejected,
        });
        const forged = rejectionWarning(tally);
        if (forged !== undefined) warn(forged);
        await receiver.close();
      },
    );
    const prometheus = scope.add(
      'prometheus client',
      createPrometheusClient({ url: stack.prometheus }),
      (client) => client.close(),
    );

    const targets = await faultTargets(stack, scenario, options);
    // Stage 2: every referenced alert exists; detection floors from the loaded configuration (and, for a
    // rollback judged from a kubernetes canary's status, from its controller's analysis).
    const checked = await preflight(plan, {
      prometheus,
      prometheusUrl: stack.prometheus,
      alertmanagerUrl: stack.alertmanager,
      canaryAnalysis: (fault) => readCanaryAnalysis(fault, targets),
    });
    journal.append({ type: 'preflight', at: clock.now(), ...checked });
    for (const warning of checked.warnings) log.warn(warning);
    if (checked.belowFloor.length > 0) {
      log.warn('a detection budget is below its floor: the game day cannot pass, so no traffic is sent');
    } else {
      // Stage 3: the target answers (the fixture's own probe also checks its feature store; a server the
      // user named is asked its protocol's probe) and, on a stack of our own, Prometheus has scraped it.
      await waitTargetReady(targetProbe(connected, scenario.target), signal);
      if (connected.owned) {
        const job =
          connected.origin === 'monitor'
            ? scrapeTargetOf(stack.target, scenario.target.metrics).job
            : 'model-server';
        await waitScraped(prometheus, job, 15_000, signal);
      }
      const alertmanager = stack.alertmanager
        ? scope.add('alertmanager client', createAlertmanagerClient({ url: stack.alertmanager }), (client) =>
            client.close(),
          )
        : undefined;

      const selfMetrics = {
        host: options.listenHost ?? '127.0.0.1',
        port: stack.selfMetricsPort,
        listener: connected.listeners?.selfMetrics,
        runId,
        scenario: scenario.name,
      };
      // firedrill's own metrics annotate dashboards; they decide nothing. A port another process took (a stack
      // from `firedrill up` cannot hold it between runs) costs the run that annotation, said, not the run.
      const metrics = scope.add(
        'self metrics',
        await startSelfMetrics(selfMetrics).catch(async (failure: unknown) => {
          warn(
            `firedrill's own metrics are not scraped this run: cannot listen on ${selfMetrics.host}:${selfMetrics.port} (${formatError(failure)}), so Prometheus's firedrill job sees no faults or phases; they are served on a free port instead`,
          );
          return startSelfMetrics({ ...selfMetrics, port: 0, listener: undefined });
        }),
        (m) => m.close(),
      );
      log.debug(`firedrill metrics on ${metrics.url}`);
      const timeline = new FaultTimeline(plan.faults, {
        onActiveChange: (faultId, kind, active) => metrics.setFault(faultId, kind, active),
        targets,
        journal,
        clock,
        log,
        runId,
        // A rollback after a kubernetes canary is judged from the object's status, watched from injection.
        rollbackWatches: rollbackWatchPlan(plan),
      });
      // Reverts (again) whatever an error left active; each revert or failure is journaled.
      scope.defer('faults', async () => {
        await timeline.revertAll();
      });
      const traffic = await acquireTraffic(scope, options, prepared, runDir, stack.target);
      if (options.requestLog && options.engine === 'k6') {
        warn("--request-log applies to firedrill's engines; k6 keeps its own per-request stream in k6/");
      }

      // Stage 4.
      execution = await execute(plan, {
        prometheus,
        alertmanager,
        traffic,
        faults: timeline,
        journal,
        metrics,
        components: connected.owned?.components ?? [],
        expectedDrift,
        clock,
        log,
        signal,
        onProgress: options.onProgress,
      });
      error = execution.error;
    }
  } catch (failure) {
    error = isFiredrillError(failure)
      ? failure
      : new FiredrillError('FD_INTERNAL', formatError(failure), { cause: failure });
  } finally {
    for (const failure of await scope.close())
      warn(`could not release the ${failure.name}: ${failure.error}`);
  }

  // Stages 5 and 6: judged and reported from the journal alone, as `firedrill report` would.
  const endedAt = clock.now();
  if (execution?.interrupted ?? signal.aborted) {
    journal.append({ type: 'run-interrupted', at: endedAt, signal: abortReason(signal) });
  } else if (error) {
    journal.append({
      type: 'run-errored',
      at: endedAt,
      code: error.code,
      message: error.message,
      ...(error.hint ? { hint: error.hint } : {}),
    });
  }
  journal.append({ type: 'run-ended', at: endedAt });
  const outcome = await renderRunReports(runDir);
  await updateLatestLink(reportsDir, runDir);
  return { outcome, reportDir: runDir, exitCode: outcome.exitCode };
}

function abortReason(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason.message : String(reason ?? 'aborted');
}

/**
 * The stack a caller lent, or what connectStack finds: external backends from flags, a server the user named
 * (with the embedded monitoring stack), a stack from `firedrill up`, or a fresh embedded stack owned by this
 * run (registered in `scope` at once, so it is stopped on every later failure).
 */
async function acquireStack(
  scope: DisposalScope,
  options: RunOptions,
  prepared: PreparedScenario,
  runDir: string,
  journal: FileJournal,
): Promise<ConnectedStack> {
  // A lent stack (a suite's) is neither waited for nor stopped here: its holder does both.
  if (options.stack) return options.stack;
  const connected = await connectStack({
    ...options,
    allowHosts: options.allowHosts ?? [],
    scenario: prepared.scenario,
    scenarioFile: prepared.file,
    runDir,
    log: options.log,
    signal: options.signal,
    journal,
  }).catch((error: unknown) => {
    throw isFiredrillError(error)
      ? error
      : new FiredrillError('FD_STACK_START', formatError(error), { cause: error });
  });
  if (connected.owned) scope.add('embedded stack', connected.owned, (stack) => stack.stop());
  return connected;
}

/**
 * The traffic engine, prepared before the run starts: firedrill's engines on a thread of their own
 * (loading the scenario there takes time that must not shift the schedule), or k6.
 */
async function acquireTraffic(
  scope: DisposalScope,
  options: RunOptions,
  prepared: PreparedScenario,
  runDir: string,
  target: string,
): Promise<TrafficSource> {
  if (options.engine === 'k6') return k6Traffic(prepared, join(runDir, 'k6'), target);
  const thread = scope.add(
    'traffic thread',
    await startTrafficThreads(
      {
        scenarioFile: options.scenarioFile,
        backend: options.backend,
        target,
        requestLogPath: options.requestLog ? join(runDir, 'requests.ndjson') : undefined,
      },
      options.workers ?? 1,
    ),
    (t) => t.close(),
  );
  return threadTraffic(thread);
}

/** Where each fault backend acts, from the stack's endpoints; a reference payload for landed() probes. */
export async function faultTargets(
  stack: StackEndpoints,
  scenario: Scenario,
  options: Pick<RunOptions, 'allowedNamespaces'>,
): Promise<ChaosTargets> {
  const rows = await loadReferenceRows(join(projectRoot, 'fixtures/data/penguins.json'));
  const probeBody = kserveV2Body(rows[0]!, 'firedrill-probe');
  const probeModel = scenario.target.protocol === 'kserve-v2' ? scenario.target.model : 'penguins';
  return {
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
  };
}

export { ExitCode };
