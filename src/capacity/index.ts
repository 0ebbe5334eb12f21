/**
 * Capacity search: the highest load that meets an SLO (a request rate for open-model traffic, a number of
 * concurrent users for closed-model traffic), per server configuration, with the curve, the knee and the cost.
 */

export { type AlertFiring, type AlertLoad, alertLoads } from './alerts.ts';
export { type Cost, costAt, type Pricing } from './cost.ts';
export { renderCapacityHtml } from './html.ts';
export { type CurvePoint, findKnee, type Knee } from './knee.ts';
export { shareAtOrBelow, stepMeasure, windowMeasure } from './measure.ts';
export {
  type CapacityOverrides,
  type CapacityPlan,
  type ConfiguratorSupport,
  planCapacity,
} from './program.ts';
export {
  CAPACITY_FILE,
  CAPACITY_SCHEMA_VERSION,
  type CapacityFile,
  type CapacityPoint,
  capacityPoint,
  readCapacityJson,
  renderCapacityReports,
} from './read.ts';
export {
  formatCapacityProgress,
  formatCapacityTable,
  renderCapacitySummary,
  undecidedText,
} from './report.ts';
export {
  builtinConfigurators,
  type CapacityOptions,
  type CapacityRun,
  type ConfiguratorFactory,
  runCapacity,
} from './runner.ts';
export {
  type CapacityJson,
  type ConfigurationResultJson,
  capacityJsonSchema,
  type SearchResultJson,
} from './schema.ts';
export { boundsOf, nextProbe, roundLoad, searchCapacity } from './search.ts';
export { finishStep, sloViolations } from './slo.ts';
export { assessWindows, DEFAULT_STABILITY } from './stability.ts';
export {
  type EarlyExit,
  expandGrid,
  hasAnswer,
  recommend,
  type SweepPoint,
  settingsLabel,
  shouldStopSweep,
  sweepExitCode,
} from './sweep.ts';
export type * from './types.ts';
export type { CapacityProgress } from './types.ts';
export { formatLoad } from './units.ts';
