import { generatorDelayBound, generatorFellBehind, MAX_LATE_RATIO } from '../traffic/index.ts';
import type { Slo, Stability, StabilityCriteria, WindowMeasure } from './types.ts';

export const DEFAULT_STABILITY: StabilityCriteria = {
  windows: 3,
  maxWindows: 8,
  tolerance: 0.1,
  latencyFloorMs: 1,
  percentile: 'p99',
  maxLateRatio: MAX_LATE_RATIO,
  maxLoopLagMs: 20,
  overloadErrorRatio: 0.5,
};

/** Either keep measuring, or the step is decided: how, and how many of the last windows to judge. */
export type WindowDecision = { kind: 'continue' } | { kind: 'done'; stability: Stability; judged: number };

function agree(values: readonly number[], tolerance: number, floor: number): boolean {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return values.every((v) => Math.abs(v - mean) <= Math.max(tolerance * mean, floor));
}

/** True when the window (or a step's merged measure) breaks one of the SLO's latency limits. */
export function breaksLatency(slo: Slo, window: WindowMeasure): boolean {
  return breaksLatencyBeyond(slo, window, 0);
}

/**
 * True when the window breaks one of the SLO's latency limits by more than `generatorDelayMs`, the most the
 * generator's own delay can have added to any request's latency: a breach the server made, whatever the
 * generator did (a percentile of latencies each inflated by at most D is at most D above the server's).
 */
export function breaksLatencyBeyond(slo: Slo, window: WindowMeasure, generatorDelayMs: number): boolean {
  return Object.entries(slo.latencyMs).some(
    ([p, limit]) =>
      limit !== undefined &&
      window.latencyMs[p as keyof WindowMeasure['latencyMs']] > limit + generatorDelayMs,
  );
}

/**
 * Decides a step from its measurement windows so far (warm-up excluded), checked in this order:
 * 1. `overload`: the latest window has timeouts or an error ratio over `overloadErrorRatio` (stop hammering;
 *    first, because sends queued behind a full in-flight cap are late through the server's fault);
 * 2. `generator-limited`: over the last `windows` windows, late sends over `maxLateRatio` of sent (and at
 *    least MIN_LATE_SENDS of them) while a latency limit is broken, and no window breaks it by more than the
 *    generator's delay can explain (`generatorDelayBound`): that latency may be the generator's own. Late
 *    sends in a step that keeps its latency limits do not make it generator-limited: latency counts from
 *    each request's intended start, so a late send only adds to it, and the pass holds for the server. Nor do
 *    they in a step whose server broke a limit by far more than any send was late (a queue of 500 ms behind
 *    sends a few ms late is the server's). A closed-model step has no late sends (a user sends when its
 *    previous answer came), so only the generator's loop lag, judged by the runner, makes it
 *    generator-limited;
 * 3. `stable`: the last `windows` windows' throughput agrees within ±tolerance of its mean, and so does their
 *    percentile, or every one of those percentiles is clear of the SLO's limit for it by more than
 *    ±tolerance (all under (1 − tolerance) × limit, or all over (1 + tolerance) × limit): then its window-to-
 *    window noise cannot change the verdict (a p99 of 100 requests, 12–27 ms against a 50 ms limit, is a
 *    pass in every window, and waiting for it to settle only marked such steps unstable);
 * 4. `diverging`: the last `windows` windows all break a latency limit, the percentile rising in each (checked
 *    before a percentile clear above its limit counts as stable);
 * 5. `unstable`: `maxWindows` windows without agreement.
 * Pure.
 */
export function assessWindows(
  windows: readonly WindowMeasure[],
  slo: Slo,
  criteria: StabilityCriteria,
): WindowDecision {
  const all = windows.length;
  if (all === 0) return { kind: 'continue' };
  const lastWindow = windows[all - 1]!;
  const overloaded =
    lastWindow.timeouts > 0 ||
    (lastWindow.completed > 0 && lastWindow.errors / lastWindow.completed > criteria.overloadErrorRatio);
  if (overloaded) return { kind: 'done', stability: 'overload', judged: 1 };
  const k = criteria.windows;
  // Lateness is judged over the windows that decide the step (a hiccup in an early window is outlived).
  const judgeLate = (n: number): boolean => {
    const judged = windows.slice(all - n);
    const s = judged.reduce((a, w) => a + w.sent, 0);
    const l = judged.reduce((a, w) => a + w.late, 0);
    return (
      generatorFellBehind(s, l, criteria.maxLateRatio) &&
      judged.some((w) => breaksLatency(slo, w)) &&
      !judged.some((w) => breaksLatencyBeyond(slo, w, generatorDelayBound(w.maxLateMs)))
    );
  };
  if (all >= k && judgeLate(k)) return { kind: 'done', stability: 'generator-limited', judged: k };
  if (all >= k) {
    const last = windows.slice(all - k);
    const throughputs = last.map((w) => w.achieved);
    const latencies = last.map((w) => w.latencyMs[criteria.percentile]);
    const limit = slo.latencyMs[criteria.percentile];
    const steadyThroughput = agree(throughputs, criteria.tolerance, 0);
    const clearBelow = limit !== undefined && latencies.every((v) => v <= (1 - criteria.tolerance) * limit);
    const clearAbove = limit !== undefined && latencies.every((v) => v >= (1 + criteria.tolerance) * limit);
    if (steadyThroughput && (clearBelow || agree(latencies, criteria.tolerance, criteria.latencyFloorMs))) {
      return { kind: 'done', stability: 'stable', judged: k };
    }
    const rising = latencies.every((v, i) => i === 0 || v > latencies[i - 1]!);
    if (rising && last.every((w) => breaksLatency(slo, w)))
      return { kind: 'done', stability: 'diverging', judged: k };
    if (steadyThroughput && clearAbove) return { kind: 'done', stability: 'stable', judged: k };
  }
  if (all >= criteria.maxWindows) return { kind: 'done', stability: 'unstable', judged: Math.min(k, all) };
  return { kind: 'continue' };
}
