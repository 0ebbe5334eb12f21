import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { FiredrillError } from '../../src/core/errors.ts';
import type { ManifestObject } from './objects.ts';

/**
 * GPU faults on kubernetes (Chaos Mesh has none): a privileged Job on the target pod's node, filled in from
 * the templates in chaos/manifests/ (read once; the templates carry the script and its documentation).
 */

export interface GpuJobOptions {
  /** The node of the target pod (inject reads it from the pod). Unset: a placeholder (dry-run only). */
  nodeName?: string;
  /** Image with nvidia-smi for power-cap/clock-lock. Default nvcr.io/nvidia/cuda:12.4.1-base-ubuntu22.04. */
  image?: string;
  /** gpu-burn image for contention (built from github.com/wilicc/gpu-burn; binary in /app). Required there. */
  burnImage?: string;
  /** GPU indices to throttle ("0,1"). Default: every GPU on the node. */
  gpus?: string;
  /** runtimeClassName for the pod, where the NVIDIA runtime is not the node's default (often "nvidia"). */
  runtimeClassName?: string;
  /** Added to the duration for activeDeadlineSeconds (default 15 s). */
  deadlineMarginMs?: number;
}

export interface GpuFaultParams {
  id: string;
  mode: 'power-cap' | 'clock-lock' | 'contention';
  depth: number;
  durationMs: number;
  namespace: string;
}

/** Placeholder shown by --dry-run where the node is resolved at run time. */
export const nodePlaceholder = '<node of the target pod, resolved at run time>';
/** Placeholder image shown by --dry-run for contention without targets.kubernetes.gpuBurnImage. */
export const burnImagePlaceholder = '<gpu-burn image: build github.com/wilicc/gpu-burn, set gpuBurnImage>';
export const defaultGpuImage = 'nvcr.io/nvidia/cuda:12.4.1-base-ubuntu22.04';
const defaultMarginMs = 15_000;
/** Length of one contention cycle: burn for depth × cycle, idle for the rest. */
export const contentionCycleSeconds = 20;

const templates = new Map<string, ManifestObject>();

/** A template from chaos/manifests/, parsed once; callers get a deep copy. */
export function gpuTemplate(file: 'gpu-throttle-job.yaml' | 'gpu-contention-job.yaml'): ManifestObject {
  let template = templates.get(file);
  if (!template) {
    template = parse(
      readFileSync(new URL(`../manifests/${file}`, import.meta.url), 'utf8'),
    ) as ManifestObject;
    templates.set(file, template);
  }
  return structuredClone(template);
}

interface PodTemplate {
  metadata: { labels: Record<string, string> };
  spec: {
    nodeName: string;
    runtimeClassName?: string;
    containers: Array<{ image: string; env: Array<{ name: string; value: string }> }>;
  };
}

function setEnv(env: Array<{ name: string; value: string }>, name: string, value: string): void {
  const entry = env.find((e) => e.name === name);
  if (!entry) throw new FiredrillError('FD_INTERNAL', `GPU Job template lacks env ${name}`);
  entry.value = value;
}

/** The Job for a GPU fault. Pure apart from the cached template read. */
export function buildGpuJob(
  fault: GpuFaultParams,
  meta: { runId: string; labels: Record<string, string>; name?: string },
  options: GpuJobOptions,
): ManifestObject {
  const contention = fault.mode === 'contention';
  const job = gpuTemplate(contention ? 'gpu-contention-job.yaml' : 'gpu-throttle-job.yaml');
  const durationSeconds = Math.max(1, Math.ceil(fault.durationMs / 1000));
  const deadlineSeconds = Math.ceil(
    (fault.durationMs + (options.deadlineMarginMs ?? defaultMarginMs)) / 1000,
  );
  job.metadata = {
    name: meta.name ?? '',
    namespace: fault.namespace,
    labels: { ...job.metadata.labels, ...meta.labels },
  };
  job.spec.activeDeadlineSeconds = deadlineSeconds;
  const pod = job.spec.template as PodTemplate;
  pod.metadata.labels = { ...pod.metadata.labels, ...meta.labels };
  pod.spec.nodeName = options.nodeName ?? nodePlaceholder;
  if (options.runtimeClassName !== undefined) pod.spec.runtimeClassName = options.runtimeClassName;
  const container = pod.spec.containers[0]!;
  setEnv(container.env, 'FD_DURATION_SECONDS', String(durationSeconds));
  if (contention) {
    container.image = options.burnImage ?? burnImagePlaceholder;
    const on = Math.min(
      contentionCycleSeconds,
      Math.max(1, Math.round(fault.depth * contentionCycleSeconds)),
    );
    setEnv(container.env, 'FD_ON_SECONDS', String(on));
    setEnv(container.env, 'FD_OFF_SECONDS', String(contentionCycleSeconds - on));
  } else {
    container.image = options.image ?? defaultGpuImage;
    setEnv(container.env, 'FD_MODE', fault.mode);
    setEnv(container.env, 'FD_DEPTH', String(fault.depth));
    setEnv(container.env, 'FD_GPUS', options.gpus ?? '');
  }
  return job;
}
