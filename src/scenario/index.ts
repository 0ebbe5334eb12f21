export {
  CAPACITY_LOAD_DEFAULTS,
  type CapacityBlock,
  capacitySchema,
  MAX_VIRTUAL_USERS,
} from './capacity.ts';
export { defineScenario } from './define.ts';
export { type FaultBackend, faultBackends } from './faults.ts';
export { type LoadOverrides, loadScenario } from './load.ts';
export {
  offeredRateAt,
  type Plan,
  type PlannedExpectation,
  type PlannedFault,
  type PlannedPhase,
  type PlannedStage,
  planScenario,
} from './plan.ts';
export type { PreparedScenario } from './prepared.ts';
export type { Expectation, Fault, FaultKind, Scenario, ScenarioInput, Stage } from './schema.ts';
export {
  type DriftStep,
  intensityAt,
  type PayloadIssue,
  payloadIssues,
  planDrift,
  resolvedPayload,
  slowestRate,
  stepFeatures,
  windowClearMs,
} from './timeline.ts';
export {
  type ClosedStage,
  type ClosedTraffic,
  type OpenStage,
  type OpenTraffic,
  rateStages,
  type Traffic,
} from './traffic.ts';
export {
  formatPath,
  type ParseResult,
  parseScenario,
  parseScenarioOrThrow,
  type ScenarioIssue,
} from './validate.ts';
