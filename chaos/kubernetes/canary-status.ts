import type { KubeObject } from './client.ts';

/**
 * Pure readers of canary controllers' status: did the canary take its weight, was it rolled back, and when
 * (epoch ms, from the controller's own timestamp where it records one). Field names are those of the CRDs:
 *
 *   Argo Rollouts Rollout (CRD v1.9.1, status): phase (Healthy | Progressing | Paused | Degraded), abort,
 *     abortedAt (date-time), message, currentPodHash, stableRS, currentStepIndex, updatedReplicas,
 *     canary.weights.canary.weight (only with spec.strategy.canary.trafficRouting).
 *   Flagger Canary (flagger.app/v1beta1, status): phase (… Progressing | Promoting | Finalising | Succeeded |
 *     Failed), canaryWeight, failedChecks, lastTransitionTime. On Failed, Flagger has routed all traffic back
 *     to the primary and scaled the canary to zero.
 *   KServe InferenceService (CRD v0.20.0, status.components.predictor): traffic[] {revisionName, percent,
 *     latestRevision, tag}, latestCreatedRevision, latestReadyRevision, latestRolledoutRevision,
 *     previousRolledoutRevision.
 */

export interface CanaryReading {
  /** The canary holds its weight (or more): the fault took. */
  canaryUp: boolean;
  /** The controller rolled it back: canary weight back to 0, traffic back on the stable version. */
  rolledBack: boolean;
  /** Epoch ms of the rollback when the status records it (Argo abortedAt, Flagger lastTransitionTime). */
  rolledBackAt?: number;
  /** The canary's share of traffic, percent, where the status says it. */
  canaryWeight?: number;
  /** One line for humans: the status fields that decided. */
  evidence: string;
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : {});

function timeOf(value: unknown): number | undefined {
  if (value instanceof Date) return value.getTime();
  if (typeof value !== 'string') return undefined;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? ms : undefined;
}

function withOptional(reading: CanaryReading, at: number | undefined, weight: unknown): CanaryReading {
  if (at !== undefined) reading.rolledBackAt = at;
  if (typeof weight === 'number') reading.canaryWeight = weight;
  return reading;
}

/**
 * An Argo Rollouts Rollout. Rolled back: `status.abort` is true (Argo scales the canary down and sends all
 * traffic to the stable ReplicaSet), or `status.phase` is Degraded with no traffic left on the canary. Up: a canary ReplicaSet exists
 * (currentPodHash ≠ stableRS) and its weight is `weight` (canary.weights, with traffic routing) or, without
 * traffic routing, the setWeight step is done (currentStepIndex ≥ 1) and a canary pod is updated.
 */
export function readArgoRollout(rollout: KubeObject, weight: number): CanaryReading {
  const status = obj(rollout.status);
  const phase = typeof status.phase === 'string' ? status.phase : 'unknown';
  const routed = obj(obj(obj(obj(status.canary).weights).canary)).weight;
  const fields = [
    `phase ${phase}`,
    `abort ${status.abort === true}`,
    ...(status.abortedAt !== undefined ? [`abortedAt ${String(status.abortedAt)}`] : []),
    ...(typeof routed === 'number' ? [`canary weight ${routed}`] : []),
    `currentStepIndex ${String(status.currentStepIndex ?? '-')}`,
    ...(typeof status.message === 'string' && status.message !== '' ? [`message "${status.message}"`] : []),
  ].join(', ');
  // Degraded without an abort (a progress deadline) counts only once no traffic is left on the canary.
  const rolledBack =
    status.abort === true || (phase === 'Degraded' && (typeof routed !== 'number' || routed === 0));
  const canaryRs = status.currentPodHash !== undefined && status.currentPodHash !== status.stableRS;
  const stepDone = typeof status.currentStepIndex === 'number' && status.currentStepIndex >= 1;
  const updated = typeof status.updatedReplicas === 'number' && status.updatedReplicas >= 1;
  const canaryUp =
    !rolledBack && canaryRs && (typeof routed === 'number' ? routed >= weight : stepDone && updated);
  return withOptional(
    { canaryUp, rolledBack, evidence: `Rollout ${fields}` },
    rolledBack ? timeOf(status.abortedAt) : undefined,
    routed,
  );
}

/** A Flagger Canary. Rolled back: `status.phase` Failed. Up: Progressing with canaryWeight ≥ `weight`. */
export function readFlaggerCanary(canary: KubeObject, weight: number): CanaryReading {
  const status = obj(canary.status);
  const phase = typeof status.phase === 'string' ? status.phase : 'unknown';
  const cw = status.canaryWeight;
  const rolledBack = phase === 'Failed';
  return withOptional(
    {
      canaryUp: !rolledBack && phase === 'Progressing' && typeof cw === 'number' && cw >= weight,
      rolledBack,
      evidence: `Canary phase ${phase}, canaryWeight ${String(cw ?? '-')}, failedChecks ${String(status.failedChecks ?? '-')}`,
    },
    rolledBack ? timeOf(status.lastTransitionTime) : undefined,
    cw,
  );
}

interface TrafficTarget {
  revisionName?: string;
  percent?: number;
  latestRevision?: boolean;
  tag?: string;
}

/**
 * A KServe InferenceService. Up: the latest revision is ready (latestReadyRevision = latestCreatedRevision)
 * and gets exactly `weight` percent, the older revision the rest. Rolled back: 100 % of traffic on a revision that is not the latest created one
 * (canaryTrafficPercent set to 0, or the previous revision pinned), with the latest revision at 0 %.
 */
export function readInferenceService(isvc: KubeObject, weight: number): CanaryReading {
  const predictor = obj(obj(obj(isvc.status).components).predictor);
  const traffic = (Array.isArray(predictor.traffic) ? predictor.traffic : []) as TrafficTarget[];
  const latestCreated = predictor.latestCreatedRevision;
  const latestReady = predictor.latestReadyRevision;
  const onLatest = traffic
    .filter(
      (t) => t.latestRevision === true || (t.revisionName !== undefined && t.revisionName === latestCreated),
    )
    .reduce((sum, t) => sum + (t.percent ?? 0), 0);
  const onOlder = traffic
    .filter(
      (t) => t.latestRevision !== true && t.revisionName !== undefined && t.revisionName !== latestCreated,
    )
    .reduce((sum, t) => sum + (t.percent ?? 0), 0);
  const ready = typeof latestCreated === 'string' && latestCreated === latestReady;
  const split = traffic
    .map(
      (t) =>
        `${t.revisionName ?? (t.latestRevision ? 'latest' : '?')}${t.tag ? `(${t.tag})` : ''} ${t.percent ?? 0}%`,
    )
    .join(', ');
  const rolledBack = onOlder === 100 && onLatest === 0;
  return withOptional(
    {
      canaryUp: ready && onLatest === weight && onOlder === 100 - weight,
      rolledBack,
      evidence: `InferenceService traffic [${split || 'none'}], latestCreatedRevision ${String(latestCreated ?? '-')}, latestReadyRevision ${String(latestReady ?? '-')}, previousRolledoutRevision ${String(predictor.previousRolledoutRevision ?? '-')}`,
    },
    undefined,
    onLatest,
  );
}

export type CanaryStatusKind = 'Rollout' | 'Canary' | 'InferenceService';

/** The reader for a kind. */
export function readCanaryStatus(kind: CanaryStatusKind, object: KubeObject, weight: number): CanaryReading {
  switch (kind) {
    case 'Rollout':
      return readArgoRollout(object, weight);
    case 'Canary':
      return readFlaggerCanary(object, weight);
    case 'InferenceService':
      return readInferenceService(object, weight);
  }
}
