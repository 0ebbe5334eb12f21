import type { Settings } from '../configure/index.ts';
import type { SearchStatus } from './types.ts';

/** Every combination of a grid, the first name varying slowest: {a:[1,2], b:[0,5]} → a1b0, a1b5, a2b0, a2b5. Pure. */
export function expandGrid(
  grid: Readonly<Record<string, readonly (number | string | boolean)[]>>,
): Settings[] {
  let out: Record<string, number | string | boolean>[] = [{}];
  for (const [name, values] of Object.entries(grid)) {
    out = out.flatMap((partial) => values.map((value) => ({ ...partial, [name]: value })));
  }
  return out;
}

/** A label for one configuration: `maxBatchSize=8 maxQueueDelayMs=2`, or `as deployed` for none. */
export function settingsLabel(settings: Settings): string {
  const parts = Object.entries(settings).map(([k, v]) => `${k}=${String(v)}`);
  return parts.length > 0 ? parts.join(' ') : 'as deployed';
}

export interface EarlyExit {
  /** Stop when none of the last `window` configurations raised the best capacity by at least `minGain`. */
  window: number;
  /** Relative gain, e.g. 0.05 for 5 %. */
  minGain: number;
}

/**
 * Model Analyzer's rule: after each configuration, stop the sweep when each of the last `window`
 * configurations gained less than `minGain` over the best capacity before it (null capacity: no gain).
 * Needs more than `window` configurations measured. Pure.
 */
export function shouldStopSweep(capacities: readonly (number | null)[], rule: EarlyExit): boolean {
  if (capacities.length <= rule.window) return false;
  for (let i = capacities.length - rule.window; i < capacities.length; i++) {
    const before = capacities.slice(0, i).reduce<number>((best, c) => Math.max(best, c ?? 0), 0);
    const now = capacities[i] ?? 0;
    if (before === 0 ? now > 0 : now >= before * (1 + rule.minGain)) return false;
  }
  return true;
}

/**
 * The recommended configuration: among those whose search found an SLO capacity, the cheapest per
 * inference (with one price for all, the highest capacity); ties go to the earlier one. -1 when none. Pure.
 */
export function recommend(results: readonly { capacity: number | null; costPer1k: number | null }[]): number {
  let best = -1;
  results.forEach((r, i) => {
    if (r.capacity === null) return;
    if (best < 0) {
      best = i;
      return;
    }
    const b = results[best]!;
    const cheaper =
      r.costPer1k !== null && b.costPer1k !== null
        ? r.costPer1k < b.costPer1k
        : r.capacity > (b.capacity ?? 0);
    if (cheaper) best = i;
  });
  return best;
}

/**
 * The exit code of a finished (not interrupted, not errored) capacity run: 0 when a configuration is
 * recommended (its capacity exact or a proven lower bound), 10 when every search's start rate failed (no
 * rate met the SLO), 11 when nothing was decided (the generator's ceiling or the budget stopped a search
 * before any pass). Pure.
 */
export function capacityExitCode(
  statuses: readonly SearchStatus[],
  recommendation: number | null,
): 0 | 10 | 11 {
  if (recommendation !== null) return 0;
  return statuses.length > 0 && statuses.every((s) => s === 'below-start') ? 10 : 11;
}
