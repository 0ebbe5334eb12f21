import type { ResponseValidator } from './types.ts';

/**
 * Response validation under load: a 2xx whose body is not a right answer is a `wrong-answer`, counted apart
 * from HTTP errors. Checks the protocol's shape (KServe V2 `outputs`, V1 and MLflow `predictions`, OpenAI
 * `choices`), for V2 the dtype and shape of each output (data length = product of the shape, values of the
 * datatype), optionally expected outputs, then an optional predicate on the parsed body.
 */
export type ValidatedProtocol =
  | 'kserve-v2'
  | 'kserve-v1'
  | 'mlflow'
  | 'openai-chat'
  | 'openai-completions'
  /** Any JSON object; only the predicate judges it. */
  | 'raw';

export interface ExpectedOutput {
  name: string;
  datatype?: string;
  /** Expected shape; null matches any size in that dimension (e.g. the batch). */
  shape?: ReadonlyArray<number | null>;
}

export interface ValidationSpec {
  protocol: ValidatedProtocol;
  /** KServe V2 only: outputs that must be present, with their datatype and shape. */
  outputs?: readonly ExpectedOutput[];
  /** Last check on the parsed body: true (right), false or a reason (wrong). */
  predicate?: (body: unknown) => boolean | string;
}

const V2_DATATYPES = new Set([
  'BOOL',
  'UINT8',
  'UINT16',
  'UINT32',
  'UINT64',
  'INT8',
  'INT16',
  'INT32',
  'INT64',
  'FP16',
  'FP32',
  'FP64',
  'BYTES',
]);

function valueFits(datatype: string, value: unknown): boolean {
  if (datatype === 'BOOL') return typeof value === 'boolean';
  if (datatype === 'BYTES') return typeof value === 'string';
  if (datatype.startsWith('FP')) return typeof value === 'number';
  if (typeof value !== 'number' || !Number.isInteger(value)) return false;
  return !datatype.startsWith('U') || value >= 0;
}

/** Checks every leaf of (flat or nested) `data`; returns the leaf count, or a reason. */
function checkData(data: unknown[], datatype: string): number | string {
  let count = 0;
  const stack: unknown[] = [data];
  while (stack.length > 0) {
    const item = stack.pop();
    if (Array.isArray(item)) {
      for (const element of item) stack.push(element);
      continue;
    }
    if (!valueFits(datatype, item)) return `a value of type ${typeof item} in ${datatype} data`;
    count += 1;
  }
  return count;
}

function checkV2(body: Record<string, unknown>, expected: readonly ExpectedOutput[]): string | undefined {
  const outputs = body.outputs;
  if (!Array.isArray(outputs) || outputs.length === 0) return 'no outputs';
  const byName = new Map<string, Record<string, unknown>>();
  for (const output of outputs) {
    if (typeof output !== 'object' || output === null) return 'an output is not an object';
    const { name, datatype, shape, data } = output as Record<string, unknown>;
    if (typeof name !== 'string') return 'an output has no name';
    if (typeof datatype !== 'string' || !V2_DATATYPES.has(datatype))
      return `output ${name}: unknown datatype ${String(datatype)}`;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0))
      return `output ${name}: bad shape`;
    if (!Array.isArray(data)) return `output ${name}: no data`;
    const leaves = checkData(data, datatype);
    if (typeof leaves === 'string') return `output ${name}: ${leaves}`;
    const size = (shape as number[]).reduce((product, d) => product * d, 1);
    if (leaves !== size) return `output ${name}: ${leaves} values for shape [${shape.join(',')}]`;
    byName.set(name, output as Record<string, unknown>);
  }
  for (const want of expected) {
    const got = byName.get(want.name);
    if (got === undefined) return `output ${want.name} missing`;
    if (want.datatype !== undefined && got.datatype !== want.datatype)
      return `output ${want.name}: datatype ${String(got.datatype)}, expected ${want.datatype}`;
    if (want.shape !== undefined) {
      const shape = got.shape as number[];
      const fits =
        shape.length === want.shape.length && want.shape.every((d, i) => d === null || d === shape[i]);
      if (!fits)
        return `output ${want.name}: shape [${shape.join(',')}], expected [${want.shape.map((d) => d ?? '*').join(',')}]`;
    }
  }
  return undefined;
}

function checkChoices(body: Record<string, unknown>, field: 'message' | 'text'): string | undefined {
  const choices = body.choices;
  if (!Array.isArray(choices) || choices.length === 0) return 'no choices';
  const choice = choices[0] as { message?: { content?: unknown }; text?: unknown } | null;
  const content = field === 'message' ? choice?.message?.content : choice?.text;
  if (typeof content !== 'string')
    return `choices[0].${field === 'message' ? 'message.content' : 'text'} is not text`;
  return undefined;
}

/** Why `body` is not a right answer, or undefined. Never throws. */
export function checkResponse(spec: ValidationSpec, text: string): string | undefined {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return 'body is not JSON';
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'body is not a JSON object';
  const record = body as Record<string, unknown>;
  let reason: string | undefined;
  switch (spec.protocol) {
    case 'kserve-v2':
      reason = checkV2(record, spec.outputs ?? []);
      break;
    case 'kserve-v1':
    case 'mlflow':
      if (!Array.isArray(record.predictions) || record.predictions.length === 0) reason = 'no predictions';
      break;
    case 'openai-chat':
      reason = checkChoices(record, 'message');
      break;
    case 'openai-completions':
      reason = checkChoices(record, 'text');
      break;
    case 'raw':
      break;
    default: {
      const never: never = spec.protocol;
      return `unknown protocol ${String(never)}`;
    }
  }
  if (reason !== undefined || spec.predicate === undefined) return reason;
  try {
    const verdict = spec.predicate(body);
    if (verdict === true) return undefined;
    return verdict === false ? 'predicate rejected the answer' : verdict;
  } catch (error) {
    return `predicate threw: ${(error as Error).message}`;
  }
}

/** A validator for TrafficRunOptions.validate. */
export function createResponseValidator(spec: ValidationSpec): ResponseValidator {
  return (body) => checkResponse(spec, body);
}
