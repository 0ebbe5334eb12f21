import { describe, expect, it } from 'vitest';
import type { JournalEvent } from '../journal/index.ts';
import { killAtHook } from './test-hooks.ts';

const event = (type: 'fault-landed' | 'traffic-started'): JournalEvent =>
  type === 'fault-landed'
    ? { type, at: 1, id: 'f', evidence: 'pid gone' }
    : { type, at: 1, engine: 'open', model: 'open' };

describe('FIREDRILL_TEST_KILL_AT (killAtHook)', () => {
  it('is absent when the variable is unset or empty', () => {
    expect(killAtHook({})).toBeUndefined();
    expect(killAtHook({ FIREDRILL_TEST_KILL_AT: '' })).toBeUndefined();
  });

  it.each([
    ['fault-landed', 1],
    ['fault-landed:1', 1],
    ['fault-landed:3', 3],
  ])('%s kills at fault-landed number %i, once', (value, nth) => {
    let kills = 0;
    const hook = killAtHook({ FIREDRILL_TEST_KILL_AT: value }, () => {
      kills += 1;
    });
    const killedAt: number[] = [];
    for (let i = 1; i <= 5; i += 1) {
      hook?.(event('traffic-started'));
      hook?.(event('fault-landed'));
      if (kills > killedAt.length) killedAt.push(i);
    }
    expect(killedAt).toEqual([nth]);
  });

  it.each(['fault-landd', 'fault-landed:0', 'fault-landed:x', 'Fault-Landed'])(
    'rejects %j naming the variable and the event types',
    (value) => {
      expect(() => killAtHook({ FIREDRILL_TEST_KILL_AT: value })).toThrow(
        expect.objectContaining({
          code: 'FD_USAGE',
          message: expect.stringContaining(`FIREDRILL_TEST_KILL_AT: "${value}"`),
          hint: expect.stringContaining('fault-reverting'),
        }),
      );
    },
  );
});
