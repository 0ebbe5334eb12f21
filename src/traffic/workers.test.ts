import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ArrivalProcess } from './arrivals.ts';
import { createHistogram, decodeHistogram, encodeHistogram, recordMicros } from './histogram.ts';
import { createOpenEngine } from './open-engine.ts';
import { arrivalOffsets, type TrafficStage } from './schedule.ts';
import type { EngineSummary, Partition, TrafficWindow } from './types.ts';
import {
  mergeSummaries,
  mergeWindows,
  parseWorkers,
  partitionArrivals,
  partitionLimit,
  sequenceNumber,
  WindowMerger,
} from './workers.ts';

const stages: TrafficStage[] = [
  { kind: 'ramp', from: 10, to: 400, durationMs: 5000 },
  { kind: 'constant', rate: 400, durationMs: 5000 },
];

describe('round-robin partition of the schedule', () => {
  it.each<[string, ArrivalProcess, number]>([
    ['uniform', { kind: 'uniform' }, 2],
    ['poisson', { kind: 'poisson', seed: 7 }, 3],
    ['gamma', { kind: 'gamma', shape: 0.5, seed: 7 }, 4],
    ['trace', { kind: 'trace', offsetsMs: [0, 1, 1, 2, 500, 501, 9000] }, 2],
  ])(
    '%s (%j) over %i threads: the shares are the whole sequence, same offsets, same sequence numbers',
    (_n, arrival, of) => {
      const whole = [...arrivalOffsets(stages, arrival)];
      const union: Array<[number, number]> = [];
      for (let index = 0; index < of; index += 1) {
        const partition: Partition = { index, of };
        const share = [...partitionArrivals(arrivalOffsets(stages, arrival), partition)];
        // Each share is 1/of of the count (within one), so each thread runs at rate/of.
        expect(Math.abs(share.length - whole.length / of)).toBeLessThanOrEqual(1);
        share.forEach((offset, k) => {
          union.push([sequenceNumber(k, partition), offset]);
        });
      }
      union.sort((a, b) => a[0] - b[0]);
      expect(union.map(([seq]) => seq)).toEqual(whole.map((_, i) => i));
      expect(union.map(([, offset]) => offset)).toEqual(whole);
    },
  );

  it('keeps the rate per second: each second of the union has the whole schedule’s count', () => {
    const arrival: ArrivalProcess = { kind: 'poisson', seed: 3 };
    const perSecond = (offsets: number[]) => {
      const counts = new Array(10).fill(0);
      for (const o of offsets) counts[Math.floor(o / 1000)] += 1;
      return counts;
    };
    const shares = [0, 1].map((index) => [
      ...partitionArrivals(arrivalOffsets(stages, arrival), { index, of: 2 }),
    ]);
    expect(perSecond(shares.flat())).toEqual(perSecond([...arrivalOffsets(stages, arrival)]));
    // and the shares split every second about evenly (rate / 2 each)
    const [a, b] = shares.map(perSecond) as [number[], number[]];
    a.forEach((count, s) => {
      expect(Math.abs(count - b[s]!)).toBeLessThanOrEqual(1);
    });
  });

  it('splits the in-flight limit, rounding up', () => {
    expect(partitionLimit(100, { index: 0, of: 3 })).toBe(34);
    expect(partitionLimit(1, { index: 1, of: 4 })).toBe(1);
  });

  it.each(['0', '65', '1.5', 'two', ''])('refuses --workers %j', (text) => {
    expect(() => parseWorkers(text)).toThrow(/--workers: .* is not a number of traffic threads/);
  });
});

/** Deterministic latencies, µs: a long tail so p99 and max differ from p50. */
function latencies(n: number, seed: number): number[] {
  let x = seed;
  return Array.from({ length: n }, () => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    const u = x / 2 ** 31;
    return Math.round(500 + 200_000 * u ** 8);
  });
}

function window(second: number, values: number[], extra: Partial<TrafficWindow> = {}): TrafficWindow {
  const h = createHistogram();
  for (const v of values) recordMicros(h, v);
  const encoded = encodeHistogram(h);
  h.destroy();
  return {
    startAt: 1000 * second,
    second,
    intended: values.length,
    sent: values.length,
    ok: values.length,
    httpErrors: 0,
    networkErrors: 0,
    timeouts: 0,
    late: 0,
    dropped: 0,
    okHistogram: encoded,
    errorHistogram: '',
    statusCodes: { '200': values.length },
    ...extra,
  };
}

const percentiles = (encoded: string) => {
  const h = decodeHistogram(encoded);
  const out = [50, 90, 99, 99.9, 100].map((p) => h.getValueAtPercentile(p));
  const count = h.totalCount;
  h.destroy();
  return { out, count };
};

describe('merging the threads’ windows', () => {
  it('is exact: merged percentiles equal those of one histogram of all values', () => {
    const parts = [latencies(3000, 1), latencies(500, 2), latencies(41, 3)];
    const merged = mergeWindows(
      parts.map((values, i) =>
        window(4, values, {
          late: i,
          maxLateMs: [0.5, 7.25, 3][i]!,
          dropped: 1,
          statusCodes: { '200': 1, '503': i },
        }),
      ),
    );
    const all = window(4, parts.flat());
    expect(percentiles(merged.okHistogram)).toEqual(percentiles(all.okHistogram));
    expect(merged).toMatchObject({
      second: 4,
      sent: 3541,
      ok: 3541,
      late: 3,
      maxLateMs: 7.25,
      dropped: 3,
      statusCodes: { '200': 3, '503': 3 },
    });
    // Averaging the parts' p99 (what an inexact merge does) gives another answer here.
    const averagedP99 =
      parts.map((v) => percentiles(window(4, v).okHistogram).out[2]!).reduce((a, b) => a + b) / 3;
    expect(averagedP99).not.toBe(percentiles(all.okHistogram).out[2]);
  });

  it('hands each second on once every thread delivered it, in order', () => {
    const out: TrafficWindow[] = [];
    const merger = new WindowMerger(2, (w) => out.push(w));
    merger.add(window(0, [1000]));
    merger.add(window(1, [2000]));
    expect(out).toEqual([]);
    merger.add(window(0, [3000]));
    expect(out.map((w) => [w.second, w.sent])).toEqual([[0, 2]]);
    merger.add(window(2, [1000]));
    merger.flush(); // an aborted thread never sent second 1 or 2: what there is comes out
    expect(out.map((w) => [w.second, w.sent])).toEqual([
      [0, 2],
      [1, 1],
      [2, 1],
    ]);
  });

  it('one summary: counts summed, one late count, latency from the merged histograms', () => {
    const windows = [window(0, latencies(800, 5)), window(1, latencies(900, 6))];
    const summary = (s: Partial<EngineSummary>): EngineSummary => ({
      engine: 'firedrill',
      model: 'open',
      sent: 850,
      completed: 850,
      errors: 0,
      timeouts: 0,
      dropped: 0,
      late: 0,
      maxLateMs: 0.2,
      saturated: false,
      latencyMs: { p50: 0, p90: 0, p99: 0, max: 0, count: 0 },
      ...s,
    });
    const merged = mergeSummaries([summary({ late: 9, maxLateMs: 3 }), summary({ late: 9 })], windows);
    expect(merged.sent).toBe(1700);
    expect(merged.late).toBe(18);
    expect(merged.maxLateMs).toBe(3);
    expect(merged.saturated).toBe(true); // 18 / 1700 > 1 %
    const all = percentiles(window(0, [...latencies(800, 5), ...latencies(900, 6)]).okHistogram);
    expect(merged.latencyMs.p99).toBe(all.out[2]! / 1000);
    expect(merged.latencyMs.count).toBe(1700);
  });
});

describe('the open engine on a share of the schedule', () => {
  let server: Server;
  let target = '';
  const seen: number[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push(Number(req.headers['x-seq']));
      req.resume();
      req.on('end', () => res.end('{}'));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    target = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('two shares send every sequence number of the whole schedule once, merged into one set of windows', async () => {
    const runShare = (index: number) => {
      const windows: TrafficWindow[] = [];
      return createOpenEngine({ preciseWake: false })
        .run({
          target,
          stages: [{ kind: 'constant', rate: 200, durationMs: 1000 }],
          timeoutMs: 2000,
          maxInFlight: partitionLimit(20, { index, of: 2 }),
          request: (seq) => ({ method: 'GET', path: '/', headers: { 'x-seq': String(seq) } }),
          onWindow: (w) => windows.push(w),
          signal: new AbortController().signal,
          now: Date.now,
          partition: { index, of: 2 },
        })
        .then((summary) => ({ summary, windows }));
    };
    const [a, b] = await Promise.all([runShare(0), runShare(1)]);
    expect([...seen].sort((x, y) => x - y)).toEqual(Array.from({ length: 200 }, (_, i) => i));
    expect(a.summary.sent).toBe(100);
    const merged = mergeWindows([a.windows[0]!, b.windows[0]!]);
    expect(merged.intended).toBe(200);
    expect(merged.ok).toBe(200);
    expect(mergeSummaries([a.summary, b.summary], [merged]).latencyMs.count).toBe(200);
  });
});
