import { parsePromDuration, type RuleTiming } from '../evaluate/index.ts';

/** An alert episode seen firing during a capacity search: the moment its rule began to fire (epoch ms). */
export interface AlertFiring {
  alert: string;
  since: number;
}

/** When a search step offered its load: epoch ms; req/s, or users. */
export interface StepSpan {
  load: number;
  startedAt: number;
  endedAt: number;
}

export interface AlertLoad {
  alert: string;
  /**
   * Lowest load at which it fired, in the search's unit (req/s, or users; the name is capacity.json's): for
   * each episode, the highest load offered within the rule's lookback before it began to fire (any of those
   * steps may have caused it), and the lowest over episodes.
   */
  lowestRate: number;
  /** lowestRate / SLO capacity; null without a capacity. */
  shareOfCapacity: number | null;
  /** `early`: fired below the SLO capacity (a warning before the breach); `late`: only at or past it. */
  timing: 'early' | 'late' | 'unknown';
  /**
   * How far back before each firing the load was looked for, ms: the rule's longest range selector + its
   * `for` + one evaluation and one scrape interval. Null when the rule could not be read: then only the step
   * during which it began to fire counts, and an earlier step may have caused it.
   */
  lookbackMs: number | null;
}

/** Every `[5m]` or subquery `[1h:30s]` range in a PromQL expression, ms. Pure. */
function rangesMs(query: string): number[] {
  const out: number[] = [];
  for (const m of query.matchAll(/\[\s*([0-9][0-9a-z]*)\s*(?::[^\]]*)?\]/g)) {
    const ms = parsePromDuration(m[1]!);
    if (ms !== undefined) out.push(ms);
  }
  return out;
}

/**
 * How far back an alerting rule's firing can be caused, ms: its longest range selector (a rate over 5m still
 * sees what happened 5m ago) + `for` + one evaluation interval + one scrape interval. Pure.
 */
export function ruleLookbackMs(rule: {
  query: string;
  forMs: number;
  evaluationIntervalMs: number;
  scrapeIntervalMs: number;
}): number {
  return (
    Math.max(0, ...rangesMs(rule.query)) + rule.forMs + rule.evaluationIntervalMs + rule.scrapeIntervalMs
  );
}

/**
 * The highest load offered by any step that overlaps [since − lookbackMs, since]; without a lookback, the
 * step running at `since`; null when no step overlaps (it began to fire before the search). Pure.
 */
export function loadBehind(
  since: number,
  spans: readonly StepSpan[],
  lookbackMs: number | null,
): number | null {
  const from = since - (lookbackMs ?? 0);
  let highest: number | null = null;
  for (const s of spans) {
    if (s.startedAt <= since && s.endedAt >= from && (highest === null || s.load > highest)) highest = s.load;
  }
  return highest;
}

/**
 * For each alert that fired during the climb, the lowest load at which it fired (see `AlertLoad`), as a
 * share of the SLO capacity. A search is not monotone (it bisects down after a failure), so an alert that
 * begins to fire during a low step may have been caused by the high one before it: the rule's lookback
 * (`lookbacks`, ms by alert name) attributes it to the highest load that can have caused it. Sorted by
 * that load. Pure.
 */
export function alertLoads(
  firings: readonly AlertFiring[],
  spans: readonly StepSpan[],
  lookbacks: ReadonlyMap<string, number>,
  capacity: number | null,
): AlertLoad[] {
  const lowest = new Map<string, number>();
  for (const f of firings) {
    const load = loadBehind(f.since, spans, lookbacks.get(f.alert) ?? null);
    if (load === null) continue;
    lowest.set(f.alert, Math.min(lowest.get(f.alert) ?? Number.POSITIVE_INFINITY, load));
  }
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
      lookbackMs: lookbacks.get(alert) ?? null,
    }))
    .sort((a, b) => a.lowestRate - b.lowestRate);
}

/**
 * Each alert's lookback (`ruleLookbackMs`) from its rules' timings (`loadRuleTimings`): the longest where an
 * alert name has several rules. Pure.
 */
export function lookbacksOf(timings: readonly RuleTiming[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const timing of timings)
    out.set(timing.alert, Math.max(out.get(timing.alert) ?? 0, ruleLookbackMs(timing)));
  return out;
}
