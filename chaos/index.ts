import { assertNever } from '../src/core/errors.ts';
import type { CanaryAnalysisReading } from '../src/evaluate/types.ts';
import type { Fault } from '../src/scenario/schema.ts';
import { type DockerTargets, injectDocker, recoverDocker } from './docker/index.ts';
import type { KubernetesTargets } from './kubernetes/index.ts';
import { injectLocal, type LocalTargets, recoverLocal } from './local/index.ts';
import type { FaultHandle, InjectContext, RecoveryRecord } from './types.ts';

export { controlToken, localTargetsOf, stopOrphanedStack } from './local/index.ts';
export type { AdminEndpoint } from './model-server/admin-client.ts';
export { adminApi } from './model-server/admin-client.ts';
export type { ProbeTarget } from './model-server/local.ts';
export { modelServerProbe, sumCounter } from './model-server/probe.ts';
export type {
  BlindSpan,
  FaultHandle,
  InjectContext,
  Injector,
  LandedResult,
  RecoveryRecord,
  RollbackWatchOptions,
  RollbackWatchResult,
} from './types.ts';

/** What injectors need to reach the system under test, per backend. */
export interface ChaosTargets {
  local: LocalTargets;
  docker: DockerTargets;
  kubernetes: KubernetesTargets;
}

/**
 * The kubernetes backend loads on first use: `@kubernetes/client-node` costs most of a second of start-up, which
 * every local or docker game day (and every CLI start) would otherwise pay.
 */
const kubernetesBackend = () => import('./kubernetes/index.ts');

/** Injects one scenario fault on its backend. Resolves once the backend acknowledged it. */
export function injectFault(fault: Fault, targets: ChaosTargets, ctx: InjectContext): Promise<FaultHandle> {
  switch (fault.backend) {
    case 'local':
      return injectLocal(fault, targets.local, ctx);
    case 'docker':
      return injectDocker(fault, targets.docker, ctx);
    case 'kubernetes':
      return kubernetesBackend().then((k) => k.injectKubernetes(fault, targets.kubernetes, ctx));
    default:
      return assertNever(fault.backend, 'fault backend');
  }
}

/**
 * The analysis the controller of a kubernetes `bad-canary` will run (the floor of a rollback judged from its
 * status), or why it is unknown. Reads the cluster; never throws.
 */
export async function readCanaryAnalysis(
  fault: Fault,
  targets: ChaosTargets,
): Promise<CanaryAnalysisReading> {
  if (fault.kind !== 'bad-canary' || fault.backend !== 'kubernetes') {
    return { unknown: `fault ${fault.id} is not a bad-canary on kubernetes` };
  }
  const target = fault.canary ?? targets.kubernetes.canary;
  if (target === undefined) return { unknown: `fault ${fault.id} names no canary object` };
  const k = await kubernetesBackend();
  return k.readCanaryAnalysis(target, targets.kubernetes);
}

/** Reverts a fault from its journaled recovery record (`firedrill recover`). Idempotent. */
export function recoverFault(record: RecoveryRecord): Promise<string> {
  switch (record.backend) {
    case 'local':
      return recoverLocal(record);
    case 'docker':
      return recoverDocker(record);
    case 'kubernetes':
      return kubernetesBackend().then((k) => k.recoverKubernetes(record));
    default:
      return assertNever(record.backend, 'fault backend');
  }
}

/** The parameters of a fault for the journal and reports (everything but the timeline fields). */
export function faultParams(fault: Fault): Record<string, unknown> {
  const { id: _id, at: _at, duration: _duration, kind: _kind, backend: _backend, ...params } = fault;
  return params;
}
