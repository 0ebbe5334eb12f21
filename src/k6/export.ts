import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FiredrillError } from '../core/errors.ts';
import { createPayloadFactory, loadPayloadReference } from '../payload/index.ts';
import type { Plan, PreparedScenario } from '../scenario/index.ts';
import { atRateScenario, type K6AtRate, k6AtRateShape, k6SloThresholds } from './at-rate.ts';
import { type K6OperatorManifests, renderK6OperatorManifests, validateTestRun } from './operator.ts';
import { DEFAULT_MAX_PAYLOADS, type PregeneratedPayloads, pregeneratePayloads } from './payloads.ts';
import { type K6Script, renderK6Script } from './script.ts';

export const SCRIPT_FILE = 'script.js';
export const PAYLOAD_FILE = 'payloads.json';
export const OPERATOR_FILE = 'k6-operator.yaml';

export interface K6ExportOptions {
  outDir: string;
  /** Base URL the script targets by default (else the scenario's target.url; FIREDRILL_TARGET overrides both). */
  targetUrl?: string | undefined;
  maxPayloads?: number | undefined;
  /** Export one constant rate with the SLO as thresholds instead of the scenario's traffic (`--at-capacity`). */
  atRate?: K6AtRate | undefined;
}

export interface K6Export {
  plan: Plan;
  script: K6Script;
  payloads: PregeneratedPayloads;
  /** Paths written. */
  files: string[];
  warnings: string[];
}

export interface K6OperatorExportOptions extends K6ExportOptions {
  parallelism: number;
  namespace: string;
  /** PersistentVolumeClaim for the runners' NDJSON (default "firedrill-k6-results"). */
  resultsClaim?: string | undefined;
}

export interface K6OperatorExport extends K6Export {
  manifests: K6OperatorManifests;
}

/** Prepared scenario → payloads → script, all in memory (loads the scenario's payload reference). */
async function build(
  prepared: PreparedScenario,
  options: K6ExportOptions,
): Promise<Omit<K6Export, 'files'> & { payloadJson: string }> {
  const { scenario, plan } = options.atRate ? atRateScenario(prepared, options.atRate) : prepared;
  const atRate =
    options.atRate && scenario.traffic.model === 'open'
      ? {
          shape: k6AtRateShape(options.atRate, {
            maxInFlight: scenario.traffic.maxInFlight,
            timeout: scenario.traffic.timeout,
            arrivalKind: scenario.traffic.arrival.kind,
          }),
          ...k6SloThresholds(options.atRate.slo),
          source: options.atRate.source,
        }
      : undefined;
  const reference = await loadPayloadReference(scenario);
  const factory = createPayloadFactory(scenario, plan, reference);
  const payloads = pregeneratePayloads(plan, factory, options.maxPayloads ?? DEFAULT_MAX_PAYLOADS);
  const script = renderK6Script({
    plan,
    request: payloads.request,
    payloadFile: PAYLOAD_FILE,
    targetUrl: options.targetUrl ?? scenario.target.url,
    source: prepared.file,
    atRate,
  });
  return {
    plan,
    script,
    payloads,
    payloadJson: `${JSON.stringify(payloads.bodies)}\n`,
    warnings: [...script.warnings, ...payloads.warnings],
  };
}

/** `firedrill export k6`: writes OUT/script.js and OUT/payloads.json. */
export async function exportK6(prepared: PreparedScenario, options: K6ExportOptions): Promise<K6Export> {
  const { payloadJson, ...built } = await build(prepared, options);
  await mkdir(options.outDir, { recursive: true });
  const files = [join(options.outDir, SCRIPT_FILE), join(options.outDir, PAYLOAD_FILE)];
  await writeFile(files[0]!, built.script.text);
  await writeFile(files[1]!, payloadJson);
  return { ...built, files };
}

/**
 * `firedrill export k6-operator`: the same script and payloads, plus OUT/k6-operator.yaml (ConfigMap + TestRun),
 * the TestRun checked against the real k6-operator CRD before anything is written.
 */
export async function exportK6Operator(
  prepared: PreparedScenario,
  options: K6OperatorExportOptions,
): Promise<K6OperatorExport> {
  const { payloadJson, ...built } = await build(prepared, options);
  const manifests = renderK6OperatorManifests({
    name: built.plan.scenario.name,
    namespace: options.namespace,
    parallelism: options.parallelism,
    script: built.script.text,
    payloads: payloadJson,
    scriptFile: SCRIPT_FILE,
    payloadFile: PAYLOAD_FILE,
    targetUrl: options.targetUrl,
    resultsClaim: options.resultsClaim ?? 'firedrill-k6-results',
  });
  const problems = validateTestRun(manifests.testRun);
  if (problems.length > 0) {
    throw new FiredrillError(
      'FD_INTERNAL',
      `the generated TestRun does not match the k6-operator CRD:\n  ${problems.join('\n  ')}`,
    );
  }
  await mkdir(options.outDir, { recursive: true });
  const files = [SCRIPT_FILE, PAYLOAD_FILE, OPERATOR_FILE].map((f) => join(options.outDir, f));
  await writeFile(files[0]!, built.script.text);
  await writeFile(files[1]!, payloadJson);
  await writeFile(files[2]!, manifests.yaml);
  return { ...built, manifests, files };
}
