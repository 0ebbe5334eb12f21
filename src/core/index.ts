export { type Clock, isoTime, sleep, systemClock } from './clock.ts';
export { formatDuration, parseDuration } from './duration.ts';
export {
  assertNever,
  ExitCode,
  FiredrillError,
  type FiredrillErrorCode,
  formatError,
  isFiredrillError,
} from './errors.ts';
export { type HeldListener, holdListener } from './held-listener.ts';
export { type Logger, lineLogger, silentLogger } from './log.ts';
export { assertTargetAllowed, isLoopbackHost } from './loopback.ts';
export { type Rng, randomIndex, rngFor, weightedIndex } from './rng.ts';
export { createScope, type DisposalScope, type ReleaseFailure } from './scope.ts';
export { median } from './stats.ts';
export { closestNames, didYouMean, editDistance } from './suggest.ts';
