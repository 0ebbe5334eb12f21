import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { type FaultHandle, injectFault } from '../../chaos/index.ts';
import {
  type Configurator,
  type ConfiguratorSpec,
  fixtureConfigurator,
  fixtureSettingsIssues,
  type Settings,
} from '../configure/index.ts';
import { sleep } from '../core/clock.ts';
import { formatDuration } from '../core/duration.ts';
import { FiredrillError, formatError, isFiredrillError } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import { createScope, type DisposalScope } from '../core/scope.ts';
import { createPrometheusClient, loadRuleTimings, startAlertWatcher } from '../evaluate/index.ts';
import { FileJournal } from '../journal/index.ts';
import { updateLatestLink } from '../report/index.ts';
import {
  type AppliedConfiguration,
  applyConfiguration,
  type ConnectedStack,
  connectStack,
  faultTargets,
  prepare,
  type StackFlags,
  type StepTraffic,
  startTrafficThreads,
  type TrafficThread,
  targetProbe,
} from '../run/index.ts';
import type { Scenario } from '../scenario/index.ts';
import { waitTargetReady } from '../stack/index.ts';
import { generatorDelayBound, type TrafficProgress, type TrafficWindow } from '../traffic/index.ts';
import { type AlertFiring, lookbacksOf, type StepSpan } from './alerts.ts';
import { renderCapacityHtml } from './html.ts';
import { stepMeasure, windowMeasure } from './measure.ts';
import {
  type CapacityOverrides,
  type CapacityPlan,
  type ConfiguratorSupport,
  planCapacity,
  stepBudgetMs,
  windowSecondsAt,
} from './program.ts';
import { renderCapacitySummary } from './report.ts';
import { iso, searchResultOf } from './result.ts';
import {
  type CapacityJson,
  type ConfigurationResultJson,
  capacityJsonSchema,
  type SearchResultJson,
} from './schema.ts';
import { boundsOf, searchCapacity } from './search.ts';
import { finishStep } from './slo.ts';
import { assessWindows, breaksLatency, breaksLatencyBeyond, type WindowDecision } from './stability.ts';
import { recommend, settingsLabel, shouldStopSweep, sweepExitCode } from './sweep.ts';
import type { CapacityProgress, LoadUnit, StepResult, WindowMeasure } from './types.ts';
import { formatLoad } from './units.ts';

/** A configurator this build can apply: its checks (before anything starts) and how to make one for a stack. */
export interface ConfiguratorFactory extends ConfiguratorSupport {
  create(stack: ConnectedStack, options: Record<string, unknown>): Configurator;
  /** What the journal keeps so that `firedrill recover` can rebuild the configurator (no credentials). */
  spec(stack: ConnectedStack, options: Record<string, unknown>): ConfiguratorSpec;
}

/** The configurators of this build: the fixture's batcher. Others plug in through `CapacityOptions.configurators`. */
export const builtinConfigurators: Readonly<Record<string, ConfiguratorFactory>> = {
  fixture: {
    refuse: ({ named }) =>
      named === undefined
        ? undefined
        : `"fixture" configures the fixture model server's batcher through its admin API, and ${named} is a server you named; use triton, kubernetes or command for it`,
    settingsIssues: fixtureSettingsIssues,
    create: (stack) => fixtureConfigurator({ url: stack.endpoints.admin, token: stack.endpoints.adminToken }),
    spec: (stack) => ({
      kind: 'fixture',
      url: stack.endpoints.admin,
      ...(stack.endpoints.controlFile ? { controlFile: stack.endpoints.controlFile } : {}),
    }),
  },
};

export interface CapacityOptions extends StackFlags, CapacityOverrides {
  scenarioFile: string;
  /** Reports root; the search writes `<reportsDir>/capacity-<id>/`. */
  reportsDir: string;
  allowHosts?: readonly string[];
  allowedNamespaces?: readonly string[];
  log: Logger;
  /** Aborted on Ctrl-C: the step stops at once, configurations and faults are restored, what was measured is written. */
  signal: AbortSignal;
  configurators?: Readonly<Record<string, ConfiguratorFactory>>;
  onProgress?: ((progress: CapacityProgress) => void) | undefined;
}

export interface CapacityRun {
  result: CapacityJson;
  reportDir: string;
  exitCode: number;
}

/**
 * The `capacity` program: prepare and plan (every impossible setting refused before anything starts) →
 * print the bounds → acquire the stack, the traffic thread, the alert watcher and the configurator into one
 * disposal scope → per configuration: apply + confirm, search (and again under the fault) → restore →
 * write capacity.json, summary.md and capacity.html. Ctrl-C ends the step in progress at once and writes
 * what was measured.
 */
export async function runCapacity(options: CapacityOptions): Promise<CapacityRun> {
  const { log, signal } = options;
  const configurators = options.configurators ?? builtinConfigurators;
  const { scenario } = await prepare(options.scenarioFile);
  const plan = planCapacity(
    scenario,
    options.scenarioFile,
    options,
    configurators,
    options.prometheus ? undefined : (options.target ?? scenario.target.url),
  );
  const stepMs = stepBudgetMs(plan, scenario.traffic.timeout);
  const { unit } = plan.search;
  const load = (v: number) => formatLoad(v, unit);
  const bounds =
    unit === 'rate'
      ? `rates ${load(plan.search.start)} ×2 up to max rate ${load(plan.search.max)}, bisect to ${plan.search.precision * 100} %`
      : `closed model: concurrency ${load(plan.search.start)} ×2 up to max concurrency ${load(plan.search.max)}, bisect to ${plan.search.precision * 100} % or one user`;
  log.info(
    `capacity: ${plan.configurations.length} configuration${plan.configurations.length === 1 ? '' : 's'}${plan.fault ? ` (each healthy and under fault ${plan.fault})` : ''}; ${bounds}${plan.workers > 1 ? `; ${plan.workers} traffic threads` : ''}; max duration ${formatDuration(plan.maxDurationMs)} (a step takes at most ${formatDuration(stepMs)}); loopback only${(options.allowHosts ?? []).length > 0 ? ` and ${options.allowHosts?.join(', ')}` : ''}`,
  );

  const startedAt = Date.now();
  const id = `${iso(startedAt).replace(/[:.]/g, '-').replace('T', '_').slice(0, 19)}_${scenario.name}`;
  const reportsDir = resolve(options.reportsDir);
  const reportDir = join(reportsDir, `capacity-${id}`);
  await mkdir(reportDir, { recursive: true });
  const journal = new FileJournal(join(reportDir, 'events.ndjson'));
  const deadline = startedAt + plan.maxDurationMs;

  const configurations: ConfigurationResultJson[] = [];
  let earlyExit = false;
  let outOfTime: string[] = [];
  let failure: FiredrillError | undefined;
  let target = options.target ?? scenario.target.url ?? '';
  const scope = createScope();
  try {
    const connected = await connectStack({
      ...options,
      allowHosts: options.allowHosts ?? [],
      scenario,
      scenarioFile: options.scenarioFile,
      runDir: reportDir,
      log,
      signal,
      journal,
    });
    if (connected.owned) scope.add('embedded stack', connected.owned, (stack) => stack.stop());
    target = connected.endpoints.target;
    await waitTargetReady(targetProbe(connected, scenario.target), signal);
    const thread = scope.add(
      'traffic thread',
      await startTrafficThreads(
        { scenarioFile: options.scenarioFile, backend: undefined, target, requestLogPath: undefined },
        plan.workers,
      ),
      (t) => t.close(),
    );

    // The evaluator watches during the whole climb: each alert seen firing is placed at the highest load
    // offered within its rule's lookback before it began to fire (every step of every search is a span).
    const firings: AlertFiring[] = [];
    const spans: StepSpan[] = [];
    let lookbacks = new Map<string, number>();
    if (connected.endpoints.prometheus) {
      const prometheus = scope.add(
        'prometheus client',
        createPrometheusClient({ url: connected.endpoints.prometheus }),
        (c) => c.close(),
      );
      try {
        const { timings, recordings } = await loadRuleTimings(prometheus, 'all');
        lookbacks = lookbacksOf(timings, recordings);
      } catch (error) {
        log.warn(
          `could not read the alerting rules (${formatError(error)}): each alert seen firing is placed at the step it began to fire in, though an earlier, higher step may have caused it`,
        );
      }
      scope.add(
        'alert watcher',
        startAlertWatcher({
          client: prometheus,
          intervalMs: 500,
          now: Date.now,
          signal,
          onObservation: (o) => {
            if (o.state === 'firing') firings.push({ alert: o.name, since: o.since });
          },
          onBlind: (period) => log.debug(`alert watcher blind: ${period.reason}`),
        }),
        (w) => w.stop(),
      );
    }

    let configurator: Configurator | undefined;
    let spec: ConfiguratorSpec | undefined;
    if (plan.configurator !== null) {
      const factory = configurators[plan.configurator.kind]!;
      configurator = factory.create(connected, plan.configurator.options);
      spec = factory.spec(connected, plan.configurator.options);
    }
    // Every configuration is applied under one journal id: the first apply journals the original settings
    // (write-ahead, for `firedrill recover`) and its restore, on the scope, puts them back on every path.
    let applied: AppliedConfiguration | undefined;

    const searchOnce = async (
      settings: Settings,
      index: number,
      fault: string | null,
    ): Promise<SearchResultJson> => {
      const label = settingsLabel(settings);
      const stepsSoFar: StepResult[] = [];
      const run = await searchCapacity(
        plan.search,
        {
          signal,
          canStep: () => Date.now() + stepMs <= deadline,
          step: async (stepLoad) => {
            const previous = stepsSoFar.at(-1);
            if (previous !== undefined && previous.verdict !== 'pass') {
              await sleep(plan.cooldownMs, signal).catch(() => {}); // Ctrl-C: the step then ends interrupted at once
            }
            return await runStep(thread, plan, stepLoad, signal, (p) =>
              options.onProgress?.({
                configuration: label,
                configurationIndex: index,
                configurations: plan.configurations.length,
                fault,
                step: stepsSoFar.length + 1,
                unit,
                load: stepLoad,
                achievedRate: p.achievedRate,
                p99Ms: p.p99Ms,
                ...boundsOf(stepsSoFar),
              }),
            );
          },
        },
        (step) => {
          stepsSoFar.push(step);
          spans.push({ load: step.load, startedAt: step.startedAt, endedAt: step.endedAt });
          const m = step.measure;
          log.info(
            `  ${label}${fault ? ` [${fault}]` : ''} step ${stepsSoFar.length}: ${load(step.load)} → ${m ? `${m.achieved.toFixed(1)}/s, p99 ${m.latencyMs.p99.toFixed(1)}ms, errors ${(m.errorRatio * 100).toFixed(2)} %` : 'nothing measured'} · ${step.stability} · ${step.verdict}${step.violations.length > 0 ? ` (${step.violations.join('; ')})` : ''}`,
          );
        },
      );
      return searchResultOf(run, plan, fault, firings.splice(0), spans, lookbacks);
    };

    for (const [index, settings] of plan.configurations.entries()) {
      if (signal.aborted) break;
      if (Date.now() + stepMs > deadline) {
        // Said, never silent: the configurations the max duration left no time for.
        outOfTime = plan.configurations.slice(index).map(settingsLabel);
        log.warn(
          `sweep: the max duration (${formatDuration(plan.maxDurationMs)}) ran out before ${outOfTime.length} configuration${outOfTime.length === 1 ? '' : 's'} (${outOfTime.join('; ')}): raise --max-duration or capacity.maxDuration to search them`,
        );
        break;
      }
      const label = settingsLabel(settings);
      if (configurator !== undefined && spec !== undefined) {
        // The first apply also writes back the current value of every other name the sweep sets (a no-op),
        // so that the original it journals covers all of them.
        const names = [...new Set(plan.configurations.flatMap((c) => Object.keys(c)))];
        const applyWith =
          applied === undefined ? { ...(await configurator.read(names)), ...settings } : settings;
        const result = await applyConfiguration(configurator, applyWith, journal, {
          id: 'capacity-configuration',
          spec,
          confirmTimeoutMs: 10_000,
        });
        if (applied === undefined) {
          applied = result;
          const first = result;
          scope.defer('configuration', async () => {
            await first.restore();
            log.info(`configuration restored: ${settingsLabel(first.original)}`);
          });
        }
        log.info(
          `configuration ${index + 1}/${plan.configurations.length}: ${label} (${configurator.kind}, confirmed)`,
        );
      }
      const healthy = await searchOnce(settings, index, null);
      const entry: ConfigurationResultJson = { label, settings: { ...settings }, healthy };
      if (plan.fault !== null && !signal.aborted) {
        entry.underFault = await underFault(
          scope,
          plan,
          plan.fault,
          scenario,
          connected,
          journal,
          options,
          deadline,
          () => searchOnce(settings, index, plan.fault),
        );
        entry.headroom =
          healthy.capacity !== null && healthy.capacity > 0 && entry.underFault.capacity !== null
            ? entry.underFault.capacity / healthy.capacity
            : null;
      }
      configurations.push(entry);
      if (
        shouldStopSweep(
          configurations.map((c) => ({ capacity: c.healthy.capacity, status: c.healthy.answer.status })),
          plan.earlyExit,
        ) &&
        index < plan.configurations.length - 1
      ) {
        earlyExit = true;
        log.info(
          `sweep: the last ${plan.earlyExit.window} configurations with an answer gained under ${plan.earlyExit.minGain * 100} %: stopping early`,
        );
        break;
      }
    }
  } catch (error) {
    failure = isFiredrillError(error)
      ? error
      : new FiredrillError('FD_INTERNAL', formatError(error), { cause: error });
  } finally {
    for (const f of await scope.close()) log.warn(`could not release the ${f.name}: ${f.error}`);
  }

  const interrupted = signal.aborted || failure?.code === 'FD_INTERRUPTED';
  const recommendation = recommend(
    // A search cut short by the generator or the budget still proves its highest pass (a lower bound, shown
    // as "at least"): a configuration recommended on a lower bound is at least that good. An interrupted
    // search recommends nothing: the user stopped it.
    configurations.map((c) =>
      c.healthy.answer.status !== 'interrupted'
        ? { capacity: c.healthy.capacity, costPer1k: c.healthy.cost?.per1kInferences ?? null }
        : { capacity: null, costPer1k: null },
    ),
  );
  const result = capacityJsonSchema.parse({
    schemaVersion: 1,
    unit: plan.search.unit,
    id,
    scenario: scenario.name,
    target,
    startedAt: iso(startedAt),
    endedAt: iso(Date.now()),
    status: interrupted ? 'interrupted' : failure ? 'errored' : 'completed',
    ...(failure && !interrupted
      ? { reason: `${failure.message}${failure.hint ? ` (${failure.hint})` : ''}` }
      : {}),
    slo: plan.slo,
    settings: {
      // Load fields keep their first names; `unit` says whether they count req/s or users.
      startRate: plan.search.start,
      maxRate: plan.search.max,
      maxDurationMs: plan.maxDurationMs,
      precision: plan.search.precision,
      repeats: plan.search.repeats,
      warmupMs: plan.warmupMs,
      windowMs: plan.windowMs,
      stableWindows: plan.stability.windows,
      maxWindows: plan.stability.maxWindows,
      tolerance: plan.stability.tolerance,
      percentile: plan.stability.percentile,
      workers: plan.workers,
    },
    pricing: plan.pricing,
    configurator: plan.configurator?.kind ?? null,
    configurations,
    earlyExit,
    ...(outOfTime.length > 0 ? { notSearched: outOfTime } : {}),
    recommendation: recommendation < 0 ? null : recommendation,
  } satisfies CapacityJson);
  await writeFile(join(reportDir, 'capacity.json'), `${JSON.stringify(result, null, 2)}\n`);
  await writeFile(join(reportDir, 'summary.md'), renderCapacitySummary(result));
  await writeFile(join(reportDir, 'capacity.html'), renderCapacityHtml(result));
  await updateLatestLink(reportsDir, reportDir);
  const exitCode = interrupted
    ? 130
    : failure
      ? failure.exitCode
      : sweepExitCode(
          result.recommendation,
          result.configurations.map((c) => c.healthy.answer.status),
        );
  return { result, reportDir, exitCode };
}

/** Holds the scenario's fault for one search (its TTL covers what is left of the budget); reverted on every path. */
async function underFault(
  scope: DisposalScope,
  plan: CapacityPlan,
  faultId: string,
  scenario: Scenario,
  connected: ConnectedStack,
  journal: FileJournal,
  options: CapacityOptions,
  deadline: number,
  search: () => Promise<SearchResultJson>,
): Promise<SearchResultJson> {
  const planned = scenario.faults.find((f) => f.id === faultId)!;
  const holdMs = Math.max(1000, deadline - Date.now());
  const fault = { ...planned, duration: holdMs };
  const targets = await faultTargets(connected.endpoints, scenario, {
    allowedNamespaces: options.allowedNamespaces ?? [],
  });
  journal.append({
    type: 'fault-injecting',
    at: Date.now(),
    id: fault.id,
    kind: fault.kind,
    backend: fault.backend,
    params: { ...fault },
  });
  const handle: FaultHandle = await injectFault(fault, targets, {
    runId: `capacity-${plan.fault}`,
    recordRecovery: (recovery) =>
      journal.append({ type: 'fault-recovery', at: Date.now(), id: fault.id, recovery }),
    ttlMs: holdMs + 30_000,
    signal: options.signal,
    now: Date.now,
  });
  let reverted = false;
  const revert = async () => {
    if (reverted) return;
    reverted = true;
    journal.append({ type: 'fault-reverting', at: Date.now(), id: fault.id });
    await handle.revert();
    journal.append({ type: 'fault-reverted', at: Date.now(), id: fault.id });
  };
  scope.defer(`fault ${fault.id}`, revert);
  try {
    const landed = await handle.landed();
    if (!landed.landed) {
      throw new FiredrillError('FD_INJECT_FAILED', `fault ${fault.id} did not land: ${landed.reason}`, {
        hint: 'capacity under a fault that is not there would be the healthy capacity; see the model server log',
      });
    }
    options.log.info(`fault ${fault.id} held: searching capacity under it`);
    return await search();
  } finally {
    await revert();
  }
}

/**
 * The search's result as capacity.json holds it: the answer, what was achieved there, the knee of its
 * curve, its cost, the alerts. Cost is priced on the throughput at the SLO capacity: the rate itself (open
 * model), or what the found number of users achieved (closed model).
 */

/** One step's traffic: a constant rate (open model) or a constant number of users (closed model). */
function stepTraffic(unit: LoadUnit, load: number, durationMs: number): StepTraffic {
  return unit === 'rate'
    ? { model: 'open', stages: [{ kind: 'constant', rate: load, durationMs }] }
    : { model: 'closed', stages: [{ kind: 'concurrency', vus: load, durationMs }] };
}

/**
 * One step: a constant `load` (rate, or users) on the traffic thread; the warm-up seconds are dropped, then
 * each `windowMs` of one-second windows is one measurement window, assessed as it completes; once decided,
 * the step's traffic is stopped at once. Generator lag past the limit marks a decided step generator-limited
 * (the only mark in the closed model, which sends nothing late).
 */
async function runStep(
  thread: TrafficThread,
  plan: CapacityPlan,
  load: number,
  signal: AbortSignal,
  onProgress: (progress: TrafficProgress) => void,
): Promise<StepResult> {
  const startedAt = Date.now();
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  signal.addEventListener('abort', onAbort, { once: true });
  const warmupSeconds = plan.warmupMs / 1000;
  const perWindow = windowSecondsAt(plan, load);
  // The closed model offers no rate: its windows' offered rate is the rate its users sent at.
  const offered = plan.search.unit === 'rate' ? load : null;
  const seconds: TrafficWindow[] = [];
  const measures: WindowMeasure[] = [];
  let decision: Extract<WindowDecision, { kind: 'done' }> | undefined;
  let loopLag: number | undefined;
  try {
    const { summary } = await thread.run({
      signal: stop.signal,
      step: stepTraffic(plan.search.unit, load, plan.warmupMs + plan.stability.maxWindows * perWindow * 1000),
      onProgress,
      onWindow: (window) => {
        if (decision !== undefined) return;
        seconds.push(window);
        const measured = seconds.length - warmupSeconds;
        if (measured <= 0 || measured % perWindow !== 0) return;
        measures.push(windowMeasure(seconds.slice(seconds.length - perWindow), offered));
        const next = assessWindows(measures, plan.slo, plan.stability);
        if (next.kind === 'done') {
          decision = next;
          stop.abort();
        }
      },
    });
    loopLag = summary.loopLagP99Ms;
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
  const endedAt = Date.now();
  if (decision === undefined || signal.aborted) {
    const judged = seconds.slice(warmupSeconds);
    return finishStep({
      load,
      stability: 'interrupted',
      measure: judged.length > 0 ? stepMeasure(judged, offered, plan.slo) : null,
      windows: measures,
      slo: plan.slo,
      startedAt,
      endedAt,
    });
  }
  const judgedSeconds = seconds.slice(warmupSeconds).slice(-decision.judged * perWindow);
  const measure = stepMeasure(judgedSeconds, offered, plan.slo);
  // A lagging generator stamps sends and answers late: that only adds to measured latency, so it makes a
  // step generator-limited only when the step breaks a latency limit (a pass holds for the server), and by
  // no more than the lag can explain (a breach far beyond it is the server's).
  const limited =
    loopLag !== undefined &&
    loopLag > plan.stability.maxLoopLagMs &&
    decision.stability !== 'overload' &&
    breaksLatency(plan.slo, measure) &&
    !breaksLatencyBeyond(plan.slo, measure, generatorDelayBound(measure.maxLateMs, loopLag));
  return finishStep({
    load,
    stability: limited ? 'generator-limited' : decision.stability,
    measure,
    windows: measures,
    slo: plan.slo,
    startedAt,
    endedAt,
  });
}
