import { describe, expect, it } from 'vitest';
import { settingsEnv } from './command.ts';
import { screamingSnake } from './spec.ts';
import { tritonConfigHolds, tritonSettingsOf, withTritonSettings } from './triton.ts';

describe('command configurator environment', () => {
  it.each([
    ['maxBatchSize', 'MAX_BATCH_SIZE'],
    ['maxQueueDelayMs', 'MAX_QUEUE_DELAY_MS'],
    ['instance-count', 'INSTANCE_COUNT'],
    ['kv2Cache', 'KV2_CACHE'],
  ])('%s → %s', (name, env) => {
    expect(screamingSnake(name)).toBe(env);
  });
  it('puts every setting in a FIREDRILL_SETTING_ variable as text', () => {
    expect(settingsEnv({ maxBatchSize: 8, dynamic: true, mode: 'fast' })).toEqual({
      FIREDRILL_SETTING_MAX_BATCH_SIZE: '8',
      FIREDRILL_SETTING_DYNAMIC: 'true',
      FIREDRILL_SETTING_MODE: 'fast',
    });
  });
});

describe('triton model config', () => {
  const config = {
    name: 'm',
    platform: 'onnxruntime_onnx',
    max_batch_size: 4,
    input: [{ name: 'x', data_type: 'TYPE_FP32', dims: [4] }],
    instance_group: [{ name: 'm_0', kind: 'KIND_GPU', count: 1, gpus: [0] }],
  };
  it('writes the settings in and keeps every other field', () => {
    const next = withTritonSettings(config, { maxBatchSize: 16, maxQueueDelayMs: 2.5, instanceCount: 2 });
    expect(next).toEqual({
      ...config,
      max_batch_size: 16,
      dynamic_batching: { max_queue_delay_microseconds: 2500 },
      instance_group: [{ name: 'm_0', kind: 'KIND_GPU', count: 2, gpus: [0] }],
    });
    expect(config.max_batch_size).toBe(4); // not mutated
    expect(tritonConfigHolds(next, { maxBatchSize: 16, maxQueueDelayMs: 2.5 })).toBe(true);
    expect(tritonConfigHolds(next, { maxBatchSize: 8 })).toBe(false);
  });
  it('reads the queue delay in ms whether Triton writes the uint64 as a number or a string', () => {
    expect(
      tritonSettingsOf({ dynamic_batching: { max_queue_delay_microseconds: '500' } }, ['maxQueueDelayMs']),
    ).toEqual({ maxQueueDelayMs: 0.5 });
    expect(tritonSettingsOf(config, ['maxBatchSize', 'maxQueueDelayMs', 'instanceCount'])).toEqual({
      maxBatchSize: 4,
      maxQueueDelayMs: 0,
      instanceCount: 1,
    });
  });
  it('refuses unknown settings and impossible values, naming them', () => {
    expect(() => withTritonSettings(config, { maxBatchSzie: 8 })).toThrow(/unknown setting "maxBatchSzie"/);
    expect(() => withTritonSettings(config, { maxBatchSize: -1 })).toThrow(/maxBatchSize = -1/);
    expect(() => withTritonSettings(config, { instanceCount: 0 })).toThrow(/instanceCount = 0/);
    expect(() => withTritonSettings(config, { maxBatchSize: '8' })).toThrow(/maxBatchSize = "8"/);
  });
});
