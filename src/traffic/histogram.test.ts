import { describe, expect, it } from 'vitest';
import {
  createHistogram,
  decodeHistogram,
  encodeHistogram,
  mergeHistograms,
  recordMicros,
  summarizeHistogram,
} from './histogram.ts';
import type { TrafficWindow } from './types.ts';
import { summarizeWindows } from './windows.ts';

/** Deterministic pseudo-random latencies (µs), a long tail included. */
function latencies(seed: number, n: number): number[] {
  let state = seed >>> 0;
  const next = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  return Array.from({ length: n }, () => Math.round(500 + 50_000 * next() ** 6));
}

function window(second: number, fields: Partial<TrafficWindow>, okValues: number[] = []): TrafficWindow {
  const ok = createHistogram();
  for (const v of okValues) recordMicros(ok, v);
  return {
    startAt: 1_700_000_000_000 + second * 1000,
    second,
    intended: 0,
    sent: 0,
    ok: okValues.length,
    httpErrors: 0,
    networkErrors: 0,
    timeouts: 0,
    late: 0,
    dropped: 0,
    okHistogram: encodeHistogram(ok),
    errorHistogram: encodeHistogram(createHistogram()),
    statusCodes: {},
    ...fields,
  };
}

describe('histograms', () => {
  it('merges exactly: two encoded+decoded halves equal one histogram of everything', () => {
    const a = latencies(1, 5000);
    const b = latencies(2, 3000).map((v) => v * 3);
    const whole = createHistogram();
    const left = createHistogram();
    const right = createHistogram();
    for (const v of a) {
      recordMicros(whole, v);
      recordMicros(left, v);
    }
    for (const v of b) {
      recordMicros(whole, v);
      recordMicros(right, v);
    }
    const merged = mergeHistograms([
      decodeHistogram(encodeHistogram(left)),
      decodeHistogram(encodeHistogram(right)),
    ]);
    expect(merged.totalCount).toBe(8000);
    for (const p of [1, 50, 90, 99, 99.9, 100]) {
      expect(merged.getValueAtPercentile(p)).toBe(whole.getValueAtPercentile(p));
    }
    expect(summarizeHistogram(merged)).toEqual(summarizeHistogram(whole));
    // And not what averaging the two p99s would give.
    const averaged = (left.getValueAtPercentile(99) + right.getValueAtPercentile(99)) / 2;
    expect(merged.getValueAtPercentile(99)).not.toBe(averaged);
  });

  it('summarizes in ms from µs, to 3 significant digits', () => {
    const h = createHistogram();
    for (let i = 1; i <= 100; i++) recordMicros(h, i * 1000);
    const s = summarizeHistogram(h);
    expect(s.count).toBe(100);
    expect(s.p50).toBeCloseTo(50, 1);
    expect(s.p99).toBeCloseTo(99, 0);
    expect(s.max).toBeGreaterThanOrEqual(100);
    expect(s.max).toBeLessThan(100.1);
    expect(summarizeHistogram(createHistogram())).toEqual({ p50: 0, p90: 0, p99: 0, max: 0, count: 0 });
  });

  it('clamps values outside the trackable range instead of throwing', () => {
    const h = createHistogram();
    recordMicros(h, -5);
    recordMicros(h, 10 * 3_600_000_000);
    expect(h.totalCount).toBe(2);
    expect(decodeHistogram('').totalCount).toBe(0);
  });
});

describe('summarizeWindows', () => {
  it('sums counts, merges ok latency, and derives throughput and error ratio', () => {
    const windows = [
      window(
        0,
        { intended: 10, sent: 10, httpErrors: 1, late: 2 },
        [1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000],
      ),
      window(
        1,
        { intended: 12, sent: 10, networkErrors: 1, timeouts: 2, dropped: 2, late: 2 },
        [10_000, 20_000, 30_000, 40_000, 50_000, 60_000, 70_000],
      ),
      window(2, { intended: 0 }),
      window(3, { intended: 2, sent: 2 }, [100_000, 200_000]),
    ];
    const stats = summarizeWindows(windows);
    expect(stats).toMatchObject({ windows: 4, seconds: 4, sent: 22, ok: 18, errors: 4, late: 4, dropped: 2 });
    expect(stats.errorRatio).toBeCloseTo(4 / 22, 12);
    expect(stats.throughput).toBeCloseTo(22 / 4, 12);
    expect(stats.latencyMs.count).toBe(18);
    expect(stats.latencyMs.max).toBeCloseTo(200, 0);
    expect(stats.latencyMs.p50).toBeCloseTo(9, 1); // the 9th of 18 sorted values
  });

  it('counts wrong answers as completed, apart from ok and errors, with their ratio to completed', () => {
    const windows = [
      window(0, { sent: 10, httpErrors: 1, wrongAnswers: 3 }, [1000, 2000, 3000, 4000, 5000, 6000]),
      // a window that checked nothing carries no wrongAnswers: counted as 0
      window(1, { sent: 4 }, [1000, 2000, 3000, 4000]),
    ];
    const stats = summarizeWindows(windows);
    expect(stats).toMatchObject({ sent: 14, ok: 10, errors: 1, wrongAnswers: 3, completed: 14 });
    expect(stats.wrongAnswerRatio).toBeCloseTo(3 / 14, 12);
    expect(stats.errorRatio).toBeCloseTo(1 / 14, 12);
    expect(stats.throughput).toBe(7);
    expect(stats.latencyMs.count).toBe(10);
  });

  it('says null, not 0, for wrong answers when no window checked responses', () => {
    const unchecked = summarizeWindows([window(0, { sent: 5 }, [1000, 2000, 3000, 4000, 5000])]);
    expect(unchecked).toMatchObject({ wrongAnswers: null, wrongAnswerRatio: null, completed: 5 });
    // a streamed window was checked (its stream parsed) even without a wrong answer
    const streamed = summarizeWindows([
      window(
        0,
        {
          sent: 1,
          streaming: { ttftHistogram: '', itlHistogram: '', tpotHistogram: '', outputTokens: 5, streams: 1 },
        },
        [1000],
      ),
    ]);
    expect(streamed).toMatchObject({ wrongAnswers: 0, wrongAnswerRatio: 0 });
    expect(summarizeWindows([window(0, { wrongAnswers: 0 })])).toMatchObject({ wrongAnswerRatio: 0 });
  });

  it('merges streaming histograms exactly and sums tokens, only when some window streamed', () => {
    expect(summarizeWindows([window(0, {}, [1000])]).streaming).toBeUndefined();
    const streamed = (second: number, ttftUs: number[], tokens: number): TrafficWindow => {
      const ttft = createHistogram();
      for (const v of ttftUs) recordMicros(ttft, v);
      const tpot = createHistogram();
      recordMicros(tpot, 20_000);
      return window(second, {
        streaming: {
          ttftHistogram: encodeHistogram(ttft),
          itlHistogram: '',
          tpotHistogram: encodeHistogram(tpot),
          outputTokens: tokens,
          streams: ttftUs.length,
        },
      });
    };
    const first = latencies(7, 300);
    const second = latencies(8, 200);
    const stats = summarizeWindows([streamed(0, first, 900), window(1, {}), streamed(2, second, 600)]);
    const whole = createHistogram();
    for (const v of [...first, ...second]) recordMicros(whole, v);
    expect(stats.streaming).toEqual({
      ttftMs: summarizeHistogram(whole),
      itlMs: { p50: 0, p90: 0, p99: 0, max: 0, count: 0 },
      tpotMs: expect.objectContaining({ count: 2, p50: 20.015 }), // 20 ms at 3 significant digits of µs buckets
      outputTokens: 1500,
      outputTokensPerSecond: 500, // 1500 tokens over 3 windows
      streams: 500,
    });
  });

  it('gives zeros, not NaN, for no windows or nothing completed', () => {
    expect(summarizeWindows([])).toMatchObject({ windows: 0, errorRatio: 0, throughput: 0 });
    const idle = summarizeWindows([window(0, {}), window(1, {})]);
    expect(idle).toMatchObject({ windows: 2, seconds: 2, errorRatio: 0, throughput: 0 });
    expect(idle.latencyMs.count).toBe(0);
  });
});
