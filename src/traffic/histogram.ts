import {
  build,
  decodeFromCompressedBase64,
  encodeIntoCompressedBase64,
  type Histogram,
} from 'hdr-histogram-js';
import type { LatencySummaryMs } from './types.ts';

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

/** Adds the counts of an encoded histogram ('' = empty) into `into`. */
export function addEncoded(into: Histogram, encoded: string): void {
  if (encoded === '') return;
  const decoded = decodeHistogram(encoded);
  into.add(decoded);
  decoded.destroy();
}
