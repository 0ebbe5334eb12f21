import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import { parse } from 'yaml';
import type { ChaosKind, ManifestObject } from './manifests.ts';

// The real Chaos Mesh v2.8.3 CRDs (copied byte for byte into ./crds, see crds/README.md).
const crdFiles: Record<ChaosKind, string> = {
  PodChaos: 'chaos-mesh.org_podchaos.yaml',
  NetworkChaos: 'chaos-mesh.org_networkchaos.yaml',
  HTTPChaos: 'chaos-mesh.org_httpchaos.yaml',
  StressChaos: 'chaos-mesh.org_stresschaos.yaml',
};

/**
 * The API server prunes fields a structural schema does not declare, silently. A misspelt field would pass
 * a plain JSON-schema check and then vanish in the cluster, so the validators here reject unknown fields:
 * every object schema with `properties` and no `additionalProperties` gets `additionalProperties: false`.
 */
export function rejectUnknownFields(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(rejectUnknownFields);
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) out[key] = rejectUnknownFields(value);
  if (
    out.properties &&
    out.additionalProperties === undefined &&
    !out['x-kubernetes-preserve-unknown-fields']
  ) {
    out.additionalProperties = false;
  }
  return out;
}

/** The one ajv instance every CRD validator here is compiled with (Chaos Mesh, Argo Rollouts, KServe). */
export const crdAjv = new Ajv({ allErrors: true, strict: true, strictRequired: false, strictTypes: false });
const ajv = crdAjv;
// Structural-schema annotations the API server reads and ajv need not: accepted as keywords, not checked.
for (const keyword of [
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-map-type',
  'x-kubernetes-int-or-string',
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-embedded-resource',
  'x-kubernetes-validations',
]) {
  ajv.addKeyword(keyword);
}
ajv.addFormat('int32', {
  type: 'number',
  validate: (n: number) => Number.isInteger(n) && Math.abs(n) < 2 ** 31,
});
ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isInteger(n) });
ajv.addFormat('byte', /^[A-Za-z0-9+/]*={0,2}$/);
ajv.addFormat('date-time', (s: string) => !Number.isNaN(Date.parse(s)));

/**
 * A validator for a part of a CRD's `openAPIV3Schema` (unknown fields rejected as above): problems as
 * `instancePath message` lines, empty when valid. For CRDs other than Chaos Mesh's (KServe's InferenceService).
 */
export function schemaValidator(schema: unknown): (object: unknown) => string[] {
  const validate = ajv.compile(rejectUnknownFields(schema) as object);
  return (object) =>
    validate(object)
      ? []
      : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`);
}

let compiled: Map<ChaosKind, { plural: string; validate: ValidateFunction }> | undefined;

/** The CRDs' validators, compiled once on first use (ajv over each `openAPIV3Schema`). */
export function chaosCrds(): Map<ChaosKind, { plural: string; validate: ValidateFunction }> {
  if (compiled) return compiled;
  compiled = new Map();
  for (const [kind, file] of Object.entries(crdFiles) as Array<[ChaosKind, string]>) {
    const crd = parse(readFileSync(new URL(`./crds/${file}`, import.meta.url), 'utf8'));
    if (crd.spec.names.kind !== kind)
      throw new Error(`crds/${file} is a ${crd.spec.names.kind}, not a ${kind}`);
    const version = crd.spec.versions.find((v: { name: string }) => v.name === 'v1alpha1');
    compiled.set(kind, {
      plural: crd.spec.names.plural,
      validate: ajv.compile(rejectUnknownFields(version.schema.openAPIV3Schema) as object),
    });
  }
  return compiled;
}

/**
 * Problems of one Chaos Mesh object against its real CRD schema (unknown fields included), as
 * `instancePath message` lines; empty when valid. Objects that are not Chaos Mesh kinds (GPU Jobs) are
 * not checked here.
 */
export function validateChaosObject(object: ManifestObject): string[] {
  const crd = chaosCrds().get(object.kind as ChaosKind);
  if (!crd) return [];
  return crd.validate(object)
    ? []
    : (crd.validate.errors ?? []).map((e) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`);
}
