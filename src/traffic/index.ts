/** Traffic: the open-model (coordinated-omission free) load engine, its schedule and its histograms. */
export {
  createHistogram,
  decodeHistogram,
  encodeHistogram,
  HIGHEST_TRACKABLE_US,
  type Histogram,
  mergeHistograms,
  recordMicros,
  summarizeHistogram,
  summarizeWindows,
} from './histogram.ts';
export { createOpenEngine, type OpenEngineOptions } from './open-engine.ts';
export {
  arrivalOffsets,
  expectedArrivals,
  stagesDurationMs,
  type TrafficStage,
  validateStages,
} from './schedule.ts';
export type {
  EngineSummary,
  LatencySummaryMs,
  PhaseStats,
  RequestFactory,
  RequestOutcome,
  TrafficEngine,
  TrafficProgress,
  TrafficRunOptions,
  TrafficWindow,
} from './types.ts';
