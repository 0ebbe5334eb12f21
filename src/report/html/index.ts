/**
 * Self-contained HTML reports: inline SVG and style, no script, no network. The chart, table and page
 * primitives are generic (the run report, the suite report and later the capacity report share them); the
 * run report is a reporter over the run view.
 */
export { type Attrs, attrs, escapeHtml, hrefOf } from './escape.ts';
export { type Cell, htmlLegend, htmlPage, htmlTable, type LegendShape, palette } from './page.ts';
export { alertTitle, failuresFirst, renderRunHtml, timeDomain, WINDOW_MIDDLE_MS } from './run-report.ts';
export {
  type ChartBand,
  type ChartBar,
  type ChartHLine,
  type ChartMark,
  type ChartPoint,
  type ChartSeries,
  LANE_PX,
  niceTicks,
  svgTimeSeries,
  type TimeSeriesChart,
  type XY,
} from './svg.ts';
