import type { PlannedPhase } from '../scenario/plan.ts';
import type { TrafficWindow } from '../traffic/types.ts';

/** Length of a traffic window, ms (engines emit one per second of intended start). */
const WINDOW_MS = 1000;

/**
 * The traffic windows that fall in a phase. Planned spans are relative to traffic start; the "fault"
 * and "recovery" phases follow the faults' actual injection and revert times when known, so a slow
 * injection does not blur the baseline.
 * - "baseline" and "recovery" are the clean phases: a window belongs to them only when it lies wholly inside
 *   their span, so no request sent while a fault was active counts as clean. (The run's clock is the
 *   engine's, but an injection takes its own time and a window that straddles it must not carry the fault's
 *   slow requests into the baseline.)
 * - "fault" takes every window that overlaps a fault span at all, so baseline, fault and recovery still
 *   partition the run.
 * - Any other phase (stages, "run") takes a window when its middle lies in a span (the phase holds most of it).
 */
export function phaseWindows(
  windows: readonly TrafficWindow[],
  phase: PlannedPhase,
  startedAt: number,
  faults: ReadonlyArray<{ injectedAt: number | null; revertedAt: number | null }>,
): TrafficWindow[] {
  let spans = phase.spans.map((s) => ({ from: startedAt + s.startMs, to: startedAt + s.endMs }));
  const injected = faults.filter((f) => f.injectedAt !== null);
  if (phase.name === 'fault' && injected.length > 0) {
    spans = injected.map((f) => ({ from: f.injectedAt!, to: f.revertedAt ?? Number.POSITIVE_INFINITY }));
  }
  if (phase.name === 'recovery' && injected.length > 0 && phase.spans[0]) {
    const lastRevert = Math.max(...injected.map((f) => f.revertedAt ?? Number.POSITIVE_INFINITY));
    spans = [{ from: lastRevert, to: startedAt + phase.spans[0].endMs }];
  }
  const inPhase = (w: TrafficWindow, s: { from: number; to: number }): boolean => {
    const end = w.startAt + WINDOW_MS;
    if (phase.name === 'baseline' || phase.name === 'recovery') return w.startAt >= s.from && end <= s.to;
    if (phase.name === 'fault') return w.startAt < s.to && end > s.from;
    const middle = w.startAt + WINDOW_MS / 2;
    return middle >= s.from && middle < s.to;
  };
  return windows.filter((w) => spans.some((s) => inPhase(w, s)));
}
