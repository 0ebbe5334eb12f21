import { setTimeout as delay } from 'node:timers/promises';
import type { Fault } from '../../src/scenario/schema.ts';
import type { Injector, LandedResult } from '../types.ts';
import { type AdminEndpoint, adminApi } from './admin-client.ts';
import { adminRecovery, handleFor, type ProbeTarget } from './local.ts';

type HttpFault = Extract<Fault, { kind: 'http-fault' }>;
type GpuThrottle = Extract<Fault, { kind: 'gpu-throttle' }>;

/**
 * http-fault on the local backend: `PUT {admin}/faults/http` (abort with a status or delay, a deterministic
 * share, a path prefix), cleared by the server at ctx.ttlMs. landed(): the admin state shows it AND, when the
 * probe's path is in scope, a probe request shows the effect (the abort status, or at least the delay).
 */
export function httpFaultInjector(
  admin: AdminEndpoint,
  target: ProbeTarget,
  controlFile?: string,
): Injector<HttpFault> {
  return {
    kind: 'http-fault',
    backend: 'local',
    async inject(fault, ctx) {
      ctx.recordRecovery(adminRecovery(admin, fault.kind, 'http', controlFile));
      const status = fault.status ?? 500;
      await adminApi.set(admin, 'http', {
        action: fault.action,
        share: fault.share,
        ...(fault.action === 'abort' ? { status } : { delayMs: fault.delay ?? 0 }),
        ...(fault.path ? { pathPrefix: fault.path } : {}),
        ttlMs: ctx.ttlMs,
      });
      return handleFor(admin, fault.id, 'http', async (): Promise<LandedResult> => {
        if (fault.path && target.path && !target.path.startsWith(fault.path)) {
          return {
            landed: true,
            evidence: `the model server reports the http fault on ${fault.path}* (the probe path ${target.path} is outside it, so the effect was not probed)`,
          };
        }
        if (fault.share === 0) return { landed: false, reason: 'share 0 faults no request' };
        const attempts = Math.min(30, Math.ceil(3 / fault.share));
        const seen: string[] = [];
        for (let i = 0; i < attempts; i += 1) {
          const { status: answered, elapsedMs } = await target.probe();
          seen.push(`${answered}/${Math.round(elapsedMs)}ms`);
          if (fault.action === 'abort' && answered === status)
            return { landed: true, evidence: `probe ${i + 1} of ${attempts} answered ${answered}` };
          if (fault.action === 'delay' && elapsedMs >= (fault.delay ?? 0))
            return {
              landed: true,
              evidence: `probe ${i + 1} of ${attempts} took ${Math.round(elapsedMs)} ms (delay ${fault.delay} ms)`,
            };
        }
        return {
          landed: false,
          reason: `${attempts} probes showed no effect (${seen.slice(0, 6).join(', ')}…)`,
        };
      });
    },
  };
}

/** The DCGM exporter's sample of one field (first GPU), or null. */
export async function dcgmField(exporterUrl: string, field: string): Promise<number | null> {
  try {
    const response = await fetch(`${exporterUrl}/metrics`, { signal: AbortSignal.timeout(2000) });
    const text = await response.text();
    for (const line of text.split('\n')) {
      if (line.startsWith(`${field}{`) || line.startsWith(`${field} `))
        return Number(line.trim().split(/\s+/).at(-1));
    }
  } catch {
    // unreachable: null
  }
  return null;
}

/** Clock-event reason bits each mode sets (dcgm DCGM_CLOCKS_EVENT_REASON_*). */
const reasonBit: Record<GpuThrottle['mode'], number> = {
  'power-cap': 0x4,
  thermal: 0x20,
  'clock-lock': 0x2,
  contention: 0,
};

/**
 * gpu-throttle on the local backend: `PUT {admin}/faults/gpu` on the simulated GPU, cleared by the server at
 * ctx.ttlMs. landed(): the admin state shows it AND the DCGM exporter shows it within a collect interval
 * (polled up to 5 s): the mode's clock-event reason bit set and the SM clock below boost; for contention
 * (no reason bit: nothing is wrong with the GPU), DCGM_FI_DEV_GPU_UTIL at least 100·depth %.
 */
export function gpuThrottleInjector(
  admin: AdminEndpoint,
  gpuExporter: string | undefined,
  controlFile?: string,
): Injector<GpuThrottle> {
  return {
    kind: 'gpu-throttle',
    backend: 'local',
    async inject(fault, ctx) {
      ctx.recordRecovery(adminRecovery(admin, fault.kind, 'gpu', controlFile));
      await adminApi.set(admin, 'gpu', { mode: fault.mode, depth: fault.depth, ttlMs: ctx.ttlMs });
      return handleFor(admin, fault.id, 'gpu', async (): Promise<LandedResult> => {
        if (!gpuExporter)
          return {
            landed: true,
            evidence: 'the model server reports the GPU throttle (no exporter to read)',
          };
        const deadline = Date.now() + 5000;
        let last = '';
        while (Date.now() < deadline) {
          if (fault.mode === 'contention') {
            const util = await dcgmField(gpuExporter, 'DCGM_FI_DEV_GPU_UTIL');
            last = `DCGM_FI_DEV_GPU_UTIL ${util}`;
            if (util !== null && util >= Math.round(100 * Math.min(fault.depth, 0.95)))
              return {
                landed: true,
                evidence: `the DCGM exporter reports ${last} % (contention depth ${fault.depth})`,
              };
          } else {
            const reasons = await dcgmField(gpuExporter, 'DCGM_FI_DEV_CLOCKS_EVENT_REASONS');
            const clock = await dcgmField(gpuExporter, 'DCGM_FI_DEV_SM_CLOCK');
            const bit = reasonBit[fault.mode];
            last = `DCGM_FI_DEV_CLOCKS_EVENT_REASONS 0x${(reasons ?? 0).toString(16)}, DCGM_FI_DEV_SM_CLOCK ${clock} MHz`;
            if (reasons !== null && (reasons & bit) !== 0)
              return {
                landed: true,
                evidence: `the DCGM exporter reports ${last} (${fault.mode} bit 0x${bit.toString(16)})`,
              };
          }
          await delay(250);
        }
        return { landed: false, reason: `the DCGM exporter did not show the throttle within 5 s (${last})` };
      });
    },
  };
}
