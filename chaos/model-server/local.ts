import type { Fault } from '../../src/scenario/schema.ts';
import type { FaultHandle, InjectContext, Injector, LandedResult, RecoveryRecord } from '../types.ts';
import { type AdminEndpoint, type AdminFaultName, adminApi } from './admin-client.ts';

type LatencySpike = Extract<Fault, { kind: 'latency-spike' }>;
type ErrorBurst = Extract<Fault, { kind: 'error-burst' }>;

/**
 * Local backend for model-server faults: the fixture's admin API. The server clears each fault by
 * itself when its TTL expires, so a fault outlives a killed firedrill by at most the safety margin.
 * `landed()` reads the state back AND sends one probe request that must show the effect.
 */
/** Recovery for an admin-API fault: DELETE it (the token comes from the stack state or the environment). */
export function adminRecovery(
  admin: AdminEndpoint,
  kind: string,
  name: AdminFaultName,
  controlFile?: string,
): RecoveryRecord {
  return {
    backend: 'local',
    kind,
    cleanupHint: cleanupHint(admin, name),
    data: { adminUrl: admin.url, fault: name, ...(controlFile ? { controlFile } : {}) },
  };
}

export function cleanupHint(admin: AdminEndpoint, name: AdminFaultName): string {
  return `curl -X DELETE -H 'authorization: Bearer <admin token>' ${admin.url}/faults/${name}`;
}

export function handleFor(
  admin: AdminEndpoint,
  faultId: string,
  name: AdminFaultName,
  probe: () => Promise<LandedResult>,
): FaultHandle {
  let reverted = false;
  return {
    faultId,
    cleanupHint: cleanupHint(admin, name),
    async landed() {
      const state = await adminApi.state(admin);
      if (state[name] === null)
        return { landed: false, reason: `the model server reports no active ${name} fault` };
      return probe();
    },
    async revert() {
      if (reverted) return;
      await adminApi.clear(admin, name);
      reverted = true;
    },
  };
}

export interface ProbeTarget {
  /** The request path the probe sends to (for path-scoped faults). */
  path?: string;
  /** A function that sends one real inference request and reports status and elapsed ms. */
  probe: () => Promise<{ status: number; elapsedMs: number }>;
  /** Total inference answers with this HTTP status so far, from the server's own metrics. */
  statusCount: (status: number) => Promise<number>;
  /** Total inference answers (any status) of a model version (v1|v2) so far, from the server's own metrics. */
  versionCount?: (version: string) => Promise<number>;
}

export function latencySpikeInjector(
  admin: AdminEndpoint,
  target: ProbeTarget,
  controlFile?: string,
): Injector<LatencySpike> {
  return {
    kind: 'latency-spike',
    backend: 'local',
    async inject(fault: LatencySpike, ctx: InjectContext) {
      ctx.recordRecovery(adminRecovery(admin, fault.kind, 'latency', controlFile));
      await adminApi.set(admin, 'latency', { delayMs: fault.delay, ttlMs: ctx.ttlMs });
      return handleFor(admin, fault.id, 'latency', async () => {
        const { status, elapsedMs } = await target.probe();
        return elapsedMs >= fault.delay
          ? {
              landed: true,
              evidence: `probe request took ${Math.round(elapsedMs)} ms (status ${status}), delay ${fault.delay} ms`,
            }
          : {
              landed: false,
              reason: `probe request took ${Math.round(elapsedMs)} ms, less than the ${fault.delay} ms delay`,
            };
      });
    },
  };
}

export function errorBurstInjector(
  admin: AdminEndpoint,
  target: ProbeTarget,
  controlFile?: string,
): Injector<ErrorBurst> {
  return {
    kind: 'error-burst',
    backend: 'local',
    async inject(fault: ErrorBurst, ctx: InjectContext) {
      ctx.recordRecovery(adminRecovery(admin, fault.kind, 'errors', controlFile));
      await adminApi.set(admin, 'errors', { ratio: fault.ratio, status: fault.status, ttlMs: ctx.ttlMs });
      return handleFor(admin, fault.id, 'errors', async () => {
        // The server fails a deterministic share of ALL requests (load included), so a probe may miss;
        // the status counter in /metrics moving is evidence too.
        const before = await target.statusCount(fault.status);
        const attempts = Math.min(30, Math.ceil(3 / fault.ratio));
        const statuses: number[] = [];
        for (let i = 0; i < attempts; i += 1) {
          const { status } = await target.probe();
          statuses.push(status);
          if (status === fault.status) {
            return { landed: true, evidence: `probe ${i + 1} of ${attempts} answered ${status}` };
          }
        }
        const after = await target.statusCount(fault.status);
        if (after > before) {
          return {
            landed: true,
            evidence: `the server counted ${after - before} more ${fault.status} answers while probing`,
          };
        }
        return {
          landed: false,
          reason: `${attempts} probe requests answered ${[...new Set(statuses)].join(', ')}, never ${fault.status}, and the server counted none`,
        };
      });
    },
  };
}
