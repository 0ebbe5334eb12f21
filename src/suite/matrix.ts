/**
 * The detection matrix of a suite (pure): every fault of every scenario × every alert rule loaded in
 * Prometheus, with each cell classified against what the scenario expected, plus blind spots (faults no
 * page or ticket caught) and alert coverage (rules nothing exercised, rules over metrics that do not
 * exist). Times are milliseconds from the fault's injection.
 */
import type { AlertRecord, ExpectationResult } from '../evaluate/index.ts';
import type { FaultOutcome } from '../report/index.ts';
import { summarizeWindows, type TrafficWindow } from '../traffic/index.ts';

/** One finished run of a scenario, as the matrix reads it. */
export interface MatrixRun {
  scenario: string;
  /** 1-based repeat number. */
  repeat: number;
  /** The run's folder, relative to the suite folder (links from the report). */
  runDir: string;
  endedAt: number;
  faults: FaultOutcome[];
  alerts: AlertRecord[];
  expectations: ExpectationResult[];
  /** The scenario's alert-fires expectations: which alert it expects after which fault. */
  expectedFirings: Array<{ id: string; alert: string; faultId: string; withinMs: number }>;
  /**
   * Fault id → when the client first saw the service break its SLO after that fault (epoch ms), null when it
   * never did; absent when there was no SLO to judge by. See firstSloBreach.
   */
  impactAt?: Record<string, number | null>;
}

/** A client-side SLO: p99 latency of successful requests (ms) and error ratio (0..1); either may be absent. */
export interface ClientSlo {
  p99Ms?: number | undefined;
  errorRatio?: number | undefined;
}

/**
 * The first one-second traffic window at or after `fromAt` (and before `toAt`) in which the client saw the SLO
 * broken — p99 over the limit, or the error ratio over it — as max(window start, fromAt); null if none did.
 * Percentiles come from each window's own histogram (never averaged).
 */
export function firstSloBreach(
  windows: readonly TrafficWindow[],
  span: { fromAt: number; toAt: number },
  slo: ClientSlo,
): number | null {
  const ordered = [...windows].sort((a, b) => a.startAt - b.startAt);
  for (const window of ordered) {
    if (window.startAt + 1000 <= span.fromAt || window.startAt >= span.toAt) continue;
    const stats = summarizeWindows([window]);
    if (stats.completed === 0) continue;
    const slow = slo.p99Ms !== undefined && stats.latencyMs.p99 > slo.p99Ms;
    const failing = slo.errorRatio !== undefined && stats.errorRatio > slo.errorRatio;
    if (slow || failing) return Math.max(window.startAt, span.fromAt);
  }
  return null;
}

/** An alerting rule as Prometheus loaded it. */
export interface AlertRule {
  name: string;
  /** The rule's `severity` label (page, ticket, …), or null. */
  severity: string | null;
  query: string;
}

/**
 * expected: expected and fired within budget in every run · late: expected, fired, but over budget in some
 * run · missed: expected, never fired · unexpected: fired during the fault although nothing expected it ·
 * silent: neither expected nor fired · not-injected: the fault never landed, so nothing can be said.
 */
export type CellClass = 'expected' | 'late' | 'missed' | 'unexpected' | 'silent' | 'not-injected';

/** Distribution of a time over the runs where it happened (ms from injection). */
export interface TimeStats {
  p50: number;
  p90: number;
  max: number;
}

export interface MatrixCell {
  alert: string;
  class: CellClass;
  /** Runs of this fault that landed, and in how many of them the alert fired. */
  runs: number;
  fired: number;
  toPending: TimeStats | null;
  toFiring: TimeStats | null;
  toNotified: TimeStats | null;
  /** The detection budget when expected. */
  budgetMs: number | null;
  /**
   * Firing minus the client's first SLO breach, per run where both happened: positive = users were hurt
   * that long before the alert fired; negative = it fired that long before users noticed.
   */
  afterImpact: TimeStats | null;
}

export interface MatrixRow {
  scenario: string;
  faultId: string;
  faultKind: string;
  backend: string;
  /** Runs of the scenario, and how many of them landed this fault. */
  runs: number;
  landed: number;
  /** Run folders (relative), one per run, for links. */
  runDirs: string[];
  cells: MatrixCell[];
  /** Landed, yet no alert of severity page or ticket fired in its window in any run. */
  blindSpot: boolean;
  /**
   * Injection → the client's first SLO breach, over the runs where it broke; `impactRuns` counts them
   * (null stats and 0 when users never noticed, or no SLO was known).
   */
  toImpact: TimeStats | null;
  impactRuns: number;
}

export interface DetectionMatrix {
  /** Column order: every loaded alert rule, by name. */
  alerts: AlertRule[];
  rows: MatrixRow[];
  blindSpots: Array<{ scenario: string; faultId: string; faultKind: string }>;
  coverage: {
    /** Rules that fired in no scenario of the suite. */
    neverFired: string[];
    /** Rules whose expression selects a metric Prometheus has no series of: they can never fire. */
    deadRules: Array<{ alert: string; missingMetrics: string[] }>;
  };
}

/** Severity labels that wake or notify a person. */
const paging = new Set(['page', 'ticket', 'critical', 'warning']);

/**
 * The window in which an alert counts as a reaction to a fault: from its injection to the next fault's
 * injection in the same run, else to the end of the run (alerts lag their fault by range windows and
 * `for`, so the recovery window belongs to the fault). Episodes already pending before the injection are not
 * the fault's doing.
 */
function faultWindow(run: MatrixRun, fault: FaultOutcome): { from: number; to: number } | null {
  if (fault.injectedAt === null) return null;
  const later = run.faults
    .map((f) => f.injectedAt)
    .filter((at): at is number => at !== null && at > (fault.injectedAt ?? 0));
  return { from: fault.injectedAt, to: later.length > 0 ? Math.min(...later) : run.endedAt };
}

/** The first episode of `alert` that began (pending, else firing) inside the window. */
function firstEpisode(alerts: readonly AlertRecord[], alert: string, window: { from: number; to: number }) {
  let best: AlertRecord | undefined;
  for (const record of alerts) {
    if (record.name !== alert) continue;
    const began = record.pendingAt ?? record.firingAt;
    if (began === null || began < window.from || began >= window.to) continue;
    if (!best || began < (best.pendingAt ?? best.firingAt ?? Number.POSITIVE_INFINITY)) best = record;
  }
  return best;
}

/** Nearest-rank percentile of a non-empty list. */
function percentile(sorted: readonly number[], q: number): number {
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[index]!;
}

export function timeStats(values: readonly number[]): TimeStats | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return { p50: percentile(sorted, 0.5), p90: percentile(sorted, 0.9), max: sorted[sorted.length - 1]! };
}

/**
 * Builds the matrix. `runs` holds every run of every scenario (repeats included); `rules` every alerting rule
 * loaded; `metricsPresent` the metric names Prometheus holds series of (undefined: not checked, so no rule
 * is called dead).
 */
export function buildDetectionMatrix(
  runs: readonly MatrixRun[],
  rules: readonly AlertRule[],
  metricsPresent?: ReadonlySet<string>,
): DetectionMatrix {
  const alerts = [...rules].sort((a, b) => a.name.localeCompare(b.name));
  const rows: MatrixRow[] = [];
  const byScenario = new Map<string, MatrixRun[]>();
  for (const run of runs) byScenario.set(run.scenario, [...(byScenario.get(run.scenario) ?? []), run]);

  for (const [scenario, scenarioRuns] of byScenario) {
    const faultIds = [...new Set(scenarioRuns.flatMap((run) => run.faults.map((f) => f.id)))];
    for (const faultId of faultIds) {
      const occurrences = scenarioRuns.flatMap((run) => {
        const fault = run.faults.find((f) => f.id === faultId);
        return fault ? [{ run, fault }] : [];
      });
      const first = occurrences[0]!.fault;
      const landedRuns = occurrences.filter(({ fault }) => fault.landedAt !== null);
      const cells = alerts.map((rule): MatrixCell => {
        const toPending: number[] = [];
        const toFiring: number[] = [];
        const toNotified: number[] = [];
        const afterImpact: number[] = [];
        let fired = 0;
        let overBudget = false;
        let budgetMs: number | null = null;
        for (const { run, fault } of landedRuns) {
          const window = faultWindow(run, fault);
          const episode = window ? firstEpisode(run.alerts, rule.name, window) : undefined;
          const injectedAt = fault.injectedAt ?? 0;
          if (episode && episode.firingAt !== null) {
            fired += 1;
            toFiring.push(episode.firingAt - injectedAt);
            if (episode.notifiedAt !== null) toNotified.push(episode.notifiedAt - injectedAt);
            const impactAt = run.impactAt?.[faultId];
            if (impactAt !== undefined && impactAt !== null) afterImpact.push(episode.firingAt - impactAt);
          }
          if (episode?.pendingAt != null) toPending.push(episode.pendingAt - injectedAt);
          for (const expected of run.expectedFirings) {
            if (expected.alert !== rule.name || expected.faultId !== faultId) continue;
            budgetMs = expected.withinMs;
            const verdict = run.expectations.find((e) => e.id === expected.id)?.verdict;
            if (verdict === 'failed') overBudget = true;
          }
        }
        const expected = scenarioRuns.some((run) =>
          run.expectedFirings.some((e) => e.alert === rule.name && e.faultId === faultId),
        );
        const cellClass: CellClass =
          landedRuns.length === 0
            ? 'not-injected'
            : expected
              ? fired === 0
                ? 'missed'
                : overBudget
                  ? 'late'
                  : 'expected'
              : fired > 0
                ? 'unexpected'
                : 'silent';
        return {
          alert: rule.name,
          class: cellClass,
          runs: landedRuns.length,
          fired,
          toPending: timeStats(toPending),
          toFiring: timeStats(toFiring),
          toNotified: timeStats(toNotified),
          budgetMs,
          afterImpact: timeStats(afterImpact),
        };
      });
      const severity = new Map(alerts.map((rule) => [rule.name, rule.severity]));
      const blindSpot =
        landedRuns.length > 0 &&
        !cells.some((cell) => cell.fired > 0 && paging.has(severity.get(cell.alert) ?? ''));
      const impacts = landedRuns.flatMap(({ run, fault }) => {
        const impactAt = run.impactAt?.[faultId];
        return impactAt === undefined || impactAt === null || fault.injectedAt === null
          ? []
          : [impactAt - fault.injectedAt];
      });
      rows.push({
        toImpact: timeStats(impacts),
        impactRuns: impacts.length,
        scenario,
        faultId,
        faultKind: first.kind,
        backend: first.backend,
        runs: occurrences.length,
        landed: landedRuns.length,
        runDirs: occurrences.map(({ run }) => run.runDir),
        cells,
        blindSpot,
      });
    }
  }

  const firedAnywhere = new Set<string>();
  for (const run of runs)
    for (const record of run.alerts) if (record.firingAt !== null) firedAnywhere.add(record.name);
  return {
    alerts,
    rows,
    blindSpots: rows
      .filter((row) => row.blindSpot)
      .map(({ scenario, faultId, faultKind }) => ({ scenario, faultId, faultKind })),
    coverage: {
      neverFired: alerts.map((rule) => rule.name).filter((name) => !firedAnywhere.has(name)),
      deadRules:
        metricsPresent === undefined
          ? []
          : alerts.flatMap((rule) => {
              const missing = metricNamesOf(rule.query).filter((metric) => !metricsPresent.has(metric));
              return missing.length > 0 ? [{ alert: rule.name, missingMetrics: missing }] : [];
            }),
    },
  };
}

/** PromQL words that are not metric names: operators, modifiers and aggregation clauses. */
const keywords = new Set([
  'and',
  'or',
  'unless',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'offset',
  'atan2',
  'inf',
  'nan',
]);

/**
 * The metric names a PromQL expression selects (sorted, unique): bare identifiers and `{__name__="x"}`,
 * not functions (followed by `(`), label names (inside braces or after by/without/on/ignoring), strings,
 * durations or keywords. Recording-rule names (with colons) count as metrics too.
 */
export function metricNamesOf(expr: string): string[] {
  const names = new Set<string>();
  // Explicit __name__ matchers first, then drop strings, braces and brackets.
  for (const match of expr.matchAll(/__name__\s*=\s*"([^"]+)"/g)) names.add(match[1]!);
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/#.*$/gm, ' ');
  for (const match of stripped.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?/g)) {
    const [, word, call] = match;
    if (call || word === undefined) continue;
    if (keywords.has(word.toLowerCase())) continue;
    // A number's exponent (1e3) or duration suffix was split off above; skip words glued to a digit.
    const before = stripped[match.index! - 1];
    if (before !== undefined && /[0-9.]/.test(before)) continue;
    names.add(word);
  }
  return [...names].sort();
}

/** The longest range window (`[5m]`, subquery ranges too) in any of the expressions, in ms; 0 if none. */
export function longestRangeMs(exprs: readonly string[]): number {
  const units: Record<string, number> = {
    ms: 1,
    s: 1000,
    m: 60_000,
    h: 3_600_000,
    d: 86_400_000,
    w: 604_800_000,
    y: 31_536_000_000,
  };
  let longest = 0;
  for (const expr of exprs) {
    for (const match of expr.matchAll(/\[\s*((?:\d+(?:ms|[smhdwy]))+)\s*(?::[^\]]*)?\]/g)) {
      let ms = 0;
      for (const part of match[1]!.matchAll(/(\d+)(ms|[smhdwy])/g))
        ms += Number(part[1]) * (units[part[2]!] ?? 0);
      longest = Math.max(longest, ms);
    }
  }
  return longest;
}
