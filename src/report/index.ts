/** Reporters: pure functions of a run's outcome, plus the one function that writes them to disk. */
export { rejectionWarning } from './format.ts';
export { buildJunitXml, escapeXmlAttr, escapeXmlText, junitDocument, junitTestsuite } from './junit.ts';
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
  type RunJsonStreaming,
  type RunJsonTraffic,
  type RunJsonWebhook,
} from './run-json.ts';
export { buildSummaryMarkdown } from './summary-md.ts';
export { formatVerdictTable, type VerdictTableOptions } from './table.ts';
export type { FaultOutcome, RunOutcome, RunVerdict } from './types.ts';
export { type LatestLink, updateLatestLink, type WrittenReports, writeReports } from './write.ts';
