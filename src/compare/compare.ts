/**
 * compareSides (pure): pairs the expectations of two sides by (scenario, expectation id) and their detection
 * matrix cells by (scenario, fault id, alert), each key with one sample per side (one value per run, repeats
 * included), and judges them:
 * - expectation verdicts: passed → failed is a regression, failed → passed an improvement (a side passes when
 *   every judged run passed, fails when any failed);
 * - alert-fires / alert-resolves times, and matrix cells' injection → firing times: the noise-aware rule of
 *   stats.ts (judgeTimes) with the tolerance;
 * - matrix cells the scenario expects: fired → silent is a regression, silent → fired an improvement. Cells it
 *   does not expect (an alert that happened to catch the fault) are shown when they change, never judged;
 * - client p99 and error ratio per phase: shown, not judged (a threshold expectation is what judges them).
 */

import { formatDuration } from '../core/duration.ts';
import { FiredrillError } from '../core/errors.ts';
import { median } from '../core/stats.ts';
import type { ExpectationResult } from '../evaluate/index.ts';
import type { RunJson } from '../report/index.ts';
import { type AlertRule, buildDetectionMatrix, type MatrixRun } from '../suite/index.ts';
import type {
  CellChange,
  CellSample,
  Comparison,
  ComparisonStatus,
  ExpectationChange,
  ExpectationSample,
  PhaseChange,
  SideInfo,
  TimeShift,
} from './model.ts';
import type { Side, SideRun } from './read.ts';
import { bootstrapResamples, confidenceLevel, judgeTimes } from './stats.ts';
import type { Tolerance } from './tolerance.ts';

export interface CompareOptions {
  tolerance: Tolerance;
  /** Seed of the bootstrap (default 1). */
  seed?: number;
}

/** Expectation kinds whose measuredMs is a detection or resolve time the rule judges. */
const timedKinds = new Set(['alert-fires', 'alert-resolves']);

export function compareSides(baseline: Side, current: Side, options: CompareOptions): Comparison {
  const seed = options.seed ?? 1;
  const baseScenarios = scenariosOf(baseline);
  const newScenarios = scenariosOf(current);
  const common = baseScenarios.filter((s) => newScenarios.includes(s));
  if (common.length === 0) {
    throw new FiredrillError(
      'FD_USAGE',
      `nothing to compare: the baseline ${baseline.dir} ran ${baseScenarios.join(', ')} and the new ${current.dir} ran ${newScenarios.join(', ')}: no scenario in common`,
      { hint: 'compare results of the same scenarios (scenario names key the comparison)' },
    );
  }
  const warnings: string[] = [];
  const unmatched = {
    baselineOnly: baseScenarios.filter((s) => !newScenarios.includes(s)),
    currentOnly: newScenarios.filter((s) => !baseScenarios.includes(s)),
  };
  if (unmatched.baselineOnly.length > 0)
    warnings.push(`only the baseline ran ${unmatched.baselineOnly.join(', ')}: not compared`);
  if (unmatched.currentOnly.length > 0)
    warnings.push(`only the new side ran ${unmatched.currentOnly.join(', ')}: not compared`);

  const expectations: ExpectationChange[] = [];
  const cells: CellChange[] = [];
  const phases: PhaseChange[] = [];
  const rules = unionRules(baseline.alerts, current.alerts);
  for (const scenario of common) {
    const baseRuns = baseline.runs.filter((r) => r.scenario === scenario);
    const newRuns = current.runs.filter((r) => r.scenario === scenario);
    // Detection times assume Prometheus kept its schedule; a run that says it did not is named, and so is
    // every time that moved in its scenario.
    const late = prometheusLateNote(baseRuns, newRuns);
    if (late !== undefined) {
      warnings.push(
        `${scenario}: ${late}: their detection times include Prometheus's own delay, so a time that moved there may be the host's doing, not the rules'; rerun on a quieter host before trusting it`,
      );
    }
    const timing = { tolerance: options.tolerance, seed, late };
    expectations.push(...compareExpectations(scenario, baseRuns, newRuns, timing, warnings));
    cells.push(...compareCells(scenario, baseRuns, newRuns, rules, timing));
    phases.push(...comparePhases(scenario, baseRuns, newRuns));
  }
  const all = [...expectations, ...cells];
  const regressions = all.filter((c) => c.status === 'regression').length;
  const improvements = all.filter((c) => c.status === 'improvement').length;
  return {
    schemaVersion: 1,
    baseline: info(baseline),
    current: info(current),
    tolerance: { absMs: options.tolerance.absMs, factor: options.tolerance.factor },
    bootstrap: { seed, resamples: bootstrapResamples, level: confidenceLevel },
    verdict: regressions > 0 ? 'regressed' : improvements > 0 ? 'improved' : 'unchanged',
    regressions,
    improvements,
    expectations,
    cells,
    phases,
    unmatched,
    warnings,
  };
}

function scenariosOf(side: Side): string[] {
  return [...new Set(side.runs.map((r) => r.scenario))];
}

function info(side: Side): SideInfo {
  return {
    dir: side.dir,
    kind: side.kind,
    name: side.name,
    runs: side.runs.length,
    scenarios: scenariosOf(side),
  };
}

function unionRules(a: readonly AlertRule[], b: readonly AlertRule[]): AlertRule[] {
  const byName = new Map<string, AlertRule>();
  for (const rule of [...a, ...b]) if (!byName.has(rule.name)) byName.set(rule.name, rule);
  return [...byName.values()];
}

/** The status of a key from its reasons' outcomes: a regression outweighs an improvement, which outweighs a change. */
function statusOf(outcomes: readonly ComparisonStatus[]): ComparisonStatus {
  for (const status of ['regression', 'improvement', 'changed'] as const)
    if (outcomes.includes(status)) return status;
  return 'same';
}

/** How times are judged in one scenario: the tolerance, the bootstrap's seed, and prometheusLateNote's. */
interface TimeJudging {
  tolerance: Tolerance;
  seed: number;
  late: string | undefined;
}

/**
 * Describes a judged time for a reason list (with `late`, the runs whose Prometheus fell behind); null when
 * it is the same.
 */
function timeReason(what: string, shift: TimeShift, late: string | undefined): string | null {
  if (shift.change === 'same') return null;
  const how = shift.change === 'regression' ? 'slower' : 'faster';
  const interval = shift.interval
    ? ` (${Math.round(confidenceLevel * 100)}% interval ${formatDuration(shift.interval.lowMs)}…${formatDuration(shift.interval.highMs)})`
    : '';
  return `${what} ${how} by ${formatDuration(Math.abs(shift.diffMs))}${interval}, allowed ±${formatDuration(shift.allowanceMs)}${late === undefined ? '' : `; ${late}`}`;
}

/** "Prometheus itself was late in k of n baseline runs and …" (run.json prometheusLateness), or undefined. */
function prometheusLateNote(baseRuns: readonly SideRun[], newRuns: readonly SideRun[]): string | undefined {
  const parts: string[] = [];
  for (const [side, runs] of [
    ['baseline', baseRuns],
    ['new', newRuns],
  ] as const) {
    const late = runs.filter((r) => r.run.prometheusLateness?.late === true).length;
    if (late > 0) parts.push(`${late} of ${runs.length} ${side} run${runs.length === 1 ? '' : 's'}`);
  }
  return parts.length === 0 ? undefined : `Prometheus itself was late in ${parts.join(' and ')}`;
}

/** The largest detection jitter any run's floors give for `alert` (0 when none has a floor for it). */
function jitterOf(runs: readonly SideRun[], alert: string): number {
  let jitter = 0;
  for (const { run } of runs)
    for (const floor of run.floors) if (floor.alert === alert) jitter = Math.max(jitter, floor.jitterMs);
  return jitter;
}

function ms(iso: string | null): number | null {
  return iso === null ? null : Date.parse(iso);
}

function expectationSample(results: readonly RunJson['expectations'][number][]): ExpectationSample {
  const passed = results.filter((e) => e.verdict === 'passed').length;
  const failed = results.filter((e) => e.verdict === 'failed').length;
  return {
    runs: results.length,
    passed,
    failed,
    inconclusive: results.length - passed - failed,
    verdict: failed > 0 ? 'failed' : passed > 0 ? 'passed' : 'inconclusive',
    timesMs: results.flatMap((e) => (e.measuredMs === null ? [] : [e.measuredMs])),
  };
}

function compareExpectations(
  scenario: string,
  baseRuns: readonly SideRun[],
  newRuns: readonly SideRun[],
  { tolerance, seed, late }: TimeJudging,
  warnings: string[],
): ExpectationChange[] {
  const ids = (runs: readonly SideRun[]) => [
    ...new Set(runs.flatMap((r) => r.run.expectations.map((e) => e.id))),
  ];
  const baseIds = ids(baseRuns);
  const newIds = ids(newRuns);
  const only = [
    ...baseIds.filter((id) => !newIds.includes(id)).map((id) => `${id} (baseline only)`),
    ...newIds.filter((id) => !baseIds.includes(id)).map((id) => `${id} (new only)`),
  ];
  if (only.length > 0)
    warnings.push(`${scenario}: expectations on one side only, not compared: ${only.join(', ')}`);
  return baseIds
    .filter((id) => newIds.includes(id))
    .map((id) => {
      const pick = (runs: readonly SideRun[]) =>
        runs.flatMap((r) => r.run.expectations.filter((e) => e.id === id));
      const baseResults = pick(baseRuns);
      const newResults = pick(newRuns);
      const first = newResults[0] ?? baseResults[0]!;
      const base = expectationSample(baseResults);
      const next = expectationSample(newResults);
      const outcomes: ComparisonStatus[] = [];
      const reasons: string[] = [];
      if (base.verdict !== next.verdict) {
        const judged = base.verdict !== 'inconclusive' && next.verdict !== 'inconclusive';
        outcomes.push(!judged ? 'changed' : next.verdict === 'failed' ? 'regression' : 'improvement');
        reasons.push(`${base.verdict} → ${next.verdict}`);
      }
      let time: TimeShift | null = null;
      if (timedKinds.has(first.kind) && base.timesMs.length > 0 && next.timesMs.length > 0) {
        const jitter = first.alert === null ? 0 : jitterOf([...baseRuns, ...newRuns], first.alert);
        time = judgeTimes(base.timesMs, next.timesMs, tolerance, seed, jitter);
        const reason = timeReason(first.kind === 'alert-fires' ? 'detection' : 'resolve', time, late);
        if (reason) {
          outcomes.push(time.change === 'regression' ? 'regression' : 'improvement');
          reasons.push(reason);
        }
      }
      return {
        scenario,
        id,
        kind: first.kind,
        subject: first.subject,
        baseline: base,
        current: next,
        time,
        status: statusOf(outcomes),
        reasons,
      };
    });
}

/** A run.json as the matrix reads it (times back to epoch ms). */
export function matrixRunOf(side: SideRun): MatrixRun {
  const { run } = side;
  return {
    scenario: side.scenario,
    repeat: side.repeat,
    runDir: side.runDir,
    endedAt: Date.parse(run.endedAt),
    faults: run.faults.map((f) => ({
      id: f.id,
      kind: f.kind,
      backend: f.backend,
      params: f.params,
      injectedAt: ms(f.injectedAt),
      landedAt: ms(f.landedAt),
      landedEvidence: f.landedEvidence,
      notLandedReason: f.notLandedReason,
      revertedAt: ms(f.revertedAt),
      revertError: f.revertError,
      cleanupHint: f.cleanupHint,
    })),
    alerts: run.alerts.map((a) => ({
      name: a.name,
      labels: a.labels,
      pendingAt: ms(a.pendingAt),
      firingAt: ms(a.firingAt),
      notifiedAt: ms(a.notifiedAt),
      resolvedAt: ms(a.resolvedAt),
      endedAt: ms(a.endedAt),
      ...(a.source === null ? {} : { source: a.source }),
    })),
    expectations: run.expectations.map(
      (e): ExpectationResult => ({
        id: e.id,
        kind: e.kind,
        subject: e.subject,
        verdict: e.verdict,
        measuredMs: e.measuredMs,
        budgetMs: e.budgetMs,
        floorMs: e.floorMs,
        detail: e.detail,
      }),
    ),
    expectedFirings: run.expectations.flatMap((e) =>
      e.kind === 'alert-fires' && e.alert !== null && e.faultId !== null
        ? [{ id: e.id, alert: e.alert, faultId: e.faultId, withinMs: e.budgetMs ?? 0 }]
        : [],
    ),
  };
}

function cellSample(landed: number, fired: number, expected: boolean, toFiringMs: number[]): CellSample {
  return {
    landed,
    fired,
    expected,
    state: landed === 0 ? 'not-injected' : fired === 0 ? 'silent' : fired === landed ? 'fired' : 'flaky',
    toFiringMs,
  };
}

/** Per (fault, alert): the sample of one side, one matrix of one run at a time (the matrix's own rule). */
function cellSamples(runs: readonly SideRun[], rules: readonly AlertRule[]): Map<string, CellSample> {
  const acc = new Map<
    string,
    { faultId: string; alert: string; landed: number; fired: number; expected: boolean; times: number[] }
  >();
  for (const run of runs) {
    const matrix = buildDetectionMatrix([matrixRunOf(run)], rules);
    for (const row of matrix.rows) {
      for (const cell of row.cells) {
        const key = JSON.stringify([row.faultId, cell.alert]);
        const entry = acc.get(key) ?? {
          faultId: row.faultId,
          alert: cell.alert,
          landed: 0,
          fired: 0,
          expected: false,
          times: [],
        };
        entry.landed += row.landed;
        entry.fired += cell.fired;
        if (cell.class === 'expected' || cell.class === 'late' || cell.class === 'missed')
          entry.expected = true;
        if (cell.toFiring !== null) entry.times.push(cell.toFiring.p50);
        acc.set(key, entry);
      }
    }
  }
  return new Map([...acc].map(([key, e]) => [key, cellSample(e.landed, e.fired, e.expected, e.times)]));
}

function compareCells(
  scenario: string,
  baseRuns: readonly SideRun[],
  newRuns: readonly SideRun[],
  rules: readonly AlertRule[],
  { tolerance, seed, late }: TimeJudging,
): CellChange[] {
  const base = cellSamples(baseRuns, rules);
  const next = cellSamples(newRuns, rules);
  const keys = [...new Set([...base.keys(), ...next.keys()])];
  const changes: CellChange[] = [];
  for (const key of keys) {
    const [faultId, alert] = JSON.parse(key) as [string, string];
    const b = base.get(key) ?? cellSample(0, 0, false, []);
    const n = next.get(key) ?? cellSample(0, 0, false, []);
    // Cells nobody expected and that never fired on either side say nothing.
    if (!b.expected && !n.expected && b.fired === 0 && n.fired === 0) continue;
    const judged = b.expected || n.expected;
    const outcomes: ComparisonStatus[] = [];
    const reasons: string[] = [];
    if (b.state !== n.state) {
      const lost = b.fired > 0 && n.state === 'silent';
      const gained = b.state === 'silent' && n.fired > 0;
      outcomes.push(judged && lost ? 'regression' : judged && gained ? 'improvement' : 'changed');
      reasons.push(
        `${b.state} ${b.fired}/${b.landed} → ${n.state} ${n.fired}/${n.landed}${judged ? '' : ' (not expected: shown, not judged)'}`,
      );
    }
    let time: TimeShift | null = null;
    if (b.toFiringMs.length > 0 && n.toFiringMs.length > 0) {
      time = judgeTimes(
        b.toFiringMs,
        n.toFiringMs,
        tolerance,
        seed,
        jitterOf([...baseRuns, ...newRuns], alert),
      );
      const reason = timeReason('firing', time, late);
      if (reason) {
        outcomes.push(!judged ? 'changed' : time.change === 'regression' ? 'regression' : 'improvement');
        reasons.push(judged ? reason : `${reason} (not expected: shown, not judged)`);
      }
    }
    changes.push({
      scenario,
      faultId,
      alert,
      baseline: b,
      current: n,
      time,
      status: statusOf(outcomes),
      reasons,
    });
  }
  return changes;
}

function comparePhases(
  scenario: string,
  baseRuns: readonly SideRun[],
  newRuns: readonly SideRun[],
): PhaseChange[] {
  const names = [...new Set([...baseRuns, ...newRuns].flatMap((r) => Object.keys(r.run.phases)))];
  const values = (runs: readonly SideRun[], phase: string, pick: (p: RunJson['phases'][string]) => number) =>
    runs.flatMap((r) => {
      const stats = r.run.phases[phase];
      return stats && stats.completed > 0 ? [pick(stats)] : [];
    });
  const figure = (base: number[], next: number[]) => ({
    baseline: base,
    current: next,
    baseMedian: base.length > 0 ? median(base) : null,
    newMedian: next.length > 0 ? median(next) : null,
  });
  return names.map((phase) => ({
    scenario,
    phase,
    p99Ms: figure(
      values(baseRuns, phase, (p) => p.latencyMs.p99),
      values(newRuns, phase, (p) => p.latencyMs.p99),
    ),
    errorRatio: figure(
      values(baseRuns, phase, (p) => p.errorRatio),
      values(newRuns, phase, (p) => p.errorRatio),
    ),
  }));
}
