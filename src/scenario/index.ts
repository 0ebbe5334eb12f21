export { defineScenario } from './define.ts';
export { loadScenario } from './load.ts';
export {
  offeredRateAt,
  type Plan,
  type PlannedExpectation,
  type PlannedFault,
  type PlannedPhase,
  type PlannedStage,
  planScenario,
} from './plan.ts';
export type { Expectation, Fault, FaultKind, Scenario, ScenarioInput, Stage } from './schema.ts';
export {
  formatPath,
  type ParseResult,
  parseScenario,
  parseScenarioOrThrow,
  type ScenarioIssue,
} from './validate.ts';
