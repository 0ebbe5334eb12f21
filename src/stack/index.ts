export { findBinary, requireBinary, type StackBinary, stackBinaries } from './binaries.ts';
export { type Component, logTail, startComponent } from './component.ts';
export {
  type ControlEndpoint,
  readStackControl,
  removePrivateFiles,
  type StackControl,
  type SupervisedComponent,
  writePrivateFile,
  writeStackControl,
} from './control.ts';
export {
  type EmbeddedStack,
  type MonitoredTarget,
  projectRoot,
  type StackEndpoints,
  type StackListeners,
  type StackOptions,
  stackEndpoints,
  stackSecretFiles,
  startEmbeddedStack,
} from './embedded.ts';
export { type ComponentEvent, isZombie, processStartTicks } from './identity.ts';
export { freePort } from './ports.ts';
export { httpReady, redisReady } from './probes.ts';
export { renderTemplate } from './render.ts';
export {
  isAlive,
  readStackState,
  removeStackState,
  type StackState,
  stackStateFile,
  stateDir,
  writeStackState,
} from './state.ts';
export {
  checkRuleFiles,
  type ReadinessProbe,
  readinessProbe,
  resolveRuleFiles,
  type ScrapeTarget,
  scrapeTargetOf,
  waitTargetReady,
} from './target.ts';
