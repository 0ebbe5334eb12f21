import {
  build,
  decodeFromCompressedBase64,
  encodeIntoCompressedBase64,
  type Histogram,
} from 'hdr-histogram-js';
import type { LatencySummaryMs, PhaseStats, StreamingSummary, TrafficWindow } from './types.ts';

export type { Histogram };

/** Largest latency a histogram tracks, µs (one hour). Larger values are clamped to it. */
export const HIGHEST_TRACKABLE_US = 3_600_000_000;

/** An empty latency histogram: microseconds, 1 µs to 1 h, 3 significant digits, plain JS (no WebAssembly). */
export function createHistogram(): Histogram {
  return build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_TRACKABLE_US,
    numberOfSignificantValueDigits: 3,
    useWebAssembly: false,
  });
}

/** Records one latency in µs, rounded and clamped to [0, HIGHEST_TRACKABLE_US]. */
export function recordMicros(histogram: Histogram, micros: number): void {
  const value = Math.round(micros);
  histogram.recordValue(Math.min(Math.max(value, 0), HIGHEST_TRACKABLE_US));
}

/** Base64 of the compressed HdrHistogram encoding (interoperable with the Java/Go/Rust HdrHistogram libraries). */
export function encodeHistogram(histogram: Histogram): string {
  return encodeIntoCompressedBase64(histogram);
}

/** Inverse of encodeHistogram; an empty string decodes to an empty histogram. */
export function decodeHistogram(base64: string): Histogram {
  if (base64 === '') return createHistogram();
  return decodeFromCompressedBase64(base64, 32, false);
}

/** Exact merge: a fresh histogram holding every count of the inputs. */
export function mergeHistograms(histograms: Iterable<Histogram>): Histogram {
  const merged = createHistogram();
  for (const histogram of histograms) merged.add(histogram);
  return merged;
}

/**
 * p50/p90/p99/max in ms of a µs histogram; all zero with count 0 when it is empty. `max` is the
 * 100th percentile (the top bucket's highest equivalent value), not `maxValue`: a freshly recorded
 * histogram tracks a raw max that a decoded or merged one cannot, and a summary must not depend on
 * whether its histogram went through an encoding.
 */
export function summarizeHistogram(histogram: Histogram): LatencySummaryMs {
  const count = histogram.totalCount;
  if (count === 0) return { p50: 0, p90: 0, p99: 0, max: 0, count: 0 };
  return {
    p50: histogram.getValueAtPercentile(50) / 1000,
    p90: histogram.getValueAtPercentile(90) / 1000,
    p99: histogram.getValueAtPercentile(99) / 1000,
    max: histogram.getValueAtPercentile(100) / 1000,
    count,
  };
}

/**
 * Aggregate a phase: counts summed, ok histograms decoded and merged exactly (never percentiles
 * averaged). Each window is one second, so throughput = completed / windows.length. Wrong answers are
 * completed requests (neither ok nor errors); they are counted when some window checked responses, that is
 * carries `wrongAnswers` (validation on) or `streaming` (streamed answers are parsed), else null.
 */
export function summarizeWindows(windows: readonly TrafficWindow[]): PhaseStats {
  let sent = 0;
  let ok = 0;
  let errors = 0;
  let wrongAnswers = 0;
  let checked = false;
  let late = 0;
  let dropped = 0;
  const merged = createHistogram();
  let streamed: {
    ttft: Histogram;
    itl: Histogram;
    tpot: Histogram;
    outputTokens: number;
    streams: number;
  } | null = null;
  for (const window of windows) {
    if (window.streaming !== undefined) {
      streamed ??= {
        ttft: createHistogram(),
        itl: createHistogram(),
        tpot: createHistogram(),
        outputTokens: 0,
        streams: 0,
      };
      for (const [into, encoded] of [
        [streamed.ttft, window.streaming.ttftHistogram],
        [streamed.itl, window.streaming.itlHistogram],
        [streamed.tpot, window.streaming.tpotHistogram],
      ] as const) {
        if (encoded === '') continue;
        const decoded = decodeHistogram(encoded);
        into.add(decoded);
        decoded.destroy();
      }
      streamed.outputTokens += window.streaming.outputTokens;
      streamed.streams += window.streaming.streams;
    }
    sent += window.sent;
    ok += window.ok;
    errors += window.httpErrors + window.networkErrors + window.timeouts;
    wrongAnswers += window.wrongAnswers ?? 0;
    checked ||= window.wrongAnswers !== undefined || window.streaming !== undefined;
    late += window.late;
    dropped += window.dropped;
    if (window.okHistogram !== '') {
      const decoded = decodeHistogram(window.okHistogram);
      merged.add(decoded);
      decoded.destroy();
    }
  }
  const completed = ok + errors + wrongAnswers;
  const seconds = windows.length;
  const latencyMs = summarizeHistogram(merged);
  merged.destroy();
  const ratio = (count: number) => (completed === 0 ? 0 : count / completed);
  let streaming: StreamingSummary | undefined;
  if (streamed !== null) {
    streaming = {
      ttftMs: summarizeHistogram(streamed.ttft),
      itlMs: summarizeHistogram(streamed.itl),
      tpotMs: summarizeHistogram(streamed.tpot),
      outputTokens: streamed.outputTokens,
      outputTokensPerSecond: seconds === 0 ? 0 : streamed.outputTokens / seconds,
      streams: streamed.streams,
    };
    streamed.ttft.destroy();
    streamed.itl.destroy();
    streamed.tpot.destroy();
  }
  return {
    windows: windows.length,
    seconds,
    sent,
    ok,
    errors,
    completed,
    errorRatio: ratio(errors),
    wrongAnswers: checked ? wrongAnswers : null,
    wrongAnswerRatio: checked ? ratio(wrongAnswers) : null,
    throughput: seconds === 0 ? 0 : completed / seconds,
    late,
    dropped,
    latencyMs,
    ...(streaming ? { streaming } : {}),
  };
}
