import { assertNever, FiredrillError } from '../src/core/errors.ts';
import type { Fault } from '../src/scenario/schema.ts';
import type { AdminEndpoint } from './model-server/admin-client.ts';
import { errorBurstInjector, latencySpikeInjector, type ProbeTarget } from './model-server/local.ts';
import type { FaultHandle, InjectContext } from './types.ts';

export type { AdminEndpoint } from './model-server/admin-client.ts';
export { adminApi } from './model-server/admin-client.ts';
export type { ProbeTarget } from './model-server/local.ts';
export { modelServerProbe, sumCounter } from './model-server/probe.ts';
export type { FaultHandle, InjectContext, Injector, LandedResult } from './types.ts';

/** What injectors need to reach the system under test. */
export interface ChaosTargets {
  modelServerAdmin: AdminEndpoint;
  modelServerProbe: ProbeTarget;
}

/** Injects one scenario fault on its backend. Resolves once the backend acknowledged it. */
export function injectFault(fault: Fault, targets: ChaosTargets, ctx: InjectContext): Promise<FaultHandle> {
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
        `no ${fault.backend} injector for ${fault.kind} in this build`,
        {
          hint: 'see the README for the fault kinds each backend supports',
        },
      );
    default:
      return assertNever(fault, 'fault kind');
  }
}

/** The parameters of a fault for the journal and reports (everything but the timeline fields). */
export function faultParams(fault: Fault): Record<string, unknown> {
  const { id: _id, at: _at, duration: _duration, kind: _kind, backend: _backend, ...params } = fault;
  return params;
}
