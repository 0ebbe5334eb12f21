import {
  decodeHistogram,
  type Histogram,
  mergeHistograms,
  summarizeWindows,
  type TrafficWindow,
} from '../traffic/index.ts';
import type { Slo, StepMeasure, WindowMeasure } from './types.ts';

/**
 * One measurement window from the engine's one-second windows (counts summed, histograms merged). `offered`:
 * the schedule's rate (open model), or null for the closed model, which offers no rate of its own: its
 * offered rate is then the rate at which its users sent. Pure.
 */
export function windowMeasure(windows: readonly TrafficWindow[], offered: number | null): WindowMeasure {
  const stats = summarizeWindows(windows);
  return {
    offered: offered ?? (stats.seconds === 0 ? 0 : stats.sent / stats.seconds),
    achieved: stats.throughput,
    sent: stats.sent,
    completed: stats.completed,
    late: stats.late,
    maxLateMs: windows.reduce((max, w) => Math.max(max, w.maxLateMs ?? 0), 0),
    errors: stats.errors,
    timeouts: windows.reduce((a, w) => a + w.timeouts, 0),
    wrongAnswers: stats.wrongAnswers ?? 0,
    latencyMs: { p50: stats.latencyMs.p50, p90: stats.latencyMs.p90, p99: stats.latencyMs.p99 },
  };
}

/**
 * Share of a histogram's values at or below `limitUs`: the percentile rank of the limit, found by bisecting
 * the percentile (20 halvings: to 0.0001 %). Pure.
 */
export function shareAtOrBelow(histogram: Histogram, limitUs: number): number {
  if (histogram.totalCount === 0) return 0;
  let lo = 0;
  let hi = 100;
  if (histogram.getValueAtPercentile(100) <= limitUs) return 1;
  for (let i = 0; i < 20; i++) {
    const mid = (lo + hi) / 2;
    if (histogram.getValueAtPercentile(mid) <= limitUs) lo = mid;
    else hi = mid;
  }
  return lo / 100;
}

/** The measure of a step's judged seconds: exact merged percentiles, ratios, goodput under the SLO. Pure. */
export function stepMeasure(
  windows: readonly TrafficWindow[],
  offered: number | null,
  slo: Slo,
): StepMeasure {
  const base = windowMeasure(windows, offered);
  const stats = summarizeWindows(windows);
  const ratio = (n: number) => (base.completed === 0 ? 0 : n / base.completed);
  let goodput: number | null = null;
  if (slo.goodput !== undefined) {
    const decoded = windows.map((w) => decodeHistogram(w.okHistogram));
    const merged = mergeHistograms(decoded);
    goodput = ratio(stats.ok * shareAtOrBelow(merged, slo.goodput.latencyMs * 1000));
    merged.destroy();
    for (const h of decoded) h.destroy();
  }
  return {
    ...base,
    errorRatio: stats.errorRatio,
    wrongAnswerRatio: stats.wrongAnswerRatio ?? 0,
    lateRatio: base.sent === 0 ? 0 : base.late / base.sent,
    goodput,
    maxLatencyMs: stats.latencyMs.max,
    ...(stats.streaming
      ? {
          ttftP99Ms: stats.streaming.ttftMs.p99,
          tpotP99Ms: stats.streaming.tpotMs.p99,
          outputTokensPerSecond: stats.streaming.outputTokens / Math.max(1, stats.seconds),
        }
      : {}),
  };
}
