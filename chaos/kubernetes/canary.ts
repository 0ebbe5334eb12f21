import { stringify } from 'yaml';
import { FiredrillError } from '../../src/core/errors.ts';
import { validateCanaryObject } from './canary-crds.ts';
import type { KubeObject, ObjectRef } from './client.ts';
import { labelValue } from './manifests.ts';

/**
 * Pure builders for the `bad-canary` fault on Kubernetes: a JSON merge patch (RFC 7386, what the API server
 * accepts for custom resources) that starts a canary of a bad version, and the merge patch that puts back
 * exactly the fields it changed. No I/O.
 *
 *   Argo Rollouts `Rollout` (argoproj.io/v1alpha1, CRD v1.9.1): the target container's image becomes the
 *     version's image and `spec.strategy.canary.steps` becomes [setWeight: weight, (analysis: the named
 *     AnalysisTemplate), pause: {}]: the canary holds at `weight` until its analysis aborts it or firedrill
 *     reverts; it is never promoted by a step running out. A change of `spec.template` is what starts a
 *     rollout; putting the template back makes Argo return to the stable ReplicaSet at once.
 *   KServe `InferenceService` (serving.kserve.io/v1beta1, CRD v0.20.0): `spec.predictor.model.storageUri`
 *     becomes the version's model and `spec.predictor.canaryTrafficPercent` the weight; KServe sends that
 *     share to the new revision and the rest to the last rolled-out one.
 *
 * The fault's `errors`, `latency` and `accuracyDrop` describe what the bad version does; Kubernetes cannot
 * impose them, the image or model named for the version has to behave so. They are written, with the run and
 * fault ids, as annotations on the object so that `kubectl get -o yaml` shows who changed it and why.
 */

/** The fault as the scenario states it (durations in ms). The scenario schema's `bad-canary` variant. */
export interface BadCanaryFault {
  id: string;
  kind: 'bad-canary';
  at: number;
  duration: number;
  /** The version the canary runs, a key of the target's `versions` (e.g. "v2"). */
  version: string;
  /** Share of traffic for the canary, percent 0–100. */
  weight: number;
  /** Extra error ratio of the bad version, 0–1. */
  errors?: number | undefined;
  /** Extra latency of the bad version, ms. */
  latency?: number | undefined;
  /** Accuracy drop of the bad version, ratio. */
  accuracyDrop?: number | undefined;
}

/** An Argo Rollouts Rollout with a canary strategy, and what each version's pods run. */
export interface RolloutCanaryTarget {
  kind: 'Rollout';
  namespace: string;
  name: string;
  /** The container of the pod template whose image is the model server. */
  container: string;
  /** Image per version name, e.g. `{ v2: { image: "registry/model-server:v2" } }`. */
  versions: Readonly<Record<string, { image: string }>>;
  /** An AnalysisTemplate in the namespace to run as a step after setWeight: its failure aborts the canary. */
  analysisTemplate?: string | undefined;
}

/** A KServe InferenceService (`spec.predictor.model`), and the model each version loads. */
export interface InferenceServiceCanaryTarget {
  kind: 'InferenceService';
  namespace: string;
  name: string;
  /** Model per version name, e.g. `{ v2: { storageUri: "gs://models/penguin/v2" } }`. */
  versions: Readonly<Record<string, { storageUri: string }>>;
}

export type CanaryTarget = RolloutCanaryTarget | InferenceServiceCanaryTarget;

export const argoRolloutsApiVersion = 'argoproj.io/v1alpha1';
export const kserveApiVersion = 'serving.kserve.io/v1beta1';
export const canaryRunAnnotation = 'firedrill.dev/canary-run-id';
export const canaryFaultAnnotation = 'firedrill.dev/canary-fault-id';
export const canaryBehaviourAnnotation = 'firedrill.dev/canary-behaviour';
/** On the pod template (Rollout): which version the canary pods run. */
export const canaryVersionAnnotation = 'firedrill.dev/canary-version';

export function canaryRef(target: CanaryTarget): ObjectRef {
  return {
    apiVersion: target.kind === 'Rollout' ? argoRolloutsApiVersion : kserveApiVersion,
    kind: target.kind,
    namespace: target.namespace,
    name: target.name,
  };
}

/** A merge patch plus what proves it is in place. */
export interface CanaryChange {
  ref: ObjectRef;
  /** Merge patch that starts the canary. */
  patch: Record<string, unknown>;
  /** Merge patch that puts back every field `patch` changed, as it was before. */
  restore: Record<string, unknown>;
  /** The bad version's image (Rollout) or model (InferenceService): while the spec names it, the fault is on. */
  canaryMarker: string;
  weight: number;
}

function refuse(fault: BadCanaryFault, target: CanaryTarget, why: string, hint: string): never {
  throw new FiredrillError(
    'FD_INJECT_FAILED',
    `fault ${fault.id} (bad-canary) on ${target.kind} ${target.namespace}/${target.name}: ${why}`,
    { hint },
  );
}

function checkWeight(fault: BadCanaryFault, target: CanaryTarget): void {
  if (!Number.isInteger(fault.weight) || fault.weight < 1 || fault.weight > 100) {
    refuse(
      fault,
      target,
      `weight ${fault.weight} is not a whole percent between 1 and 100 (${target.kind === 'Rollout' ? 'setWeight' : 'canaryTrafficPercent'} is an integer)`,
      'set weight: 20 (percent of traffic for the canary)',
    );
  }
}

function versionOf<T>(fault: BadCanaryFault, target: CanaryTarget, versions: Readonly<Record<string, T>>): T {
  const found = Object.hasOwn(versions, fault.version) ? versions[fault.version] : undefined;
  if (found === undefined) {
    const known = Object.keys(versions);
    refuse(
      fault,
      target,
      `no version "${fault.version}" in the target's versions (${known.length === 0 ? 'none given' : known.join(', ')})`,
      `add versions: { ${fault.version}: { ${target.kind === 'Rollout' ? 'image: "<image of the bad version>"' : 'storageUri: "<model of the bad version>"'} } } to targets.kubernetes.canary`,
    );
  }
  return found;
}

function behaviour(fault: BadCanaryFault): string {
  const said: Record<string, number> = {};
  if (fault.errors !== undefined) said.errors = fault.errors;
  if (fault.latency !== undefined) said.latencyMs = fault.latency;
  if (fault.accuracyDrop !== undefined) said.accuracyDrop = fault.accuracyDrop;
  return JSON.stringify({ version: fault.version, weight: fault.weight, ...said });
}

function objectAnnotations(fault: BadCanaryFault, runId: string): Record<string, string> {
  return {
    [canaryRunAnnotation]: labelValue(runId),
    [canaryFaultAnnotation]: fault.id,
    [canaryBehaviourAnnotation]: behaviour(fault),
  };
}

/** Merge-patch values that put annotations back: the old value, or null (delete) where there was none. */
function restoreAnnotations(
  keys: readonly string[],
  before: Record<string, unknown> | undefined,
): Record<string, unknown> {
  return Object.fromEntries(keys.map((k) => [k, typeof before?.[k] === 'string' ? before[k] : null]));
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : undefined;

function rolloutSteps(fault: BadCanaryFault, target: RolloutCanaryTarget): Obj[] {
  return [
    { setWeight: fault.weight },
    ...(target.analysisTemplate !== undefined
      ? [{ analysis: { templates: [{ templateName: target.analysisTemplate }] } }]
      : []),
    { pause: {} },
  ];
}

/**
 * The change that starts the canary on the live object `current` (as read from the API server), and the
 * change that undoes it. Throws FD_INJECT_FAILED, naming what to fix, when the object cannot carry the
 * canary (no canary strategy, no such container, no `spec.predictor.model`) or the fault is not expressible.
 */
export function buildCanaryChange(
  fault: BadCanaryFault,
  target: CanaryTarget,
  current: KubeObject,
  runId: string,
): CanaryChange {
  checkWeight(fault, target);
  const ref = canaryRef(target);
  const annotations = objectAnnotations(fault, runId);
  const restoreMeta = {
    annotations: restoreAnnotations(
      Object.keys(annotations),
      obj((current.metadata as Obj | undefined)?.annotations),
    ),
  };
  const spec = obj(current.spec) ?? {};
  if (target.kind === 'Rollout') {
    const { image } = versionOf(fault, target, target.versions);
    if (spec.workloadRef !== undefined) {
      refuse(
        fault,
        target,
        'the Rollout takes its pod template from a workloadRef',
        'point targets.kubernetes.canary at a Rollout with its own spec.template',
      );
    }
    const canary = obj(obj(spec.strategy)?.canary);
    if (!canary) {
      refuse(
        fault,
        target,
        'the Rollout has no canary strategy (spec.strategy.canary)',
        'a blue-green Rollout has no canary weight: use a canary Rollout',
      );
    }
    const template = obj(spec.template) ?? {};
    const containers = (obj(template.spec)?.containers as Obj[] | undefined) ?? [];
    if (!containers.some((c) => c.name === target.container)) {
      refuse(
        fault,
        target,
        `no container "${target.container}" in spec.template (containers: ${containers.map((c) => String(c.name)).join(', ') || 'none'})`,
        'set targets.kubernetes.canary.container to the model server container',
      );
    }
    const templateAnnotations = obj(obj(template.metadata)?.annotations);
    const patch = {
      metadata: { annotations },
      spec: {
        template: {
          metadata: { annotations: { [canaryVersionAnnotation]: fault.version } },
          spec: {
            // A merge patch replaces a list whole: every container, with only the model server's image changed.
            containers: containers.map((c) => (c.name === target.container ? { ...c, image } : c)),
          },
        },
        strategy: { canary: { steps: rolloutSteps(fault, target) } },
      },
    };
    const restore = {
      metadata: restoreMeta,
      spec: {
        template: {
          // The pod template is hashed by Argo: give back no map at all where there was none (an empty map
          // is a different template to a byte-wise hash), and no metadata where there was none.
          metadata:
            template.metadata === undefined
              ? null
              : {
                  annotations:
                    templateAnnotations === undefined
                      ? null
                      : restoreAnnotations([canaryVersionAnnotation], templateAnnotations),
                },
          spec: { containers },
        },
        strategy: { canary: { steps: canary.steps ?? null } },
      },
    };
    return { ref, patch, restore, canaryMarker: image, weight: fault.weight };
  }
  const { storageUri } = versionOf(fault, target, target.versions);
  const predictor = obj(spec.predictor);
  const model = obj(predictor?.model);
  if (!predictor || !model) {
    refuse(
      fault,
      target,
      'the InferenceService has no spec.predictor.model',
      'use the v1beta1 form predictor.model { modelFormat, storageUri } (the per-framework fields are deprecated)',
    );
  }
  const patch = {
    metadata: { annotations },
    spec: { predictor: { canaryTrafficPercent: fault.weight, model: { storageUri } } },
  };
  const restore = {
    metadata: restoreMeta,
    spec: {
      predictor: {
        canaryTrafficPercent: predictor.canaryTrafficPercent ?? null,
        model: { storageUri: model.storageUri ?? null },
      },
    },
  };
  return { ref, patch, restore, canaryMarker: storageUri, weight: fault.weight };
}

/**
 * Why the live object is not a place to start a canary from, or undefined when it is: a canary game day
 * starts from a fully rolled-out object, never in the middle of someone's release or another run's canary.
 */
export function canaryPrecondition(
  target: CanaryTarget,
  current: KubeObject,
  marker: string,
): string | undefined {
  const annotations = obj((current.metadata as Obj | undefined)?.annotations) ?? {};
  const other = annotations[canaryRunAnnotation];
  if (typeof other === 'string') {
    return `it carries a canary of run ${other} (fault ${String(annotations[canaryFaultAnnotation])}): revert that first (firedrill recover)`;
  }
  const spec = obj(current.spec) ?? {};
  const status = obj(current.status) ?? {};
  if (target.kind === 'Rollout') {
    const containers = (obj(obj(spec.template)?.spec)?.containers as Obj[] | undefined) ?? [];
    if (containers.some((c) => c.name === target.container && c.image === marker)) {
      return `container ${target.container} already runs ${marker}`;
    }
    if (status.phase !== undefined && status.phase !== 'Healthy') {
      return `status.phase is ${String(status.phase)}, not Healthy${typeof status.message === 'string' ? ` (${status.message})` : ''}`;
    }
    if (status.abort === true) return 'status.abort is true: an aborted update is still in place';
    if (status.currentPodHash !== undefined && status.currentPodHash !== status.stableRS) {
      return `a rollout is in progress (currentPodHash ${String(status.currentPodHash)} is not stableRS ${String(status.stableRS)})`;
    }
    return undefined;
  }
  const model = obj(obj(spec.predictor)?.model) ?? {};
  if (model.storageUri === marker) return `spec.predictor.model.storageUri is already ${marker}`;
  const cp = obj(spec.predictor)?.canaryTrafficPercent;
  if (typeof cp === 'number' && cp < 100) return `a canary is in progress (canaryTrafficPercent ${cp})`;
  return undefined;
}

/**
 * `--dry-run` without a cluster: the merge patch as far as it can be known before the live object is read.
 * For a Rollout the container list shows only the model server container; the real patch carries every
 * container of the live pod template (a merge patch replaces a list whole).
 */
export function previewCanaryPatch(
  fault: BadCanaryFault,
  target: CanaryTarget,
  runId: string,
): { ref: ObjectRef; patch: Record<string, unknown>; note: string } {
  checkWeight(fault, target);
  const ref = canaryRef(target);
  const annotations = objectAnnotations(fault, runId);
  if (target.kind === 'Rollout') {
    const { image } = versionOf(fault, target, target.versions);
    return {
      ref,
      patch: {
        metadata: { annotations },
        spec: {
          template: {
            metadata: { annotations: { [canaryVersionAnnotation]: fault.version } },
            spec: { containers: [{ name: target.container, image }] },
          },
          strategy: { canary: { steps: rolloutSteps(fault, target) } },
        },
      },
      note: `containers: at run time, every container of the live pod template, with ${target.container}'s image replaced`,
    };
  }
  const { storageUri } = versionOf(fault, target, target.versions);
  return {
    ref,
    patch: {
      metadata: { annotations },
      spec: { predictor: { canaryTrafficPercent: fault.weight, model: { storageUri } } },
    },
    note: 'the rest of the InferenceService is left as it is',
  };
}

/**
 * `--dry-run`: the patch a `bad-canary` fault would send, as YAML with the kubectl command that would send
 * it, after checking it against the real CRD (every field known and well-typed). Applies nothing; throws
 * like the injector on a fault it cannot express, and FD_INTERNAL if the patch does not match the CRD.
 */
export function renderCanaryFault(fault: BadCanaryFault, target: CanaryTarget, runId: string): string {
  const { ref, patch, note } = previewCanaryPatch(fault, target, runId);
  const problems = validateCanaryObject(
    target.kind,
    { apiVersion: ref.apiVersion, kind: ref.kind, ...patch },
    { partial: true },
  );
  if (problems.length > 0) {
    throw new FiredrillError(
      'FD_INTERNAL',
      `the ${ref.kind} patch of fault ${fault.id} does not match its CRD:\n  ${problems.join('\n  ')}`,
    );
  }
  const resource = target.kind === 'Rollout' ? 'rollout' : 'inferenceservice';
  return [
    `# fault ${fault.id} (bad-canary) at +${fault.at}ms for ${fault.duration}ms: ${fault.version} at ${fault.weight}%`,
    `# kubectl patch ${resource} -n ${ref.namespace} ${ref.name} --type merge -p <this document as JSON>`,
    `# ${note}`,
    stringify(patch),
  ].join('\n');
}

/** The merge patch applied to an object (RFC 7386): objects merge, null deletes, anything else replaces. */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  const p = obj(patch);
  if (!p) return structuredClone(patch);
  const out: Obj = { ...(obj(target) ?? {}) };
  for (const [key, value] of Object.entries(p)) {
    if (value === null) delete out[key];
    else out[key] = applyMergePatch(out[key], value);
  }
  return out;
}
