import { FiredrillError } from '../../src/core/errors.ts';
import type { Fault } from '../../src/scenario/schema.ts';
import type { FaultHandle, InjectContext, RecoveryRecord } from '../types.ts';

/** What the kubernetes backend needs (filled in by its implementation). */
export type KubernetesTargets = Record<string, never>;

/** Injects a fault through the kubernetes backend. */
export async function injectKubernetes(
  fault: Fault,
  _targets: KubernetesTargets,
  _ctx: InjectContext,
): Promise<FaultHandle> {
  throw new FiredrillError(
    'FD_INJECT_FAILED',
    `the kubernetes backend has no injector for ${fault.kind} yet`,
    {
      hint: 'see the README for the fault kinds each backend supports',
    },
  );
}

/** Reverts a kubernetes fault recorded in a crashed run's journal. Idempotent. Returns what it did. */
export async function recoverKubernetes(record: RecoveryRecord): Promise<string> {
  throw new FiredrillError('FD_REVERT_FAILED', `no kubernetes recoverer for ${record.kind}`, {
    hint: record.cleanupHint,
  });
}
