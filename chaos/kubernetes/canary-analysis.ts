import { parseDuration } from '../../src/core/duration.ts';
import type { AnalysisMetricSettings, CanaryAnalysisReading } from '../../src/evaluate/types.ts';
import { kubeApiFailure } from './api-errors.ts';
import { argoRolloutsApiVersion, type CanaryTarget, canaryRef } from './canary.ts';
import { type CanaryKubernetesTargets, canaryApiHints, clientOf } from './canary-inject.ts';
import type { KubeApi, KubeObject, ObjectRef } from './client.ts';
import { assertNamespaceAllowed } from './manifests.ts';

/**
 * What a canary's controller will analyse, read before the run: the floor of a `rollback` judged from the
 * object's status comes from it (src/evaluate/rollback-status.ts, analysisRollbackFloor). Field names are
 * those of Argo Rollouts v1.9.1: a Rollout's background analysis is `spec.strategy.canary.analysis.templates[]`
 * ({ templateName, clusterScope }), and an AnalysisTemplate's `spec.metrics[]` have the shape of the
 * AnalysisRun CRD's `spec.metrics[]` (the same Go type): `interval` and `initialDelay` (duration strings),
 * `failureLimit` and `count` (int or string; failureLimit defaults to 0, -1 never fails).
 */

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : {});

/** An int-or-string count; undefined when absent, a string when it cannot be a number (a template argument). */
function intOrString(value: unknown): number | string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string' && /^-?\d+$/.test(value.trim())) return Number(value.trim());
  return `"${String(value)}"`;
}

/** Pure: the metrics of an AnalysisTemplate as read from the API, or why one cannot be used. */
export function analysisMetricsOf(template: KubeObject, name: string): AnalysisMetricSettings[] | string {
  const metrics = obj(template.spec).metrics;
  if (!Array.isArray(metrics) || metrics.length === 0) return `AnalysisTemplate ${name} has no spec.metrics`;
  const out: AnalysisMetricSettings[] = [];
  for (const raw of metrics) {
    const m = obj(raw);
    const metric = typeof m.name === 'string' ? m.name : '?';
    const where = `AnalysisTemplate ${name}, metric ${metric}`;
    const duration = (field: string): number | null | string => {
      const value = m[field];
      if (value === undefined || value === null || value === '') return null;
      const ms = typeof value === 'string' ? parseDuration(value) : undefined;
      return ms ?? `${where}: ${field} "${String(value)}" is not a duration`;
    };
    const interval = duration('interval');
    const initialDelay = duration('initialDelay');
    const failureLimit = intOrString(m.failureLimit) ?? 0;
    const count = intOrString(m.count) ?? null;
    if (typeof interval === 'string') return interval;
    if (typeof initialDelay === 'string') return initialDelay;
    if (typeof failureLimit === 'string')
      return `${where}: failureLimit ${failureLimit} is not a number (a template argument?)`;
    if (typeof count === 'string') return `${where}: count ${count} is not a number (a template argument?)`;
    out.push({
      template: name,
      metric,
      intervalMs: interval,
      failureLimit,
      initialDelayMs: initialDelay ?? 0,
      count,
    });
  }
  return out;
}

const reason = (error: unknown, ref: ObjectRef): string => {
  const failure = kubeApiFailure(error, ref, 'read', {
    ...canaryApiHints,
    forbidden:
      'grant firedrill get on analysistemplates.argoproj.io (chaos/manifests/rbac.yaml) in this namespace',
  });
  return failure.hint ? `${failure.message} (${failure.hint})` : failure.message;
};

async function readOne(client: KubeApi, ref: ObjectRef): Promise<KubeObject | string> {
  try {
    return (await client.read(ref)) ?? `${ref.kind} ${ref.namespace}/${ref.name} not found`;
  } catch (error) {
    return reason(error, ref);
  }
}

/**
 * Reads the analysis a canary on `target` would run: for a Rollout, the AnalysisTemplate the scenario names
 * (the analysis step firedrill inserts after setWeight) and the Rollout's background analysis templates.
 * Never throws: anything it cannot read, and an analysis it cannot see whole (a ClusterAnalysisTemplate, a
 * template argument), makes the analysis unknown with the reason; so does a namespace off the allowlist
 * (nothing is read there). A KServe InferenceService has no analysis
 * of its own.
 */
export async function readCanaryAnalysis(
  target: CanaryTarget,
  targets: Pick<CanaryKubernetesTargets, 'allowedNamespaces' | 'client' | 'kubeConfig' | 'requestTimeoutMs'>,
): Promise<CanaryAnalysisReading> {
  try {
    // Nothing is read outside the allowlist (the injection will refuse that namespace with the same message).
    assertNamespaceAllowed(target.namespace, targets.allowedNamespaces ?? []);
  } catch (error) {
    return { unknown: error instanceof Error ? error.message : String(error) };
  }
  if (target.kind === 'InferenceService') {
    return {
      unknown:
        'KServe does not analyse a canary itself; what rolls it back (a pipeline, an operator) is outside what firedrill reads',
    };
  }
  const client = clientOf(targets);
  const rolloutRef = canaryRef(target);
  const rollout = await readOne(client, rolloutRef);
  if (typeof rollout === 'string') return { unknown: rollout };
  const background = obj(obj(obj(rollout.spec).strategy).canary).analysis;
  const templates: Array<{ name: string; clusterScope: boolean }> = [
    ...(target.analysisTemplate !== undefined
      ? [{ name: target.analysisTemplate, clusterScope: false }]
      : []),
    ...(Array.isArray(obj(background).templates) ? (obj(background).templates as unknown[]) : []).map(
      (t) => ({
        name: String(obj(t).templateName ?? '?'),
        clusterScope: obj(t).clusterScope === true,
      }),
    ),
  ];
  if (templates.length === 0) {
    return {
      unknown: `${rolloutRef.kind} ${rolloutRef.namespace}/${rolloutRef.name} runs no analysis (no canary.analysisTemplate in the scenario, no spec.strategy.canary.analysis): nothing in the cluster will roll the canary back`,
    };
  }
  const metrics: AnalysisMetricSettings[] = [];
  for (const { name, clusterScope } of templates) {
    if (clusterScope) {
      return {
        unknown: `ClusterAnalysisTemplate ${name} is not read (firedrill reads namespaced AnalysisTemplates only)`,
      };
    }
    const ref = {
      apiVersion: argoRolloutsApiVersion,
      kind: 'AnalysisTemplate',
      namespace: target.namespace,
      name,
    };
    const template = await readOne(client, ref);
    if (typeof template === 'string') return { unknown: template };
    const read = analysisMetricsOf(template, name);
    if (typeof read === 'string') return { unknown: read };
    metrics.push(...read);
  }
  return { metrics };
}
