import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { crdAjv, rejectUnknownFields } from './crd-schema.ts';

/**
 * Validation of the canary objects (Argo Rollouts `Rollout`, KServe `InferenceService`) against their real
 * CRDs (copied byte for byte into ./crds, see crds/README.md), with the same ajv instance and the same
 * unknown-field rule as the Chaos Mesh objects (crd-schema.ts).
 *
 * The KServe schema is 2 MB (every model format carries a full container spec) and takes seconds to compile
 * whole, so each check compiles the schema cut down to the fields the object actually has
 * (`pruneToInstance`): for the fields present the checks are the CRD's own, and a field the CRD does not
 * declare is still rejected, because the cut keeps `additionalProperties: false`.
 */

export type CanaryKind = 'Rollout' | 'InferenceService';

const crdFiles: Record<CanaryKind, { file: string; version: string }> = {
  Rollout: { file: 'rollout-crd.yaml', version: 'v1alpha1' },
  InferenceService: { file: 'serving.kserve.io_inferenceservices.yaml', version: 'v1beta1' },
};

const loaded = new Map<CanaryKind, Record<string, unknown>>();

/** The CRD's openAPIV3Schema with unknown fields rejected, read once per kind on first use. */
function schemaOf(kind: CanaryKind): Record<string, unknown> {
  const cached = loaded.get(kind);
  if (cached) return cached;
  const { file, version } = crdFiles[kind];
  // uniqueKeys off: the files are controller-gen output, and the duplicate-key check doubles the parse time
  // of the 2 MB KServe file.
  const crd = parse(readFileSync(new URL(`./crds/${file}`, import.meta.url), 'utf8'), { uniqueKeys: false });
  if (crd.spec.names.kind !== kind)
    throw new Error(`crds/${file} is a ${crd.spec.names.kind}, not a ${kind}`);
  const served = crd.spec.versions.find((v: { name: string }) => v.name === version);
  if (!served) throw new Error(`crds/${file} has no version ${version}`);
  const schema = rejectUnknownFields(served.schema.openAPIV3Schema) as Record<string, unknown>;
  loaded.set(kind, schema);
  return schema;
}

type Schema = Record<string, unknown>;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The schema cut down to what `instances` use: `properties` keeps only the keys present in some instance,
 * `items` and `additionalProperties` are cut by the elements and values they describe, `anyOf`/`allOf`/
 * `oneOf` by the same instances. With `partial`, `required` is dropped everywhere (a merge patch names only
 * the fields it changes). Everything else (types, enums, formats, patterns, limits) is kept as is.
 */
export function pruneToInstance(schema: unknown, instances: readonly unknown[], partial = false): unknown {
  if (!isObject(schema)) return schema;
  const out: Schema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'required' && partial) continue;
    if (key === 'properties' && isObject(value)) {
      const props: Schema = {};
      for (const name of Object.keys(value)) {
        const values = instances.filter(isObject).flatMap((i) => (name in i ? [i[name]] : []));
        if (values.length > 0) props[name] = pruneToInstance(value[name], values, partial);
      }
      out.properties = props;
    } else if (key === 'items' && isObject(value)) {
      out.items = pruneToInstance(value, instances.filter(Array.isArray).flat(), partial);
    } else if (key === 'additionalProperties' && isObject(value)) {
      const declared = isObject(schema.properties) ? schema.properties : {};
      const values = instances
        .filter(isObject)
        .flatMap((i) => Object.entries(i).filter(([k]) => !(k in declared)))
        .map(([, v]) => v);
      out.additionalProperties = pruneToInstance(value, values, partial);
    } else if ((key === 'anyOf' || key === 'allOf' || key === 'oneOf') && Array.isArray(value)) {
      out[key] = value.map((s) => pruneToInstance(s, instances, partial));
    } else {
      out[key] = value;
    }
  }
  return out;
}

/**
 * Problems of a Rollout or InferenceService against its real CRD, as `instancePath message {params}` lines;
 * empty when valid. `partial`: the object is a merge patch (no field is required, every field present must
 * be valid and known).
 */
export function validateCanaryObject(
  kind: CanaryKind,
  object: Record<string, unknown>,
  options: { partial?: boolean } = {},
): string[] {
  const pruned = pruneToInstance(schemaOf(kind), [object], options.partial ?? false);
  const validate = crdAjv.compile(pruned as object);
  return validate(object)
    ? []
    : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`);
}
