export { resolveSuiteInputs, type SuiteInputs } from './load.ts';
export {
  type AlertRule,
  buildDetectionMatrix,
  type CellClass,
  type DetectionMatrix,
  longestRangeMs,
  type MatrixCell,
  type MatrixRow,
  type MatrixRun,
  metricNamesOf,
} from './matrix.ts';
export {
  aggregateExitCode,
  type BaselineVerdict,
  buildSuiteJson,
  buildSuiteJunitXml,
  buildSuiteSummaryMarkdown,
  formatSuiteTable,
  type SuiteJson,
  type SuiteOutcome,
  type SuiteRunEntry,
  suiteJsonSchema,
} from './report.ts';
export { renderSuiteHtml } from './report-html.ts';
export { renderSuiteReports } from './rerender.ts';
export {
  type BaselineComparison,
  quiescenceGate,
  runSuite,
  type SuiteOptions,
  type SuiteResult,
} from './run-suite.ts';
export { defineSuite, type Suite, type SuiteInput, suiteSchema } from './schema.ts';
