/** An alert seen firing during a step of a capacity search. */
export interface AlertFiring {
  alert: string;
  /** Load of the step during which it was first seen firing (req/s, or users). */
  load: number;
  at: number;
}

export interface AlertLoad {
  alert: string;
  /** Lowest load at which it fired, in the search's unit (req/s, or users; the name is capacity.json's). */
  lowestRate: number;
  /** lowestRate / SLO capacity; null without a capacity. */
  shareOfCapacity: number | null;
  /** `early`: fired below the SLO capacity (a warning before the breach); `late`: only at or past it. */
  timing: 'early' | 'late' | 'unknown';
}

/**
 * For each alert that fired during the climb, the lowest load at which it fired, as a share of the SLO
 * capacity. Sorted by that load. Pure.
 */
export function alertLoads(firings: readonly AlertFiring[], capacity: number | null): AlertLoad[] {
  const lowest = new Map<string, number>();
  for (const f of firings)
    lowest.set(f.alert, Math.min(lowest.get(f.alert) ?? Number.POSITIVE_INFINITY, f.load));
  return [...lowest.entries()]
    .map(([alert, lowestRate]) => ({
      alert,
      lowestRate,
      shareOfCapacity: capacity !== null && capacity > 0 ? lowestRate / capacity : null,
      timing: (capacity === null
        ? 'unknown'
        : lowestRate <= capacity
          ? 'early'
          : 'late') as AlertLoad['timing'],
    }))
    .sort((a, b) => a.lowestRate - b.lowestRate);
}
