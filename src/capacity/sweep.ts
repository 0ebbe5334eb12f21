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
  /** Stop when none of the last `window` configurations with an answer raised the best capacity by at least `minGain`. */
  window: number;
  /** Relative gain, e.g. 0.05 for 5 %. */
  minGain: number;
}

/** One configuration's search as the early-exit rule sees it: its SLO capacity and how its search ended. */
export interface SweepPoint {
  /** The highest passing rate, req/s; null when none passed. */
  capacity: number | null;
  status: SearchStatus;
}

/**
 * A search that ended with an answer: `found`, `above-max` (capacity ≥ the max rate) or `below-start` (no
 * rate met the SLO: a real 0). `generator-limited`, `budget` and `interrupted` end without one: their
 * capacity is only a lower bound, or nothing, and says nothing about the configuration.
 */
export function hasAnswer(status: SearchStatus): boolean {
  return status === 'found' || status === 'above-max' || status === 'below-start';
}

/**
 * Model Analyzer's rule: after each configuration, stop the sweep when each of the last `window`
 * configurations with an answer gained less than `minGain` over the best capacity before it (among those
 * with an answer; below-start: no gain). Configurations without an answer (generator-limited, budget,
 * interrupted) are left out entirely: they are neither a gain nor a loss, so they never stop a sweep.
 * Needs more than `window` configurations with an answer. Pure.
 */
export function shouldStopSweep(points: readonly SweepPoint[], rule: EarlyExit): boolean {
  const capacities = points.filter((p) => hasAnswer(p.status)).map((p) => p.capacity ?? 0);
  if (capacities.length <= rule.window) return false;
  for (let i = capacities.length - rule.window; i < capacities.length; i++) {
    const before = capacities.slice(0, i).reduce((best, c) => Math.max(best, c), 0);
    const now = capacities[i]!;
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
 * The exit code of a sweep that ran to its end: 0 a configuration is recommended · 10 no rate met the SLO
 * (every search answered below-start) · 11 inconclusive: nothing recommended and some search ended without
 * an answer (generator-limited, budget), so "no rate met the SLO" would not be true. Pure.
 */
export function sweepExitCode(recommendation: number | null, statuses: readonly SearchStatus[]): 0 | 10 | 11 {
  if (recommendation !== null) return 0;
  return statuses.length > 0 && statuses.every(hasAnswer) ? 10 : 11;
}
