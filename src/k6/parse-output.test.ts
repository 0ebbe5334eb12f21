import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isFiredrillError } from '../core/errors.ts';
import { decodeHistogram } from '../traffic/histogram.ts';
import type { TrafficWindow } from '../traffic/types.ts';
import { summarizeWindows } from '../traffic/windows.ts';
import {
  classifyK6Request,
  createK6OutputParser,
  parseK6Output,
  parseK6SummaryExport,
  parseK6Time,
} from './parse-output.ts';

const NDJSON = fileURLToPath(new URL('./testdata/out.ndjson', import.meta.url));
const summaryExport = JSON.parse(
  readFileSync(new URL('./testdata/summary-export.json', import.meta.url), 'utf8'),
) as { metrics: Record<string, Record<string, number>> };

/** The raw http_req_duration values of the reference run, sorted (read independently of the parser). */
const rawDurations = readFileSync(NDJSON, 'utf8')
  .split('\n')
  .filter((l) => l.includes('"type":"Point"') && l.includes('"metric":"http_req_duration"'))
  .map((l) => (JSON.parse(l) as { data: { value: number } }).data.value)
  .sort((a, b) => a - b);

/** k6's own percentile: linear interpolation between order statistics. */
function k6Percentile(sorted: number[], p: number): number {
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  return sorted[lo]! + (sorted[Math.min(lo + 1, sorted.length - 1)]! - sorted[lo]!) * (rank - lo);
}

describe('parseK6Output on a real k6 v0.48 run', () => {
  it('counts every request of summary-export.json and no error', async () => {
    const { windows, summary, httpReqs, skippedLines } = await parseK6Output(NDJSON);
    const expected = summaryExport.metrics.http_reqs!.count!;
    expect(expected).toBe(44);
    expect(summary).toMatchObject({
      engine: 'k6',
      model: 'open',
      sent: expected,
      completed: expected,
      errors: summaryExport.metrics.http_req_failed!.passes, // `passes` of http_req_failed = failed requests (0)
      dropped: 0,
      saturated: false,
    });
    expect(httpReqs).toBe(expected);
    expect(skippedLines).toBe(0);
    expect(windows.reduce((n, w) => n + w.ok, 0)).toBe(expected);
    expect(windows.every((w) => w.statusCodes['200'] === w.sent)).toBe(true);
  });

  it('makes one window per second, contiguous, numbered from 0', async () => {
    const { windows } = await parseK6Output(NDJSON);
    // The run lasted about 3 s (2 s ramp + 1 s flat).
    expect(windows.length).toBeGreaterThanOrEqual(3);
    expect(windows.length).toBeLessThanOrEqual(4);
    windows.forEach((w, i) => {
      expect(w.second).toBe(i);
      expect(w.startAt).toBe(windows[0]!.startAt + i * 1000);
    });
    // The first request started (end − duration) in second 0.
    expect(windows[0]!.sent).toBeGreaterThan(0);
    expect(windows.at(-1)!.sent).toBeGreaterThan(0);
  });

  it('keeps the latencies within HDR precision of what k6 reported', async () => {
    const { windows, summary } = await parseK6Output(NDJSON);
    const k6 = summaryExport.metrics.http_req_duration!;
    // The parser read the same values k6 summarised.
    expect(k6Percentile(rawDurations, 90)).toBeCloseTo(k6['p(90)']!, 6);
    expect(k6Percentile(rawDurations, 95)).toBeCloseTo(k6['p(95)']!, 6);
    // HDR (3 significant digits) returns an order statistic rounded up to its bucket; k6 interpolates
    // between two neighbours. So HDR's p90 lies between those neighbours, within 0.1 %.
    const merged = summarizeWindows(windows).latencyMs;
    const bracket = (p: number, hdrMs: number) => {
      const rank = (p / 100) * (rawDurations.length - 1);
      const lo = rawDurations[Math.floor(rank)]!;
      const hi = rawDurations[Math.ceil(rank + 1e-9)] ?? lo;
      expect(hdrMs).toBeGreaterThanOrEqual(lo * 0.999);
      expect(hdrMs).toBeLessThanOrEqual(hi * 1.001);
    };
    bracket(90, merged.p90);
    bracket(90, summary.latencyMs.p90);
    const all = windows.reduce((n, w) => n + decodeHistogram(w.okHistogram).totalCount, 0);
    expect(all).toBe(44);
    bracket(95, mergedPercentile(windows, 95));
    expect(Math.abs(summary.latencyMs.max - k6.max!) / k6.max!).toBeLessThan(0.001);
    expect(merged).toEqual(summary.latencyMs);
  });

  it('reads the metric definitions, thresholds included', async () => {
    const { metrics } = await parseK6Output(NDJSON);
    expect(metrics.http_req_duration).toEqual({
      name: 'http_req_duration',
      type: 'trend',
      contains: 'time',
      thresholds: ['p(99)<500'],
    });
    expect(metrics.http_req_failed?.thresholds).toEqual(['rate<0.01']);
  });

  it('merges several runners exactly: counts add, percentiles stay', async () => {
    const one = await parseK6Output(NDJSON);
    const two = await parseK6Output([NDJSON, NDJSON]);
    expect(two.summary.sent).toBe(2 * one.summary.sent);
    expect(two.windows.map((w) => w.sent)).toEqual(one.windows.map((w) => 2 * w.sent));
    expect(two.summary.latencyMs).toEqual({
      ...one.summary.latencyMs,
      count: 2 * one.summary.latencyMs.count,
    });
  });
});

function mergedPercentile(windows: readonly TrafficWindow[], p: number): number {
  const h = decodeHistogram('');
  for (const w of windows) if (w.okHistogram !== '') h.add(decodeHistogram(w.okHistogram));
  return h.getValueAtPercentile(p) / 1000;
}

describe('parseK6SummaryExport', () => {
  it('reads `false` as NOT failed (the reference run passed both thresholds)', () => {
    expect(parseK6SummaryExport(summaryExport)).toEqual({
      thresholds: [
        { metric: 'http_req_duration', expression: 'p(99)<500', passed: true },
        { metric: 'http_req_failed', expression: 'rate<0.01', passed: true },
      ],
      passed: true,
    });
  });
  it('reads `true` as failed', () => {
    const failed = {
      metrics: { http_req_duration: { thresholds: { 'p(99)<1': true, 'p(50)<500': false } } },
    };
    expect(parseK6SummaryExport(failed)).toEqual({
      thresholds: [
        { metric: 'http_req_duration', expression: 'p(99)<1', passed: false },
        { metric: 'http_req_duration', expression: 'p(50)<500', passed: true },
      ],
      passed: false,
    });
  });
});

describe('classifyK6Request', () => {
  it.each([
    [{ status: '200', expected_response: 'true' }, 'ok'],
    [{ status: '503', expected_response: 'false' }, 'http-error'],
    [{ status: '302', expected_response: 'false' }, 'http-error'],
    [{ status: '204' }, 'ok'],
    [{ status: '404' }, 'http-error'],
    [{ status: '0', expected_response: 'false', error_code: '1050' }, 'timeout'],
    [{ status: '0', expected_response: 'false', error_code: '1211' }, 'network-error'],
    [{}, 'network-error'],
  ] as const)('%j → %s', (tags, outcome) => {
    expect(classifyK6Request(tags)).toBe(outcome);
  });
});

const point = (metric: string, time: string, value: number, tags: Record<string, string> = {}) =>
  JSON.stringify({ metric, type: 'Point', data: { time, value, tags } });

describe('createK6OutputParser', () => {
  it('windows requests by start time, splits ok and errors, counts drops and fills silent seconds', () => {
    const parser = createK6OutputParser({ startAt: Date.parse('2026-01-01T00:00:00Z') });
    // ends at 1.050 s after 100 ms → started in second 0
    parser.push(
      point('http_req_duration', '2026-01-01T00:00:01.050000000Z', 100, {
        status: '200',
        expected_response: 'true',
      }),
    );
    parser.push(
      point('http_req_duration', '2026-01-01T00:00:01.500000000Z', 5000, { status: '0', error_code: '1050' }),
    );
    parser.push(
      point('http_req_duration', '2026-01-01T00:00:03.200000000Z', 2, {
        status: '500',
        expected_response: 'false',
      }),
    );
    parser.push(point('dropped_iterations', '2026-01-01T00:00:03.900000000Z', 3));
    parser.push(point('vus', '2026-01-01T00:00:03.900000000Z', 7));
    parser.push('');
    const { windows, summary } = parser.finish();
    expect(
      windows.map((w) => [w.second, w.sent, w.ok, w.timeouts, w.httpErrors, w.dropped, w.intended]),
    ).toEqual([
      [-4, 1, 0, 1, 0, 0, 1], // the timeout started 3.5 s before startAt
      [-3, 0, 0, 0, 0, 0, 0],
      [-2, 0, 0, 0, 0, 0, 0],
      [-1, 0, 0, 0, 0, 0, 0],
      [0, 1, 1, 0, 0, 0, 1],
      [1, 0, 0, 0, 0, 0, 0],
      [2, 0, 0, 0, 0, 0, 0],
      [3, 1, 0, 0, 1, 3, 4],
    ]);
    expect(windows[4]!.statusCodes).toEqual({ '200': 1 });
    expect(windows[0]!.statusCodes).toEqual({});
    expect(decodeHistogram(windows[0]!.errorHistogram).totalCount).toBe(1);
    expect(summary).toMatchObject({ sent: 3, errors: 2, timeouts: 1, dropped: 3, saturated: true });
    expect(summary.latencyMs.p50).toBeCloseTo(100, 0);
  });

  it('refuses lines that are not k6 JSON, or counts them when lenient', () => {
    const strict = createK6OutputParser();
    let error: unknown;
    try {
      strict.push('time="..." level=info msg="k6 started"');
    } catch (e) {
      error = e;
    }
    expect(isFiredrillError(error) && error.code).toBe('FD_USAGE');
    const lenient = createK6OutputParser({ lenient: true, executor: 'constant-vus' });
    lenient.push('time="..." level=info msg="k6 started"');
    lenient.push(point('http_req_duration', 'yesterday', 1));
    const result = lenient.finish();
    expect(result.skippedLines).toBe(2);
    expect(result.summary.model).toBe('closed');
    expect(result.windows).toEqual([]);
  });
});

describe('parseK6Time', () => {
  it('keeps sub-millisecond fractions and offsets', () => {
    expect(parseK6Time('2026-11-22T12:35:56.901402109Z')).toBeCloseTo(
      Date.parse('2026-11-22T12:35:56.901Z') + 0.402109,
      6,
    );
    expect(parseK6Time('2026-11-22T13:35:56+01:00')).toBe(Date.parse('2026-11-22T12:35:56Z'));
    expect(parseK6Time('not a time')).toBeUndefined();
  });
});
