import { describe, expect, it } from 'vitest';
import { routeTimings } from './alertmanager-client.ts';

describe('routeTimings', () => {
  it.each<
    [
      string,
      string,
      { groupWaitMs: number; groupIntervalMs: number; repeatIntervalMs: number; minGroupWaitMs: number },
    ]
  >([
    [
      'defaults when absent',
      'route:\n  receiver: x\n',
      { groupWaitMs: 30_000, groupIntervalMs: 300_000, repeatIntervalMs: 14_400_000, minGroupWaitMs: 30_000 },
    ],
    [
      'empty config',
      '',
      { groupWaitMs: 30_000, groupIntervalMs: 300_000, repeatIntervalMs: 14_400_000, minGroupWaitMs: 30_000 },
    ],
    [
      'given',
      'route:\n  receiver: x\n  group_wait: 0s\n  group_interval: 1s\n  repeat_interval: 1h\n',
      { groupWaitMs: 0, groupIntervalMs: 1000, repeatIntervalMs: 3_600_000, minGroupWaitMs: 0 },
    ],
    [
      'child routes: the smallest group_wait anywhere',
      'route:\n  group_wait: 10s\n  routes:\n    - matchers: [a="b"]\n      group_wait: 2s\n    - matchers: [c="d"]\n      routes:\n        - group_wait: 1s\n',
      { groupWaitMs: 10_000, groupIntervalMs: 300_000, repeatIntervalMs: 14_400_000, minGroupWaitMs: 1000 },
    ],
  ])('%s', (_name, yaml, expected) => {
    expect(routeTimings(yaml)).toEqual(expected);
  });
});
