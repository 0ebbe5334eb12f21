/**
 * The comparison as GitHub-flavoured markdown, ready to paste into a pull request: the verdict, what
 * regressed and improved (why, with numbers), every judged time, and the client figures per phase.
 * A pure view of the Comparison: it interprets nothing the model does not say.
 */
import { formatDuration } from '../core/duration.ts';
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
import { formatTolerance } from './tolerance.ts';

const symbol: Record<ComparisonStatus, string> = {
  regression: '❌',
  improvement: '✅',
  changed: '🔸',
  same: '·',
};

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function row(cells: readonly string[]): string {
  return `| ${cells.map(escapeCell).join(' | ')} |`;
}

function table(header: readonly string[], rows: readonly string[][]): string[] {
  return [row(header), `|${header.map(() => '---').join('|')}|`, ...rows.map(row)];
}

function side(info: SideInfo): string {
  return `${info.kind} \`${info.name}\` (${info.dir}, ${info.runs} run${info.runs === 1 ? '' : 's'})`;
}

function times(values: readonly number[]): string {
  if (values.length === 0) return '—';
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 1
    ? formatDuration(sorted[0]!)
    : `${formatDuration(sorted[0]!)}…${formatDuration(sorted[sorted.length - 1]!)}`;
}

function expectationSide(sample: ExpectationSample): string {
  const judged = sample.passed + sample.failed;
  const verdict = sample.runs > 1 ? `${sample.verdict} ${sample.passed}/${judged}` : sample.verdict;
  return sample.timesMs.length > 0 ? `${verdict}, ${times(sample.timesMs)}` : verdict;
}

function cellSide(sample: CellSample): string {
  const state = sample.landed > 1 ? `${sample.state} ${sample.fired}/${sample.landed}` : sample.state;
  return sample.toFiringMs.length > 0 ? `${state}, ${times(sample.toFiringMs)}` : state;
}

function delta(shift: TimeShift | null): string {
  if (!shift) return '—';
  const sign = shift.diffMs > 0 ? '+' : shift.diffMs < 0 ? '−' : '±';
  return `${sign}${formatDuration(Math.abs(shift.diffMs))}`;
}

function interval(shift: TimeShift | null): string {
  if (!shift) return '—';
  if (!shift.interval) return 'single run';
  return `${formatDuration(shift.interval.lowMs)} … ${formatDuration(shift.interval.highMs)}`;
}

function expectationWhat(change: ExpectationChange): string {
  return `\`${change.id}\` (${change.kind} ${change.subject})`;
}

function cellWhat(change: CellChange): string {
  return `${change.faultId} → ${change.alert}${change.baseline.expected || change.current.expected ? '' : ' (not expected)'}`;
}

function findings(comparison: Comparison, status: 'regression' | 'improvement'): string[][] {
  return [
    ...comparison.expectations
      .filter((c) => c.status === status)
      .map((c) => [
        c.scenario,
        `expectation ${expectationWhat(c)}`,
        expectationSide(c.baseline),
        expectationSide(c.current),
        c.reasons.join('; '),
      ]),
    ...comparison.cells
      .filter((c) => c.status === status)
      .map((c) => [
        c.scenario,
        `matrix ${cellWhat(c)}`,
        cellSide(c.baseline),
        cellSide(c.current),
        c.reasons.join('; '),
      ]),
  ];
}

function phaseFigure(
  values: { baseMedian: number | null; newMedian: number | null },
  format: (n: number) => string,
) {
  const text = (n: number | null) => (n === null ? '—' : format(n));
  return `${text(values.baseMedian)} → ${text(values.newMedian)}`;
}

function percent(ratio: number): string {
  return `${Number((ratio * 100).toFixed(2))}%`;
}

function phaseRows(phases: readonly PhaseChange[]): string[][] {
  return phases.map((p) => [
    p.scenario,
    p.phase,
    phaseFigure(p.p99Ms, formatDuration),
    phaseFigure(p.errorRatio, percent),
  ]);
}

/** One table of the comparison: a title and rows of plain-text cells (markdown code spans in backticks). */
export interface ComparisonTable {
  title: string;
  header: readonly string[];
  rows: readonly string[][];
}

/** The comparison as presentation data, formatted by the markdown below and by the suite's report.html. */
export interface ComparisonSections {
  headline: string;
  intro: readonly string[];
  tables: readonly ComparisonTable[];
  warnings: readonly string[];
  legend: string;
}

export function comparisonSections(comparison: Comparison): ComparisonSections {
  const { regressions, improvements } = comparison;
  const headline =
    comparison.verdict === 'regressed'
      ? `❌ ${regressions} regression${regressions === 1 ? '' : 's'}`
      : comparison.verdict === 'improved'
        ? `✅ no regression, ${improvements} improvement${improvements === 1 ? '' : 's'}`
        : '✅ no regression';
  const intro = [
    `Baseline: ${side(comparison.baseline)} · new: ${side(comparison.current)}.`,
    `Tolerance: ${formatTolerance(comparison.tolerance)} of the baseline median, whichever is larger, and never below the alert's own jitter (scrape + evaluation interval). With ≥ 2 runs on both sides a time regresses only when the whole ${Math.round(comparison.bootstrap.level * 100)}% bootstrap interval of the median difference lies beyond it (${comparison.bootstrap.resamples} resamples, seed ${comparison.bootstrap.seed}); with a single run, when the difference does.`,
  ];
  const tables: ComparisonTable[] = [];
  const header = ['scenario', 'what', 'baseline', 'new', 'why'];
  const regressed = findings(comparison, 'regression');
  const improved = findings(comparison, 'improvement');
  if (regressed.length > 0) tables.push({ title: 'Regressions', header, rows: regressed });
  if (improved.length > 0) tables.push({ title: 'Improvements', header, rows: improved });
  const timed = [
    ...comparison.expectations
      .filter((c) => c.time !== null)
      .map((c) => [
        symbol[c.status],
        c.scenario,
        `expectation ${expectationWhat(c)}`,
        times(c.baseline.timesMs),
        times(c.current.timesMs),
        delta(c.time),
        interval(c.time),
        `±${formatDuration(c.time!.allowanceMs)}`,
      ]),
    ...comparison.cells
      .filter((c) => c.time !== null)
      .map((c) => [
        symbol[c.status],
        c.scenario,
        `matrix ${cellWhat(c)}`,
        times(c.baseline.toFiringMs),
        times(c.current.toFiringMs),
        delta(c.time),
        interval(c.time),
        `±${formatDuration(c.time!.allowanceMs)}`,
      ]),
  ];
  if (timed.length > 0) {
    tables.push({
      title: 'Detection and resolve times',
      header: ['', 'scenario', 'what', 'baseline', 'new', 'Δ median', 'interval', 'allowed'],
      rows: timed,
    });
  }
  const others = [
    ...comparison.expectations
      .filter((c) => c.time === null)
      .map((c) => [
        symbol[c.status],
        c.scenario,
        `expectation ${expectationWhat(c)}`,
        expectationSide(c.baseline),
        expectationSide(c.current),
      ]),
    ...comparison.cells
      .filter((c) => c.time === null)
      .map((c) => [
        symbol[c.status],
        c.scenario,
        `matrix ${cellWhat(c)}`,
        cellSide(c.baseline),
        cellSide(c.current),
      ]),
  ];
  if (others.length > 0) {
    tables.push({ title: 'Verdicts', header: ['', 'scenario', 'what', 'baseline', 'new'], rows: others });
  }
  if (comparison.phases.length > 0) {
    tables.push({
      title: 'Client per phase (median over runs; shown, not judged)',
      header: ['scenario', 'phase', 'p99 baseline → new', 'error ratio baseline → new'],
      rows: phaseRows(comparison.phases),
    });
  }
  return {
    headline,
    intro,
    tables,
    warnings: comparison.warnings,
    legend: `${symbol.regression} regression · ${symbol.improvement} improvement · ${symbol.changed} changed, not judged · ${symbol.same} same`,
  };
}

/**
 * `headingLevel` is the level of the title (2: `##`), sections one below: 3 to embed it under a `##` of
 * another document (a suite's summary.md).
 */
export function comparisonMarkdown(comparison: Comparison, headingLevel = 2): string {
  const h = (level: number) => '#'.repeat(headingLevel + level);
  const sections = comparisonSections(comparison);
  const lines = [`${h(0)} firedrill compare: ${sections.headline}`, '', ...sections.intro];
  for (const t of sections.tables) lines.push('', `${h(1)} ${t.title}`, '', ...table(t.header, t.rows));
  if (sections.warnings.length > 0) {
    lines.push('', `${h(1)} Warnings`, '', ...sections.warnings.map((w) => `- ${w}`));
  }
  lines.push('', sections.legend);
  return `${lines.join('\n')}\n`;
}
