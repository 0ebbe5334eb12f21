import { readFileSync } from 'node:fs';
import {
  type KubernetesObject,
  KubernetesObjectApi,
  type V1Container,
  type V1Deployment,
} from '@kubernetes/client-node';
import { stringify } from 'yaml';
import {
  assertNamespaceAllowed,
  type KubeClientOptions,
  kubeConfiguration,
  schemaValidator,
  toKubeApiError,
} from '../../chaos/kubernetes/index.ts';
import { sleep } from '../core/clock.ts';
import { FiredrillError, formatError } from '../core/errors.ts';
import { assertKnownSettings, type ConfiguratorSpec, pick, settingText } from './spec.ts';
import type { Configurator, Settings } from './types.ts';

type KubernetesSpec = Extract<ConfiguratorSpec, { kind: 'kubernetes' }>;

/** An InferenceService as far as the configurator reads and writes it. */
export interface InferenceService extends KubernetesObject {
  spec?: { predictor?: { model?: { args?: string[]; env?: Array<{ name: string; value?: string }> } } };
  status?: {
    observedGeneration?: number;
    conditions?: Array<{ type?: string; status?: string; message?: string; reason?: string }>;
  };
}

export type Workload = V1Deployment | InferenceService;

/** The container a spec configures inside a workload (undefined when it has none of that name). Pure. */
function containerOf(object: Workload, spec: KubernetesSpec): V1Container | undefined {
  if (spec.workload.kind === 'Deployment') {
    const name = spec.workload.container;
    return (object as V1Deployment).spec?.template.spec?.containers.find((c) => c.name === name);
  }
  return (object as InferenceService).spec?.predictor?.model as V1Container | undefined;
}

function where(spec: KubernetesSpec): string {
  const w = spec.workload;
  return w.kind === 'Deployment'
    ? `Deployment ${spec.namespace}/${w.name} container ${w.container}`
    : `InferenceService ${spec.namespace}/${w.name} spec.predictor.model`;
}

/** `--max-batch-size=8` → 8 for flag `--max-batch-size`; undefined when the args do not carry it. */
function argValue(args: readonly string[], flag: string): string | undefined {
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i] as string;
    if (arg.startsWith(`${flag}=`)) return arg.slice(flag.length + 1);
    if (arg === flag) return args[i + 1];
  }
  return undefined;
}

/** A setting's text as the type it is written in: numbers and booleans come back as such. */
function parseValue(text: string): number | string | boolean {
  if (text === 'true' || text === 'false') return text === 'true';
  const n = Number(text);
  return text.trim() !== '' && Number.isFinite(n) ? n : text;
}

/**
 * The named settings as the workload's container holds them (env values, `--flag=value` args). A setting
 * the container does not carry is FD_USAGE: restoring "absent" is not expressible, so it must be set first.
 * Pure.
 */
export function workloadSettings(object: Workload, spec: KubernetesSpec, names: readonly string[]): Settings {
  assertKnownSettings(`configurator kubernetes ${where(spec)}`, names, Object.keys(spec.mapping));
  const container = containerOf(object, spec);
  if (!container) {
    throw new FiredrillError('FD_USAGE', `configurator kubernetes: ${where(spec)} not found`, {
      hint: 'check the workload and container names (kubectl get -o yaml)',
    });
  }
  const out: Record<string, number | string | boolean> = {};
  for (const name of names) {
    const target = spec.mapping[name] as { env: string } | { arg: string };
    const text =
      'env' in target
        ? container.env?.find((e) => e.name === target.env)?.value
        : argValue(container.args ?? [], target.arg);
    if (text === undefined) {
      throw new FiredrillError(
        'FD_USAGE',
        `configurator kubernetes: ${where(spec)} has no ${'env' in target ? `env ${target.env}` : `arg ${target.arg}`} (setting ${name})`,
        { hint: 'set its current value in the workload first, so there is an original to restore' },
      );
    }
    out[name] = parseValue(text);
  }
  return out;
}

/**
 * The workload with `settings` written into its container's env (`value`) or args (`--flag=value`, replacing
 * the flag where it is, else appended); every other field kept, metadata included (its resourceVersion makes
 * the replace conditional). An InferenceService is checked against the real KServe CRD. Pure.
 */
export function withWorkloadSettings<T extends Workload>(
  object: T,
  spec: KubernetesSpec,
  settings: Settings,
): T {
  assertKnownSettings(
    `configurator kubernetes ${where(spec)}`,
    Object.keys(settings),
    Object.keys(spec.mapping),
  );
  const next = structuredClone(object);
  const container = containerOf(next, spec);
  if (!container) {
    throw new FiredrillError('FD_USAGE', `configurator kubernetes: ${where(spec)} not found`, {
      hint: 'check the workload and container names (kubectl get -o yaml)',
    });
  }
  for (const [name, value] of Object.entries(settings)) {
    const target = spec.mapping[name] as { env: string } | { arg: string };
    const text = settingText(value);
    if ('env' in target) {
      const env = container.env ?? [];
      const entry = env.find((e) => e.name === target.env);
      if (entry) {
        entry.value = text;
        delete entry.valueFrom;
      } else env.push({ name: target.env, value: text });
      container.env = env;
    } else {
      const args = [...(container.args ?? [])];
      const at = args.findIndex((a) => a === target.arg || a.startsWith(`${target.arg}=`));
      if (at === -1) args.push(`${target.arg}=${text}`);
      else if (args[at] === target.arg) args.splice(at, 2, `${target.arg}=${text}`);
      else args[at] = `${target.arg}=${text}`;
      container.args = args;
    }
  }
  if (spec.workload.kind === 'InferenceService') {
    const problems = validateInferenceService(next);
    if (problems.length > 0) {
      throw new FiredrillError(
        'FD_USAGE',
        `configurator kubernetes: the InferenceService would not pass KServe's schema: ${problems.join('; ')}`,
        { hint: 'the CRD is src/configure/crds/serving.kserve.io_inferenceservices.yaml' },
      );
    }
  }
  return next;
}

/** Where the part of KServe's v1beta1 schema the configurator writes is kept (see crds/README.md). */
export const predictorModelSchemaFile = new URL(
  './crds/inferenceservice-v1beta1-predictor-model.schema.json',
  import.meta.url,
);

let modelValidator: ((object: unknown) => string[]) | undefined;
/**
 * Problems of an InferenceService's `spec.predictor.model` — the part the configurator writes — against
 * KServe's v1beta1 CRD schema for it (unknown fields included); empty when valid. Only that part: the whole
 * CRD (690 kB of schema) takes ajv tens of seconds to compile on a busy machine.
 */
export function validateInferenceService(object: unknown): string[] {
  modelValidator ??= schemaValidator(JSON.parse(readFileSync(predictorModelSchemaFile, 'utf8')));
  const model = (object as InferenceService).spec?.predictor?.model;
  if (model === undefined) return ['/spec/predictor/model is missing'];
  return modelValidator(model).map((line) => `/spec/predictor/model${line}`);
}

/**
 * Whether the workload's rollout of its current generation is complete (as `kubectl rollout status` judges
 * a Deployment: observedGeneration caught up, every replica updated and available, no old replica left; an
 * InferenceService: observedGeneration caught up and condition Ready=True), with why not. Pure.
 */
export function rolloutState(
  object: Workload,
  kind: 'Deployment' | 'InferenceService',
): { done: boolean; why: string } {
  const generation = object.metadata?.generation ?? 0;
  if (kind === 'Deployment') {
    const d = object as V1Deployment;
    const want = d.spec?.replicas ?? 1;
    const s = d.status ?? {};
    if ((s.observedGeneration ?? 0) < generation)
      return { done: false, why: `generation ${generation} not observed yet` };
    if ((s.updatedReplicas ?? 0) < want)
      return { done: false, why: `${s.updatedReplicas ?? 0} of ${want} replicas updated` };
    if ((s.replicas ?? 0) > (s.updatedReplicas ?? 0)) {
      return {
        done: false,
        why: `${(s.replicas ?? 0) - (s.updatedReplicas ?? 0)} old replicas pending termination`,
      };
    }
    if ((s.availableReplicas ?? 0) < want)
      return { done: false, why: `${s.availableReplicas ?? 0} of ${want} updated replicas available` };
    return { done: true, why: `${want} replicas updated and available` };
  }
  const isvc = object as InferenceService;
  if ((isvc.status?.observedGeneration ?? 0) < generation)
    return { done: false, why: `generation ${generation} not observed yet` };
  const ready = isvc.status?.conditions?.find((c) => c.type === 'Ready');
  if (ready?.status !== 'True') {
    return {
      done: false,
      why: `Ready is ${ready?.status ?? 'absent'}${ready?.message ? `: ${ready.message}` : ''}`,
    };
  }
  return { done: true, why: 'Ready' };
}

/** The object `apply` would write, as YAML (`--dry-run`). Pure. */
export function renderWorkload(object: Workload): string {
  const { status: _status, ...rest } = object as Record<string, unknown>;
  return stringify(rest);
}

/**
 * A Deployment's container or a KServe InferenceService's predictor model, configured through the Kubernetes
 * API (`@kubernetes/client-node`, the faults' client configuration): `apply` reads the object and replaces it
 * with the settings written in (conditional on its resourceVersion); `confirm` waits for the rollout to finish.
 * Only namespaces on the allowlist. With `dryRun`, `apply` hands the object it would write to `print` and
 * changes nothing.
 */
export function kubernetesConfigurator(
  spec: KubernetesSpec,
  options: KubeClientOptions & { dryRun?: boolean; print?: (yaml: string) => void } = {},
): Configurator {
  assertNamespaceAllowed(spec.namespace, spec.allowedNamespaces);
  const api = new KubernetesObjectApi(kubeConfiguration(options));
  const ref = {
    apiVersion: spec.workload.kind === 'Deployment' ? 'apps/v1' : 'serving.kserve.io/v1beta1',
    kind: spec.workload.kind,
    metadata: { name: spec.workload.name, namespace: spec.namespace },
  };
  const target = `kubernetes ${where(spec)}`;
  const read = async (): Promise<Workload> => {
    try {
      return (await api.read(ref)) as Workload;
    } catch (error) {
      const failure = toKubeApiError(
        error,
        `get ${spec.workload.kind} ${spec.namespace}/${spec.workload.name}`,
      );
      throw new FiredrillError(
        failure.status === 0 ? 'FD_BACKEND_UNREACHABLE' : 'FD_INJECT_FAILED',
        `configurator ${failure.message}`,
        {
          hint:
            failure.status === 404
              ? 'check the workload name and namespace'
              : 'check the kubeconfig and RBAC (get, update on the workload)',
        },
      );
    }
  };
  const write = async (settings: Settings, code: 'FD_INJECT_FAILED' | 'FD_REVERT_FAILED') => {
    const next = withWorkloadSettings(await read(), spec, settings);
    if (options.dryRun) {
      options.print?.(renderWorkload(next));
      return;
    }
    try {
      await api.replace(next);
    } catch (error) {
      const failure = toKubeApiError(
        error,
        `replace ${spec.workload.kind} ${spec.namespace}/${spec.workload.name}`,
      );
      throw new FiredrillError(code, `configurator ${failure.message}`, {
        hint:
          failure.status === 409
            ? 'someone else changed the workload meanwhile; try again'
            : 'check RBAC (update on the workload)',
      });
    }
  };
  const confirm = async (settings: Settings, timeoutMs: number) => {
    if (options.dryRun) return;
    const deadline = Date.now() + timeoutMs;
    let last = 'not read yet';
    for (;;) {
      try {
        const object = await read();
        const now = workloadSettings(object, spec, Object.keys(settings));
        const holds = Object.entries(settings).every(
          ([n, v]) => settingText(now[n] as never) === settingText(v),
        );
        const state = rolloutState(object, spec.workload.kind);
        if (holds && state.done) return;
        last = holds ? state.why : `spec has ${JSON.stringify(pick(now, Object.keys(settings)))}`;
      } catch (error) {
        last = formatError(error);
      }
      if (Date.now() >= deadline) break;
      await sleep(200);
    }
    throw new FiredrillError(
      'FD_INJECT_FAILED',
      `configurator ${target}: rollout of ${JSON.stringify(settings)} not done within ${timeoutMs} ms (${last})`,
      {
        hint: `kubectl -n ${spec.namespace} rollout status / describe the workload`,
      },
    );
  };
  return {
    kind: 'kubernetes',
    target,
    async read(names) {
      return workloadSettings(await read(), spec, names);
    },
    apply: (settings) => write(settings, 'FD_INJECT_FAILED'),
    confirm,
    async restore(original) {
      await write(original, 'FD_REVERT_FAILED');
      try {
        await confirm(original, 120_000);
      } catch (error) {
        throw new FiredrillError('FD_REVERT_FAILED', error instanceof Error ? error.message : String(error), {
          hint: `the original is written back; its rollout did not finish: kubectl -n ${spec.namespace} rollout status`,
        });
      }
    },
  };
}
