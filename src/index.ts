/**
 * firedrill's package entry (`import { defineScenario } from 'firedrill'`): what a scenario file written
 * outside this repository needs. A scenario is data: `defineScenario` marks it and gives editors the
 * types (`defineSuite` does the same for a suite file); `parseScenario` validates one without running it (every issue, with its path). The harness
 * itself is driven through the CLI (`npx firedrill run scenario.ts`), which loads the file through tsx.
 */
export {
  type ClosedStage,
  type ClosedTraffic,
  defineScenario,
  type Expectation,
  type Fault,
  type FaultBackend,
  type FaultKind,
  faultBackends,
  type OpenStage,
  type OpenTraffic,
  type ParseResult,
  parseScenario,
  type Scenario,
  type ScenarioInput,
  type ScenarioIssue,
  type Stage,
  type Traffic,
} from './scenario/index.ts';
export { defineSuite, type SuiteInput } from './suite/schema.ts';
