import { describe, expect, it } from 'vitest';
import { formatCapacityProgress } from './report.ts';
import type { CapacityProgress } from './types.ts';
import { formatLoad } from './units.ts';

describe('loads in views', () => {
  it('names a rate in req/s and a concurrency in whole users', () => {
    expect(formatLoad(120.46, 'rate')).toBe('120.5/s');
    expect(formatLoad(8, 'concurrency')).toBe('8 users');
    expect(formatLoad(1, 'concurrency')).toBe('1 user');
    expect(formatLoad(null, 'concurrency')).toBe('-');
  });

  it('the progress line says users and the req/s they achieve, or the rate offered and achieved', () => {
    const progress: CapacityProgress = {
      configuration: 'maxBatchSize=1',
      configurationIndex: 0,
      configurations: 1,
      fault: null,
      step: 5,
      unit: 'concurrency',
      load: 16,
      achievedRate: 234.6,
      p99Ms: 71.25,
      highestPass: 8,
      lowestFail: null,
    };
    expect(formatCapacityProgress(progress)).toBe(
      'config 1/1 maxBatchSize=1 · step 5 · users 16→235/s · p99 71.3ms · pass ≤ 8 users · fail ≥ -',
    );
    expect(formatCapacityProgress({ ...progress, unit: 'rate', load: 200, highestPass: 100 })).toContain(
      'rate 200→235/s · p99 71.3ms · pass ≤ 100/s',
    );
  });
});
