import { isAbsolute, resolve } from 'node:path';
import { FiredrillError } from '../core/errors.ts';
import { planDrift, resolvedPayload } from '../scenario/index.ts';
import type { Plan } from '../scenario/plan.ts';
import type { Scenario } from '../scenario/schema.ts';
import type { RequestFactory } from '../traffic/types.ts';
import { type Codec, createCodec } from './codecs/index.ts';
import { createPayloadGenerator, type PayloadGenerator } from './generator.ts';
import { promptReference } from './prompts.ts';
import { DEFAULT_REFERENCE_FILE, loadReference, type Reference } from './reference.ts';

/**
 * The payload side of a run. Two steps, both before any traffic:
 *   const reference = await loadPayloadReference(scenario, baseDir);   // I/O; throws FD_SCENARIO_LOAD
 *   const payload = preparePayload(scenario, reference);               // pure; throws FD_SCENARIO_INVALID
 *   engine.run({ request: payload.request, ... })                       // request(seq, intendedOffsetMs)
 * `createPayloadFactory(scenario, plan, reference)` is the same as preparePayload(...).request.
 */
export interface PreparedPayload {
  generator: PayloadGenerator;
  codec: Codec;
  request: RequestFactory;
}

const OPENAI = new Set(['openai-chat', 'openai-completions']);

/** The reference a scenario names (relative to `baseDir`, default the working directory), or the default one. */
export async function loadPayloadReference(
  scenario: Pick<Scenario, 'payload' | 'target'>,
  baseDir = process.cwd(),
): Promise<Reference> {
  const payload = resolvedPayload(scenario);
  if (payload.reference === undefined) {
    if (OPENAI.has(scenario.target.protocol)) return promptReference();
    return loadReference(DEFAULT_REFERENCE_FILE, { schema: payload.schema });
  }
  const file = isAbsolute(payload.reference) ? payload.reference : resolve(baseDir, payload.reference);
  return loadReference(file, { schema: payload.schema });
}

export function preparePayload(
  scenario: Pick<Scenario, 'payload' | 'target' | 'traffic'>,
  reference: Reference,
): PreparedPayload {
  const payload = resolvedPayload(scenario);
  const protocol = scenario.target.protocol;
  const names = reference.columns.map((c) => c.name);
  for (const [i, f] of (payload.features ?? []).entries()) {
    if (!names.includes(f)) {
      throw new FiredrillError(
        'FD_SCENARIO_INVALID',
        `payload.features[${i}]: the reference ${reference.file} has no column "${f}"`,
        {
          hint: `columns: ${names.join(', ')}`,
        },
      );
    }
  }
  if (OPENAI.has(protocol) && payload.batch !== 1) {
    throw new FiredrillError(
      'FD_SCENARIO_INVALID',
      `payload.batch: ${protocol} sends one prompt per request, not ${payload.batch}`,
      {
        hint: 'leave payload.batch at 1',
      },
    );
  }
  const generator = createPayloadGenerator({
    reference,
    payload,
    seed: scenario.traffic.seed,
    steps: planDrift(scenario),
  });
  const typeOf = new Map(reference.columns.map((c) => [c.name, c.type]));
  const codec = createCodec(protocol, {
    model: scenario.target.model,
    features: generator.features,
    numeric: new Set(generator.features.filter((f) => typeOf.get(f) === 'numeric')),
    booleans: new Set(generator.features.filter((f) => typeOf.get(f) === 'boolean')),
    idColumn: reference.idColumn,
    referenceColumns: new Set(names),
    seed: scenario.traffic.seed,
    maxTokens: payload.maxTokens,
    stream: payload.stream,
    raw: payload.raw,
  });
  const headers = { 'content-type': codec.contentType };
  // A streamed answer is read as SSE by the engines (TTFT, inter-token latency, TPOT, tokens).
  const stream = codec.stream === undefined ? {} : { stream: codec.stream };
  const request: RequestFactory = (seq, offsetMs = 0) => ({
    method: codec.method,
    path: codec.path,
    headers,
    body: codec.encode(generator.rowsAt(seq, offsetMs), seq),
    ...stream,
  });
  return { generator, codec, request };
}

/** The RequestFactory for a scenario: drift follows the plan's timeline through each request's intended offset. */
export function createPayloadFactory(scenario: Scenario, _plan: Plan, reference: Reference): RequestFactory {
  return preparePayload(scenario, reference).request;
}
