import { createHash } from 'node:crypto';
import { stringify } from 'yaml';
import { assertNever, FiredrillError } from '../../src/core/errors.ts';
import type { Fault } from '../../src/scenario/schema.ts';
import { buildGpuJob, type GpuJobOptions } from './gpu.ts';
import type { ChaosKind, ManifestObject } from './objects.ts';

/**
 * Pure builders: a scenario fault → the Kubernetes objects that apply it (Chaos Mesh v1alpha1 kinds, or a
 * Job for GPU faults, which Chaos Mesh lacks). No I/O except reading the static Job templates in
 * chaos/manifests/. Every object carries `spec.duration` (Chaos Mesh) or `activeDeadlineSeconds` (Job): the
 * dead-man switch inside the cluster that ends the fault even if firedrill dies.
 *
 * Mapping (chaos-mesh v2.8.3 CRDs, validated in manifests.test.ts):
 *   pod-kill             PodChaos action pod-kill, mode one, gracePeriod 0
 *   pod-failure          PodChaos action pod-failure, mode one
 *   container-kill       PodChaos action container-kill, mode one, containerNames [container] (required)
 *   feature-store-outage NetworkChaos from the model-server pods (selector) to the store (externalTarget, or
 *                        the in-cluster store pods of targets.kubernetes.featureStoreSelector), direction to:
 *     blackhole          action partition
 *     reset              action partition: Chaos Mesh cannot send TCP resets; clients see timeouts, not RSTs
 *     half-open          action partition, direction from (the store's replies are dropped: pooled
 *                        connections hang, new ones time out in connect); not with externalTarget, which Chaos
 *                        Mesh supports only in direction "to"
 *     latency            action delay, delay {latency, jitter}
 *     loss               action loss, loss {loss: percent}
 *     bandwidth          action bandwidth, bandwidth {rate: "<bytes>bps", limit, buffer}
 *   http-fault           HTTPChaos, mode all, port (required), path "<path>*":
 *     abort              target Response, replace {code: status} (the pod answers `status`)
 *     delay              target Request, delay
 *     share < 1          refused: HTTPChaos has no per-request percentage
 *   cpu-stress           StressChaos, mode all, stressors.cpu {workers, load}
 *   memory-stress        StressChaos, mode all, stressors.memory {workers, size: "<n>KiB"}
 *   gpu-throttle         batch/v1 Job on the target pod's node (chaos/manifests/gpu-*-job.yaml):
 *     power-cap          nvidia-smi -pl (default limit x (1 - depth))
 *     clock-lock         nvidia-smi -lgc (max SM clock x (1 - depth))
 *     contention         gpu-burn busy loop, depth = share of each 20 s cycle spent burning
 *     thermal            refused: heating a GPU on purpose cannot be done safely or undone on time
 */

export const chaosMeshApiVersion = 'chaos-mesh.org/v1alpha1';
export const managedByLabel = 'app.kubernetes.io/managed-by';
export const runIdLabel = 'firedrill.dev/run-id';
export const faultIdLabel = 'firedrill.dev/fault-id';

export type { ChaosKind, ManifestKind, ManifestObject } from './objects.ts';

/** Pods, as the scenario names them. */
export interface PodSelector {
  namespace: string;
  labelSelectors: Record<string, string>;
}

export interface ManifestOptions {
  runId: string;
  /** Namespaces firedrill may create objects in and target. Empty: every kubernetes fault is refused. */
  allowedNamespaces: readonly string[];
  /** The in-cluster feature store (Redis) pods, for feature-store-outage without `externalTarget`. */
  featureStoreSelector?: PodSelector;
  /** GPU Job settings; `nodeName` is resolved from the target pod at inject time. */
  gpu?: GpuJobOptions;
}

/** Kinds this backend handles, by fault kind. */
export const kubernetesFaultKinds = [
  'pod-kill',
  'pod-failure',
  'container-kill',
  'feature-store-outage',
  'http-fault',
  'gpu-throttle',
  'cpu-stress',
  'memory-stress',
] as const;

const dns1123Label = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const labelValuePattern = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function hash(text: string, length: number): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}

/** True for a valid DNS-1123 label (≤ 63 characters), what Kubernetes requires of these names. */
export function isDns1123Label(name: string): boolean {
  return name.length <= 63 && dns1123Label.test(name);
}

/**
 * The object name for a fault of a run: `fd-<fault id>-<hash of run id and fault id>`, a DNS-1123 label of
 * at most 63 characters. Deterministic, so a retried create of the same run meets its own object (409 →
 * adopt), and distinct across runs, so two runs never adopt each other's objects.
 */
export function objectName(runId: string, faultId: string): string {
  const slug = faultId
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/g, '');
  return `fd-${slug === '' ? 'fault' : slug}-${hash(`${runId}\u0000${faultId}`, 10)}`;
}

/** A label value (≤ 63 characters of [A-Za-z0-9-_.]); longer or odd values are shortened with a hash. */
export function labelValue(value: string): string {
  if (value.length <= 63 && labelValuePattern.test(value)) return value;
  const cleaned = value
    .replace(/[^A-Za-z0-9_.-]+/g, '-')
    .slice(0, 52)
    .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
  return `${cleaned}${cleaned === '' ? '' : '-'}${hash(value, 10)}`;
}

export function firedrillLabels(runId: string, faultId: string): Record<string, string> {
  return {
    [managedByLabel]: 'firedrill',
    [runIdLabel]: labelValue(runId),
    [faultIdLabel]: labelValue(faultId),
  };
}

/** A Go duration string (what Chaos Mesh parses): whole seconds as "30s", else milliseconds "1500ms". */
export function goDuration(ms: number): string {
  const rounded = Math.max(1, Math.round(ms));
  return rounded % 1000 === 0 ? `${rounded / 1000}s` : `${rounded}ms`;
}

/** Refuses a namespace that is not on the allowlist, naming it and how to allow it. */
export function assertNamespaceAllowed(namespace: string, allowedNamespaces: readonly string[]): void {
  if (allowedNamespaces.includes(namespace)) return;
  const allowed =
    allowedNamespaces.length === 0 ? 'the allowlist is empty' : `allowed: ${allowedNamespaces.join(', ')}`;
  throw new FiredrillError(
    'FD_TARGET_NOT_ALLOWED',
    `kubernetes namespace "${namespace}" is not on firedrill's allowlist (${allowed})`,
    {
      hint: `add "${namespace}" to targets.kubernetes.allowedNamespaces (the --allow-namespace option) and bind the firedrill-chaos ClusterRole there (chaos/manifests/rbac.yaml)`,
    },
  );
}

function refuse(fault: Fault, why: string, hint: string): never {
  throw new FiredrillError('FD_INJECT_FAILED', `fault ${fault.id} (${fault.kind}) on kubernetes: ${why}`, {
    hint,
  });
}

function selectorOf(fault: Fault): PodSelector {
  const selector = 'selector' in fault ? fault.selector : undefined;
  if (!selector) {
    refuse(
      fault,
      'no selector',
      'name the target pods: selector: { namespace: "...", labelSelectors: { app: "..." } }',
    );
  }
  return selector;
}

function chaosSelector(selector: PodSelector): Record<string, unknown> {
  return {
    namespaces: [selector.namespace],
    ...(Object.keys(selector.labelSelectors).length > 0 ? { labelSelectors: selector.labelSelectors } : {}),
  };
}

function chaosObject(
  kind: ChaosKind,
  fault: Fault,
  options: ManifestOptions,
  namespace: string,
  spec: Record<string, unknown>,
): ManifestObject {
  return {
    apiVersion: chaosMeshApiVersion,
    kind,
    metadata: {
      name: objectName(options.runId, fault.id),
      namespace,
      labels: firedrillLabels(options.runId, fault.id),
    },
    spec: { ...spec, duration: goDuration(fault.duration) },
  };
}

/** Percent as Chaos Mesh writes it ("25", "0.5"): no exponent, at most 4 decimals. */
function percent(share: number): string {
  return String(Number((share * 100).toFixed(4)));
}

/** Memory for StressChaos: whole MiB when exact, else KiB rounded up (binary units, unambiguous). */
export function stressSize(bytes: number): string {
  const mib = 1024 * 1024;
  return bytes % mib === 0 ? `${bytes / mib}MiB` : `${Math.ceil(bytes / 1024)}KiB`;
}

const int32Max = 2_147_483_647;

/** tc tbf parameters for a rate in bytes per second: a burst of ≥ 1600 B (one MTU-sized packet plus headers)
 *  or rate/250 (one kernel tick at HZ=250), and a queue of one second of traffic. */
export function bandwidthSpec(bytesPerSecond: number): { rate: string; limit: number; buffer: number } {
  const buffer = Math.min(int32Max, Math.max(1600, Math.ceil(bytesPerSecond / 250)));
  const limit = Math.min(int32Max, Math.max(buffer, bytesPerSecond));
  return { rate: `${bytesPerSecond}bps`, limit, buffer };
}

/**
 * The objects that apply one fault. Throws FD_TARGET_NOT_ALLOWED for a namespace off the allowlist and
 * FD_INJECT_FAILED for a fault this backend cannot express (with what to change).
 */
export function buildFaultObjects(fault: Fault, options: ManifestOptions): ManifestObject[] {
  switch (fault.kind) {
    case 'latency-spike':
    case 'error-burst':
      return refuse(
        fault,
        'this fault uses the fixture model server admin API',
        'use http-fault (HTTPChaos) on kubernetes',
      );
    case 'pod-kill':
    case 'pod-failure':
    case 'container-kill': {
      const selector = selectorOf(fault);
      assertNamespaceAllowed(selector.namespace, options.allowedNamespaces);
      if (fault.kind === 'container-kill' && fault.container === undefined) {
        refuse(
          fault,
          'Chaos Mesh needs the container to kill',
          'set container: "<name of the container in the pod>"',
        );
      }
      const containerNames =
        fault.container !== undefined && fault.kind !== 'pod-kill'
          ? { containerNames: [fault.container] }
          : {};
      return [
        chaosObject('PodChaos', fault, options, selector.namespace, {
          action: fault.kind,
          mode: 'one',
          selector: chaosSelector(selector),
          ...containerNames,
          ...(fault.kind === 'pod-kill' ? { gracePeriod: 0 } : {}),
        }),
      ];
    }
    case 'feature-store-outage': {
      const selector = selectorOf(fault);
      assertNamespaceAllowed(selector.namespace, options.allowedNamespaces);
      const store = options.featureStoreSelector;
      if (fault.externalTarget === undefined && store === undefined) {
        refuse(
          fault,
          'no feature store to cut the model server off from',
          'set externalTarget (host name or CIDR of the store) or targets.kubernetes.featureStoreSelector (its pods)',
        );
      }
      if (store && fault.externalTarget === undefined) {
        assertNamespaceAllowed(store.namespace, options.allowedNamespaces);
      }
      if (fault.mode === 'half-open' && fault.externalTarget !== undefined) {
        refuse(
          fault,
          'half-open needs direction "from", which Chaos Mesh does not support with externalTargets',
          'target the in-cluster store pods (targets.kubernetes.featureStoreSelector) instead of externalTarget',
        );
      }
      const peer =
        fault.externalTarget !== undefined
          ? { externalTargets: [fault.externalTarget] }
          : { target: { mode: 'all', selector: chaosSelector(store!) } };
      const base = {
        mode: 'all',
        selector: chaosSelector(selector),
        direction: fault.mode === 'half-open' ? 'from' : 'to',
        ...peer,
      };
      let action: Record<string, unknown>;
      const mode = fault.mode;
      switch (mode) {
        case 'blackhole':
        case 'reset':
        case 'half-open':
          action = { action: 'partition' };
          break;
        case 'latency':
          if (fault.latency === undefined)
            refuse(fault, 'mode latency needs latency', 'set latency: "200ms"');
          action = {
            action: 'delay',
            delay: {
              latency: goDurationMs(fault.latency),
              ...(fault.jitter !== undefined ? { jitter: goDurationMs(fault.jitter) } : {}),
            },
          };
          break;
        case 'loss':
          if (fault.loss === undefined) refuse(fault, 'mode loss needs loss', 'set loss: 0.3');
          action = { action: 'loss', loss: { loss: percent(fault.loss) } };
          break;
        case 'bandwidth':
          if (fault.bandwidth === undefined)
            refuse(fault, 'mode bandwidth needs bandwidth', 'set bandwidth (bytes per second)');
          action = { action: 'bandwidth', bandwidth: bandwidthSpec(fault.bandwidth) };
          break;
        default:
          return assertNever(mode, 'feature-store-outage mode');
      }
      return [chaosObject('NetworkChaos', fault, options, selector.namespace, { ...action, ...base })];
    }
    case 'http-fault': {
      const selector = selectorOf(fault);
      assertNamespaceAllowed(selector.namespace, options.allowedNamespaces);
      if (fault.port === undefined) {
        refuse(fault, 'HTTPChaos needs the port', 'set port: the container port the model server listens on');
      }
      if (fault.share < 1) {
        refuse(
          fault,
          `share ${fault.share}: HTTPChaos (chaos-mesh v2.8.3) has no per-request percentage`,
          'use share 1 and narrow the fault with path, or use backend "local"',
        );
      }
      const rule =
        fault.action === 'abort'
          ? { target: 'Response', replace: { code: fault.status ?? 500 } }
          : fault.delay !== undefined
            ? { target: 'Request', delay: goDurationMs(fault.delay) }
            : refuse(fault, 'action delay needs delay', 'set delay: "500ms"');
      return [
        chaosObject('HTTPChaos', fault, options, selector.namespace, {
          mode: 'all',
          selector: chaosSelector(selector),
          port: fault.port,
          ...(fault.path !== undefined ? { path: `${fault.path}*` } : {}),
          ...rule,
        }),
      ];
    }
    case 'cpu-stress': {
      const selector = selectorOf(fault);
      assertNamespaceAllowed(selector.namespace, options.allowedNamespaces);
      return [
        chaosObject('StressChaos', fault, options, selector.namespace, {
          mode: 'all',
          selector: chaosSelector(selector),
          stressors: { cpu: { workers: fault.workers, load: fault.load } },
        }),
      ];
    }
    case 'memory-stress': {
      const selector = selectorOf(fault);
      assertNamespaceAllowed(selector.namespace, options.allowedNamespaces);
      return [
        chaosObject('StressChaos', fault, options, selector.namespace, {
          mode: 'all',
          selector: chaosSelector(selector),
          stressors: { memory: { workers: fault.workers, size: stressSize(fault.size) } },
        }),
      ];
    }
    case 'gpu-throttle': {
      const selector = selectorOf(fault);
      assertNamespaceAllowed(selector.namespace, options.allowedNamespaces);
      if (fault.mode === 'thermal') {
        refuse(
          fault,
          'mode thermal cannot be induced safely (it means defeating the GPU fan/thermal controls) and is refused',
          'use power-cap or clock-lock, which throttle the same way a hot GPU does and are undone at once',
        );
      }
      return [
        buildGpuJob(
          {
            id: fault.id,
            mode: fault.mode,
            depth: fault.depth,
            durationMs: fault.duration,
            namespace: selector.namespace,
          },
          {
            runId: options.runId,
            labels: firedrillLabels(options.runId, fault.id),
            name: objectName(options.runId, fault.id),
          },
          options.gpu ?? {},
        ),
      ];
    }
    case 'bad-canary':
      // No Chaos Mesh object: the canary is a merge patch of the user's Rollout or InferenceService
      // (canary.ts builds it, canary-inject.ts applies it).
      return [];
    default:
      return assertNever(fault, 'fault kind');
  }
}

/** A duration for the fields with pattern ^[0-9]+(\.[0-9]+)?(ns|us|ms|s|m|h)$ (one unit only). */
function goDurationMs(ms: number): string {
  return `${Math.max(0, Math.round(ms))}ms`;
}

export type RenderOptions = ManifestOptions;

/**
 * `--dry-run`: the objects firedrill would apply for the scenario's kubernetes faults, as multi-document
 * YAML (other backends are skipped). Applies nothing; throws like `buildFaultObjects` on a refused fault.
 * GPU Jobs show a placeholder nodeName unless `gpu.nodeName` is given: the node is read from the target
 * pod at run time.
 */
export function renderKubernetesFaults(faults: readonly Fault[], options: RenderOptions): string {
  const documents: string[] = [];
  for (const fault of faults) {
    if (fault.backend !== 'kubernetes') continue;
    for (const object of buildFaultObjects(fault, options)) {
      documents.push(
        `# fault ${fault.id} (${fault.kind}) at +${fault.at}ms for ${fault.duration}ms\n${stringify(object)}`,
      );
    }
  }
  return documents.length === 0 ? '# no kubernetes faults\n' : documents.join('---\n');
}
