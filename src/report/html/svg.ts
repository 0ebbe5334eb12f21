/**
 * Server-rendered SVG charts over a numeric x axis (epoch ms on the run page; req/s on a capacity curve):
 * lines with gaps, shaded bands, Gantt-style bars in named lanes, marks, horizontal reference lines (an SLO)
 * and single points (a found capacity). Pure: data in, SVG text out.
 *
 * Layout, top to bottom: one lane (LANE_PX high) per distinct bar/mark lane, then the value plot (`height`
 * px, drawn only when there are series, reference lines or points), then the x axis. The drawn scale is
 * written on the <svg> as data attributes (data-x0, data-x1, data-plot-left, data-plot-width, and for the
 * value plot data-y0, data-y1, data-plot-top, data-plot-height), so a browser test can turn a drawn position
 * back into data and compare it with the source. Every text that comes from data is escaped.
 */
import { type Attrs, attrs, escapeHtml } from './escape.ts';

export interface XY {
  x: number;
  /** null: no value here; the line is broken across it. */
  y: number | null;
}

export interface ChartSeries {
  name: string;
  points: readonly XY[];
  color: string;
  dashed?: boolean;
  attrs?: Attrs;
}

/** A shaded x span across the whole chart (a fault, a stage). */
export interface ChartBand {
  from: number;
  to: number;
  label: string;
  color: string;
  attrs?: Attrs;
}

/** A bar from `from` to `to` in the lane named `lane` (lanes are drawn in first-seen order). */
export interface ChartBar {
  lane: string;
  from: number;
  to: number;
  label: string;
  color: string;
  attrs?: Attrs;
}

/**
 * A point in time: in `lane`, a small diamond (`shape` 'diamond', the default) or a vertical tick across the
 * lane (`shape` 'tick', solid or `dashed`, with `text` written beside it); with no lane, a dashed vertical
 * line across the chart. `label` is the hover text (<title>).
 */
export interface ChartMark {
  at: number;
  lane?: string;
  label: string;
  color: string;
  shape?: 'diamond' | 'tick';
  dashed?: boolean;
  /** A tick's visible caption, beside it (left of it, or right when it would leave the plot), and a cap. */
  text?: string;
  attrs?: Attrs;
}

/** A horizontal reference line in the value plot (an SLO). */
export interface ChartHLine {
  y: number;
  label: string;
  color: string;
  attrs?: Attrs;
}

/** A single labelled point in the value plot (a found capacity). */
export interface ChartPoint {
  x: number;
  y: number;
  label: string;
  color: string;
  attrs?: Attrs;
}

export interface TimeSeriesChart {
  series?: readonly ChartSeries[];
  bands?: readonly ChartBand[];
  bars?: readonly ChartBar[];
  marks?: readonly ChartMark[];
  hlines?: readonly ChartHLine[];
  points?: readonly ChartPoint[];
  xLabel: string;
  yLabel: string;
  /** Total width, px. Default 1100. */
  width?: number;
  /** Height of the value plot, px (lanes and axis come on top of it). Default 160. */
  height?: number;
  /** Left margin, px: room for lane names and y ticks. Default 64; align stacked charts by giving the same. */
  marginLeft?: number;
  /** x range drawn; default the extent of everything given. */
  xDomain?: readonly [number, number];
  /** y range drawn; default 0 to 10% above the highest value (at least 1). */
  yDomain?: readonly [number, number];
  /** x tick positions; default about 10 round numbers in the domain. */
  xTicks?: readonly number[];
  formatX?: (x: number) => string;
  formatY?: (y: number) => string;
  attrs?: Attrs;
}

export const LANE_PX = 20;
/** Room a tick's caption needs beside it, px (about 18 characters at 11 px). */
const TICK_TEXT_PX = 110;
const TOP = 8;
const RIGHT = 16;
const AXIS = 34;

/** About `count` round tick values (1, 2 or 5 × 10^k apart) covering [min, max]. */
export function niceTicks(min: number, max: number, count = 8): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max) || max <= min) return [min];
  const raw = (max - min) / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const ticks: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) {
    ticks.push(Number(v.toPrecision(12)));
  }
  return ticks;
}

/** Pixel coordinates are written with two decimals. */
function px(value: number): string {
  return String(Math.round(value * 100) / 100);
}

function defaultFormat(value: number): string {
  return Math.abs(value) >= 1000 || Number.isInteger(value)
    ? String(Math.round(value))
    : value.toPrecision(3);
}

function extent(values: readonly number[]): [number, number] | null {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return null;
  return [Math.min(...finite), Math.max(...finite)];
}

export function svgTimeSeries(chart: TimeSeriesChart): string {
  const series = chart.series ?? [];
  const bands = chart.bands ?? [];
  const bars = chart.bars ?? [];
  const marks = chart.marks ?? [];
  const hlines = chart.hlines ?? [];
  const points = chart.points ?? [];
  const width = chart.width ?? 1100;
  const left = chart.marginLeft ?? 64;
  const plotWidth = width - left - RIGHT;
  const formatX = chart.formatX ?? defaultFormat;
  const formatY = chart.formatY ?? defaultFormat;

  const lanes: string[] = [];
  for (const item of [...bars, ...marks]) {
    if (item.lane !== undefined && !lanes.includes(item.lane)) lanes.push(item.lane);
  }
  const lanesHeight = lanes.length * LANE_PX;
  const hasPlot = series.length > 0 || hlines.length > 0 || points.length > 0;
  const plotHeight = hasPlot ? (chart.height ?? 160) : 0;
  const plotTop = TOP + lanesHeight;
  const totalHeight = plotTop + plotHeight + AXIS;

  const xs = [
    ...series.flatMap((s) => s.points.map((p) => p.x)),
    ...bands.flatMap((b) => [b.from, b.to]),
    ...bars.flatMap((b) => [b.from, b.to]),
    ...marks.map((m) => m.at),
    ...points.map((p) => p.x),
  ];
  const [x0, x1] = chart.xDomain ?? extent(xs) ?? [0, 1];
  const xSpan = x1 > x0 ? x1 - x0 : 1;
  const xOf = (x: number) => left + ((Math.min(Math.max(x, x0), x0 + xSpan) - x0) / xSpan) * plotWidth;

  const ys = [
    ...series.flatMap((s) => s.points.flatMap((p) => (p.y === null ? [] : [p.y]))),
    ...hlines.map((h) => h.y),
    ...points.map((p) => p.y),
  ];
  const yMax = Math.max(1, ...ys.filter(Number.isFinite)) * 1.1;
  const [y0, y1] = chart.yDomain ?? [0, yMax];
  const ySpan = y1 > y0 ? y1 - y0 : 1;
  const yOf = (y: number) =>
    plotTop + plotHeight - ((Math.min(Math.max(y, y0), y0 + ySpan) - y0) / ySpan) * plotHeight;

  const scaleAttrs: Record<string, string | number> = {
    'data-x0': x0,
    'data-x1': x0 + xSpan,
    'data-plot-left': left,
    'data-plot-width': plotWidth,
  };
  if (hasPlot) {
    Object.assign(scaleAttrs, {
      'data-y0': y0,
      'data-y1': y0 + ySpan,
      'data-plot-top': plotTop,
      'data-plot-height': plotHeight,
    });
  }
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${px(totalHeight)}" viewBox="0 0 ${width} ${px(totalHeight)}" role="img"${attrs(scaleAttrs)}${attrs(chart.attrs)}>`,
    `<title>${escapeHtml(`${chart.yLabel} over ${chart.xLabel}`)}</title>`,
  ];
  const chartBottom = plotTop + plotHeight;

  // Bands under everything, across lanes and plot.
  for (const band of bands) {
    const xa = xOf(band.from);
    out.push(
      `<rect class="band" x="${px(xa)}" y="${TOP}" width="${px(Math.max(1, xOf(band.to) - xa))}" height="${px(chartBottom - TOP)}" fill="${escapeHtml(band.color)}"${attrs(band.attrs)}><title>${escapeHtml(band.label)}</title></rect>`,
    );
  }

  // Lanes: a name on the left, a faint guide, then bars and lane marks.
  lanes.forEach((lane, index) => {
    const y = TOP + index * LANE_PX;
    const name = Array.from(lane).length > 34 ? `${Array.from(lane).slice(0, 33).join('')}…` : lane;
    out.push(
      `<g class="lane" data-lane="${escapeHtml(lane)}"><title>${escapeHtml(lane)}</title><line x1="${left}" x2="${left + plotWidth}" y1="${px(y + LANE_PX - 0.5)}" y2="${px(y + LANE_PX - 0.5)}" stroke="#eef0f2"/><text x="${left - 6}" y="${px(y + LANE_PX / 2 + 4)}" text-anchor="end">${escapeHtml(name)}</text></g>`,
    );
  });
  const laneY = (lane: string) => TOP + lanes.indexOf(lane) * LANE_PX;
  for (const bar of bars) {
    const xa = xOf(bar.from);
    out.push(
      `<rect class="bar" x="${px(xa)}" y="${px(laneY(bar.lane) + 3)}" width="${px(Math.max(1, xOf(bar.to) - xa))}" height="${LANE_PX - 6}" rx="2" fill="${escapeHtml(bar.color)}"${attrs(bar.attrs)}><title>${escapeHtml(bar.label)}</title></rect>`,
    );
  }
  for (const mark of marks) {
    const x = xOf(mark.at);
    const title = `<title>${escapeHtml(mark.label)}</title>`;
    if (mark.lane !== undefined && mark.shape === 'tick') {
      const y = laneY(mark.lane);
      const ends = `x1="${px(x)}" x2="${px(x)}" y1="${px(y + 1)}" y2="${px(y + LANE_PX - 1)}"`;
      // The caption ends at the tick (what comes before a detection is usually empty or pending, where what
      // comes after is a firing bar), or starts there when fewer than TICK_TEXT_PX lie left of it. A cap above
      // the lane marks a captioned tick where a diamond sits on it.
      const leftward = x - left >= TICK_TEXT_PX;
      const color = escapeHtml(mark.color);
      const text =
        mark.text === undefined
          ? ''
          : `<path d="M${px(x - 4)} ${px(y - 1)} L${px(x + 4)} ${px(y - 1)} L${px(x)} ${px(y + 4)} Z" fill="${color}"/><text x="${px(leftward ? x - 4 : x + 4)}" y="${px(y + LANE_PX / 2 + 4)}"${leftward ? ' text-anchor="end"' : ''} style="fill: ${color}" stroke="#fff" stroke-width="3" paint-order="stroke">${escapeHtml(mark.text)}</text>`;
      out.push(
        `<g class="tick" data-x="${px(x)}" data-lane="${escapeHtml(mark.lane)}"${attrs(mark.attrs)}>${title}<line class="tick-line" ${ends} stroke="${color}" stroke-width="2"${mark.dashed ? ' stroke-dasharray="3 2"' : ''}/><line ${ends} stroke="transparent" stroke-width="9"/>${text}</g>`,
      );
    } else if (mark.lane !== undefined) {
      const cy = laneY(mark.lane) + LANE_PX / 2;
      out.push(
        `<path class="mark" d="M${px(x)} ${px(cy - 6)} L${px(x + 5)} ${px(cy)} L${px(x)} ${px(cy + 6)} L${px(x - 5)} ${px(cy)} Z" fill="${escapeHtml(mark.color)}" stroke="#fff" data-x="${px(x)}"${attrs(mark.attrs)}>${title}</path>`,
      );
    } else {
      out.push(
        `<line class="mark" x1="${px(x)}" x2="${px(x)}" y1="${TOP}" y2="${px(chartBottom)}" stroke="${escapeHtml(mark.color)}" stroke-dasharray="3 3"${attrs(mark.attrs)}>${title}</line>`,
      );
    }
  }

  if (hasPlot) {
    for (const tick of niceTicks(y0, y0 + ySpan, 4)) {
      const y = yOf(tick);
      out.push(
        `<line x1="${left}" x2="${left + plotWidth}" y1="${px(y)}" y2="${px(y)}" stroke="#eef0f2"/><text x="${left - 6}" y="${px(y + 4)}" text-anchor="end">${escapeHtml(formatY(tick))}</text>`,
      );
    }
    out.push(
      `<text x="4" y="${px(plotTop + plotHeight / 2 + 4)}" font-weight="600">${escapeHtml(chart.yLabel)}</text>`,
    );
    for (const line of hlines) {
      const y = yOf(line.y);
      out.push(
        `<line class="hline" x1="${left}" x2="${left + plotWidth}" y1="${px(y)}" y2="${px(y)}" stroke="${escapeHtml(line.color)}" stroke-dasharray="6 3"${attrs(line.attrs)}><title>${escapeHtml(line.label)}</title></line>`,
      );
    }
    for (const s of series) {
      let d = '';
      let pen = false;
      let drawn = 0;
      for (const p of s.points) {
        if (p.y === null || !Number.isFinite(p.y)) {
          pen = false;
          continue;
        }
        d += `${pen ? 'L' : 'M'}${px(xOf(p.x))} ${px(yOf(p.y))} `;
        pen = true;
        drawn += 1;
      }
      out.push(
        `<path class="series" d="${d.trim()}" fill="none" stroke="${escapeHtml(s.color)}" stroke-width="1.6"${s.dashed ? ' stroke-dasharray="4 3"' : ''} data-series="${escapeHtml(s.name)}" data-points="${drawn}"${attrs(s.attrs)}><title>${escapeHtml(s.name)}</title></path>`,
      );
    }
    for (const p of points) {
      out.push(
        `<circle class="point" cx="${px(xOf(p.x))}" cy="${px(yOf(p.y))}" r="4" fill="${escapeHtml(p.color)}"${attrs(p.attrs)}><title>${escapeHtml(p.label)}</title></circle>`,
      );
    }
  }

  // x axis.
  out.push(
    `<line x1="${left}" x2="${left + plotWidth}" y1="${px(chartBottom)}" y2="${px(chartBottom)}" stroke="#9aa5b1"/>`,
  );
  for (const tick of chart.xTicks ?? niceTicks(x0, x0 + xSpan, 10)) {
    if (tick < x0 || tick > x0 + xSpan) continue;
    const x = xOf(tick);
    out.push(
      `<line x1="${px(x)}" x2="${px(x)}" y1="${px(chartBottom)}" y2="${px(chartBottom + 4)}" stroke="#9aa5b1"/><text x="${px(x)}" y="${px(chartBottom + 16)}" text-anchor="middle">${escapeHtml(formatX(tick))}</text>`,
    );
  }
  out.push(
    `<text x="${left + plotWidth}" y="${px(chartBottom + 30)}" text-anchor="end">${escapeHtml(chart.xLabel)}</text>`,
    '</svg>',
  );
  return out.join('\n');
}
