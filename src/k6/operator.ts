import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import { parse, stringify } from 'yaml';
import { rejectUnknownFields } from '../../chaos/kubernetes/crd-schema.ts';
import { FiredrillError } from '../core/errors.ts';

/**
 * k6-operator manifests: a ConfigMap holding the script and its payloads, and a `TestRun` (k6.io/v1alpha1)
 * that runs it on `parallelism` runner pods. Each runner writes its own `--out json` NDJSON onto a shared
 * volume (file name = pod name, through the downward API), from which firedrill ingests and merges them.
 */

export const managedByLabel = 'app.kubernetes.io/managed-by';
export const scenarioLabel = 'firedrill.dev/scenario';
/** Where runners mount the results volume. */
export const RESULTS_MOUNT = '/results';
/** A ConfigMap (all of it) must stay under 1 MiB (etcd's object limit); keep a margin for metadata. */
export const CONFIGMAP_MAX_BYTES = 1_000_000;

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string; labels: Record<string, string> };
  [key: string]: unknown;
}

export interface K6OperatorOptions {
  /** Base of the object names (DNS-1123: sanitised from the scenario name). */
  name: string;
  namespace: string;
  parallelism: number;
  script: string;
  /** Contents of the payloads file (a JSON array). */
  payloads: string;
  scriptFile?: string;
  payloadFile?: string;
  /** FIREDRILL_TARGET for the runners: the model server as seen from inside the cluster. */
  targetUrl?: string | undefined;
  /** PersistentVolumeClaim the runners write their NDJSON to (ReadWriteMany when runners spread over nodes). */
  resultsClaim: string;
  labels?: Record<string, string>;
}

export interface K6OperatorManifests {
  configMap: K8sObject;
  testRun: K8sObject;
  /** Both, as one multi-document YAML for `kubectl apply -f`. */
  yaml: string;
}

/** A DNS-1123 label from free text: lower-case alphanumerics and "-", at most `max` characters. */
export function k8sName(text: string, max = 52): string {
  const name = text
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, max)
    .replace(/-+$/g, '');
  if (name === '') throw new FiredrillError('FD_USAGE', `cannot make a Kubernetes name from "${text}"`);
  return name;
}

/** Bytes a ConfigMap's data takes (what counts against the 1 MiB limit, less metadata). */
export function configMapDataBytes(data: Record<string, string>): number {
  let bytes = 0;
  for (const [key, value] of Object.entries(data)) bytes += Buffer.byteLength(key) + Buffer.byteLength(value);
  return bytes;
}

export function renderK6OperatorManifests(options: K6OperatorOptions): K6OperatorManifests {
  const {
    namespace,
    parallelism,
    scriptFile = 'script.js',
    payloadFile = 'payloads.json',
    resultsClaim,
  } = options;
  if (!(Number.isInteger(parallelism) && parallelism >= 1 && parallelism < 2 ** 31)) {
    throw new FiredrillError('FD_USAGE', `--parallelism must be a whole number ≥ 1, got ${parallelism}`, {
      hint: 'e.g. --parallelism 4 (one k6 runner pod each)',
    });
  }
  const name = k8sName(options.name);
  const labels = { [managedByLabel]: 'firedrill', [scenarioLabel]: name, ...options.labels };
  const data = { [scriptFile]: options.script, [payloadFile]: options.payloads };
  const bytes = configMapDataBytes(data);
  if (bytes > CONFIGMAP_MAX_BYTES) {
    throw new FiredrillError(
      'FD_USAGE',
      `the script and payloads take ${bytes} bytes, over the ${CONFIGMAP_MAX_BYTES}-byte budget of a ConfigMap (1 MiB limit)`,
      { hint: 'lower --max-payloads (the script then cycles through fewer bodies)' },
    );
  }
  const configMap: K8sObject = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: `${name}-k6-script`, namespace, labels },
    data,
  };
  const env: unknown[] = [
    // The downward API gives each runner pod its own name: one NDJSON file per runner, no collisions.
    { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
  ];
  if (options.targetUrl !== undefined) env.push({ name: 'FIREDRILL_TARGET', value: options.targetUrl });
  const testRun: K8sObject = {
    apiVersion: 'k6.io/v1alpha1',
    kind: 'TestRun',
    metadata: { name, namespace, labels },
    spec: {
      parallelism,
      script: { configMap: { name: configMap.metadata.name, file: scriptFile } },
      // `$(POD_NAME)` is expanded by Kubernetes from the container's env (not by a shell).
      arguments: `--out json=${RESULTS_MOUNT}/$(POD_NAME).ndjson --tag testid=${name}`,
      runner: {
        metadata: { labels },
        env,
        volumes: [{ name: 'results', persistentVolumeClaim: { claimName: resultsClaim } }],
        volumeMounts: [{ name: 'results', mountPath: RESULTS_MOUNT }],
      },
    },
  };
  const yaml = [configMap, testRun].map((o) => stringify(o, { lineWidth: 0 })).join('---\n');
  return { configMap, testRun, yaml };
}

// The real k6-operator v1.6.0 TestRun CRD, copied byte for byte into ./crds (see crds/README.md).
let validator: ValidateFunction | undefined;

function testRunValidator(): ValidateFunction {
  if (validator) return validator;
  const crd = parse(readFileSync(new URL('./crds/k6.io_testruns.yaml', import.meta.url), 'utf8'));
  const version = crd.spec.versions.find((v: { name: string }) => v.name === 'v1alpha1');
  const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false, strictTypes: false });
  for (const keyword of [
    'x-kubernetes-list-type',
    'x-kubernetes-list-map-keys',
    'x-kubernetes-map-type',
    'x-kubernetes-int-or-string',
  ]) {
    ajv.addKeyword(keyword);
  }
  ajv.addFormat('int32', {
    type: 'number',
    validate: (n: number) => Number.isInteger(n) && Math.abs(n) < 2 ** 31,
  });
  ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isInteger(n) });
  ajv.addFormat('date-time', (s: string) => !Number.isNaN(Date.parse(s)));
  validator = ajv.compile(rejectUnknownFields(version.schema.openAPIV3Schema) as object);
  return validator;
}

/**
 * Problems of a TestRun against the real CRD's openAPIV3Schema, unknown fields included (the API server
 * would prune them silently), as `instancePath message` lines; empty when valid.
 */
export function validateTestRun(object: unknown): string[] {
  const validate = testRunValidator();
  return validate(object)
    ? []
    : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`);
}
