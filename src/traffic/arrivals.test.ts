import { describe, expect, it } from 'vitest';
import { isFiredrillError } from '../core/index.ts';
import { type ArrivalProcess, parseArrivalTrace } from './arrivals.ts';
import { arrivalOffsets, capacityIssues } from './schedule.ts';

const gaps = (offsets: number[]) => offsets.slice(1).map((t, i) => t - offsets[i]!);
const stats = (xs: number[]) => {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const variance = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length;
  return { mean, cv: Math.sqrt(variance) / mean };
};

describe('arrival processes', () => {
  // 1000/s for 20 s: 20k arrivals; mean gap 1 ms.
  const stages = [{ kind: 'constant' as const, rate: 1000, durationMs: 20_000 }];
  it.each<{ process: ArrivalProcess; cv: number }>([
    { process: { kind: 'uniform' }, cv: 0 },
    { process: { kind: 'poisson', seed: 7 }, cv: 1 },
    { process: { kind: 'gamma', shape: 0.25, seed: 7 }, cv: 2 },
    { process: { kind: 'gamma', shape: 4, seed: 7 }, cv: 0.5 },
  ])('$process.kind (shape $process.shape): mean gap 1/λ, CV ≈ $cv, count ≈ Λ', ({ process, cv }) => {
    const offsets = [...arrivalOffsets(stages, process)];
    expect(Math.abs(offsets.length - 20_000)).toBeLessThan(cv === 0 ? 1 : 1000);
    const s = stats(gaps(offsets));
    expect(s.mean).toBeCloseTo(1, 1);
    expect(Math.abs(s.cv - cv)).toBeLessThan(0.06 * Math.max(cv, 1));
    expect(offsets.every((t, i) => i === 0 || t >= offsets[i - 1]!)).toBe(true);
    expect(offsets.at(-1)!).toBeLessThan(20_000);
  });

  it('follows a ramp: Poisson arrivals per second track the rate', () => {
    const offsets = [
      ...arrivalOffsets([{ kind: 'ramp', from: 0, to: 2000, durationMs: 10_000 }], {
        kind: 'poisson',
        seed: 3,
      }),
    ];
    expect(Math.abs(offsets.length - 10_000)).toBeLessThan(400);
    const first = offsets.filter((t) => t < 1000).length; // Λ = 100
    const last = offsets.filter((t) => t >= 9000).length; // Λ = 1900
    expect(first).toBeGreaterThan(60);
    expect(first).toBeLessThan(140);
    expect(last).toBeGreaterThan(1750);
    expect(last).toBeLessThan(2050);
  });

  it('is seeded: same seed, same schedule; another seed, another', () => {
    const take = (seed: number) => [...arrivalOffsets(stages, { kind: 'poisson', seed })].slice(0, 50);
    expect(take(1)).toEqual(take(1));
    expect(take(1)).not.toEqual(take(2));
    const gamma = (seed: number) =>
      [...arrivalOffsets(stages, { kind: 'gamma', shape: 0.5, seed })].slice(0, 50);
    expect(gamma(9)).toEqual(gamma(9));
    expect(gamma(9)).not.toEqual(gamma(10));
  });

  it('replays a trace at speed, cut at the end of the stages', () => {
    const trace: ArrivalProcess = { kind: 'trace', offsetsMs: [0, 100, 100, 2500, 5000], speed: 2 };
    expect([...arrivalOffsets([{ kind: 'constant', rate: 1, durationMs: 2000 }], trace)]).toEqual([
      0, 50, 50, 1250,
    ]);
  });
});

describe('parseArrivalTrace', () => {
  it.each([
    ['offsets per line with comments', '# recorded\n0\n10.5\n\n10.5\r\n250\n', [0, 10.5, 10.5, 250]],
    ['a JSON array', '[0, 5, 7]', [0, 5, 7]],
    ['ISO timestamps, rebased', '2024-01-01T00:00:00.000Z\n2024-01-01T00:00:01.250Z\n', [0, 1250]],
  ])('parses %s', (_name, text, expected) => {
    expect(parseArrivalTrace(text, 't.txt')).toEqual(expected);
  });

  it.each([
    ['a word', '0\n5\nabc\n', 'trace.txt:3'],
    ['time going back', '0\n50\n\n20\n', 'trace.txt:4'],
    ['a negative offset', '-5\n', 'trace.txt:1'],
    ['a bad JSON element', '[0,\n 5,\n "x"]', 'trace.txt:3'],
    ['broken JSON', '[0,\n 5,,\n]', 'trace.txt:2'],
    ['nothing', '# empty\n', 'trace.txt:1'],
  ])('rejects %s naming file:line', (_name, text, where) => {
    try {
      parseArrivalTrace(text, 'trace.txt');
      expect.unreachable();
    } catch (error) {
      expect(isFiredrillError(error) && error.code).toBe('FD_SCENARIO_LOAD');
      expect((error as Error).message).toContain(where);
    }
  });
});

describe('capacityIssues (Little’s law refusal)', () => {
  const stages = [{ kind: 'constant' as const, rate: 100, durationMs: 10_000 }];
  it('refuses a cap below rate × timeout, with the numbers', () => {
    const [issue] = capacityIssues({ stages, timeoutMs: 5000, maxInFlight: 256 });
    expect(issue).toContain('100 × 5 = 500');
    expect(issue).toContain('≥ 500');
    expect(issue).toContain('≤ 2.56s');
    expect(capacityIssues({ stages, timeoutMs: 5000, maxInFlight: 500 })).toEqual([]);
  });
  it('uses the most arrivals within one timeout for a trace', () => {
    const trace: ArrivalProcess = { kind: 'trace', offsetsMs: [0, 10, 20, 30, 3000] };
    expect(capacityIssues({ stages, timeoutMs: 1000, maxInFlight: 4, arrival: trace })).toEqual([]);
    expect(capacityIssues({ stages, timeoutMs: 1000, maxInFlight: 3, arrival: trace })[0]).toContain(
      '4 arrivals',
    );
  });
});
