import type { PlannedPhase } from '../scenario/plan.ts';
import type { TrafficWindow } from '../traffic/types.ts';

/** Length of a traffic window, ms (engines emit one per second of intended start). */
const WINDOW_MS = 1000;

/**
 * The traffic windows that fall in a phase. Planned spans are relative to traffic start; the "fault"
 * and "recovery" phases follow the faults' actual injection and revert times when known, so a slow
 * injection does not blur the baseline. A one-second window belongs to a phase when its middle lies in a span
 * (the phase holds most of it), so a window that straddles a revert goes where most of its requests were sent.
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
  return windows.filter((w) => {
    const middle = w.startAt + WINDOW_MS / 2;
    return spans.some((s) => middle >= s.from && middle < s.to);
  });
}
