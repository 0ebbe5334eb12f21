/**
 * A suite's report.html, a pure function of its suite.json (so `firedrill report <suite-dir>` re-renders it): the runs (each linking to its own report.html, where
 * its timeline is), the detection matrix as a coloured grid (one cell per fault × alert rule, each linking to
 * the run it was measured in), blind spots, and alert coverage (rules nothing exercised, dead rules).
 * Matrix cells carry data-scenario, data-fault, data-alert and data-class for a browser test. A wide matrix
 * scrolls sideways inside its own box with the rule column and the header row sticky.
 */

import { comparisonSections } from '../compare/markdown.ts';
import type { Comparison } from '../compare/model.ts';
import { formatDuration } from '../core/duration.ts';
import { assertNever } from '../core/errors.ts';
import { escapeHtml, hrefOf, htmlPage, htmlTable } from '../report/index.ts';
import type { CellClass, TimeStats } from './matrix.ts';
import type { SuiteJson } from './report.ts';

const classNames: Record<CellClass, string> = {
  expected: '✓ expected, in budget',
  late: 'late: expected, over budget',
  missed: 'missed: expected, never fired',
  unexpected: '! fired, not expected',
  silent: 'silent',
  'not-injected': 'fault did not land',
};

function stats(label: string, s: TimeStats | null): string | null {
  if (s === null) return null;
  return s.p50 === s.max
    ? `${label} ${formatDuration(s.p50)}`
    : `${label} p50 ${formatDuration(s.p50)}, max ${formatDuration(s.max)}`;
}

/** The hover text of a cell: its class and every time it has. */
function cellTitle(cell: JsonCell, fault: string): string {
  return [
    `${cell.alert} × ${fault}: ${classNames[cell.class]}`,
    `fired in ${cell.fired} of ${cell.runs} run${cell.runs === 1 ? '' : 's'}`,
    stats('injection → pending', cell.toPending),
    stats('injection → firing', cell.toFiring),
    stats('injection → notified', cell.toNotified),
    cell.budgetMs === null ? null : `budget ${formatDuration(cell.budgetMs)}`,
  ]
    .filter((line): line is string => line !== null)
    .join('\n');
}

type JsonCell = SuiteJson['matrix']['rows'][number]['cells'][number];

/** A cell as text, in words (no emoji: the page must read the same without an emoji font). */
export function htmlCellText(cell: JsonCell, repeated: boolean): string {
  const count = repeated ? ` ${cell.fired}/${cell.runs}` : '';
  const time = cell.toFiring
    ? cell.toFiring.p50 === cell.toFiring.max
      ? formatDuration(cell.toFiring.p50)
      : `${formatDuration(cell.toFiring.p50)}…${formatDuration(cell.toFiring.max)}`
    : '';
  switch (cell.class) {
    case 'silent':
      return '·';
    case 'not-injected':
      return 'not landed';
    case 'missed':
      return `missed${count}`;
    case 'expected':
      return `✓ ${time}${count}`;
    case 'late':
      return `late ${time}${count}`;
    case 'unexpected':
      return `! ${time}${count}`;
    default:
      return assertNever(cell.class, 'cell class');
  }
}

function link(runDir: string, text: string): string {
  return `<a href="${escapeHtml(`${hrefOf(runDir)}/report.html`)}">${escapeHtml(text)}</a>`;
}

function runsTable(suite: SuiteJson): string {
  return htmlTable({
    head: ['scenario', 'run', 'verdict', 'passed', 'failed', 'inconclusive', 'gate wait', 'report'],
    attrs: { 'data-table': 'runs' },
    rows: suite.runs.map((run) => ({
      className: `row-${run.verdict === 'passed' ? 'passed' : run.verdict === 'inconclusive' ? 'inconclusive' : 'failed'}`,
      attrs: { 'data-scenario': run.scenario, 'data-repeat': run.repeat },
      cells: [
        run.scenario,
        { text: String(run.repeat), className: 'num' },
        {
          html: `<span class="badge ${escapeHtml(run.verdict)}">${escapeHtml(run.verdict)}</span>${run.reason && run.verdict !== 'passed' ? ` ${escapeHtml(run.reason)}` : ''}`,
        },
        { text: String(run.counts.passed), className: 'num' },
        { text: String(run.counts.failed), className: 'num' },
        { text: String(run.counts.inconclusive), className: 'num' },
        { text: formatDuration(run.gate.waitedMs), className: 'num' },
        run.runDir === null ? '—' : { html: link(run.runDir, 'timeline') },
      ],
    })),
  });
}

function matrixGrid(suite: SuiteJson): string {
  const { matrix } = suite;
  if (matrix.rows.length === 0) return '<p>(no fault in this suite: no matrix)</p>';
  const repeated = suite.repeat > 1;
  const head = [
    'alert rule',
    ...matrix.rows.map((row) => `${row.scenario}: ${row.faultId} (${row.faultKind})`),
  ];
  const table = htmlTable({
    head,
    className: 'matrix',
    attrs: { 'data-table': 'matrix' },
    rows: matrix.alerts.map((rule, index) => ({
      attrs: { 'data-alert': rule.name },
      cells: [
        {
          text: `${rule.name}${rule.severity ? ` (${rule.severity})` : ''}`,
          className: 'rule',
          attrs: { title: rule.query },
        },
        ...matrix.rows.map((row) => {
          const cell = row.cells[index]!;
          const fault = `${row.scenario}: ${row.faultId}`;
          const text = escapeHtml(htmlCellText(cell, repeated));
          const first = row.runDirs[0];
          return {
            className: `cell cell-${cell.class}`,
            attrs: {
              'data-scenario': row.scenario,
              'data-fault': row.faultId,
              'data-alert': cell.alert,
              'data-class': cell.class,
              title: cellTitle(cell, fault),
            },
            html:
              first === undefined
                ? text
                : `<a href="${escapeHtml(`${hrefOf(first)}/report.html`)}">${text}</a>`,
          };
        }),
      ],
    })),
  });
  // Its own scroll box, so that the sticky rule column and header row stay in view (page.ts's style).
  return `<div class="matrix-scroll" data-scroll="matrix">\n${table}\n</div>`;
}

function legend(): string {
  return `<p class="meta">${(Object.keys(classNames) as CellClass[])
    .map((c) => `<span class="cell-${c}" style="padding: 0 6px">${escapeHtml(classNames[c])}</span>`)
    .join(
      ' ',
    )} · times: injection → firing (p50…max over repeats) · each cell links to its run's timeline</p>`;
}

function blindSpots(suite: SuiteJson): string {
  const spots = suite.matrix.blindSpots;
  if (spots.length === 0) {
    return '<div data-section="blind-spots"><p>None: every fault that landed raised a page or ticket.</p></div>';
  }
  return `<div data-section="blind-spots"><ul>${spots
    .map(
      (s) =>
        `<li data-fault="${escapeHtml(s.faultId)}"><strong>${escapeHtml(`${s.scenario}: ${s.faultId}`)}</strong> (${escapeHtml(s.faultKind)}): no alert of severity page, ticket, critical or warning fired.</li>`,
    )
    .join('')}</ul></div>`;
}

function coverage(suite: SuiteJson): string {
  const { neverFired, deadRules } = suite.matrix.coverage;
  const out = ['<div data-section="coverage">'];
  out.push(
    neverFired.length === 0
      ? '<p>Every loaded alert rule fired in at least one scenario.</p>'
      : `<p>Never exercised by this suite (${neverFired.length} of ${suite.matrix.alerts.length}):</p><ul>${neverFired
          .map((name) => `<li data-never-fired="${escapeHtml(name)}">${escapeHtml(name)}</li>`)
          .join('')}</ul>`,
  );
  if (deadRules.length > 0) {
    out.push(
      '<p class="warn">Dead rules — they select metrics Prometheus has no series of, so they can never fire:</p>',
      `<ul>${deadRules
        .map(
          (r) =>
            `<li data-dead-rule="${escapeHtml(r.alert)}"><strong>${escapeHtml(r.alert)}</strong>: ${escapeHtml(r.missingMetrics.join(', '))}</li>`,
        )
        .join('')}</ul>`,
    );
  }
  out.push('</div>');
  return out.join('\n');
}

/** Escaped text with markdown code spans (`x`) as <code>. */
function inlineCode(text: string): string {
  return escapeHtml(text).replace(/`([^`]+)`/g, '<code>$1</code>');
}

/** The comparison with the baseline (compare.json), the same tables as compare.md. */
function comparisonSection(comparison: Comparison): string {
  const sections = comparisonSections(comparison);
  const out = [
    `<h2 id="comparison">Comparison with the baseline: <span data-comparison-verdict="${escapeHtml(comparison.verdict)}">${escapeHtml(sections.headline)}</span></h2>`,
    ...sections.intro.map((line) => `<p class="meta">${inlineCode(line)}</p>`),
  ];
  for (const t of sections.tables) {
    out.push(
      `<h3>${escapeHtml(t.title)}</h3>`,
      htmlTable({
        head: t.header,
        rows: t.rows.map((cells) => ({ cells: cells.map((c) => ({ html: inlineCode(c) })) })),
        attrs: { 'data-comparison-table': t.title },
      }),
    );
  }
  if (sections.warnings.length > 0) {
    out.push(`<ul>${sections.warnings.map((w) => `<li>${inlineCode(w)}</li>`).join('')}</ul>`);
  }
  out.push(`<p class="meta">${escapeHtml(sections.legend)}</p>`);
  return out.join('\n');
}

/** `comparison`: the full compare.json when the suite ran with a baseline. */
export function renderSuiteHtml(suite: SuiteJson, comparison?: Comparison): string {
  const scenarios = new Set(suite.runs.map((r) => r.scenario)).size;
  const body = [
    `<h1>Suite ${escapeHtml(suite.name)} <span class="badge ${escapeHtml(suite.verdict)}" data-suite-verdict="${escapeHtml(suite.verdict)}">${escapeHtml(suite.verdict)} (exit ${suite.exitCode})</span></h1>`,
    `<p class="meta">${suite.runs.length} run${suite.runs.length === 1 ? '' : 's'} of ${scenarios} scenario${scenarios === 1 ? '' : 's'}${suite.repeat > 1 ? ` (×${suite.repeat})` : ''} on one stack · ${escapeHtml(suite.startedAt)} · ${escapeHtml(formatDuration(Date.parse(suite.endedAt) - Date.parse(suite.startedAt)))}</p>`,
    suite.reason ? `<p class="warn">${escapeHtml(suite.reason)}</p>` : '',
    comparison ? comparisonSection(comparison) : '',
    '<h2>Detection matrix</h2>',
    '<p class="meta">Every fault × every alert rule loaded in Prometheus.</p>',
    legend(),
    matrixGrid(suite),
    '<h2>Blind spots</h2>',
    blindSpots(suite),
    '<h2>Alert coverage</h2>',
    coverage(suite),
    '<h2>Runs</h2>',
    runsTable(suite),
  ];
  if (suite.warnings.length > 0) {
    body.push(
      '<h2>Warnings</h2>',
      `<ul>${suite.warnings.map((w) => `<li>${escapeHtml(w)}</li>`).join('')}</ul>`,
    );
  }
  return htmlPage({
    title: `firedrill suite ${suite.name}: ${suite.verdict}`,
    body: body.filter((part) => part !== '').join('\n'),
  });
}
