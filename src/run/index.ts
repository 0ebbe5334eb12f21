/** Runs: the stages a program drives (prepare → preflight → execute → judge → report) and the programs. */

export {
  type AppliedConfiguration,
  applyConfiguration,
  pendingConfigurations,
} from './configuration.ts';
export { type ConnectedStack, connectStack, type StackFlags, targetProbe } from './endpoints.ts';
export { type ExecuteEnv, type Execution, execute, type TrafficSource } from './execute.ts';
export { factsFromJournal, outcomeFromJournal, renderRunReports } from './journal-outcome.ts';
export { judgeRun, type RunFacts } from './outcome.ts';
export { type Preflight, preflight } from './preflight.ts';
export { prepare } from './prepare.ts';
export { type RecoveryReport, recoverRun, resolveRunDir } from './recover.ts';
export { faultTargets, type RunOptions, type RunProgress, type RunResult, runGameDay } from './runner.ts';
export { prepareTraffic } from './traffic-setup.ts';
export {
  type StepTraffic,
  startTrafficThread,
  startTrafficThreads,
  type TrafficThread,
} from './traffic-thread.ts';
