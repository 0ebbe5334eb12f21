import type { KubeConfig } from '@kubernetes/client-node';
import { sleep } from '../../src/core/clock.ts';
import { FiredrillError } from '../../src/core/errors.ts';
import type { Fault } from '../../src/scenario/schema.ts';
import type { FaultHandle, InjectContext, LandedResult, RecoveryRecord } from '../types.ts';
import { type KubeFailureHints, kubeApiFailure } from './api-errors.ts';
import type { CanaryTarget } from './canary.ts';
import { injectKubernetesCanary, recoverKubernetesCanary } from './canary-inject.ts';
import {
  type KubeApi,
  KubeApiError,
  type KubeEvent,
  type KubeObject,
  type KubePod,
  kubeClient,
  type ObjectRef,
} from './client.ts';
import type { GpuJobOptions } from './gpu.ts';
import {
  buildFaultObjects,
  faultIdLabel,
  type ManifestObject,
  managedByLabel,
  type PodSelector,
  runIdLabel,
} from './manifests.ts';

/**
 * The kubernetes backend: create the Chaos Mesh object (or GPU Job), wait for the controller to report it
 * applied, delete it to revert and wait until it is gone. Write-ahead: the object references are journaled
 * (ctx.recordRecovery) before the first create, so `firedrill recover` can delete them after a crash; and
 * every object ends itself in the cluster (spec.duration / activeDeadlineSeconds) if nobody does.
 */

/** What the runner passes as `targets.kubernetes`. Every field is optional; `{}` refuses every fault
 *  (empty allowlist) with a message saying how to allow a namespace. */
export interface KubernetesTargets {
  /** Namespaces firedrill may create objects in and target (the safety allowlist). Default: none. */
  allowedNamespaces?: readonly string[];
  /** The in-cluster feature store pods, for feature-store-outage faults without `externalTarget`. */
  featureStoreSelector?: PodSelector;
  /** GPU Job settings (images, GPU indices, runtimeClassName); the node comes from the target pod. */
  gpu?: Omit<GpuJobOptions, 'nodeName'>;
  /** Default: KubeConfig.loadFromDefault() (KUBECONFIG, ~/.kube/config, or the in-cluster service account). */
  kubeConfig?: KubeConfig;
  /** A ready client (tests, or a caller that shares one). Overrides kubeConfig. */
  client?: KubeApi;
  /** Limit per API request (default 10 s). */
  requestTimeoutMs?: number;
  /** How long landed() waits for AllInjected / a Ready GPU pod (default: the fault duration, at most 60 s). */
  landedTimeoutMs?: number;
  /** How long revert() waits for the object to be gone (default 60 s: Chaos Mesh recovers every target
   *  before it drops its finalizer). */
  revertTimeoutMs?: number;
  /** Poll interval for status (default 500 ms). */
  pollIntervalMs?: number;
  /** The Rollout or InferenceService a `bad-canary` fault patches (canary-inject.ts). */
  canary?: CanaryTarget;
}

const rbacHint =
  'grant firedrill the verbs of chaos/manifests/rbac.yaml in this namespace (kubectl apply -f chaos/manifests/rbac.yaml, plus a RoleBinding here)';

function refOf(object: ManifestObject): ObjectRef {
  return {
    apiVersion: object.apiVersion,
    kind: object.kind,
    namespace: object.metadata.namespace,
    name: object.metadata.name,
  };
}

const describe = (ref: ObjectRef) => `${ref.kind} ${ref.namespace}/${ref.name}`;

/** The kubectl resource name of a kind (what a human types in the cleanup hint). */
function resourceOf(kind: string): string {
  return kind === 'Job' ? 'job' : kind.toLowerCase();
}

export function cleanupHintFor(refs: readonly ObjectRef[]): string {
  return refs
    .map((ref) =>
      ref.kind === 'Job'
        ? `kubectl delete job -n ${ref.namespace} ${ref.name} --cascade=foreground`
        : `kubectl delete ${resourceOf(ref.kind)} -n ${ref.namespace} ${ref.name} (stuck: kubectl annotate ${resourceOf(ref.kind)} -n ${ref.namespace} ${ref.name} chaos-mesh.chaos-mesh.org/cleanFinalizer=forced)`,
    )
    .join('; ');
}

/** How Chaos Mesh objects' and GPU Jobs' API failures read (api-errors.ts): a 404 on create is the kind
 *  not being served. */
const chaosApiHints: KubeFailureHints = {
  notFound: 'kind-not-served',
  forbidden: rbacHint,
  notServed: (ref) =>
    ref.kind === 'Job'
      ? 'check the namespace exists'
      : 'install Chaos Mesh (v2.x, https://chaos-mesh.org/docs/production-installation-using-helm/)',
  other: (status) =>
    status === 422 || status === 400
      ? 'the API server or the Chaos Mesh admission webhook rejected the object: see the message'
      : 'see the message; kubectl get events -n <namespace> may say more',
};

/** An API failure during inject as a FiredrillError with the hint that fits its status. */
const injectError = (error: unknown, ref: ObjectRef): FiredrillError =>
  kubeApiFailure(error, ref, 'create', chaosApiHints);

function isOurs(object: KubeObject | undefined, wanted: ManifestObject): boolean {
  const labels = object?.metadata?.labels ?? {};
  return (
    labels[managedByLabel] === 'firedrill' &&
    labels[runIdLabel] === wanted.metadata.labels[runIdLabel] &&
    labels[faultIdLabel] === wanted.metadata.labels[faultIdLabel]
  );
}

function toMs(value: string | Date | undefined | null): number | undefined {
  if (value === undefined || value === null) return undefined;
  const ms = value instanceof Date ? value.getTime() : Date.parse(value);
  return Number.isFinite(ms) ? ms : undefined;
}

interface Condition {
  type?: string;
  status?: string;
  reason?: string;
}

function conditionsOf(object: KubeObject | undefined): Condition[] {
  const conditions = object?.status?.conditions;
  return Array.isArray(conditions) ? (conditions as Condition[]) : [];
}

function conditionIs(object: KubeObject | undefined, type: string, status: string): boolean {
  return conditionsOf(object).some((c) => c.type === type && c.status === status);
}

function conditionSummary(object: KubeObject | undefined): string {
  const conditions = conditionsOf(object);
  if (conditions.length === 0) return 'no status conditions yet (is the Chaos Mesh controller running?)';
  return conditions.map((c) => `${c.type}=${c.status}${c.reason ? ` (${c.reason})` : ''}`).join(', ');
}

/** The time Chaos Mesh recorded applying to a target in status.experiment.containerRecords[].events. */
function recordApplyTime(object: KubeObject | undefined): number | undefined {
  const experiment = object?.status?.experiment as
    | {
        containerRecords?: Array<{
          events?: Array<{ operation?: string; type?: string; timestamp?: string }>;
        }>;
      }
    | undefined;
  const times = (experiment?.containerRecords ?? [])
    .flatMap((r) => r.events ?? [])
    .filter((e) => e.operation === 'Apply' && e.type === 'Succeeded')
    .map((e) => toMs(e.timestamp))
    .filter((t): t is number => t !== undefined);
  return times.length > 0 ? Math.min(...times) : undefined;
}

function eventTime(event: KubeEvent): number | undefined {
  return toMs(event.firstTimestamp) ?? toMs(event.eventTime) ?? toMs(event.metadata?.creationTimestamp);
}

function podReady(pod: KubePod): { ready: boolean; since?: number } {
  const ready = pod.status?.conditions?.find((c) => c.type === 'Ready');
  if (ready?.status !== 'True') return { ready: false };
  const since = toMs(ready.lastTransitionTime);
  return since === undefined ? { ready: true } : { ready: true, since };
}

/** Why a GPU Job's pod is not doing its work, or undefined while it may still get there. */
function podProblem(pod: KubePod): string | undefined {
  for (const status of pod.status?.containerStatuses ?? []) {
    const terminated = status.state?.terminated;
    if (terminated) {
      return `container exited ${terminated.exitCode ?? '?'} (${terminated.reason ?? ''}${terminated.message ? `: ${terminated.message}` : ''})`;
    }
  }
  if (pod.status?.phase === 'Failed') return 'pod failed';
  return undefined;
}

function podWaiting(pod: KubePod): string | undefined {
  for (const status of pod.status?.containerStatuses ?? []) {
    const waiting = status.state?.waiting;
    if (waiting?.reason) return `${waiting.reason}${waiting.message ? `: ${waiting.message}` : ''}`;
  }
  return pod.status?.phase ? `pod ${pod.status.phase}` : undefined;
}

export function labelSelectorString(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

interface Timing {
  landedTimeoutMs: number;
  revertTimeoutMs: number;
  pollIntervalMs: number;
}

/** Deletes the objects and waits until each is gone (or, for Chaos Mesh, AllRecovered while its finalizer
 *  is released). Throws FD_REVERT_FAILED naming what is left. */
export async function deleteAndConfirm(
  client: KubeApi,
  refs: readonly ObjectRef[],
  timing: Pick<Timing, 'revertTimeoutMs' | 'pollIntervalMs'>,
): Promise<string[]> {
  const done: string[] = [];
  const problems: string[] = [];
  for (const ref of refs) {
    const deadline = Date.now() + timing.revertTimeoutMs;
    try {
      const result = await client.delete(ref, ref.kind === 'Job' ? 'Foreground' : 'Background');
      if (result === 'absent') {
        done.push(`${describe(ref)} already gone`);
        continue;
      }
      let last: KubeObject | undefined;
      for (;;) {
        last = await client.read(ref);
        if (last === undefined) {
          done.push(`${describe(ref)} deleted`);
          break;
        }
        if (
          ref.kind !== 'Job' &&
          conditionIs(last, 'AllRecovered', 'True') &&
          last.metadata?.deletionTimestamp
        ) {
          done.push(`${describe(ref)} deleted (AllRecovered, finalizer pending)`);
          break;
        }
        if (Date.now() >= deadline) {
          problems.push(
            `${describe(ref)} still present ${timing.revertTimeoutMs}ms after delete (${ref.kind === 'Job' ? 'its pod has not terminated' : conditionSummary(last)})`,
          );
          break;
        }
        await sleep(Math.min(timing.pollIntervalMs, deadline - Date.now()));
      }
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      problems.push(
        error instanceof KubeApiError && error.status === 403
          ? `forbidden to delete ${describe(ref)} (${rbacHint})`
          : `${describe(ref)}: ${message}`,
      );
    }
  }
  if (problems.length > 0) {
    throw new FiredrillError('FD_REVERT_FAILED', `kubernetes revert incomplete: ${problems.join('; ')}`, {
      hint: cleanupHintFor(refs),
    });
  }
  return done;
}

class KubernetesFaultHandle implements FaultHandle {
  readonly faultId: string;
  readonly cleanupHint: string;
  private landedResult: Promise<LandedResult> | undefined;
  private reverted = false;

  constructor(
    private readonly client: KubeApi,
    private readonly objects: readonly ManifestObject[],
    private readonly createdAt: number,
    private readonly timing: Timing,
    private readonly ctx: InjectContext,
    faultId: string,
  ) {
    this.faultId = faultId;
    this.cleanupHint = cleanupHintFor(objects.map(refOf));
  }

  landed(): Promise<LandedResult> {
    this.landedResult ??= this.waitLanded();
    return this.landedResult;
  }

  async revert(): Promise<void> {
    if (this.reverted) return;
    await deleteAndConfirm(this.client, this.objects.map(refOf), this.timing);
    this.reverted = true;
  }

  private async waitLanded(): Promise<LandedResult> {
    const evidence: string[] = [];
    let landedAt: number | undefined;
    for (const object of this.objects) {
      const result =
        object.kind === 'Job' ? await this.waitJobReady(object) : await this.waitAllInjected(object);
      if (!result.landed) return result;
      evidence.push(result.evidence);
      if (result.landedAt !== undefined) landedAt = Math.max(landedAt ?? 0, result.landedAt);
    }
    const result: LandedResult = { landed: true, evidence: evidence.join('; ') };
    if (landedAt !== undefined) result.landedAt = landedAt;
    return result;
  }

  /** Cluster timestamps have one-second resolution and their own clock: keep them within what this process
   *  saw (not before the create request, not after now). */
  private clamp(ms: number): number {
    return Math.min(
      Math.max(ms, Math.floor(this.createdAt / 1000) * 1000, this.createdAt - 1000),
      this.ctx.now(),
    );
  }

  private async poll<T>(
    check: () => Promise<{ done: T } | { wait: string }>,
  ): Promise<{ done: T } | { timedOut: string } | { aborted: string }> {
    const deadline = Date.now() + this.timing.landedTimeoutMs;
    let last = '';
    for (;;) {
      if (this.ctx.signal.aborted) return { aborted: last };
      const result = await check();
      if ('done' in result) return result;
      last = result.wait;
      if (Date.now() >= deadline) return { timedOut: last };
      try {
        await sleep(Math.min(this.timing.pollIntervalMs, deadline - Date.now()), this.ctx.signal);
      } catch {
        return { aborted: last };
      }
    }
  }

  private async lastEvents(ref: ObjectRef): Promise<KubeEvent[]> {
    try {
      const events = await this.client.listEvents(
        ref.namespace,
        `involvedObject.name=${ref.name},involvedObject.kind=${ref.kind}`,
      );
      return events.filter((e) => e.involvedObject?.name === ref.name);
    } catch {
      return []; // events are evidence, not a condition: a failed list must not decide landed()
    }
  }

  private async waitAllInjected(object: ManifestObject): Promise<LandedResult> {
    const ref = refOf(object);
    const outcome = await this.poll<KubeObject>(async () => {
      const current = await this.client.read(ref);
      if (current === undefined) return { wait: 'the object is gone (deleted by someone else?)' };
      if (conditionIs(current, 'AllInjected', 'True')) return { done: current };
      return { wait: conditionSummary(current) };
    });
    if (!('done' in outcome)) {
      const events = await this.lastEvents(ref);
      const warning = events.filter((e) => e.type === 'Warning').at(-1);
      const why = 'timedOut' in outcome ? outcome.timedOut : outcome.aborted;
      const prefix =
        'timedOut' in outcome
          ? `${describe(ref)} not injected after ${this.timing.landedTimeoutMs}ms`
          : `interrupted waiting for ${describe(ref)}`;
      return {
        landed: false,
        reason: `${prefix}: ${why}${warning ? `; last warning: ${warning.reason}: ${warning.message}` : ''}`,
      };
    }
    const events = await this.lastEvents(ref);
    const applied = events
      .filter((e) => e.reason === 'Applied')
      .map((e) => ({ event: e, at: eventTime(e) }))
      .sort((a, b) => (a.at ?? Number.POSITIVE_INFINITY) - (b.at ?? Number.POSITIVE_INFINITY));
    const first = applied[0];
    const fromEvent = first?.at;
    const fromRecords = recordApplyTime(outcome.done);
    const at = fromEvent ?? fromRecords;
    const source =
      fromEvent !== undefined
        ? `Applied event "${first?.event.message ?? ''}"`
        : fromRecords !== undefined
          ? 'status.experiment record Apply/Succeeded'
          : 'no Applied event found';
    const evidence = `${describe(ref)} AllInjected=True; ${applied.length} Applied event${applied.length === 1 ? '' : 's'}; fault time from ${source}${at !== undefined ? ` at ${new Date(at).toISOString()}` : ''}`;
    const result: LandedResult = { landed: true, evidence };
    if (at !== undefined) result.landedAt = this.clamp(at);
    return result;
  }

  private async waitJobReady(object: ManifestObject): Promise<LandedResult> {
    const ref = refOf(object);
    const selector = labelSelectorString({
      [runIdLabel]: object.metadata.labels[runIdLabel]!,
      [faultIdLabel]: object.metadata.labels[faultIdLabel]!,
    });
    const outcome = await this.poll<{ pod: KubePod; since?: number }>(async () => {
      const job = await this.client.read(ref);
      if (job === undefined) return { wait: 'the Job is gone' };
      const failed = conditionsOf(job).find((c) => c.type === 'Failed' && c.status === 'True');
      if (failed) return { wait: `Job failed (${failed.reason ?? 'no reason'})` };
      const pods = await this.client.listPods(ref.namespace, selector);
      if (pods.length === 0) return { wait: 'no pod created for the Job yet' };
      for (const pod of pods) {
        const ready = podReady(pod);
        if (ready.ready) return { done: ready.since === undefined ? { pod } : { pod, since: ready.since } };
      }
      const problems = pods.map(podProblem).filter((p): p is string => p !== undefined);
      if (problems.length === pods.length) return { wait: `GPU pod failed: ${problems.join('; ')}` };
      return { wait: `GPU pod not ready: ${pods.map(podWaiting).filter(Boolean).join('; ') || 'starting'}` };
    });
    if (!('done' in outcome)) {
      const events = await this.lastEvents(ref);
      const warning = events.filter((e) => e.type === 'Warning').at(-1);
      const why = 'timedOut' in outcome ? outcome.timedOut : outcome.aborted;
      return {
        landed: false,
        reason: `${describe(ref)} not applied after ${this.timing.landedTimeoutMs}ms: ${why}${warning ? `; last warning: ${warning.reason}: ${warning.message}` : ''}`,
      };
    }
    const { pod, since } = outcome.done;
    const result: LandedResult = {
      landed: true,
      evidence: `${describe(ref)}: pod ${pod.metadata?.name ?? '?'} on node ${pod.spec?.nodeName ?? '?'} Ready (limit applied, readiness file present)`,
    };
    if (since !== undefined) result.landedAt = this.clamp(since);
    return result;
  }
}

/** The first running pod a selector matches, for the GPU Job's node. */
async function targetNode(client: KubeApi, fault: Fault, selector: PodSelector): Promise<string> {
  let pods: KubePod[];
  try {
    pods = await client.listPods(selector.namespace, labelSelectorString(selector.labelSelectors));
  } catch (error) {
    throw injectError(error, { apiVersion: 'v1', kind: 'Pod', namespace: selector.namespace, name: '*' });
  }
  const running = pods.find((p) => p.status?.phase === 'Running' && p.spec?.nodeName);
  if (!running?.spec?.nodeName) {
    throw new FiredrillError(
      'FD_INJECT_FAILED',
      `fault ${fault.id}: no running pod in ${selector.namespace} matches ${labelSelectorString(selector.labelSelectors) || '(all pods)'}, so there is no node to throttle`,
      { hint: 'check the selector: kubectl get pods -n <namespace> -l <labels> -o wide' },
    );
  }
  return running.spec.nodeName;
}

/** Injects a fault through Chaos Mesh (or a GPU Job). Resolves once the API server accepted the objects. */
export async function injectKubernetes(
  fault: Fault,
  targets: KubernetesTargets,
  ctx: InjectContext,
): Promise<FaultHandle> {
  const manifestOptions = {
    runId: ctx.runId,
    allowedNamespaces: targets.allowedNamespaces ?? [],
    ...(targets.featureStoreSelector ? { featureStoreSelector: targets.featureStoreSelector } : {}),
    gpu: { ...targets.gpu },
  };
  if (fault.kind === 'bad-canary') {
    const canary = fault.canary ?? targets.canary;
    return injectKubernetesCanary(fault, { ...targets, ...(canary ? { canary } : {}) }, ctx);
  }
  // Refusals (allowlist, unsupported options) before any API call.
  let objects = buildFaultObjects(fault, manifestOptions);
  if (fault.kind === 'gpu-throttle' && fault.mode === 'contention' && !targets.gpu?.burnImage) {
    throw new FiredrillError('FD_INJECT_FAILED', `fault ${fault.id}: gpu contention needs a gpu-burn image`, {
      hint: 'build github.com/wilicc/gpu-burn (binary in /app), push it, and set targets.kubernetes.gpu.burnImage',
    });
  }
  const client =
    targets.client ??
    kubeClient({
      ...(targets.kubeConfig ? { kubeConfig: targets.kubeConfig } : {}),
      ...(targets.requestTimeoutMs !== undefined ? { requestTimeoutMs: targets.requestTimeoutMs } : {}),
    });
  if (fault.kind === 'gpu-throttle' && fault.selector) {
    const nodeName = await targetNode(client, fault, fault.selector);
    objects = buildFaultObjects(fault, { ...manifestOptions, gpu: { ...targets.gpu, nodeName } });
  }
  const timing: Timing = {
    landedTimeoutMs: targets.landedTimeoutMs ?? Math.min(60_000, Math.max(5_000, fault.duration)),
    revertTimeoutMs: targets.revertTimeoutMs ?? 60_000,
    pollIntervalMs: targets.pollIntervalMs ?? 500,
  };
  const refs = objects.map(refOf);
  ctx.recordRecovery({
    backend: 'kubernetes',
    kind: fault.kind,
    cleanupHint: cleanupHintFor(refs),
    data: { objects: refs },
  });
  const createdAt = ctx.now();
  const created: (KubeObject | undefined)[] = [];
  for (const object of objects) {
    const ref = refOf(object);
    try {
      created.push(await client.create(object));
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 409) {
        const existing = await client.read(ref).catch(() => undefined);
        if (isOurs(existing, object)) {
          created.push(existing); // a retried create of this very run and fault: adopt it
          continue;
        }
        await undoCreated(client, objects.slice(0, created.length), timing);
        throw new FiredrillError(
          'FD_INJECT_FAILED',
          `${describe(ref)} already exists and is not this run's (labels: ${JSON.stringify(existing?.metadata?.labels ?? {})})`,
          {
            hint: `another run with the same run id and fault id left it behind, or a name clash: kubectl delete ${resourceOf(ref.kind)} -n ${ref.namespace} ${ref.name}, or firedrill recover`,
            cause: error,
          },
        );
      }
      if (error instanceof KubeApiError && error.status === 0) {
        // The request may have reached the server: delete it if it exists and is ours.
        const maybe = await client.read(ref).catch(() => undefined);
        if (isOurs(maybe, object)) await client.delete(ref).catch(() => undefined);
      }
      await undoCreated(client, objects.slice(0, created.length), timing);
      throw injectError(error, ref);
    }
  }
  return new KubernetesFaultHandle(client, objects, createdAt, timing, ctx, fault.id);
}

async function undoCreated(
  client: KubeApi,
  objects: readonly ManifestObject[],
  timing: Timing,
): Promise<void> {
  if (objects.length === 0) return;
  await deleteAndConfirm(client, objects.map(refOf), timing).catch(() => undefined);
}

function refsFromRecord(record: RecoveryRecord): ObjectRef[] {
  const objects = record.data.objects;
  if (!Array.isArray(objects)) return [];
  return objects.filter(
    (o): o is ObjectRef =>
      typeof o === 'object' &&
      o !== null &&
      ['apiVersion', 'kind', 'namespace', 'name'].every(
        (k) => typeof (o as Record<string, unknown>)[k] === 'string',
      ),
  );
}

export interface RecoverKubernetesOptions {
  client?: KubeApi;
  kubeConfig?: KubeConfig;
  revertTimeoutMs?: number;
  pollIntervalMs?: number;
}

/**
 * Reverts a kubernetes fault from its journaled record: deletes each object if it still exists and carries
 * firedrill's managed-by label (never someone else's object of the same name), then waits until it is gone.
 * Idempotent. Credentials come from the environment (kubeconfig), never from the journal.
 */
export async function recoverKubernetes(
  record: RecoveryRecord,
  options: RecoverKubernetesOptions = {},
): Promise<string> {
  if (record.kind === 'bad-canary') return recoverKubernetesCanary(record, options);
  const refs = refsFromRecord(record);
  if (refs.length === 0) {
    throw new FiredrillError(
      'FD_REVERT_FAILED',
      `kubernetes recovery record for ${record.kind} names no objects`,
      {
        hint: record.cleanupHint,
      },
    );
  }
  const client = options.client ?? kubeClient(options.kubeConfig ? { kubeConfig: options.kubeConfig } : {});
  const toDelete: ObjectRef[] = [];
  const notes: string[] = [];
  for (const ref of refs) {
    let current: KubeObject | undefined;
    try {
      current = await client.read(ref);
    } catch (error) {
      throw new FiredrillError(
        'FD_REVERT_FAILED',
        `could not read ${describe(ref)}: ${error instanceof Error ? error.message : String(error)}`,
        {
          hint: record.cleanupHint,
          cause: error,
        },
      );
    }
    if (current === undefined) {
      notes.push(`${describe(ref)} already gone`);
    } else if (current.metadata?.labels?.[managedByLabel] !== 'firedrill') {
      notes.push(`${describe(ref)} exists but is not managed by firedrill: left alone`);
    } else {
      toDelete.push(ref);
    }
  }
  const done = await deleteAndConfirm(client, toDelete, {
    revertTimeoutMs: options.revertTimeoutMs ?? 60_000,
    pollIntervalMs: options.pollIntervalMs ?? 500,
  });
  return [...done, ...notes].join('; ');
}
