/**
 * The reporters: a list of renderers over one shared view of the run (like k6's handleSummary map). Each
 * formats the view; none interprets the run on its own. Adding a format is adding an entry.
 */
import { renderRunHtml } from './html/index.ts';
import { buildJunitXml } from './junit.ts';
import { renderSummaryMarkdown } from './summary-md.ts';
import { formatVerdictTable, type VerdictTableOptions } from './table.ts';
import type { RunView } from './view.ts';

export interface Reporter {
  render(view: RunView): string;
}

/** A reporter whose output is a file in the run folder. */
export interface FileReporter extends Reporter {
  file: string;
}

export const fileReporters: readonly FileReporter[] = [
  { file: 'run.json', render: (view) => `${JSON.stringify(view.json, null, 2)}\n` },
  { file: 'junit.xml', render: (view) => buildJunitXml(view.outcome) },
  { file: 'summary.md', render: renderSummaryMarkdown },
  { file: 'report.html', render: renderRunHtml },
];

/** The CLI's verdict table: the same view, for a terminal. */
export function verdictTableReporter(options: VerdictTableOptions): Reporter {
  return { render: (view) => formatVerdictTable(view.outcome, options) };
}
