export { findBinary, requireBinary, type StackBinary, stackBinaries } from './binaries.ts';
export { type Component, logTail, startComponent } from './component.ts';
export {
  type ControlEndpoint,
  readStackControl,
  type StackControl,
  type SupervisedComponent,
  writeStackControl,
} from './control.ts';
export {
  type EmbeddedStack,
  projectRoot,
  type StackEndpoints,
  type StackOptions,
  stackEndpoints,
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
