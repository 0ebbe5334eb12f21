/**
 * A suite's reports, pure functions of its outcome: suite.json (zod schema, versioned), junit.xml (one
 * <testsuite> per scenario run), summary.md (runs, the detection matrix, blind spots, alert coverage) and
 * the terminal table.
 */

import { z } from 'zod';
import type { Comparison } from '../compare/model.ts';
import { formatDuration } from '../core/duration.ts';
import { ExitCode } from '../core/errors.ts';
import {
  escapeXmlAttr,
  escapeXmlText,
  junitDocument,
  junitTestsuite,
  type RunOutcome,
} from '../report/index.ts';
import type { CellClass, DetectionMatrix, MatrixCell, TimeStats } from './matrix.ts';

/** One scenario run of the suite: judged (with its run folder), or stopped at the quiescence gate. */
export interface SuiteRunEntry {
  scenario: string;
  file: string;
  repeat: number;
  /** The run folder relative to the suite folder; null when the gate stopped it. */
  runDir: string | null;
  verdict: RunOutcome['verdict'];
  exitCode: number;
  reason?: string;
  counts: { passed: number; failed: number; inconclusive: number };
  /** How long the quiescence gate before it waited, and why it stopped the run if it did. */
  gate: { waitedMs: number; ok: boolean; reason?: string };
  /** The run's outcome (absent when the gate stopped it). */
  outcome?: RunOutcome;
}

/** The suite compared with a baseline (`--baseline`): the gist; compare.md and compare.json hold it all. */
export interface BaselineVerdict {
  baselineDir: string;
  verdict: 'regressed' | 'improved' | 'unchanged';
  regressions: number;
  improvements: number;
  /** The comparison as markdown for summary.md (its title at level 3). */
  markdown: string;
  /** All of it (compare.json), for report.html. */
  comparison: Comparison;
}

export interface SuiteOutcome {
  suiteId: string;
  name: string;
  suiteFile: string | null;
  startedAt: number;
  endedAt: number;
  verdict: RunOutcome['verdict'];
  exitCode: number;
  reason?: string;
  stack: RunOutcome['stack'];
  repeat: number;
  runs: SuiteRunEntry[];
  matrix: DetectionMatrix;
  warnings: string[];
  /** Present when the suite was compared with a baseline. */
  comparison?: BaselineVerdict;
}

/**
 * The suite's exit code from its runs' codes, by precedence: a fault left applied (12) first, then an
 * interrupt (130), a failed expectation (10: a finding stays true whatever else happened), environment (3),
 * usage (2) and internal (1) errors, inconclusive (11), and 0 only when every run passed.
 */
export const suiteExitPrecedence = [
  ExitCode.revertFailed,
  ExitCode.interrupted,
  ExitCode.failed,
  ExitCode.environment,
  ExitCode.usage,
  ExitCode.internal,
  ExitCode.inconclusive,
  ExitCode.passed,
] as const;

export function aggregateExitCode(codes: readonly number[]): number {
  if (codes.length === 0) return ExitCode.inconclusive;
  for (const code of suiteExitPrecedence) if (codes.includes(code)) return code;
  return ExitCode.internal;
}

export function verdictForExit(code: number): RunOutcome['verdict'] {
  switch (code) {
    case ExitCode.passed:
      return 'passed';
    case ExitCode.failed:
      return 'failed';
    case ExitCode.inconclusive:
      return 'inconclusive';
    case ExitCode.interrupted:
      return 'aborted';
    default:
      return 'errored';
  }
}

const iso = z.string().datetime();
const timeStatsSchema = z.object({ p50: z.number(), p90: z.number(), max: z.number() }).nullable();
const cellClassSchema = z.enum(['expected', 'late', 'missed', 'unexpected', 'silent', 'not-injected']);

/** suite.json, schemaVersion 1: fields are only added within a version, never renamed or removed. */
export const suiteJsonSchema = z.object({
  schemaVersion: z.literal(1),
  suiteId: z.string(),
  name: z.string(),
  suiteFile: z.string().nullable(),
  startedAt: iso,
  endedAt: iso,
  verdict: z.enum(['passed', 'failed', 'inconclusive', 'errored', 'aborted']),
  exitCode: z.number().int(),
  reason: z.string().optional(),
  stack: z.object({
    prometheus: z.string(),
    alertmanager: z.string(),
    target: z.string(),
    embedded: z.boolean(),
  }),
  repeat: z.number().int(),
  runs: z.array(
    z.object({
      scenario: z.string(),
      file: z.string(),
      repeat: z.number().int(),
      runDir: z.string().nullable(),
      verdict: z.enum(['passed', 'failed', 'inconclusive', 'errored', 'aborted']),
      exitCode: z.number().int(),
      reason: z.string().optional(),
      counts: z.object({ passed: z.number(), failed: z.number(), inconclusive: z.number() }),
      gate: z.object({ waitedMs: z.number(), ok: z.boolean(), reason: z.string().optional() }),
    }),
  ),
  matrix: z.object({
    alerts: z.array(z.object({ name: z.string(), severity: z.string().nullable(), query: z.string() })),
    rows: z.array(
      z.object({
        scenario: z.string(),
        faultId: z.string(),
        faultKind: z.string(),
        backend: z.string(),
        runs: z.number().int(),
        landed: z.number().int(),
        runDirs: z.array(z.string()),
        blindSpot: z.boolean(),
        toImpact: timeStatsSchema,
        impactRuns: z.number().int(),
        cells: z.array(
          z.object({
            alert: z.string(),
            class: cellClassSchema,
            runs: z.number().int(),
            fired: z.number().int(),
            toPending: timeStatsSchema,
            toFiring: timeStatsSchema,
            toNotified: timeStatsSchema,
            budgetMs: z.number().nullable(),
            afterImpact: timeStatsSchema,
          }),
        ),
      }),
    ),
    blindSpots: z.array(z.object({ scenario: z.string(), faultId: z.string(), faultKind: z.string() })),
    coverage: z.object({
      neverFired: z.array(z.string()),
      deadRules: z.array(z.object({ alert: z.string(), missingMetrics: z.array(z.string()) })),
    }),
  }),
  warnings: z.array(z.string()),
  /** The comparison with a baseline (`--baseline`), in short; compare.json beside suite.json holds it all. */
  comparison: z
    .object({
      baselineDir: z.string(),
      verdict: z.enum(['regressed', 'improved', 'unchanged']),
      regressions: z.number().int(),
      improvements: z.number().int(),
      file: z.literal('compare.json'),
    })
    .optional(),
});
export type SuiteJson = z.infer<typeof suiteJsonSchema>;

export function buildSuiteJson(suite: SuiteOutcome): SuiteJson {
  return suiteJsonSchema.parse({
    schemaVersion: 1,
    suiteId: suite.suiteId,
    name: suite.name,
    suiteFile: suite.suiteFile,
    startedAt: new Date(suite.startedAt).toISOString(),
    endedAt: new Date(suite.endedAt).toISOString(),
    verdict: suite.verdict,
    exitCode: suite.exitCode,
    ...(suite.reason ? { reason: suite.reason } : {}),
    stack: suite.stack,
    repeat: suite.repeat,
    runs: suite.runs.map(({ outcome: _outcome, ...run }) => run),
    matrix: suite.matrix,
    warnings: suite.warnings,
    ...(suite.comparison
      ? {
          comparison: {
            baselineDir: suite.comparison.baselineDir,
            verdict: suite.comparison.verdict,
            regressions: suite.comparison.regressions,
            improvements: suite.comparison.improvements,
            file: 'compare.json',
          },
        }
      : {}),
  });
}

/** junit.xml: one <testsuite> per scenario run (a gate-stopped run is one skipped testcase saying why). */
export function buildSuiteJunitXml(suite: SuiteOutcome): string {
  const suites = suite.runs.map((run) => {
    const name = `firedrill.${suite.name}.${run.scenario}${suite.repeat > 1 ? `#${run.repeat}` : ''}`;
    if (run.outcome) return junitTestsuite(run.outcome, name);
    const reason = run.reason ?? 'not run';
    return {
      xml: [
        `  <testsuite name="${escapeXmlAttr(name)}" tests="1" failures="0" errors="0" skipped="1" time="0.000">`,
        `    <testcase classname="${escapeXmlAttr(`${run.scenario}.gate`)}" name="quiescence-gate" time="0.000">`,
        `      <skipped message="${escapeXmlAttr(`inconclusive: ${reason}`)}"/>`,
        `      <system-out>${escapeXmlText(reason)}</system-out>`,
        '    </testcase>',
        '  </testsuite>',
      ].join('\n'),
      totals: { tests: 1, failures: 0, errors: 0, skipped: 1, time: 0 },
    };
  });
  return junitDocument(`firedrill.${suite.name}`, suites);
}

const symbols: Record<CellClass, string> = {
  expected: '✅',
  late: '⏰',
  missed: '❌',
  unexpected: '⚠️',
  silent: '·',
  'not-injected': '∅',
};

function seconds(stats: TimeStats | null): string {
  if (!stats) return '';
  return stats.p50 === stats.max
    ? formatDuration(stats.p50)
    : `${formatDuration(stats.p50)}…${formatDuration(stats.max)}`;
}

/** One cell as text: symbol, time to firing (p50…max), fired k/N when repeated. */
export function cellText(cell: MatrixCell, repeated: boolean): string {
  if (cell.class === 'silent' || cell.class === 'not-injected') return symbols[cell.class];
  const time = seconds(cell.toFiring);
  const count = repeated ? ` ${cell.fired}/${cell.runs}` : '';
  if (cell.class === 'missed') return `${symbols.missed} missed${count}`;
  return `${symbols[cell.class]} ${time}${count}`.trim();
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** The matrix as a markdown table: one row per alert rule, one column per fault (faults are fewer). */
export function matrixMarkdown(matrix: DetectionMatrix, repeated: boolean): string[] {
  if (matrix.rows.length === 0) return ['(no fault in this suite: no matrix)'];
  const header = [
    'alert rule',
    ...matrix.rows.map((row) => `${row.scenario}: ${row.faultId} (${row.faultKind})`),
  ];
  const lines = [`| ${header.map(escapeCell).join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
  matrix.alerts.forEach((rule, index) => {
    const cells = matrix.rows.map((row) => cellText(row.cells[index]!, repeated));
    lines.push(
      `| ${escapeCell(`${rule.name}${rule.severity ? ` (${rule.severity})` : ''}`)} | ${cells.map(escapeCell).join(' | ')} |`,
    );
  });
  lines.push(
    '',
    `${symbols.expected} expected, in budget · ${symbols.late} expected, late · ${symbols.missed} expected, never fired · ${symbols.unexpected} fired, not expected · ${symbols.silent} silent · ${symbols['not-injected']} fault did not land. Times: injection → firing (p50…max over repeats).`,
  );
  return lines;
}

/**
 * Per fault: when users first saw the SLO broken (injection → first breaching second), and for each paging
 * alert that fired, how long users had been hurt before it (or how early it came).
 */
export function impactMarkdown(matrix: DetectionMatrix): string[] {
  const severity = new Map(matrix.alerts.map((a) => [a.name, a.severity]));
  const lines: string[] = [];
  for (const row of matrix.rows) {
    const title = `- **${row.scenario}: ${row.faultId}** (${row.faultKind}): `;
    if (row.landed === 0) continue;
    if (row.toImpact === null) {
      lines.push(`${title}users never saw the SLO broken (or no SLO was given).`);
      continue;
    }
    const fired = row.cells
      .filter((cell) => cell.afterImpact !== null && cell.fired > 0)
      .sort((a, b) => a.afterImpact!.p50 - b.afterImpact!.p50);
    const parts = fired.map((cell) => {
      const lag = cell.afterImpact!.p50;
      const who = `${cell.alert}${severity.get(cell.alert) ? ` (${severity.get(cell.alert)})` : ''}`;
      return lag >= 0
        ? `users were hurt for ${formatDuration(lag)} before ${who}`
        : `${who} fired ${formatDuration(-lag)} before users noticed`;
    });
    lines.push(
      `${title}SLO broken ${formatDuration(row.toImpact.p50)} after injection${row.impactRuns < row.landed ? ` (in ${row.impactRuns} of ${row.landed} runs)` : ''}; ${parts.length > 0 ? parts.join('; ') : 'no alert fired'}.`,
    );
  }
  return lines.length > 0 ? lines : ['(no fault landed)'];
}

export function buildSuiteSummaryMarkdown(suite: SuiteOutcome): string {
  const lines = [
    `# Suite ${suite.name}: ${suite.verdict} (exit ${suite.exitCode})`,
    '',
    `${suite.runs.length} run${suite.runs.length === 1 ? '' : 's'} of ${new Set(suite.runs.map((r) => r.scenario)).size} scenarios${suite.repeat > 1 ? ` (×${suite.repeat})` : ''} on one stack (Prometheus ${suite.stack.prometheus || 'n/a'}), ${new Date(suite.startedAt).toISOString()} → ${new Date(suite.endedAt).toISOString()} (${formatDuration(suite.endedAt - suite.startedAt)}).`,
  ];
  if (suite.reason) lines.push('', `**${suite.reason}**`);
  if (suite.comparison) {
    lines.push(
      '',
      `## Compared with the baseline ([compare.md](compare.md), [compare.json](compare.json))`,
      '',
      suite.comparison.markdown.trimEnd(),
    );
  }
  lines.push(
    '',
    '## Runs',
    '',
    '| scenario | run | verdict | passed | failed | inconclusive | gate wait | report |',
    '|---|---|---|---|---|---|---|---|',
  );
  for (const run of suite.runs) {
    lines.push(
      `| ${escapeCell(run.scenario)} | ${run.repeat} | ${run.verdict}${run.reason && run.verdict !== 'passed' ? `: ${escapeCell(run.reason)}` : ''} | ${run.counts.passed} | ${run.counts.failed} | ${run.counts.inconclusive} | ${formatDuration(run.gate.waitedMs)} | ${run.runDir ? `[${run.runDir}](${run.runDir}/summary.md)` : '—'} |`,
    );
  }
  lines.push(
    '',
    '## Detection matrix',
    '',
    'Every fault × every alert rule loaded in Prometheus.',
    '',
    ...matrixMarkdown(suite.matrix, suite.repeat > 1),
  );
  lines.push('', '## Impact to detection', '', ...impactMarkdown(suite.matrix));
  lines.push('', '## Blind spots', '');
  if (suite.matrix.blindSpots.length === 0)
    lines.push('None: every fault that landed raised a page or ticket.');
  for (const spot of suite.matrix.blindSpots) {
    lines.push(
      `- **${spot.scenario}: ${spot.faultId}** (${spot.faultKind}): no alert of severity page, ticket, critical or warning fired.`,
    );
  }
  lines.push('', '## Alert coverage', '');
  const { neverFired, deadRules } = suite.matrix.coverage;
  lines.push(
    neverFired.length === 0
      ? 'Every loaded alert rule fired in at least one scenario.'
      : `Never exercised by this suite (${neverFired.length} of ${suite.matrix.alerts.length}): ${neverFired.join(', ')}.`,
  );
  if (deadRules.length > 0) {
    lines.push('', 'Dead rules — they select metrics Prometheus has no series of, so they can never fire:');
    for (const rule of deadRules) lines.push(`- **${rule.alert}**: ${rule.missingMetrics.join(', ')}`);
  }
  if (suite.warnings.length > 0) lines.push('', '## Warnings', '', ...suite.warnings.map((w) => `- ${w}`));
  return `${lines.join('\n')}\n`;
}

/** The terminal table: one line per run, the matrix's findings, the verdict line. */
export function formatSuiteTable(suite: SuiteOutcome, reportDir: string): string {
  const lines = ['VERDICT       RUN  SCENARIO'];
  for (const run of suite.runs) {
    lines.push(
      `${run.verdict.padEnd(12)}  ${String(run.repeat).padStart(3)}  ${run.scenario}  (${run.counts.passed} passed, ${run.counts.failed} failed, ${run.counts.inconclusive} inconclusive)${run.reason && run.verdict !== 'passed' ? ` — ${run.reason}` : ''}`,
    );
  }
  const cells = suite.matrix.rows.flatMap((row) => row.cells.map((cell) => ({ row, cell })));
  const of = (cls: CellClass) => cells.filter(({ cell }) => cell.class === cls);
  lines.push('');
  for (const cls of ['missed', 'late', 'unexpected'] as const) {
    for (const { row, cell } of of(cls)) {
      lines.push(
        `${cls.padEnd(12)}  ${cell.alert} for ${row.scenario}: ${row.faultId}${cell.toFiring ? ` (firing after ${seconds(cell.toFiring)})` : ''}`,
      );
    }
  }
  lines.push(
    `matrix: ${suite.matrix.rows.length} faults × ${suite.matrix.alerts.length} alert rules · ${of('expected').length} expected, ${of('late').length} late, ${of('missed').length} missed, ${of('unexpected').length} unexpected · blind spots: ${suite.matrix.blindSpots.length} · never exercised: ${suite.matrix.coverage.neverFired.length} · dead rules: ${suite.matrix.coverage.deadRules.length}`,
    `verdict: ${suite.verdict} (exit ${suite.exitCode}) · ${suite.runs.length} runs · report: ${reportDir}`,
  );
  return lines.join('\n');
}
