/** Traffic: the open-model (coordinated-omission free) load engine, its schedule and its histograms. */

export { type ArrivalProcess, loadArrivalTrace, parseArrivalTrace } from './arrivals.ts';
export { createClosedEngine } from './closed-engine.ts';
export {
  generatorDelayBound,
  generatorFellBehind,
  MAX_LATE_RATIO,
  MIN_LATE_SENDS,
} from './generator-delay.ts';
export {
  createHistogram,
  decodeHistogram,
  encodeHistogram,
  HIGHEST_TRACKABLE_US,
  type Histogram,
  mergeHistograms,
  recordMicros,
  summarizeHistogram,
} from './histogram.ts';
export { createOpenEngine, type OpenEngineOptions } from './open-engine.ts';
export {
  arrivalOffsets,
  capacityIssues,
  expectedArrivals,
  stagesDurationMs,
  type TrafficStage,
  validateStages,
} from './schedule.ts';
export { OpenAiStreamTracker, SseParser } from './sse.ts';
export type {
  ClosedRunOptions,
  ConcurrencyStage,
  EngineSummary,
  LatencySummaryMs,
  PhaseStats,
  RequestFactory,
  RequestOutcome,
  RequestRecord,
  ResponseValidator,
  StreamingSummary,
  StreamingWindowStats,
  TrafficEngine,
  TrafficProgress,
  TrafficRunOptions,
  TrafficWindow,
} from './types.ts';
export { createResponseValidator, type ValidationSpec } from './validate.ts';
export { summarizeWindows } from './windows.ts';
export {
  MAX_WORKERS,
  mergeProgress,
  mergeSummaries,
  mergeWindows,
  type Partition,
  parseWorkers,
  partitionArrivals,
  partitionLimit,
  WindowMerger,
} from './workers.ts';
