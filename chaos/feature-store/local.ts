import { setTimeout as delay } from 'node:timers/promises';
import { FiredrillError } from '../../src/core/errors.ts';
import type { Fault } from '../../src/scenario/schema.ts';
import type { ControlEndpoint } from '../../src/stack/control.ts';
import { type PingResult, redisPing } from '../local/supervisor.ts';
import type { Injector, LandedResult, RecoveryRecord } from '../types.ts';
import { proxyApi, setAttachedFault } from './client.ts';
import type { ProxyFaultSpec } from './proxy.ts';

type Outage = Extract<Fault, { kind: 'feature-store-outage' }>;

/**
 * feature-store-outage on the local backend: the TCP fault proxy between the model server and Redis.
 * The fault is set on a long-lived control connection (the proxy reverts it the moment that connection
 * drops, i.e. when firedrill dies) and carries ctx.ttlMs, timed in the proxy process. landed(): the proxy
 * reports the mode AND a Redis probe through the proxy sees the effect (PING times out, is reset, is slow).
 * Recovery data: the proxy's control URL and the stack's control file (for the token).
 */
export interface FeatureStoreTargets {
  /** The proxy's listen address (redis://host:port, what the model server uses) and its control API. */
  featureStoreProxy?: { url: string; control: ControlEndpoint };
  controlFile?: string;
}

export function proxySpec(fault: Outage, ttlMs: number): ProxyFaultSpec {
  return {
    mode: fault.mode,
    ttlMs,
    ...(fault.latency !== undefined ? { latencyMs: fault.latency } : {}),
    ...(fault.jitter !== undefined ? { jitterMs: fault.jitter } : {}),
    ...(fault.loss !== undefined ? { loss: fault.loss } : {}),
    ...(fault.bandwidth !== undefined ? { bytesPerSecond: fault.bandwidth } : {}),
  };
}

export function outageRecovery(control: ControlEndpoint, controlFile: string | undefined): RecoveryRecord {
  return {
    backend: 'local',
    kind: 'feature-store-outage',
    cleanupHint: `curl -X DELETE -H 'authorization: Bearer <featureStoreProxy token in ${controlFile ?? 'control.json'}>' ${control.url}/fault`,
    data: { controlUrl: control.url, ...(controlFile ? { controlFile } : {}) },
  };
}

/** Probes Redis through the proxy and says whether the mode's effect shows. */
export async function probeOutage(proxyUrl: string, spec: ProxyFaultSpec): Promise<LandedResult> {
  const url = new URL(proxyUrl);
  const host = url.hostname;
  const port = Number(url.port);
  const describe = (r: PingResult) =>
    r.ok
      ? `PONG in ${Math.round(r.elapsedMs)} ms`
      : `${r.outcome} after ${Math.round(r.elapsedMs)} ms (${r.detail})`;
  switch (spec.mode) {
    case 'blackhole':
    case 'half-open': {
      const r = await redisPing(host, port, 750);
      return !r.ok && r.outcome === 'timeout'
        ? { landed: true, evidence: `a PING through the proxy got no answer: ${describe(r)}` }
        : { landed: false, reason: `a PING through the proxy: ${describe(r)}` };
    }
    case 'reset': {
      const r = await redisPing(host, port, 1000);
      return !r.ok && (r.outcome === 'reset' || r.outcome === 'closed')
        ? { landed: true, evidence: `a PING through the proxy was ${describe(r)}` }
        : { landed: false, reason: `a PING through the proxy: ${describe(r)}` };
    }
    case 'latency': {
      const floor = Math.max(0, (spec.latencyMs ?? 0) - (spec.jitterMs ?? 0));
      const r = await redisPing(host, port, 2 * ((spec.latencyMs ?? 0) + (spec.jitterMs ?? 0)) + 2000);
      return r.ok && r.elapsedMs >= floor
        ? {
            landed: true,
            evidence: `a PING through the proxy took ${Math.round(r.elapsedMs)} ms (latency ${spec.latencyMs} ms ± ${spec.jitterMs ?? 0})`,
          }
        : { landed: false, reason: `a PING through the proxy: ${describe(r)}, expected ≥ ${floor} ms` };
    }
    case 'loss': {
      const results: PingResult[] = [];
      for (let i = 0; i < 12; i += 1) {
        const r = await redisPing(host, port, 5000);
        results.push(r);
        if (r.elapsedMs >= 180)
          return {
            landed: true,
            evidence: `PING ${i + 1} through the proxy was retransmitted: ${describe(r)} (loss ${spec.loss})`,
          };
      }
      return {
        landed: false,
        reason: `12 PINGs through the proxy were never delayed (${results.map(describe).slice(0, 3).join('; ')}…)`,
      };
    }
    case 'bandwidth': {
      const rate = spec.bytesPerSecond ?? 1;
      const size = Math.max(16, Math.min(65_536, Math.floor(rate / 4)));
      const expectedMs = (size / rate) * 1000 * 0.8;
      const r = await redisPing(host, port, (2 * size * 1000) / rate + 3000, 'x'.repeat(size));
      return r.ok && r.elapsedMs >= expectedMs
        ? {
            landed: true,
            evidence: `an ECHO of ${size} bytes through the proxy took ${Math.round(r.elapsedMs)} ms (limit ${rate} B/s)`,
          }
        : {
            landed: false,
            reason: `an ECHO of ${size} bytes: ${describe(r)}, expected ≥ ${Math.round(expectedMs)} ms`,
          };
    }
    default: {
      const never: never = spec.mode;
      throw new Error(`unknown proxy mode ${String(never)}`);
    }
  }
}

export function featureStoreOutageInjector(targets: FeatureStoreTargets): Injector<Outage> {
  return {
    kind: 'feature-store-outage',
    backend: 'local',
    async inject(fault, ctx) {
      const proxy = targets.featureStoreProxy;
      if (!proxy) {
        throw new FiredrillError('FD_INJECT_FAILED', 'this stack has no feature-store fault proxy', {
          hint: 'feature-store-outage on the local backend needs the embedded stack (firedrill up, or run without --prometheus)',
        });
      }
      const recovery = outageRecovery(proxy.control, targets.controlFile);
      ctx.recordRecovery(recovery);
      const spec = proxySpec(fault, ctx.ttlMs);
      const attached = await setAttachedFault(proxy.control, spec);
      let reverted = false;
      return {
        faultId: fault.id,
        cleanupHint: recovery.cleanupHint,
        async landed() {
          const status = await proxyApi.status(proxy.control);
          if (status.mode !== fault.mode)
            return { landed: false, reason: `the proxy reports mode ${status.mode}, not ${fault.mode}` };
          if (!attached.isAttached())
            return {
              landed: false,
              reason: 'the control connection to the proxy dropped (the proxy reverted the fault)',
            };
          return probeOutage(proxy.url, spec);
        },
        async revert() {
          if (reverted) return;
          try {
            await proxyApi.clear(proxy.control);
          } finally {
            attached.detach();
          }
          // Confirm: a PING through the proxy answers again (reset/half-open connections reconnect).
          const url = new URL(proxy.url);
          const deadline = Date.now() + 5000;
          while (!(await redisPing(url.hostname, Number(url.port), 500)).ok) {
            if (Date.now() > deadline)
              throw new FiredrillError(
                'FD_REVERT_FAILED',
                'Redis does not answer through the proxy 5 s after the revert',
              );
            await delay(100);
          }
          reverted = true;
        },
      };
    },
  };
}
