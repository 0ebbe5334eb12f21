import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { type Clock, isoTime, sleep, systemClock } from '../core/clock.ts';
import { ExitCode, FiredrillError, formatError, isFiredrillError } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import { createPrometheusClient, type PrometheusClient } from '../evaluate/index.ts';
import { FileJournal, parseJournal } from '../journal/index.ts';
import { updateLatestLink } from '../report/index.ts';
import {
  type ConnectedStack,
  connectStack,
  type RunOptions,
  runGameDay,
  type StackFlags,
  targetProbe,
} from '../run/index.ts';
import { type FaultBackend, loadScenario, planScenario, type Scenario } from '../scenario/index.ts';
import { type ReadinessProbe, waitTargetReady } from '../stack/index.ts';
import { resolveSuiteInputs } from './load.ts';
import {
  type AlertRule,
  buildDetectionMatrix,
  type ClientSlo,
  firstSloBreach,
  longestRangeMs,
  type MatrixRun,
} from './matrix.ts';
import {
  aggregateExitCode,
  type BaselineVerdict,
  buildSuiteJson,
  buildSuiteJunitXml,
  buildSuiteSummaryMarkdown,
  type SuiteOutcome,
  type SuiteRunEntry,
  verdictForExit,
} from './report.ts';
import { renderSuiteHtml } from './report-html.ts';
import type { Suite } from './schema.ts';

export interface SuiteOptions extends StackFlags {
  /** `firedrill suite` positionals: a suite file, or scenario files and folders. */
  args: string[];
  /** Runs of each scenario; overrides the suite file's `repeat`. */
  repeat?: number | undefined;
  /** Alerts the gate may find active, besides the suite file's `known`. */
  known?: readonly string[] | undefined;
  /** Reports root; the suite writes `<reportsDir>/suite-<id>/` and points `<reportsDir>/latest` at it. */
  reportsDir: string;
  backend?: FaultBackend | undefined;
  allowedNamespaces?: readonly string[];
  allowHosts?: readonly string[];
  listenHost?: string | undefined;
  engine?: RunOptions['engine'];
  log: Logger;
  /** Aborted on Ctrl-C: the running scenario reverts its faults, the suite writes what ran and exits 130. */
  signal: AbortSignal;
  clock?: Clock;
  /** A baseline run or suite folder to compare with; overrides the suite file's `baseline` (relative to it). */
  baseline?: string | undefined;
  /** How to compare with the baseline (the CLI passes it in); needed when there is a baseline. */
  compareBaseline?: BaselineComparison | undefined;
  /** Called as each run starts and ends (the CLI prints a line). */
  onRun?: (event: {
    phase: 'gate' | 'start' | 'end';
    scenario: string;
    repeat: number;
    entry?: SuiteRunEntry;
  }) => void;
}

/**
 * Reads and checks a baseline folder before any run (a bad one throws FD_USAGE: nothing runs), and returns
 * the step that, after the suite, compares the suite folder with it and writes its reports there.
 */
export type BaselineComparison = (
  baselineDir: string,
) => Promise<(suiteDir: string) => Promise<BaselineVerdict>>;

export interface SuiteResult {
  outcome: SuiteOutcome;
  reportDir: string;
  exitCode: number;
}

interface LoadedScenario {
  file: string;
  scenario: Scenario;
}

/**
 * `firedrill suite`: many scenarios (× repeats) on one stack. The stack is acquired once and released on
 * every path; before each run a quiescence gate waits until no alert is active (except `known` ones), the
 * target answers, and the longest range window of the loaded rules has passed since the previous run's last
 * revert, so one scenario's fault cannot leak into the next one's verdict. Each run is a full game day
 * (runGameDay with the suite's stack) with its own folder; the suite adds the detection matrix.
 */
export async function runSuite(options: SuiteOptions): Promise<SuiteResult> {
  const clock = options.clock ?? systemClock();
  const { log, signal } = options;
  const inputs = await resolveSuiteInputs(options.args);
  const repeat = options.repeat ?? inputs.suite.repeat;
  const scenarios = await loadAll(inputs.scenarioFiles, options.backend);
  const baselineDir =
    options.baseline ??
    (inputs.suite.baseline !== undefined && inputs.suiteFile
      ? resolve(dirname(inputs.suiteFile), inputs.suite.baseline)
      : inputs.suite.baseline);
  let compareWithBaseline: ((suiteDir: string) => Promise<BaselineVerdict>) | undefined;
  if (baselineDir !== undefined) {
    if (!options.compareBaseline) {
      throw new FiredrillError('FD_INTERNAL', `a baseline (${baselineDir}) was given, but no way to compare`);
    }
    compareWithBaseline = await options.compareBaseline(baselineDir);
  }
  const targets = new Set(
    scenarios.map(({ scenario }) => options.target ?? scenario.target.url ?? '(fixture)'),
  );
  if (targets.size > 1) {
    throw new FiredrillError(
      'FD_USAGE',
      `a suite runs on one stack against one target, and these scenarios name ${targets.size}: ${[...targets].join(', ')}`,
      { hint: 'split the suite by target, or give --target to run them all against one server' },
    );
  }

  const startedAt = clock.now();
  const suiteId = `suite-${isoTime(startedAt).replace(/[:.]/g, '-').replace('T', '_').slice(0, 19)}_${inputs.suite.name}`;
  const reportsDir = resolve(options.reportsDir);
  const suiteDir = join(reportsDir, suiteId);
  await mkdir(suiteDir, { recursive: true });
  await updateLatestLink(reportsDir, suiteDir);
  // The suite's own journal records the stack it holds, write-ahead: `firedrill recover <suite folder>` stops
  // what a killed suite left (and recovers the run it was in, from that run's journal).
  const journal = new FileJournal(join(suiteDir, 'events.ndjson'));
  journal.append({ type: 'suite-started', at: startedAt, suiteId, name: inputs.suite.name });
  log.info(
    `suite ${inputs.suite.name}: ${scenarios.length} scenario${scenarios.length === 1 ? '' : 's'} × ${repeat} on one stack; report: ${suiteDir}`,
  );

  const entries: SuiteRunEntry[] = [];
  const warnings: string[] = [];
  let connected: ConnectedStack | undefined;
  let prometheus: PrometheusClient | undefined;
  let rules: AlertRule[] = [];
  let metricsPresent: Set<string> | undefined;
  let reason: string | undefined;
  let suiteError: FiredrillError | undefined;
  const first = scenarios[0]!;
  try {
    connected = await connectStack({
      ...options,
      allowHosts: options.allowHosts ?? [],
      scenario: first.scenario,
      scenarioFile: first.file,
      runDir: suiteDir,
      log,
      signal,
      journal,
    });
    prometheus = createPrometheusClient({ url: connected.endpoints.prometheus });
    const loadedRules = await loadRules(prometheus);
    rules = loadedRules.alerting;
    // Recording rules count: an alert over a recorded 1h ratio looks back an hour. Windows longer than the
    // gate can wait are capped, and said: their alerts may see the previous scenario's fault.
    const cap = Math.min(inputs.suite.windowCap, Math.max(0, inputs.suite.gateTimeout - 10_000));
    const longestMs = longestRangeMs(loadedRules.queries);
    const rangeMs = Math.max(0, ...loadedRules.windows.map((w) => w.rangeMs).filter((ms) => ms <= cap));
    if (longestMs > cap) {
      const long = loadedRules.windows.filter((w) => w.rangeMs > cap).map((w) => w.name);
      warnings.push(
        `rules ${[...new Set(long)].join(', ')} look back up to ${longestMs / 1000}s, longer than the gate waits (windowCap ${cap / 1000}s): a scenario's fault stays in their windows into later scenarios, so their times there may be shortened; list their alerts in known: or run such scenarios alone`,
      );
      log.warn(warnings[warnings.length - 1]!);
    }
    log.info(
      `suite: ${rules.length} alert rules loaded; the gate waits ${rangeMs / 1000}s (the longest range window up to windowCap) after each run's last revert`,
    );
    let settledAt = Number.NEGATIVE_INFINITY;
    rounds: for (let round = 1; round <= repeat; round += 1) {
      for (const { file, scenario } of scenarios) {
        if (signal.aborted) break rounds;
        options.onRun?.({ phase: 'gate', scenario: scenario.name, repeat: round });
        const gate = await quiescenceGate({
          prometheus,
          known: [...inputs.suite.known, ...(options.known ?? [])],
          notBefore: settledAt + rangeMs,
          timeoutMs: inputs.suite.gateTimeout,
          probe: targetProbe(connected, scenario.target),
          signal,
          clock,
        });
        if (signal.aborted) break rounds;
        if (!gate.ok) {
          const entry: SuiteRunEntry = {
            scenario: scenario.name,
            file: relative(process.cwd(), file),
            repeat: round,
            runDir: null,
            verdict: 'inconclusive',
            exitCode: ExitCode.inconclusive,
            reason: `not run: the quiescence gate did not clear (${gate.reason})`,
            counts: { passed: 0, failed: 0, inconclusive: planScenario(scenario).expectations.length },
            gate,
          };
          entries.push(entry);
          log.warn(`${scenario.name}: ${entry.reason}`);
          options.onRun?.({ phase: 'end', scenario: scenario.name, repeat: round, entry });
          continue;
        }
        options.onRun?.({ phase: 'start', scenario: scenario.name, repeat: round });
        const result = await runGameDay({
          ...options,
          scenarioFile: file,
          reportsDir: suiteDir,
          // Lent, not owned: the run neither waits for it nor stops it; the suite does both.
          // Its held ports are lent too: between two runs no other process can take them.
          stack: {
            origin: connected.origin,
            endpoints: connected.endpoints,
            ...(connected.listeners ? { listeners: connected.listeners } : {}),
          },
          allowHosts: options.allowHosts ?? [],
          log,
          signal,
          clock,
        });
        const outcome = result.outcome;
        const counts = { passed: 0, failed: 0, inconclusive: 0 };
        for (const e of outcome.expectations) counts[e.verdict] += 1;
        const entry: SuiteRunEntry = {
          scenario: scenario.name,
          file: relative(process.cwd(), file),
          repeat: round,
          runDir: relative(suiteDir, result.reportDir),
          verdict: outcome.verdict,
          exitCode: result.exitCode,
          ...(outcome.reason ? { reason: outcome.reason } : {}),
          counts,
          gate,
          outcome,
        };
        entries.push(entry);
        options.onRun?.({ phase: 'end', scenario: scenario.name, repeat: round, entry });
        const reverts = outcome.faults.flatMap((f) => (f.revertedAt === null ? [] : [f.revertedAt]));
        settledAt = reverts.length > 0 ? Math.max(...reverts) : outcome.endedAt;
        if (result.exitCode === ExitCode.interrupted || result.exitCode === ExitCode.revertFailed)
          break rounds;
      }
    }
    metricsPresent = await metricNames(connected.endpoints.prometheus, startedAt - 3_600_000).catch(
      (error) => {
        warnings.push(
          `could not list the metric names in Prometheus (${formatError(error)}): dead rules not checked`,
        );
        return undefined;
      },
    );
  } catch (error) {
    suiteError = isFiredrillError(error)
      ? error
      : new FiredrillError('FD_INTERNAL', formatError(error), { cause: error });
    reason = suiteError.hint ? `${suiteError.message} (${suiteError.hint})` : suiteError.message;
    log.warn(`suite: ${reason}`);
  } finally {
    await prometheus?.close().catch(() => {});
    if (connected?.owned) await connected.owned.stop();
    journal.append({ type: 'suite-ended', at: clock.now() });
  }

  const interrupted = signal.aborted;
  const codes = entries.map((entry) => entry.exitCode);
  if (suiteError) codes.push(suiteError.exitCode);
  if (interrupted) codes.push(ExitCode.interrupted);
  let exitCode = aggregateExitCode(codes);
  const matrixRuns: MatrixRun[] = [];
  for (const entry of entries) {
    const outcome = entry.outcome;
    const loaded = scenarios.find((s) => s.scenario.name === entry.scenario);
    if (!outcome || !loaded || entry.runDir === null) continue;
    const slo = clientSlo(inputs.suite, loaded.scenario);
    const windows = slo ? await readWindows(join(suiteDir, entry.runDir)) : [];
    const injections = outcome.faults.flatMap((f) => (f.injectedAt === null ? [] : [f.injectedAt]));
    matrixRuns.push({
      scenario: entry.scenario,
      repeat: entry.repeat,
      runDir: entry.runDir,
      endedAt: outcome.endedAt,
      faults: outcome.faults,
      alerts: outcome.alerts,
      expectations: outcome.expectations,
      expectedFirings: planScenario(loaded.scenario).expectations.flatMap(({ id, expectation }) =>
        expectation.kind === 'alert-fires'
          ? [{ id, alert: expectation.alert, faultId: expectation.after, withinMs: expectation.within }]
          : [],
      ),
      ...(slo
        ? {
            impactAt: Object.fromEntries(
              outcome.faults.map((fault) => {
                if (fault.injectedAt === null) return [fault.id, null];
                const next = injections.filter((at) => at > (fault.injectedAt ?? 0));
                const toAt = next.length > 0 ? Math.min(...next) : outcome.endedAt;
                return [fault.id, firstSloBreach(windows, { fromAt: fault.injectedAt, toAt }, slo)];
              }),
            ),
          }
        : {}),
    });
  }
  let outcome: SuiteOutcome = {
    suiteId,
    name: inputs.suite.name,
    suiteFile: inputs.suiteFile ? relative(process.cwd(), inputs.suiteFile) : null,
    startedAt,
    endedAt: clock.now(),
    verdict: verdictForExit(exitCode),
    exitCode,
    ...(interrupted
      ? {
          reason:
            'interrupted (Ctrl-C): the running scenario reverted its faults; later scenarios did not run',
        }
      : reason
        ? { reason }
        : {}),
    stack: connected
      ? {
          prometheus: connected.endpoints.prometheus,
          alertmanager: connected.endpoints.alertmanager,
          target: connected.endpoints.target,
          embedded: connected.endpoints.embedded,
        }
      : {
          prometheus: '',
          alertmanager: '',
          target: options.target ?? first.scenario.target.url ?? '',
          embedded: false,
        },
    repeat,
    runs: entries,
    matrix: buildDetectionMatrix(matrixRuns, rules, metricsPresent),
    warnings,
  };
  const writeReports = async () => {
    const suiteJson = buildSuiteJson(outcome);
    await writeFile(join(suiteDir, 'suite.json'), `${JSON.stringify(suiteJson, null, 2)}\n`);
    await writeFile(join(suiteDir, 'summary.md'), buildSuiteSummaryMarkdown(outcome));
    await writeFile(
      join(suiteDir, 'report.html'),
      renderSuiteHtml(suiteJson, outcome.comparison?.comparison),
    );
  };
  await writeReports();
  await writeFile(join(suiteDir, 'junit.xml'), buildSuiteJunitXml(outcome));
  if (compareWithBaseline) {
    // The comparison reads the suite folder just written; a regression is a finding like a failed expectation.
    let comparison: BaselineVerdict | undefined;
    const warnings = [...outcome.warnings];
    try {
      comparison = await compareWithBaseline(suiteDir);
      if (comparison.regressions > 0) codes.push(ExitCode.failed);
    } catch (error) {
      const failure = isFiredrillError(error)
        ? error
        : new FiredrillError('FD_INTERNAL', formatError(error), { cause: error });
      codes.push(failure.exitCode);
      warnings.push(`the comparison with the baseline ${baselineDir} failed: ${formatError(failure)}`);
      log.warn(warnings[warnings.length - 1]!);
    }
    exitCode = aggregateExitCode(codes);
    const regressed = comparison !== undefined && comparison.regressions > 0;
    outcome = {
      ...outcome,
      exitCode,
      verdict: verdictForExit(exitCode),
      warnings,
      ...(comparison ? { comparison } : {}),
      ...(!outcome.reason && regressed
        ? {
            reason: `regressed against the baseline ${comparison!.baselineDir}: ${comparison!.regressions} regression${comparison!.regressions === 1 ? '' : 's'} (compare.md)`,
          }
        : {}),
    };
    await writeReports();
  }
  await updateLatestLink(reportsDir, suiteDir);
  return { outcome, reportDir: suiteDir, exitCode };
}

/**
 * The SLO that says when users were hurt: the suite's, else the scenario's own p99 and error-ratio thresholds
 * on "baseline" or "run" (the strictest); undefined when neither gives one.
 */
export function clientSlo(suite: Suite, scenario: Scenario): ClientSlo | undefined {
  if (suite.slo && (suite.slo.p99 !== undefined || suite.slo.errorRatio !== undefined)) {
    return { p99Ms: suite.slo.p99, errorRatio: suite.slo.errorRatio };
  }
  let p99Ms: number | undefined;
  let errorRatio: number | undefined;
  for (const e of scenario.expect) {
    if (e.kind !== 'threshold' || (e.phase !== 'baseline' && e.phase !== 'run')) continue;
    if (e.op !== '<' && e.op !== '<=') continue;
    if (e.metric === 'p99') p99Ms = Math.min(p99Ms ?? Number.POSITIVE_INFINITY, e.value);
    if (e.metric === 'error-ratio') errorRatio = Math.min(errorRatio ?? Number.POSITIVE_INFINITY, e.value);
  }
  return p99Ms === undefined && errorRatio === undefined ? undefined : { p99Ms, errorRatio };
}

/** The traffic windows of a run, from its journal (empty when it has none). */
async function readWindows(runDir: string) {
  try {
    return parseJournal(await readFile(join(runDir, 'events.ndjson'), 'utf8')).flatMap((event) =>
      event.type === 'traffic-window' ? [event.window] : [],
    );
  } catch {
    return [];
  }
}

/** Loads and validates every scenario before anything starts; all problems of all files in one error. */
async function loadAll(
  files: readonly string[],
  backend: FaultBackend | undefined,
): Promise<LoadedScenario[]> {
  const loaded: LoadedScenario[] = [];
  const problems: string[] = [];
  for (const file of files) {
    try {
      loaded.push({ file, scenario: await loadScenario(relative(process.cwd(), file) || file, { backend }) });
    } catch (error) {
      if (!isFiredrillError(error)) throw error;
      problems.push(formatError(error));
    }
  }
  if (problems.length > 0) {
    throw new FiredrillError(
      'FD_SCENARIO_INVALID',
      `the suite has ${problems.length} invalid scenario${problems.length > 1 ? 's' : ''}; nothing was run:\n${problems.join('\n')}`,
      { hint: 'fix them (firedrill validate FILE shows one at a time), or leave them out of the suite' },
    );
  }
  const names = new Map<string, string>();
  for (const { file, scenario } of loaded) {
    const other = names.get(scenario.name);
    if (other) {
      throw new FiredrillError(
        'FD_USAGE',
        `two scenarios of the suite are named "${scenario.name}": ${other} and ${file}`,
        {
          hint: 'scenario names key the detection matrix; rename one',
        },
      );
    }
    names.set(scenario.name, file);
  }
  return loaded;
}

/** The alerting rules, and every rule's query and range window (recording rules too). */
async function loadRules(prometheus: PrometheusClient): Promise<{
  alerting: AlertRule[];
  queries: string[];
  windows: Array<{ name: string; rangeMs: number }>;
}> {
  const groups = await prometheus.rules();
  const alerting = new Map<string, AlertRule>();
  const windows: Array<{ name: string; rangeMs: number }> = [];
  for (const group of groups) {
    for (const rule of group.rules) {
      windows.push({ name: rule.name, rangeMs: longestRangeMs([rule.query]) });
      if (rule.type !== 'alerting' || alerting.has(rule.name)) continue;
      alerting.set(rule.name, {
        name: rule.name,
        severity: rule.labels?.severity ?? null,
        query: rule.query,
      });
    }
  }
  return {
    alerting: [...alerting.values()],
    queries: groups.flatMap((g) => g.rules.map((r) => r.query)),
    windows,
  };
}

/** Names of the metrics Prometheus has series of since `sinceMs` (label values of __name__). */
async function metricNames(prometheusUrl: string, sinceMs: number): Promise<Set<string>> {
  const url = `${prometheusUrl}/api/v1/label/__name__/values?start=${Math.floor(sinceMs / 1000)}`;
  const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
  const body = (await response.json()) as { status?: string; data?: string[] };
  if (!response.ok || body.status !== 'success' || !Array.isArray(body.data)) {
    throw new Error(`GET ${url} answered HTTP ${response.status}`);
  }
  return new Set(body.data);
}

interface GateOptions {
  prometheus: PrometheusClient;
  known: readonly string[];
  /** Epoch ms before which the gate does not open (previous run's last revert + longest range window). */
  notBefore: number;
  timeoutMs: number;
  probe: ReadinessProbe;
  signal: AbortSignal;
  clock: Clock;
}

/**
 * Waits until the stack is quiet: the range window since the last revert has passed, no alert is pending or
 * firing (except `known`), and the target answers its readiness probe. Never waits past its timeout: then it
 * says what was still active.
 */
export async function quiescenceGate(
  options: GateOptions,
): Promise<{ ok: boolean; waitedMs: number; reason?: string }> {
  const { clock, signal } = options;
  const began = clock.now();
  const deadline = began + options.timeoutMs;
  const done = (ok: boolean, reason?: string) => ({
    ok,
    waitedMs: clock.now() - began,
    ...(reason ? { reason } : {}),
  });
  const windowWait = Math.min(options.notBefore, deadline) - clock.now();
  if (windowWait > 0) await sleep(windowWait, signal).catch(() => {});
  let active: string[] = [];
  for (;;) {
    if (signal.aborted) return done(false, 'interrupted');
    try {
      const alerts = await options.prometheus.alerts(signal);
      active = [
        ...new Set(
          alerts
            .filter((a) => a.state !== 'inactive' && !options.known.includes(a.labels.alertname ?? ''))
            .map((a) => `${a.labels.alertname ?? '?'} (${a.state})`),
        ),
      ];
    } catch (error) {
      active = [`Prometheus unreachable: ${formatError(error)}`];
    }
    if (active.length === 0 && clock.now() >= options.notBefore) break;
    if (clock.now() >= deadline) {
      return done(
        false,
        active.length > 0
          ? `still active after ${options.timeoutMs / 1000}s: ${active.join(', ')} (list always-on alerts in the suite's known:)`
          : `the range window had not passed within ${options.timeoutMs / 1000}s`,
      );
    }
    await sleep(500, signal).catch(() => {});
  }
  try {
    await waitTargetReady({ ...options.probe, timeoutMs: Math.max(1000, deadline - clock.now()) }, signal);
  } catch (error) {
    return done(false, formatError(error).split('\n')[0]!);
  }
  return done(true);
}
