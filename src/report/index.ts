/** Reporters: pure functions of a run's outcome, plus the one function that writes them to disk. */
export { rejectionWarning } from './format.ts';
export {
  type Attrs,
  alertTitle,
  type Cell,
  type ChartBand,
  type ChartBar,
  type ChartHLine,
  type ChartMark,
  type ChartPoint,
  type ChartSeries,
  escapeHtml,
  failuresFirst,
  hrefOf,
  htmlLegend,
  htmlPage,
  htmlTable,
  LANE_PX,
  type LegendShape,
  niceTicks,
  palette,
  renderRunHtml,
  svgTimeSeries,
  type TimeSeriesChart,
  type XY,
} from './html/index.ts';
export { buildJunitXml, escapeXmlAttr, escapeXmlText, junitDocument, junitTestsuite } from './junit.ts';
export { type RunDir, readRunDir } from './read.ts';
export { type FileReporter, fileReporters, type Reporter, verdictTableReporter } from './reporters.ts';
export {
  buildRunJson,
  type RunJson,
  type RunJsonAlert,
  type RunJsonBlind,
  type RunJsonExpectation,
  type RunJsonFault,
  type RunJsonFloor,
  type RunJsonLatency,
  type RunJsonPhase,
  type RunJsonSecond,
  type RunJsonStage,
  type RunJsonStreaming,
  type RunJsonTraffic,
  type RunJsonWebhook,
} from './run-json.ts';
export { runJsonSchema } from './run-json-schema.ts';
export { buildSummaryMarkdown, renderSummaryMarkdown } from './summary-md.ts';
export { formatVerdictTable, type VerdictTableOptions } from './table.ts';
export type { FaultOutcome, RunOutcome, RunVerdict, SecondStats, StageSpan } from './types.ts';
export { buildRunView, diagnoseGenerator, type GeneratorDiagnosis, type RunView } from './view.ts';
export { type LatestLink, updateLatestLink, type WrittenReports, writeReports } from './write.ts';
