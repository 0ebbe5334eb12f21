/** k6: export a scenario as a k6 script or a k6-operator TestRun, run it with k6, ingest k6's NDJSON output. */
export {
  AT_RATE_STAGE,
  atRateScenario,
  type K6AtRate,
  type K6Slo,
  k6AtRateShape,
  k6SloThresholds,
} from './at-rate.ts';
export {
  K6_EXIT,
  K6_INSTALL_HINT,
  type K6EngineOptions,
  type K6EngineResult,
  runK6Engine,
} from './engine.ts';
export {
  exportK6,
  exportK6Operator,
  type K6Export,
  type K6ExportOptions,
  type K6OperatorExport,
  type K6OperatorExportOptions,
  OPERATOR_FILE,
  PAYLOAD_FILE,
  SCRIPT_FILE,
} from './export.ts';
export {
  CONFIGMAP_MAX_BYTES,
  type K6OperatorManifests,
  type K6OperatorOptions,
  k8sName,
  renderK6OperatorManifests,
  validateTestRun,
} from './operator.ts';
export {
  type K6ConstantArrivalRate,
  type K6RampingArrivalRate,
  type K6Shape,
  type K6Stage,
  type K6Threshold,
  k6Duration,
  k6Shape,
  k6Thresholds,
  phaseFilter,
  phaseSpans,
} from './options.ts';
export {
  classifyK6Request,
  createK6OutputParser,
  type K6MetricInfo,
  type K6OutputOptions,
  type K6OutputParser,
  type K6ParseResult,
  type K6ThresholdResult,
  parseK6Output,
  parseK6SummaryExport,
  parseK6Time,
} from './parse-output.ts';
export { DEFAULT_MAX_PAYLOADS, type PregeneratedPayloads, pregeneratePayloads } from './payloads.ts';
export {
  K6_SCENARIO_NAME,
  type K6RequestShape,
  type K6Script,
  type K6ScriptInput,
  renderK6Script,
} from './script.ts';
