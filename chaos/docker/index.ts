import { FiredrillError } from '../../src/core/errors.ts';
import type { Fault } from '../../src/scenario/schema.ts';
import type { FaultHandle, InjectContext, RecoveryRecord } from '../types.ts';

/** What the docker backend needs (filled in by its implementation). */
export type DockerTargets = Record<string, never>;

/** Injects a fault through the docker backend. */
export async function injectDocker(
  fault: Fault,
  _targets: DockerTargets,
  _ctx: InjectContext,
): Promise<FaultHandle> {
  throw new FiredrillError('FD_INJECT_FAILED', `the docker backend has no injector for ${fault.kind} yet`, {
    hint: 'see the README for the fault kinds each backend supports',
  });
}

/** Reverts a docker fault recorded in a crashed run's journal. Idempotent. Returns what it did. */
export async function recoverDocker(record: RecoveryRecord): Promise<string> {
  throw new FiredrillError('FD_REVERT_FAILED', `no docker recoverer for ${record.kind}`, {
    hint: record.cleanupHint,
  });
}
