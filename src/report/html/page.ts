/**
 * A self-contained HTML page and its building blocks: inline style, no script, no external resource (no font,
 * image, stylesheet or CDN), so it reads the same opened from disk, offline, or attached to a CI job.
 * Hover details come from SVG <title> elements (native tooltips), so the page needs no JavaScript at all.
 */
import { type Attrs, attrs, escapeHtml } from './escape.ts';

/** Colours by verdict or class; shared by the run and suite pages so a "failed" looks the same on both. */
export const palette = {
  passed: '#2e7d32',
  failed: '#c62828',
  inconclusive: '#b7791f',
  neutral: '#607d8b',
  stage: '#cfd8dc',
  fault: '#ef9a9a',
  faultBand: 'rgba(239, 83, 80, 0.12)',
  pending: '#ffcc80',
  firing: '#e53935',
  resolved: '#90a4ae',
  notified: '#1a237e',
  p50: '#1e88e5',
  p99: '#8e24aa',
  errors: '#c62828',
  offered: '#90a4ae',
  achieved: '#2e7d32',
  late: '#f57c00',
  floor: '#52606d',
  predicted: '#6a1b9a',
} as const;

const style = `
:root { color-scheme: light; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 24px auto; max-width: 1200px; padding: 0 16px; color: #1f2933; background: #fff; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 1px solid #e4e7eb; padding-bottom: 4px; }
p.meta { color: #52606d; margin: 0 0 8px; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; color: #fff; font-weight: 600; font-size: 12px; vertical-align: middle; }
.passed { background: ${palette.passed}; } .failed, .errored, .aborted { background: ${palette.failed}; } .inconclusive { background: ${palette.inconclusive}; }
table { border-collapse: collapse; margin: 8px 0; font-size: 13px; }
th, td { border: 1px solid #e4e7eb; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f5f7fa; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.row-failed td:first-child { border-left: 4px solid ${palette.failed}; }
tr.row-inconclusive td:first-child { border-left: 4px solid ${palette.inconclusive}; }
tr.row-passed td:first-child { border-left: 4px solid ${palette.passed}; }
svg { display: block; margin: 4px 0 12px; overflow: visible; }
svg text { font: 11px system-ui, sans-serif; fill: #3e4c59; }
.legend { display: flex; flex-wrap: wrap; gap: 12px; font-size: 12px; color: #3e4c59; margin: 0 0 4px; }
.legend span::before { content: ""; display: inline-block; width: 12px; height: 10px; margin-right: 4px; vertical-align: middle; background: var(--c); }
.legend span.tick::before, .legend span.dashed-tick::before { width: 0; height: 14px; margin: 0 6px 0 5px; background: none; border-left: 2px solid var(--c); }
.legend span.dashed-tick::before { border-left-style: dashed; }
.warn { color: ${palette.failed}; font-weight: 600; }
ul { margin: 4px 0; }
a { color: #1565c0; }
/* A wide matrix scrolls inside its box; the rule names (first column) and the fault names (header row) stay put,
   opaque over the cells that pass under them. Shadows stand in for the borders, which a collapsed table does not
   move with a sticky cell. */
.matrix-scroll { overflow: auto; max-height: 85vh; margin: 8px 0; }
.matrix-scroll > table { margin: 0; }
.matrix thead th { position: sticky; top: 0; z-index: 2; min-width: 96px; box-shadow: inset 0 -1px 0 #cbd2d9; }
.matrix td.rule { position: sticky; left: 0; z-index: 1; background: #fff; white-space: nowrap; box-shadow: inset -1px 0 0 #cbd2d9; }
.matrix thead th:first-child { left: 0; z-index: 3; box-shadow: inset -1px -1px 0 #cbd2d9; }
.matrix td.cell { text-align: center; white-space: nowrap; min-width: 64px; }
.matrix td.cell a { color: inherit; text-decoration: none; display: block; }
.cell-expected { background: #c8e6c9; } .cell-late { background: #ffe0b2; } .cell-missed { background: #ffcdd2; font-weight: 600; }
.cell-unexpected { background: #fff59d; } .cell-silent { background: #fafafa; color: #9aa5b1; } .cell-not-injected { background: #eceff1; color: #607d8b; }
`;

/** The whole document: doctype, charset, title, the inline style, and `body` (already HTML). */
export function htmlPage({ title, body }: { title: string; body: string }): string {
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(title)}</title>`,
    `<style>${style}</style>`,
    '</head>',
    `<body>\n${body}\n</body>`,
    '</html>',
    '',
  ].join('\n');
}

/** One table cell: text (escaped) or raw HTML, with a class and attributes. */
export interface Cell {
  text?: string;
  html?: string;
  className?: string;
  attrs?: Attrs;
}

/** A plain table: header texts, then rows of cells (a string is a text cell). */
export function htmlTable({
  head,
  rows,
  className,
  attrs: tableAttrs,
}: {
  head: readonly string[];
  rows: ReadonlyArray<{ cells: ReadonlyArray<Cell | string>; className?: string; attrs?: Attrs }>;
  className?: string;
  attrs?: Attrs;
}): string {
  const cell = (c: Cell | string, tag: 'td' | 'th') => {
    const value = typeof c === 'string' ? { text: c } : c;
    const cls = value.className ? ` class="${escapeHtml(value.className)}"` : '';
    const content = value.html ?? escapeHtml(value.text ?? '');
    return `<${tag}${cls}${attrs(value.attrs)}>${content}</${tag}>`;
  };
  const cls = className ? ` class="${escapeHtml(className)}"` : '';
  return [
    `<table${cls}${attrs(tableAttrs)}>`,
    `<thead><tr>${head.map((h) => cell(h, 'th')).join('')}</tr></thead>`,
    '<tbody>',
    ...rows.map((row) => {
      const rowCls = row.className ? ` class="${escapeHtml(row.className)}"` : '';
      return `<tr${rowCls}${attrs(row.attrs)}>${row.cells.map((c) => cell(c, 'td')).join('')}</tr>`;
    }),
    '</tbody>',
    '</table>',
  ].join('\n');
}

/** A legend entry's sample: a filled swatch (default), or a solid or dashed vertical tick (a chart's tick marks). */
export type LegendShape = 'swatch' | 'tick' | 'dashed-tick';

/** A legend line: coloured samples with labels. */
export function htmlLegend(
  items: ReadonlyArray<{ label: string; color: string; shape?: LegendShape }>,
): string {
  return `<div class="legend">${items
    .map(
      (i) =>
        `<span${i.shape === undefined || i.shape === 'swatch' ? '' : ` class="${i.shape}"`} style="--c: ${escapeHtml(i.color)}">${escapeHtml(i.label)}</span>`,
    )
    .join('')}</div>`;
}
