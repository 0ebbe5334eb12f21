import { z } from 'zod';
import { duration, name } from './common.ts';

/**
 * Faults (`faults[]`): a discriminated union on `kind`. Every fault has an `id`, a start offset `at`, a
 * `duration` (it is reverted at at + duration, and its backend TTL is duration + a safety margin) and a
 * `backend`: `local` (the embedded stack), `docker` (the compose stack) or `kubernetes` (Chaos Mesh).
 */
export const faultBackends = ['local', 'docker', 'kubernetes'] as const;
export type FaultBackend = (typeof faultBackends)[number];

export const faultBase = {
  id: name,
  at: duration('a fault start offset'),
  duration: duration('a fault duration'),
  backend: z
    .enum(faultBackends, { error: 'a backend is "local", "docker" or "kubernetes"' })
    .default('local'),
};

const objectName = z.string().min(1, { error: 'name the object' });
/**
 * Kubernetes only, for bad-canary: an Argo Rollouts Rollout (its model container's image per version) or a
 * KServe InferenceService (its predictor's storageUri per version). The namespace must be on the allowlist.
 */
export const canaryTargetSchema = z.discriminatedUnion(
  'kind',
  [
    z.strictObject({
      kind: z.literal('Rollout'),
      namespace: objectName,
      name: objectName,
      /** The pod template's container that serves the model. */
      container: objectName,
      versions: z.record(z.string(), z.strictObject({ image: z.string().min(1) })),
      /** An AnalysisTemplate to run after setWeight: its failure aborts the canary. */
      analysisTemplate: z.string().min(1).optional(),
    }),
    z.strictObject({
      kind: z.literal('InferenceService'),
      namespace: objectName,
      name: objectName,
      versions: z.record(z.string(), z.strictObject({ storageUri: z.string().min(1) })),
    }),
  ],
  { error: 'canary.kind is "Rollout" (Argo Rollouts) or "InferenceService" (KServe)' },
);

/** Kubernetes only: which pods (Chaos Mesh `selector`). The namespace must be on firedrill's allowlist. */
export const kubernetesSelectorSchema = z.strictObject({
  namespace: z.string().min(1, { error: 'name the namespace of the target pods' }),
  labelSelectors: z.record(z.string(), z.string()).default({}),
});

/** Where a process-level fault lands: a stack component (local), a compose service (docker) or pods. */
const componentTarget = {
  /** The component: the model server or the feature store (Redis). */
  target: z
    .enum(['model-server', 'feature-store'], { error: 'target is "model-server" or "feature-store"' })
    .default('model-server'),
  /** kubernetes: the pods; docker: ignored (the compose service of `target`). */
  selector: kubernetesSelectorSchema.optional(),
  /** A container inside the pod (kubernetes) or a container name overriding the compose service (docker). */
  container: z.string().min(1).optional(),
};

const share = (what: string) =>
  z
    .number({ error: `expected ${what} as a share between 0 and 1` })
    .min(0, { error: `${what} is a share, at least 0` })
    .max(1, { error: `${what} is a share, at most 1` });

/** Sizes like "256MB", "1GiB", "512KB" in bytes. */
const byteSize = (what: string) =>
  z.string({ error: `expected ${what} like "256MB"` }).transform((text, ctx) => {
    const match = /^(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|KiB|MiB|GiB)$/i.exec(text.trim());
    if (!match) {
      ctx.addIssue({ code: 'custom', message: `expected ${what} like "256MB" or "1GiB", got "${text}"` });
      return z.NEVER;
    }
    const units: Record<string, number> = {
      b: 1,
      kb: 1e3,
      mb: 1e6,
      gb: 1e9,
      kib: 1024,
      mib: 1024 ** 2,
      gib: 1024 ** 3,
    };
    return Math.round(Number(match[1]) * (units[match[2]!.toLowerCase()] ?? 1));
  });

export const faultSchema = z.discriminatedUnion(
  'kind',
  [
    z.strictObject({
      ...faultBase,
      kind: z.literal('latency-spike'),
      /** Added to every request the model server answers. */
      delay: duration('an added delay'),
    }),
    z.strictObject({
      ...faultBase,
      kind: z.literal('error-burst'),
      /** Share of requests answered with `status`, 0..1. */
      ratio: z
        .number()
        .gt(0, { error: 'ratio must be above 0' })
        .max(1, { error: 'ratio is a share, at most 1' }),
      status: z.number().int().min(500).max(599).default(500),
    }),
    z.strictObject({
      ...faultBase,
      kind: z.literal('pod-kill'),
      ...componentTarget,
      /** Restart back-off after the kill (local supervisor; like a restart policy). */
      restartAfter: duration('a restart back-off').default(1000),
    }),
    z.strictObject({
      ...faultBase,
      kind: z.literal('pod-failure'),
      ...componentTarget,
    }),
    z.strictObject({
      ...faultBase,
      kind: z.literal('container-kill'),
      ...componentTarget,
    }),
    z.strictObject({
      ...faultBase,
      kind: z.literal('feature-store-outage'),
      /** blackhole: no bytes pass; reset: connections reset; latency: delay (+ jitter); loss: a share of
       *  packets/chunks dropped; bandwidth: a rate limit; half-open: accepts but never answers. */
      mode: z.enum(['blackhole', 'reset', 'latency', 'loss', 'bandwidth', 'half-open'], {
        error: 'mode is one of blackhole, reset, latency, loss, bandwidth, half-open',
      }),
      latency: duration('an added latency').optional(),
      jitter: duration('a latency jitter').optional(),
      loss: share('loss').optional(),
      /** Bytes per second, for mode bandwidth. */
      bandwidth: z.number().int().positive().optional(),
      /** kubernetes: the model server pods whose traffic to the store is faulted. */
      selector: kubernetesSelectorSchema.optional(),
      /** kubernetes: the feature store as a host name or CIDR outside the cluster (NetworkChaos externalTargets). */
      externalTarget: z.string().min(1).optional(),
    }),
    z.strictObject({
      ...faultBase,
      kind: z.literal('http-fault'),
      action: z.enum(['abort', 'delay'], { error: 'action is "abort" or "delay"' }),
      /** abort: the status answered (default 500). */
      status: z.number().int().min(400).max(599).optional(),
      /** delay: added to each faulted request. */
      delay: duration('an added delay').optional(),
      /** Share of requests faulted. */
      share: share('share').default(1),
      /** Only requests whose path starts with this. */
      path: z.string().startsWith('/', { error: 'a path starts with "/"' }).optional(),
      selector: kubernetesSelectorSchema.optional(),
      /** kubernetes: the container port the model server listens on (HTTPChaos `port`). */
      port: z.number().int().min(1).max(65535).optional(),
    }),
    z.strictObject({
      ...faultBase,
      kind: z.literal('gpu-throttle'),
      mode: z.enum(['power-cap', 'clock-lock', 'thermal', 'contention'], {
        error: 'mode is one of power-cap, clock-lock, thermal, contention',
      }),
      /** 0..1: how deep (0.5 = half the SM clock or power limit; for contention, the share of SM time taken). */
      depth: share('depth'),
      selector: kubernetesSelectorSchema.optional(),
    }),
    z.strictObject({
      ...faultBase,
      kind: z.literal('bad-canary'),
      /** The canary version (v1 is the baseline, today's model). */
      version: z.literal('v2', { error: 'version is "v2" (the canary; v1 is the baseline)' }).default('v2'),
      /** Percent of inference traffic the canary gets, above 0 and at most 100 (Argo Rollouts' setWeight). */
      weight: z
        .number({ error: 'expected weight as a percent of traffic, like 20' })
        .gt(0, { error: 'weight is a percent of traffic, above 0' })
        .max(100, { error: 'weight is a percent of traffic, at most 100' }),
      /** What is wrong with the canary; none of them: v2 is identical to v1 (a good canary). */
      errors: share('errors').optional(),
      latency: duration('an added latency').optional(),
      accuracyDrop: share('accuracyDrop').optional(),
      /** Kubernetes only: the object the canary patches and what each version runs. */
      canary: canaryTargetSchema.optional(),
    }),
    z.strictObject({
      ...faultBase,
      kind: z.literal('cpu-stress'),
      workers: z.number().int().min(1).max(64).default(1),
      /** Percent load per worker, 1..100. */
      load: z.number().int().min(1).max(100).default(100),
      selector: kubernetesSelectorSchema.optional(),
    }),
    z.strictObject({
      ...faultBase,
      kind: z.literal('memory-stress'),
      size: byteSize('a memory size'),
      workers: z.number().int().min(1).max(64).default(1),
      selector: kubernetesSelectorSchema.optional(),
    }),
  ],
  {
    error:
      'a fault kind is one of latency-spike, error-burst, pod-kill, pod-failure, container-kill, feature-store-outage, http-fault, gpu-throttle, bad-canary, cpu-stress, memory-stress',
  },
);

export type FaultInput = z.input<typeof faultSchema>;
export type ParsedFault = z.output<typeof faultSchema>;

/**
 * Checks across fields of one fault that a union member cannot express (a mode's required parameter,
 * a backend that lacks the kind). Returns issues relative to the fault: `{ path: ['latency'], message }`.
 */
export function faultIssues(fault: ParsedFault): Array<{ path: string[]; message: string }> {
  const issues: Array<{ path: string[]; message: string }> = [];
  const need = (field: string, when: string) =>
    issues.push({ path: [field], message: `required when ${when}` });
  switch (fault.kind) {
    case 'feature-store-outage':
      if (fault.mode === 'latency' && fault.latency === undefined) need('latency', 'mode is "latency"');
      if (fault.mode === 'loss' && fault.loss === undefined) need('loss', 'mode is "loss"');
      if (fault.mode === 'bandwidth' && fault.bandwidth === undefined)
        need('bandwidth', 'mode is "bandwidth"');
      break;
    case 'http-fault':
      if (fault.action === 'delay' && fault.delay === undefined) need('delay', 'action is "delay"');
      break;
    default:
      break;
  }
  if (fault.backend === 'kubernetes' && 'selector' in fault && fault.selector === undefined) {
    need('selector', 'backend is "kubernetes" (which pods: namespace and labelSelectors)');
  }
  if (fault.kind === 'bad-canary' && fault.backend === 'kubernetes') {
    if (fault.canary === undefined) {
      need('canary', 'backend is "kubernetes" (the Rollout or InferenceService to patch, and each version)');
    } else if (fault.canary.versions[fault.version] === undefined) {
      issues.push({
        path: ['canary', 'versions'],
        message: `names no "${fault.version}" (the version the fault runs): add ${fault.version}: { ${fault.canary.kind === 'Rollout' ? 'image' : 'storageUri'}: … }`,
      });
    }
  }
  if (fault.backend !== 'kubernetes' && fault.kind === 'bad-canary' && fault.canary !== undefined) {
    issues.push({ path: ['canary'], message: 'only for backend "kubernetes" (the fixture has its own v2)' });
  }
  if (fault.backend === 'docker' && fault.kind === 'bad-canary') {
    issues.push({
      path: ['backend'],
      message: 'bad-canary needs a second model version: backend "local" (the fixture) or "kubernetes"',
    });
  }
  if (fault.backend !== 'local' && (fault.kind === 'latency-spike' || fault.kind === 'error-burst')) {
    issues.push({
      path: ['backend'],
      message: `${fault.kind} uses the fixture model server's admin API (backend "local"); use http-fault on ${fault.backend}`,
    });
  }
  return issues;
}
