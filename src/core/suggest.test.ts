import { describe, expect, it } from 'vitest';
import { closestNames, didYouMean, editDistance } from './suggest.ts';

describe('editDistance (optimal string alignment)', () => {
  it.each([
    ['', '', 0],
    ['', 'abc', 3],
    ['abc', '', 3],
    ['kitten', 'sitting', 3],
    ['ab', 'ba', 1],
    ['High', 'Hgih', 1],
    ['ca', 'abc', 3],
    ['flaw', 'lawn', 2],
    ['ModelErrorRateHgih', 'ModelErrorRatioHigh', 3],
  ])('%j → %j is %i', (a, b, d) => {
    expect(editDistance(a, b)).toBe(d);
    expect(editDistance(b, a)).toBe(d);
  });
});

describe('closestNames', () => {
  const rules = [
    'ModelErrorRatioHigh',
    'ModelLatencyP99High',
    'FeatureStoreDown',
    'ModelServerDown',
    'GpuThrottled',
  ];
  it('suggests the loaded rule a typo was meant to be', () => {
    expect(closestNames('ModelErrorRateHgih', rules)).toEqual(['ModelErrorRatioHigh']);
    expect(closestNames('modellatencyp99high', rules)).toEqual(['ModelLatencyP99High']);
  });
  it('a case-only difference is the one suggestion', () => {
    expect(closestNames('gputhrottled', [...rules, 'GpuThrottle'])).toEqual(['GpuThrottled']);
  });
  it('ranks by distance, then by name, up to the limit', () => {
    expect(closestNames('ab', ['abc', 'abd', 'xab', 'zzzz'], 2)).toEqual(['abc', 'abd']);
  });
  it('suggests nothing for names that are not close', () => {
    expect(closestNames('DiskFull', rules)).toEqual([]);
    expect(closestNames('x', ['y'])).toEqual(['y']);
    expect(closestNames('ab', ['cd'])).toEqual([]);
    expect(closestNames('anything', [])).toEqual([]);
  });
});

describe('didYouMean', () => {
  it('formats one, two or no suggestions', () => {
    expect(didYouMean('f2', ['f1'])).toBe(' (did you mean "f1"?)');
    expect(didYouMean('spik', ['spike', 'spiky'])).toBe(' (did you mean "spike" or "spiky"?)');
    expect(didYouMean('baseline', ['recovery'])).toBe('');
  });
});
