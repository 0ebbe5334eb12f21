import { describe, expect, it } from 'vitest';
import { checkResponse } from './validate.ts';

const v2 = (outputs: unknown[]) => JSON.stringify({ model_name: 'penguins', outputs });
const probabilities = { name: 'probabilities', datatype: 'FP32', shape: [1, 3], data: [0.1, 0.2, 0.7] };

describe('checkResponse', () => {
  it('accepts a well-formed KServe V2 answer and the expected outputs', () => {
    const spec = {
      protocol: 'kserve-v2' as const,
      outputs: [{ name: 'probabilities', datatype: 'FP32', shape: [null, 3] }],
    };
    expect(checkResponse(spec, v2([probabilities]))).toBeUndefined();
  });

  it.each([
    ['not JSON', 'body is not JSON'],
    ['[1,2]', 'body is not a JSON object'],
    [v2([]), 'no outputs'],
    [v2([{ ...probabilities, datatype: 'FP31' }]), 'output probabilities: unknown datatype FP31'],
    [v2([{ ...probabilities, data: [0.1, 0.2] }]), 'output probabilities: 2 values for shape [1,3]'],
    [
      v2([{ ...probabilities, datatype: 'INT32' }]),
      'output probabilities: a value of type number in INT32 data',
    ],
    [v2([{ ...probabilities, name: 'other' }]), 'output probabilities missing'],
    [v2([{ ...probabilities, shape: [3, 1] }]), 'output probabilities: shape [3,1], expected [*,3]'],
  ])('says why a KServe V2 answer is wrong: %s', (body, reason) => {
    const spec = { protocol: 'kserve-v2' as const, outputs: [{ name: 'probabilities', shape: [null, 3] }] };
    expect(checkResponse(spec, body)).toBe(reason);
  });

  it('checks predictions (V1, MLflow) and choices (OpenAI)', () => {
    expect(checkResponse({ protocol: 'kserve-v1' }, '{"predictions":[1]}')).toBeUndefined();
    expect(checkResponse({ protocol: 'mlflow' }, '{"predictions":[]}')).toBe('no predictions');
    expect(checkResponse({ protocol: 'openai-chat' }, '{"choices":[]}')).toBe('no choices');
  });

  it('judges a raw answer by its predicate alone (true, false, a reason, or a throw)', () => {
    const predicate = (body: unknown) => {
      const b = body as { status?: string };
      if (b.status === 'boom') throw new Error('boom');
      return b.status === 'ok' || (b.status === 'bad' ? false : `status ${String(b.status)}`);
    };
    const spec = { protocol: 'raw' as const, predicate };
    expect(checkResponse(spec, '{"status":"ok"}')).toBeUndefined();
    expect(checkResponse(spec, '{"status":"bad"}')).toBe('predicate rejected the answer');
    expect(checkResponse(spec, '{"status":"late"}')).toBe('status late');
    expect(checkResponse(spec, '{"status":"boom"}')).toBe('predicate threw: boom');
    expect(checkResponse(spec, 'plain text')).toBe('body is not JSON');
  });
});
