import { FiredrillError } from '../../src/core/errors.ts';
import type { Fault } from '../../src/scenario/schema.ts';
import type { FaultHandle, InjectContext, Injector, LandedResult, RecoveryRecord } from '../types.ts';
import { type AdminEndpoint, adminApi } from './admin-client.ts';
import type { ProbeTarget } from './local.ts';

type BadCanary = Extract<Fault, { kind: 'bad-canary' }>;

/**
 * Local backend of `bad-canary`: the fixture's `/admin/canary` starts v2 at `weight` percent with the fault's
 * behaviour (errors → errorRatio, latency → delayMs, accuracyDrop), under a server-enforced TTL (v1 answers
 * 100 % again when it expires). `landed()` reads the canary back (the weight took) AND probes until the
 * server counted an answer of v2. The revert restores v1 at 100 % (DELETE, idempotent). The rollback
 * controller may set the weight to 0 meanwhile: that is what a game day watches for, not a failed revert.
 */
export function canaryCleanupHint(admin: AdminEndpoint): string {
  return `curl -X DELETE -H 'authorization: Bearer <admin token>' ${admin.url}/canary`;
}

export function canaryRecovery(admin: AdminEndpoint, controlFile?: string): RecoveryRecord {
  return {
    backend: 'local',
    kind: 'bad-canary',
    cleanupHint: canaryCleanupHint(admin),
    data: { adminUrl: admin.url, ...(controlFile ? { controlFile } : {}) },
  };
}

/** The admin body of a fault: v2's behaviour in the fixture's terms. */
export function canaryBody(fault: BadCanary, ttlMs: number): Record<string, unknown> {
  return {
    weight: fault.weight,
    errorRatio: fault.errors ?? 0,
    delayMs: fault.latency ?? 0,
    accuracyDrop: fault.accuracyDrop ?? 0,
    ttlMs,
  };
}

async function confirm(admin: AdminEndpoint, fault: BadCanary, target: ProbeTarget): Promise<LandedResult> {
  const { canary } = await adminApi.canary(admin);
  if (canary === null) return { landed: false, reason: 'the model server reports no canary (v1 at 100%)' };
  if (canary.weight !== fault.weight) {
    return {
      landed: false,
      reason: `the canary's weight is ${canary.weight}%, not ${fault.weight}% (did the rollback controller abort it already?)`,
    };
  }
  if (!target.versionCount) {
    return {
      landed: false,
      reason: 'this probe cannot read per-version answers, so v2 answering is unconfirmed',
    };
  }
  const before = await target.versionCount(fault.version);
  const attempts = Math.min(50, Math.ceil(300 / fault.weight));
  for (let i = 0; i < attempts; i += 1) {
    await target.probe();
    const after = await target.versionCount(fault.version);
    if (after > before) {
      const quality =
        fault.accuracyDrop === undefined
          ? ''
          : `, reference accuracy ${canary.accuracy.v2.toFixed(3)} vs v1 ${canary.accuracy.v1.toFixed(3)}`;
      return {
        landed: true,
        evidence: `canary at ${canary.weight}%; ${fault.version} answered ${after - before} request(s) within ${i + 1} probe(s)${quality}`,
      };
    }
  }
  return {
    landed: false,
    reason: `canary at ${canary.weight}%, but the server counted no ${fault.version} answer in ${attempts} probe requests`,
  };
}

export function badCanaryInjector(
  admin: AdminEndpoint,
  target: ProbeTarget,
  controlFile?: string,
): Injector<BadCanary> {
  return {
    kind: 'bad-canary',
    backend: 'local',
    async inject(fault: BadCanary, ctx: InjectContext): Promise<FaultHandle> {
      ctx.recordRecovery(canaryRecovery(admin, controlFile));
      try {
        await adminApi.setCanary(admin, canaryBody(fault, ctx.ttlMs));
      } catch (error) {
        if (error instanceof FiredrillError && /answered 404/.test(error.message)) {
          throw new FiredrillError(
            'FD_INJECT_FAILED',
            `fault ${fault.id}: the model server has no canary API`,
            {
              hint: 'bad-canary needs the fixture model server of this firedrill version (firedrill up again)',
              cause: error,
            },
          );
        }
        throw error;
      }
      let reverted = false;
      return {
        faultId: fault.id,
        cleanupHint: canaryCleanupHint(admin),
        landed: () => confirm(admin, fault, target),
        async revert() {
          if (reverted) return;
          await adminApi.clearCanary(admin);
          reverted = true;
        },
      };
    },
  };
}
