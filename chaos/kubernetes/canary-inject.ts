import type { KubeConfig } from '@kubernetes/client-node';
import { sleep } from '../../src/core/clock.ts';
import { FiredrillError } from '../../src/core/errors.ts';
import type {
  BlindSpan,
  FaultHandle,
  InjectContext,
  LandedResult,
  RecoveryRecord,
  RollbackWatchOptions,
  RollbackWatchResult,
} from '../types.ts';
import { type KubeFailureHints, kubeApiFailure } from './api-errors.ts';
import {
  type BadCanaryFault,
  buildCanaryChange,
  type CanaryChange,
  type CanaryTarget,
  canaryPrecondition,
  canaryRef,
  canaryRunAnnotation,
} from './canary.ts';
import { validateCanaryObject } from './canary-crds.ts';
import { type CanaryReading, type CanaryStatusKind, readCanaryStatus } from './canary-status.ts';
import { type KubeApi, KubeApiError, type KubeObject, kubeClient, type ObjectRef } from './client.ts';
import { assertNamespaceAllowed, labelValue } from './manifests.ts';

/**
 * The kubernetes backend of `bad-canary`: patch the live Argo Rollouts Rollout (or KServe InferenceService)
 * so that a bad version takes `weight` percent of traffic, confirm in its status that it did, and put the
 * changed fields back on revert.
 *
 * Write-ahead: the merge patch that restores the object (built from the object as read just before) is
 * journaled (ctx.recordRecovery, kind "bad-canary") BEFORE the patch is sent, so `firedrill recover` can put
 * the object back after a crash. There is no in-cluster TTL: a canary holds at its pause step until its
 * analysis aborts it, firedrill reverts it, or `firedrill recover` restores it (like a paused container,
 * it cannot end itself). A canary that Argo has aborted is harmless (all traffic on stable) but stays aborted
 * until the template is put back.
 */

/** What the canary fault reads of `targets.kubernetes` (the fields mean what they mean in KubernetesTargets),
 *  plus the object it patches. */
export interface CanaryKubernetesTargets {
  /** The object the fault patches. */
  canary?: CanaryTarget;
  allowedNamespaces?: readonly string[];
  kubeConfig?: KubeConfig;
  client?: KubeApi;
  requestTimeoutMs?: number;
  /** How long landed() waits for the canary weight (default: the fault duration, 5–60 s). */
  landedTimeoutMs?: number;
  /** How long revert() waits for the controller to be back on stable (default 60 s). */
  revertTimeoutMs?: number;
  pollIntervalMs?: number;
}

const rbacHint =
  'grant firedrill get/patch on rollouts.argoproj.io and inferenceservices.serving.kserve.io (chaos/manifests/rbac.yaml) in this namespace';

const describe = (ref: ObjectRef) => `${ref.kind} ${ref.namespace}/${ref.name}`;
const resourceOf = (kind: string) => (kind === 'Rollout' ? 'rollout' : 'inferenceservice');

/** The command a human runs when revert and recover failed: the journaled restore patch, by hand. */
export function canaryCleanupHint(ref: ObjectRef, restore: Record<string, unknown>): string {
  return `kubectl patch ${resourceOf(ref.kind)} -n ${ref.namespace} ${ref.name} --type merge -p '${JSON.stringify(restore)}'`;
}

const controllerOf = (kind: string) => (kind === 'Rollout' ? 'Argo Rollouts' : 'KServe');

/** How the canary's API failures read (api-errors.ts): a 404 is the named object missing. */
export const canaryApiHints: KubeFailureHints = {
  notFound: 'object-missing',
  forbidden: rbacHint,
  notServed: (ref) =>
    ref.kind === 'Rollout'
      ? 'install Argo Rollouts (https://argoproj.github.io/argo-rollouts/installation/)'
      : 'install KServe (https://kserve.github.io/website/)',
  missing: (ref) =>
    `check the name and namespace (kubectl get ${resourceOf(ref.kind)} -n ${ref.namespace}) and that ${controllerOf(ref.kind)} is installed`,
  other: () => 'see the message; kubectl describe may say more',
};

const apiFailure = (error: unknown, ref: ObjectRef, doing: string): FiredrillError =>
  kubeApiFailure(error, ref, doing, canaryApiHints);

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : {});

/** True while the live spec still names the bad version (the fault is in place). */
export function carriesCanary(kind: string, object: KubeObject, marker: string): boolean {
  const spec = obj(object.spec);
  if (kind === 'Rollout') {
    const containers = obj(obj(spec.template).spec).containers;
    return Array.isArray(containers) && containers.some((c) => obj(c).image === marker);
  }
  return obj(obj(spec.predictor).model).storageUri === marker;
}

/** Back on the stable version: Argo's current ReplicaSet is the stable one and nothing is aborted; KServe
 *  sends 100 % to its latest revision. */
export function backOnStable(kind: string, object: KubeObject): boolean {
  const status = obj(object.status);
  if (kind === 'Rollout') {
    return (
      status.currentPodHash !== undefined &&
      status.currentPodHash === status.stableRS &&
      status.abort !== true
    );
  }
  const traffic = obj(obj(status.components).predictor).traffic;
  return (
    Array.isArray(traffic) && traffic.some((t) => obj(t).latestRevision === true && obj(t).percent === 100)
  );
}

function latestCreatedRevision(object: KubeObject): unknown {
  return obj(obj(obj(object.status).components).predictor).latestCreatedRevision;
}

interface Timing {
  landedTimeoutMs: number;
  revertTimeoutMs: number;
  pollIntervalMs: number;
}

class CanaryFaultHandle implements FaultHandle {
  readonly cleanupHint: string;
  private landedResult: Promise<LandedResult> | undefined;
  private reverted = false;

  constructor(
    readonly faultId: string,
    private readonly client: KubeApi,
    private readonly change: CanaryChange,
    private readonly revisionBefore: unknown,
    private readonly timing: Timing,
    private readonly ctx: InjectContext,
  ) {
    this.cleanupHint = canaryCleanupHint(change.ref, change.restore);
  }

  landed(): Promise<LandedResult> {
    this.landedResult ??= this.waitLanded();
    return this.landedResult;
  }

  private async waitLanded(): Promise<LandedResult> {
    const { ref, weight } = this.change;
    const deadline = Date.now() + this.timing.landedTimeoutMs;
    let last = 'no status read yet';
    for (;;) {
      if (this.ctx.signal.aborted)
        return { landed: false, reason: `interrupted waiting for ${describe(ref)}: ${last}` };
      let reading: CanaryReading | undefined;
      try {
        const current = await this.client.read(ref);
        if (current === undefined) return { landed: false, reason: `${describe(ref)} is gone` };
        reading = readCanaryStatus(ref.kind as CanaryStatusKind, current, weight);
        const newRevision =
          ref.kind !== 'InferenceService' || latestCreatedRevision(current) !== this.revisionBefore;
        last = reading.evidence;
        if (reading.canaryUp && newRevision) {
          return { landed: true, evidence: `${describe(ref)} canary at ${weight}%: ${reading.evidence}` };
        }
        if (reading.rolledBack && newRevision) {
          // The controller aborted it before this poll saw the weight: the canary ran, and was rolled back.
          return {
            landed: true,
            evidence: `${describe(ref)} canary already rolled back when first seen (it ran): ${reading.evidence}`,
          };
        }
      } catch (error) {
        last = `read failed: ${error instanceof Error ? error.message : String(error)}`;
      }
      if (Date.now() >= deadline) {
        return {
          landed: false,
          reason: `${describe(ref)} canary not at ${weight}% after ${this.timing.landedTimeoutMs}ms: ${last}`,
        };
      }
      try {
        await sleep(
          Math.min(this.timing.pollIntervalMs, Math.max(0, deadline - Date.now())),
          this.ctx.signal,
        );
      } catch {
        return { landed: false, reason: `interrupted waiting for ${describe(ref)}: ${last}` };
      }
    }
  }

  /** The controller's status, polled for a rollback of this canary (watchRolloutStatus). */
  watchRollback(options: RollbackWatchOptions): Promise<RollbackWatchResult> {
    return watchRolloutStatus({
      client: this.client,
      ref: this.change.ref,
      weight: this.change.weight,
      since: options.since,
      deadline: options.deadline,
      pollIntervalMs: this.timing.pollIntervalMs,
      signal: options.signal,
      now: this.ctx.now,
    });
  }

  async revert(): Promise<void> {
    if (this.reverted) return;
    await restoreCanary(this.client, this.change.ref, this.change.restore, this.change.canaryMarker, {
      confirmTimeoutMs: this.timing.revertTimeoutMs,
      pollIntervalMs: this.timing.pollIntervalMs,
    });
    this.reverted = true;
  }
}

/**
 * Puts the object back with the restore patch if its spec still names the bad version (someone else's newer
 * change is left alone), then waits until the controller is back on stable. Returns what it did.
 */
async function restoreCanary(
  client: KubeApi,
  ref: ObjectRef,
  restore: Record<string, unknown>,
  marker: string,
  options: { confirmTimeoutMs: number; pollIntervalMs: number },
): Promise<string> {
  const fail = (why: string, cause?: unknown) =>
    new FiredrillError('FD_REVERT_FAILED', `bad-canary revert of ${describe(ref)}: ${why}`, {
      hint: canaryCleanupHint(ref, restore),
      ...(cause !== undefined ? { cause } : {}),
    });
  let current: KubeObject | undefined;
  try {
    current = await client.read(ref);
  } catch (error) {
    throw fail(error instanceof Error ? error.message : String(error), error);
  }
  if (current === undefined) return `${describe(ref)} is gone: nothing to restore`;
  if (!carriesCanary(ref.kind, current, marker)) {
    return `${describe(ref)} no longer runs ${marker} (changed since): left alone`;
  }
  try {
    await client.mergePatch(ref, restore);
  } catch (error) {
    const forbidden = error instanceof KubeApiError && error.status === 403;
    throw fail(
      `${forbidden ? `forbidden (${rbacHint}): ` : ''}${error instanceof Error ? error.message : String(error)}`,
      error,
    );
  }
  const deadline = Date.now() + options.confirmTimeoutMs;
  let last = '';
  for (;;) {
    try {
      const now = await client.read(ref);
      if (now === undefined) return `${describe(ref)} restored, then deleted by someone`;
      if (!carriesCanary(ref.kind, now, marker) && backOnStable(ref.kind, now)) {
        return `${describe(ref)} restored and back on stable`;
      }
      last = JSON.stringify(now.status ?? {});
    } catch (error) {
      last = `read failed: ${error instanceof Error ? error.message : String(error)}`;
    }
    if (Date.now() >= deadline) {
      throw fail(
        `spec restored, but not back on stable ${options.confirmTimeoutMs}ms later (status ${last})`,
      );
    }
    await sleep(Math.min(options.pollIntervalMs, Math.max(0, deadline - Date.now())));
  }
}

/** The client a canary target's calls go through: the one given, else one from the kubeconfig. */
export function clientOf(targets: {
  client?: KubeApi;
  kubeConfig?: KubeConfig | undefined;
  requestTimeoutMs?: number;
}): KubeApi {
  return (
    targets.client ??
    kubeClient({
      ...(targets.kubeConfig ? { kubeConfig: targets.kubeConfig } : {}),
      ...(targets.requestTimeoutMs !== undefined ? { requestTimeoutMs: targets.requestTimeoutMs } : {}),
    })
  );
}

/**
 * Starts the bad canary. Refusals (no target, namespace off the allowlist, an object in the middle of a
 * rollout, an inexpressible fault) come before anything is journaled or patched. Resolves once the API
 * server stored the patch.
 */
export async function injectKubernetesCanary(
  fault: BadCanaryFault,
  targets: CanaryKubernetesTargets,
  ctx: InjectContext,
): Promise<FaultHandle> {
  const target = targets.canary;
  if (!target) {
    throw new FiredrillError(
      'FD_INJECT_FAILED',
      `fault ${fault.id} (bad-canary) on kubernetes: no canary target`,
      {
        hint: 'set targets.kubernetes.canary: { kind: "Rollout", namespace, name, container, versions: { v2: { image } } } or { kind: "InferenceService", namespace, name, versions: { v2: { storageUri } } }',
      },
    );
  }
  assertNamespaceAllowed(target.namespace, targets.allowedNamespaces ?? []);
  const ref = canaryRef(target);
  const client = clientOf(targets);
  let current: KubeObject | undefined;
  try {
    current = await client.read(ref);
  } catch (error) {
    throw apiFailure(error, ref, 'read');
  }
  if (current === undefined) {
    throw apiFailure(new KubeApiError(404, 'NotFound', `${describe(ref)} not found`), ref, 'read');
  }
  const change = buildCanaryChange(fault, target, current, ctx.runId);
  const problem = canaryPrecondition(target, current, change.canaryMarker);
  if (problem !== undefined) {
    throw new FiredrillError(
      'FD_INJECT_FAILED',
      `fault ${fault.id} (bad-canary): ${describe(ref)} is not ready for a canary: ${problem}`,
      {
        hint: 'start a canary game day from a fully rolled-out object (kubectl argo rollouts status, or kubectl get isvc)',
      },
    );
  }
  const problems = validateCanaryObject(
    target.kind,
    { apiVersion: ref.apiVersion, kind: ref.kind, ...change.patch },
    { partial: true },
  );
  if (problems.length > 0) {
    throw new FiredrillError(
      'FD_INTERNAL',
      `the ${ref.kind} patch does not match its CRD:\n  ${problems.join('\n  ')}`,
    );
  }
  ctx.recordRecovery({
    backend: 'kubernetes',
    kind: 'bad-canary',
    cleanupHint: canaryCleanupHint(ref, change.restore),
    data: { canary: { ref, restore: change.restore, marker: change.canaryMarker, runId: ctx.runId } },
  });
  try {
    await client.mergePatch(ref, change.patch);
  } catch (error) {
    if (error instanceof KubeApiError && error.status === 0) {
      // The patch may have reached the server: put the object back if it carries it.
      await restoreCanary(client, ref, change.restore, change.canaryMarker, {
        confirmTimeoutMs: 0,
        pollIntervalMs: 0,
      }).catch(() => undefined);
    }
    throw apiFailure(error, ref, 'patch');
  }
  const landedTimeoutMs = targets.landedTimeoutMs ?? Math.min(60_000, Math.max(5_000, fault.duration));
  return new CanaryFaultHandle(
    fault.id,
    client,
    change,
    latestCreatedRevision(current),
    {
      landedTimeoutMs,
      revertTimeoutMs: targets.revertTimeoutMs ?? 60_000,
      pollIntervalMs: targets.pollIntervalMs ?? 500,
    },
    ctx,
  );
}

export interface RecoverCanaryOptions {
  client?: KubeApi;
  kubeConfig?: KubeConfig | undefined;
  revertTimeoutMs?: number;
  pollIntervalMs?: number;
}

/**
 * `firedrill recover` for a bad-canary record: restores the journaled fields if the object still carries
 * this run's canary (its annotation and the bad version); anything changed since is left alone. Idempotent.
 */
export async function recoverKubernetesCanary(
  record: RecoveryRecord,
  options: RecoverCanaryOptions = {},
): Promise<string> {
  const data = obj(record.data.canary);
  const ref = obj(data.ref);
  const restore = obj(data.restore);
  const valid =
    ['apiVersion', 'kind', 'namespace', 'name'].every((k) => typeof ref[k] === 'string') &&
    typeof data.marker === 'string' &&
    typeof data.runId === 'string' &&
    Object.keys(restore).length > 0;
  if (!valid) {
    throw new FiredrillError(
      'FD_REVERT_FAILED',
      'bad-canary recovery record lacks the object, its restore patch or its run',
      {
        hint: record.cleanupHint,
      },
    );
  }
  const objectRef = ref as unknown as ObjectRef;
  const client = clientOf(options);
  let current: KubeObject | undefined;
  try {
    current = await client.read(objectRef);
  } catch (error) {
    throw new FiredrillError(
      'FD_REVERT_FAILED',
      `could not read ${describe(objectRef)}: ${error instanceof Error ? error.message : String(error)}`,
      {
        hint: record.cleanupHint,
        cause: error,
      },
    );
  }
  if (current === undefined) return `${describe(objectRef)} is gone: nothing to restore`;
  const annotations = obj(obj(current.metadata).annotations);
  if (annotations[canaryRunAnnotation] !== labelValue(data.runId as string)) {
    return `${describe(objectRef)} does not carry this run's canary: left alone`;
  }
  return restoreCanary(client, objectRef, restore, data.marker as string, {
    confirmTimeoutMs: options.revertTimeoutMs ?? 60_000,
    pollIntervalMs: options.pollIntervalMs ?? 500,
  });
}

export interface WatchRolloutOptions {
  client: KubeApi;
  /** The Rollout, Flagger Canary (flagger.app/v1beta1) or InferenceService to watch. */
  ref: ObjectRef;
  /** The canary weight the fault set, percent. */
  weight: number;
  /** Epoch ms the fault was injected: the start of the budget; a rollback time is never before it. */
  since: number;
  /** Epoch ms to give up at. */
  deadline: number;
  pollIntervalMs?: number;
  signal?: AbortSignal;
  now?: () => number;
}

export type RolloutWatchResult = RollbackWatchResult;

/**
 * The Kubernetes source of the `rollback` expectation: polls the controller's status until it shows the
 * canary rolled back (Argo Rollouts `status.abort`/`phase: Degraded`, Flagger `phase: Failed`, KServe
 * traffic 100 % back on the previous revision) or the deadline passes. Read failures are recorded as blind
 * spans and never decide the outcome. The judge measures `at - since` against the budget.
 */
export async function watchRolloutStatus(options: WatchRolloutOptions): Promise<RolloutWatchResult> {
  const now = options.now ?? Date.now;
  const interval = options.pollIntervalMs ?? 500;
  const blind: BlindSpan[] = [];
  let reads = 0;
  let evidence = 'no status read yet';
  // The last poll that saw no rollback: a rollback time is never before it (status times are whole seconds).
  let lastClean = options.since;
  // A blind span is a run of consecutive failed reads with one reason (however long the host took between them).
  let previousFailed = false;
  for (;;) {
    if (options.signal?.aborted) return { rolledBack: false, reason: 'interrupted', evidence, blind, reads };
    const polledAt = now();
    try {
      let current: KubeObject | undefined;
      try {
        current = await options.client.read(options.ref);
      } catch (error) {
        throw kubeApiFailure(error, options.ref, 'read', canaryApiHints);
      }
      if (current === undefined) throw new Error(`${describe(options.ref)} not found`);
      reads += 1;
      const reading = readCanaryStatus(options.ref.kind as CanaryStatusKind, current, options.weight);
      evidence = reading.evidence;
      if (reading.rolledBack) {
        const observedAt = now();
        const at = Math.min(Math.max(reading.rolledBackAt ?? observedAt, lastClean), observedAt);
        return { rolledBack: true, at, observedAt, evidence, blind, reads };
      }
      lastClean = Math.max(lastClean, polledAt);
      previousFailed = false;
    } catch (error) {
      const reason =
        error instanceof FiredrillError && error.hint
          ? `${error.message} (${error.hint})`
          : error instanceof Error
            ? error.message
            : String(error);
      const lastSpan = blind.at(-1);
      if (previousFailed && lastSpan && lastSpan.reason === reason) lastSpan.to = now();
      else blind.push({ from: polledAt, to: now(), reason });
      previousFailed = true;
    }
    if (now() >= options.deadline) return { rolledBack: false, reason: 'deadline', evidence, blind, reads };
    try {
      await sleep(Math.min(interval, Math.max(0, options.deadline - now())), options.signal);
    } catch {
      return { rolledBack: false, reason: 'interrupted', evidence, blind, reads };
    }
  }
}
