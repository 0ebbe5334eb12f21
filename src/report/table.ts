/**
 * The verdict table printed on stdout at the end of a run: aligned columns, one row per expectation, then
 * one summary line. ANSI colour only when asked (the CLI decides from the TTY and NO_COLOR).
 */
import {
  CLOSED_MODEL_NOTE,
  durationOr,
  oneLine,
  predictedText,
  rejectionWarning,
  summaryLine,
} from './format.ts';
import type { RunOutcome, RunVerdict } from './types.ts';

export interface VerdictTableOptions {
  color: boolean;
  /** Shown at the end of the summary line (`report: <dir>`). */
  reportDir?: string;
  /** DETAIL is cut to this many characters (with an ellipsis). Default 60. */
  detailWidth?: number;
}

const ansi = {
  green: '\u001b[32m',
  red: '\u001b[31m',
  yellow: '\u001b[33m',
  dim: '\u001b[2m',
  reset: '\u001b[0m',
};

function colorOf(verdict: RunVerdict): string {
  switch (verdict) {
    case 'passed':
      return ansi.green;
    case 'inconclusive':
      return ansi.yellow;
    default:
      return ansi.red;
  }
}

function truncate(text: string, width: number): string {
  const chars = Array.from(text);
  if (chars.length <= width) return text;
  return `${chars.slice(0, Math.max(0, width - 1)).join('')}…`;
}

function visibleLength(text: string): number {
  return Array.from(text).length;
}

export function formatVerdictTable(outcome: RunOutcome, options: VerdictTableOptions): string {
  const width = options.detailWidth ?? 60;
  const paint = (verdict: RunVerdict, text: string) =>
    options.color ? `${colorOf(verdict)}${text}${ansi.reset}` : text;
  // PREDICTED only when some expectation has a predicted detection time (error-ratio alerts).
  const predicted = outcome.expectations.some((e) => e.predictedMs !== undefined);
  const header = [
    'VERDICT',
    'EXPECTATION',
    'MEASURED',
    ...(predicted ? ['PREDICTED'] : []),
    'BUDGET',
    'FLOOR',
    'DETAIL',
  ];
  const rows = outcome.expectations.map((e) => ({
    verdict: e.verdict,
    cells: [
      e.verdict,
      oneLine(e.id),
      durationOr(e.measuredMs, '-'),
      ...(predicted ? [predictedText(e.predictedMs)] : []),
      durationOr(e.budgetMs, '-'),
      durationOr(e.floorMs, '-'),
      truncate(oneLine(e.detail), width),
    ],
  }));
  // Widths of every column but the last (DETAIL is not padded).
  const widths = header
    .slice(0, -1)
    .map((h, i) => Math.max(visibleLength(h), ...rows.map((r) => visibleLength(r.cells[i] ?? ''))));
  const numeric = new Set(predicted ? [2, 3, 4, 5] : [2, 3, 4]);
  const line = (cells: readonly string[], verdict?: RunVerdict) =>
    cells
      .map((cell, i) => {
        const w = widths[i];
        if (w === undefined) return cell;
        const pad = ' '.repeat(w - visibleLength(cell));
        const padded = numeric.has(i) ? pad + cell : cell + pad;
        return i === 0 && verdict !== undefined ? paint(verdict, padded) : padded;
      })
      .join('  ')
      .trimEnd();
  const lines = [options.color ? `${ansi.dim}${line(header)}${ansi.reset}` : line(header)];
  for (const r of rows) lines.push(line(r.cells, r.verdict));
  if (rows.length === 0) lines.push('(no expectation was judged)');
  if (outcome.reason !== undefined) lines.push(`reason: ${oneLine(outcome.reason)}`);
  if (outcome.traffic?.model === 'closed') lines.push(`note: ${CLOSED_MODEL_NOTE}`);
  const forged = outcome.webhook ? rejectionWarning(outcome.webhook) : undefined;
  if (forged !== undefined) lines.push(paint('failed', `WARNING: ${forged}`));
  for (const f of outcome.faults) {
    if (f.revertError !== null) {
      const hint = f.cleanupHint !== null ? `; clean up with: ${f.cleanupHint}` : '';
      lines.push(paint('failed', `fault ${f.id} NOT reverted: ${oneLine(f.revertError)}${oneLine(hint)}`));
    }
  }
  lines.push(summaryLine(outcome, options.reportDir, options.color ? paint : undefined));
  return `${lines.join('\n')}\n`;
}
