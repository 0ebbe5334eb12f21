import { describe, expect, it } from 'vitest';
import { isFiredrillError } from '../core/index.ts';
import {
  arrivalOffsets,
  expectedArrivals,
  ScheduleCursor,
  stagesDurationMs,
  type TrafficStage,
} from './schedule.ts';

const collect = (stages: readonly TrafficStage[]) => [...arrivalOffsets(stages)];

describe('arrivalOffsets', () => {
  it.each<{ name: string; stages: TrafficStage[]; count: number; tolerance: number }>([
    {
      name: 'constant 200/s for 2 s',
      stages: [{ kind: 'constant', rate: 200, durationMs: 2000 }],
      count: 400,
      tolerance: 0,
    },
    {
      name: 'constant 0.5/s for 10 s',
      stages: [{ kind: 'constant', rate: 0.5, durationMs: 10_000 }],
      count: 5,
      tolerance: 0,
    },
    {
      name: 'constant 3/s for 1.5 s',
      stages: [{ kind: 'constant', rate: 3, durationMs: 1500 }],
      count: 5,
      tolerance: 0,
    },
    {
      name: 'constant 0/s',
      stages: [{ kind: 'constant', rate: 0, durationMs: 5000 }],
      count: 0,
      tolerance: 0,
    },
    {
      name: 'ramp 0→100 over 10 s',
      stages: [{ kind: 'ramp', from: 0, to: 100, durationMs: 10_000 }],
      count: 500,
      tolerance: 1,
    },
    {
      name: 'ramp 100→0 over 10 s',
      stages: [{ kind: 'ramp', from: 100, to: 0, durationMs: 10_000 }],
      count: 500,
      tolerance: 1,
    },
    {
      name: 'ramp 50→150 over 4 s',
      stages: [{ kind: 'ramp', from: 50, to: 150, durationMs: 4000 }],
      count: 400,
      tolerance: 1,
    },
    {
      name: 'flat ramp 20→20 over 3 s',
      stages: [{ kind: 'ramp', from: 20, to: 20, durationMs: 3000 }],
      count: 60,
      tolerance: 0,
    },
    {
      name: 'constant, ramp up, idle, ramp down',
      stages: [
        { kind: 'constant', rate: 10, durationMs: 1000 },
        { kind: 'ramp', from: 10, to: 30, durationMs: 1000 },
        { kind: 'constant', rate: 0, durationMs: 2000 },
        { kind: 'ramp', from: 30, to: 0, durationMs: 2000 },
      ],
      count: 10 + 20 + 0 + 30,
      tolerance: 1,
    },
  ])('$name: ≈ $count arrivals, ascending, inside [0, duration)', ({ stages, count, tolerance }) => {
    const offsets = collect(stages);
    expect(Math.abs(offsets.length - count)).toBeLessThanOrEqual(tolerance);
    expect(Math.abs(offsets.length - expectedArrivals(stages))).toBeLessThanOrEqual(1);
    const end = stagesDurationMs(stages);
    for (const [i, t] of offsets.entries()) {
      expect(t).toBeGreaterThanOrEqual(0);
      expect(t).toBeLessThan(end);
      if (i > 0) expect(t).toBeGreaterThan(offsets[i - 1]!);
    }
  });

  it.each([1, 7, 200, 1000, 2500])(
    'spaces a constant %d/s stage exactly 1000/rate ms apart, from 0',
    (rate) => {
      const offsets = collect([{ kind: 'constant', rate, durationMs: 2000 }]);
      expect(offsets[0]).toBe(0);
      for (let i = 1; i < offsets.length; i++) {
        expect(offsets[i]! - offsets[i - 1]!).toBeCloseTo(1000 / rate, 9);
      }
    },
  );

  it('follows the ramp: gaps shrink while it climbs, and each second holds the area under the rate', () => {
    const offsets = collect([{ kind: 'ramp', from: 0, to: 100, durationMs: 10_000 }]);
    expect(offsets[0]).toBe(0);
    for (let i = 2; i < offsets.length; i++) {
      expect(offsets[i]! - offsets[i - 1]!).toBeLessThanOrEqual(offsets[i - 1]! - offsets[i - 2]! + 1e-9);
    }
    // Λ(t) = 5 t², so second s holds 5((s+1)² − s²) = 10 s + 5 arrivals.
    for (let s = 0; s < 10; s++) {
      const inSecond = offsets.filter((t) => t >= s * 1000 && t < (s + 1) * 1000).length;
      expect(Math.abs(inSecond - (10 * s + 5))).toBeLessThanOrEqual(1);
    }
  });

  it('places ramp-down arrivals densely first, sparsely last', () => {
    const offsets = collect([{ kind: 'ramp', from: 100, to: 0, durationMs: 10_000 }]);
    const first = offsets.filter((t) => t < 1000).length;
    const last = offsets.filter((t) => t >= 9000).length;
    expect(Math.abs(first - 95)).toBeLessThanOrEqual(1);
    expect(Math.abs(last - 5)).toBeLessThanOrEqual(1);
  });

  it('continues the arrival count across stage boundaries (no duplicate or lost arrival)', () => {
    // 3/s for 1 s: arrivals at 0, 333, 667 ms; Λ = 3 at the boundary, so the next stage starts on an arrival.
    const offsets = collect([
      { kind: 'constant', rate: 3, durationMs: 1000 },
      { kind: 'constant', rate: 3, durationMs: 1000 },
    ]);
    expect(offsets).toHaveLength(6);
    expect(offsets[3]).toBeCloseTo(1000, 9);
    expect(new Set(offsets).size).toBe(6);
  });

  it('is lazy: an hour at 1M/s yields its first arrivals without precomputing the rest', () => {
    const generator = arrivalOffsets([{ kind: 'constant', rate: 1_000_000, durationMs: 3_600_000 }]);
    expect(generator.next().value).toBe(0);
    expect(generator.next().value).toBeCloseTo(0.001, 12);
    generator.return();
  });

  it('rejects negative rates and durations with every issue, as FD_USAGE', () => {
    const generator = arrivalOffsets([
      { kind: 'constant', rate: -1, durationMs: 1000 },
      { kind: 'ramp', from: 0, to: Number.NaN, durationMs: -5 },
    ]);
    let caught: unknown;
    try {
      generator.next();
    } catch (error) {
      caught = error;
    }
    expect(isFiredrillError(caught) && caught.code).toBe('FD_USAGE');
    const message = (caught as Error).message;
    expect(message).toContain('stages[0].rate');
    expect(message).toContain('stages[1].to');
    expect(message).toContain('stages[1]: durationMs');
  });
});

describe('ScheduleCursor', () => {
  function* offsets(values: number[]): Generator<number> {
    yield* values;
  }

  it('finds the last arrival within the span after the next one, and loses none of them', () => {
    const cursor = new ScheduleCursor(offsets([0, 0.2, 0.4, 0.6, 5, 5.3, 9]));
    expect(cursor.next()).toBe(0);
    expect(cursor.lastWithin(0, 0.5, 64)).toBe(0.4); // 0.2 and 0.4 share the wake-up; 0.6 is too far
    expect(cursor.lastWithin(0, 0.7, 64)).toBe(0.6); // looks again, over what it already looked at
    expect(cursor.next()).toBe(0.2);
    expect(cursor.next()).toBe(0.4);
    expect(cursor.next()).toBe(0.6);
    expect(cursor.next()).toBe(5);
    expect(cursor.lastWithin(5, 0.5, 64)).toBe(5.3);
    expect(cursor.lastWithin(5, 0.5, 0)).toBe(5); // no look-ahead allowed: the send's own time
    expect(cursor.next()).toBe(5.3);
    expect(cursor.next()).toBe(9);
    expect(cursor.lastWithin(9, 0.5, 64)).toBe(9); // nothing after the last arrival
    expect(cursor.next()).toBeUndefined();
  });

  it('an isolated arrival keeps its own time, and the look-ahead stops at its limit', () => {
    const cursor = new ScheduleCursor(offsets([0, 25, 50]));
    expect(cursor.next()).toBe(0);
    expect(cursor.lastWithin(0, 0.5, 64)).toBe(0); // game-day rates: every send aimed exactly
    const dense = new ScheduleCursor(offsets(Array.from({ length: 100 }, (_, i) => i * 0.001)));
    expect(dense.next()).toBe(0);
    expect(dense.lastWithin(0, 0.5, 10)).toBeCloseTo(0.01, 9);
    expect(Array.from({ length: 99 }, () => dense.next())).toEqual(
      Array.from({ length: 99 }, (_, i) => (i + 1) * 0.001),
    );
  });
});
