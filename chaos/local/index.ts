import { assertNever } from '../../src/core/errors.ts';
import type { Fault } from '../../src/scenario/schema.ts';
import type { ControlEndpoint, SupervisedComponent } from '../../src/stack/control.ts';
import { featureStoreOutageInjector } from '../feature-store/local.ts';
import type { AdminEndpoint } from '../model-server/admin-client.ts';
import { badCanaryInjector } from '../model-server/canary.ts';
import { gpuThrottleInjector, httpFaultInjector } from '../model-server/http-gpu.ts';
import { errorBurstInjector, latencySpikeInjector, type ProbeTarget } from '../model-server/local.ts';
import { cpuStressInjector, memoryStressInjector } from '../stress/local.ts';
import type { FaultHandle, InjectContext, RecoveryRecord } from '../types.ts';
import { containerKillInjector, podFailureInjector, podKillInjector, redisServing } from './process.ts';
import { recoverLocalRecord } from './recover.ts';

export type { ControlEndpoint } from '../../src/stack/control.ts';
export { controlToken, type OrphanCandidate, stopOrphanedStack } from './recover.ts';

/**
 * What the local backend reaches: the embedded stack's control points. Everything past the admin API is
 * optional: a stack given by flags (`--prometheus …`) has no supervisors or proxy, and the faults needing
 * them fail to inject with FD_INJECT_FAILED saying so. `localTargetsOf(stack, probe)` fills it from the
 * stack's endpoints.
 */
export interface LocalTargets {
  modelServerAdmin: AdminEndpoint;
  modelServerProbe: ProbeTarget;
  /** Process supervisors of the model server and Redis (pod-kill, pod-failure, container-kill). */
  supervisors?: Partial<Record<SupervisedComponent, ControlEndpoint>>;
  /** The TCP fault proxy in front of Redis: its listen URL (redis://…) and control API. */
  featureStoreProxy?: { url: string; control: ControlEndpoint };
  /** Redis itself (redis://…), to check that a held-down Redis does not answer. */
  redis?: string;
  /** The simulated GPU's DCGM exporter base URL (gpu-throttle landed evidence). */
  gpuExporter?: string;
  /** The stack's control file (tokens, mode 0600); journaled so recovery can find the tokens. */
  controlFile?: string;
}

/** The LocalTargets of a stack, from its endpoints (StackEndpoints of src/stack) and a probe. */
export function localTargetsOf(
  stack: {
    admin: string;
    adminToken: string;
    redis: string;
    gpuExporter: string;
    supervisors?: Record<SupervisedComponent, ControlEndpoint> | undefined;
    featureStoreProxy?: { url: string; control: ControlEndpoint } | undefined;
    controlFile?: string | undefined;
  },
  probe: ProbeTarget,
): LocalTargets {
  return {
    modelServerAdmin: { url: stack.admin, token: stack.adminToken },
    modelServerProbe: probe,
    ...(stack.supervisors ? { supervisors: stack.supervisors } : {}),
    ...(stack.featureStoreProxy ? { featureStoreProxy: stack.featureStoreProxy } : {}),
    ...(stack.redis ? { redis: stack.redis } : {}),
    ...(stack.gpuExporter ? { gpuExporter: stack.gpuExporter } : {}),
    ...(stack.controlFile ? { controlFile: stack.controlFile } : {}),
  };
}

function processTargets(targets: LocalTargets) {
  const probe = targets.modelServerProbe;
  return {
    supervisors: targets.supervisors ?? {},
    serving: {
      'model-server': async () => (await probe.probe()).status !== 0,
      ...(targets.redis ? { 'feature-store': redisServing(targets.redis) } : {}),
    },
    ...(targets.controlFile ? { controlFile: targets.controlFile } : {}),
  };
}

/** Injects a fault on the embedded stack. */
export function injectLocal(fault: Fault, targets: LocalTargets, ctx: InjectContext): Promise<FaultHandle> {
  const admin = targets.modelServerAdmin;
  const probe = targets.modelServerProbe;
  const file = targets.controlFile;
  switch (fault.kind) {
    case 'latency-spike':
      return latencySpikeInjector(admin, probe, file).inject(fault, ctx);
    case 'error-burst':
      return errorBurstInjector(admin, probe, file).inject(fault, ctx);
    case 'pod-kill':
      return podKillInjector(processTargets(targets)).inject(fault, ctx);
    case 'pod-failure':
      return podFailureInjector(processTargets(targets)).inject(fault, ctx);
    case 'container-kill':
      return containerKillInjector(processTargets(targets)).inject(fault, ctx);
    case 'feature-store-outage':
      return featureStoreOutageInjector({
        ...(targets.featureStoreProxy ? { featureStoreProxy: targets.featureStoreProxy } : {}),
        ...(file ? { controlFile: file } : {}),
      }).inject(fault, ctx);
    case 'http-fault':
      return httpFaultInjector(admin, probe, file).inject(fault, ctx);
    case 'gpu-throttle':
      return gpuThrottleInjector(admin, targets.gpuExporter, file).inject(fault, ctx);
    case 'bad-canary':
      return badCanaryInjector(admin, probe, file).inject(fault, ctx);
    case 'cpu-stress':
      return cpuStressInjector().inject(fault, ctx);
    case 'memory-stress':
      return memoryStressInjector().inject(fault, ctx);
    default:
      return assertNever(fault, 'fault kind');
  }
}

/**
 * Reverts a local fault recorded in a crashed run's journal. Idempotent. Returns what it did.
 * Tokens come from the record's control file, `.firedrill/stack.json`, or FIREDRILL_ADMIN_TOKEN.
 */
export function recoverLocal(record: RecoveryRecord): Promise<string> {
  return recoverLocalRecord(record);
}
