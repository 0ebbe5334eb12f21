/** The evaluator: reads Prometheus and Alertmanager, records alert episodes, and judges expectations. */

export {
  type AlertWatcher,
  type AlertWatcherOptions,
  type ReadAlertsSeriesOptions,
  readAlertsSeries,
  startAlertWatcher,
} from './alert-watcher.ts';
export {
  type AlertmanagerClient,
  type AlertmanagerClientOptions,
  type AlertmanagerStatus,
  createAlertmanagerClient,
  DEFAULT_GROUP_INTERVAL_MS,
  DEFAULT_GROUP_WAIT_MS,
  routeTimings,
} from './alertmanager-client.ts';
export { BackendApiError } from './http.ts';
export { type FaultTimeline, type JudgeInput, judge } from './judge.ts';
export {
  errorInjection,
  type HistoryCheck,
  historyChecks,
  type PredictInput,
  predictDetections,
  predictFromTraffic,
  predictOne,
  withPredictions,
} from './predict.ts';
export {
  type ApiAlert,
  type ApiAlertingRule,
  type ApiRecordingRule,
  type ApiRuleGroup,
  createPrometheusClient,
  type PrometheusClient,
  type PrometheusClientOptions,
  type PrometheusConfigDoc,
  type QueryResult,
  type RangeSeries,
} from './prometheus-client.ts';
export { latenessWarning, lateScrapes, readPrometheusLateness } from './prometheus-lateness.ts';
export {
  evaluationStepMs,
  judgePromql,
  type PromqlExpectation,
  type PromqlFaultTimes,
  type PromqlJudgeInput,
  promqlWindow,
} from './promql.ts';
export {
  countsStatus,
  evaluateNumber,
  type LabelMatcher,
  type RatioCondition,
  type RatioShape,
  recogniseRatioShape,
  recordingRules,
} from './ratio-shape.ts';
export { buildAlertRecords } from './records.ts';
export {
  judgeRollback,
  ROLLBACK_EXPR,
  ROLLBACK_FLOOR_SUBJECT,
  ROLLBACK_SETTINGS,
  type RollbackExpectation,
  rollbackFloor,
  rollbackWindow,
} from './rollback.ts';
export {
  analysisRollbackFloor,
  canaryObjectOf,
  judgedFromStatus,
  judgeRollbackFromStatus,
  ROLLBACK_WATCH_MARGIN_MS,
  type RollbackWatchPlan,
  rollbackWatchPlan,
  statusFloorSubject,
} from './rollback-status.ts';
export {
  type BudgetStanding,
  budgetStanding,
  computeFloor,
  computeFloors,
  DEFAULT_EVALUATION_INTERVAL_MS,
  DEFAULT_SCRAPE_INTERVAL_MS,
  type LoadRuleTimingsOptions,
  loadRuleTimings,
  parsePromDuration,
  scrapeIntervalFromConfig,
  unknownAlertError,
} from './rules.ts';
export type {
  AlertObservation,
  AlertRecord,
  AnalysisMetricSettings,
  BlindPeriod,
  CanaryAnalysisReading,
  CanaryWatchRecord,
  DetectionFloor,
  DetectionPrediction,
  DriftStepOutcome,
  ExpectationResult,
  LateScrapes,
  Notification,
  PrometheusLateness,
  PrometheusScheduleReading,
  PromqlSamples,
  RecordingTiming,
  RejectedNotification,
  RuleTiming,
  Verdict,
  WebhookTally,
} from './types.ts';
export {
  aggregate,
  type RunCondition,
  type RunFlags,
  type RunVerdict,
  runCondition,
  runVerdict,
  VERDICT_PRECEDENCE,
} from './verdict.ts';
export {
  parseWebhook,
  REJECTIONS_KEPT,
  startWebhookReceiver,
  type WebhookReceiver,
  type WebhookReceiverOptions,
} from './webhook-receiver.ts';
