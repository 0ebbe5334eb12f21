import { describe, expect, it } from 'vitest';
import type { RunProgress } from '../run/index.ts';
import { formatProgress } from './progress.ts';
import { describeStage } from './validate.ts';

describe('describeStage (validate and dry-run output)', () => {
  it.each([
    [{ kind: 'constant', rate: 40, duration: 55_000 }, 'constant 40 req/s'],
    [{ kind: 'ramp', from: 0, to: 20, duration: 10_000 }, 'ramp 0→20 req/s'],
    [{ kind: 'concurrency', vus: 20, duration: 30_000 }, 'concurrency 20 VUs for 30s'],
    [{ kind: 'concurrency', vus: 1, duration: 500 }, 'concurrency 1 VU for 500ms'],
    [{ kind: 'concurrency-ramp', from: 1, to: 16, duration: 30_000 }, 'concurrency-ramp 1→16 VUs over 30s'],
  ] as const)('%j → %s', (stage, text) => {
    expect(describeStage(stage)).toBe(text);
  });
});

describe('formatProgress', () => {
  const progress: RunProgress = {
    elapsedMs: 12_000,
    totalMs: 40_000,
    phase: 'baseline',
    model: 'open',
    offeredRate: 40,
    achievedRate: 39.6,
    inFlight: 3,
    p99Ms: 7.2,
    faults: [],
    pending: [],
    firing: [],
  };
  it('shows offered → achieved rate in the open model', () => {
    expect(formatProgress(progress)).toContain('baseline · rate 40→40/s · p99 7ms');
  });
  it('shows active users and the achieved rate in the closed model (it offers no rate)', () => {
    const line = formatProgress({ ...progress, model: 'closed', inFlight: 16, achievedRate: 812.4 });
    expect(line).toContain('baseline · 16 VUs · rate 812/s · p99 7ms');
    expect(line).not.toContain('→');
  });
});
