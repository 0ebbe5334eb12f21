import { assertNever, FiredrillError } from '../../src/core/errors.ts';
import type { Fault } from '../../src/scenario/schema.ts';
import type { AdminEndpoint } from '../model-server/admin-client.ts';
import { errorBurstInjector, latencySpikeInjector, type ProbeTarget } from '../model-server/local.ts';
import type { FaultHandle, InjectContext, RecoveryRecord } from '../types.ts';

/** What the local backend reaches: the embedded stack's control points. */
export interface LocalTargets {
  modelServerAdmin: AdminEndpoint;
  modelServerProbe: ProbeTarget;
}

/** Injects a fault on the embedded stack. */
export function injectLocal(fault: Fault, targets: LocalTargets, ctx: InjectContext): Promise<FaultHandle> {
  switch (fault.kind) {
    case 'latency-spike':
      return latencySpikeInjector(targets.modelServerAdmin, targets.modelServerProbe).inject(fault, ctx);
    case 'error-burst':
      return errorBurstInjector(targets.modelServerAdmin, targets.modelServerProbe).inject(fault, ctx);
    case 'pod-kill':
    case 'pod-failure':
    case 'container-kill':
    case 'feature-store-outage':
    case 'http-fault':
    case 'gpu-throttle':
    case 'cpu-stress':
    case 'memory-stress':
      throw new FiredrillError(
        'FD_INJECT_FAILED',
        `the local backend has no injector for ${fault.kind} yet`,
        {
          hint: 'see the README for the fault kinds each backend supports',
        },
      );
    default:
      return assertNever(fault, 'fault kind');
  }
}

/** Reverts a local fault recorded in a crashed run's journal. Idempotent. Returns what it did. */
export async function recoverLocal(record: RecoveryRecord): Promise<string> {
  throw new FiredrillError('FD_REVERT_FAILED', `no local recoverer for ${record.kind}`, {
    hint: record.cleanupHint,
  });
}
