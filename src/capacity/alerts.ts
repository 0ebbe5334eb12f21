import { parsePromDuration, type RecordingTiming, type RuleTiming } from '../evaluate/index.ts';

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

/** Series names in a PromQL expression (recorded series have colons: `model:errors:ratio_rate1m`). */
function seriesNames(query: string): Set<string> {
  return new Set(query.match(/[a-zA-Z_:][a-zA-Z0-9_:]*/g) ?? []);
}

/**
 * How far back an expression sees, ms (an upper bound): its longest range selector (a rate over 5m still
 * sees what happened 5m ago) + the farthest reach of the recorded series it reads, each that recording's own
 * reach + its evaluation interval (the series is that stale): a range over a recorded series sees both. A
 * recording that reads itself (a cycle) adds nothing more.
 */
function reachMs(
  query: string,
  recordings: ReadonlyMap<string, RecordingTiming>,
  visiting: ReadonlySet<string>,
): number {
  let recorded = 0;
  for (const name of seriesNames(query)) {
    const recording = recordings.get(name);
    if (recording === undefined || visiting.has(name)) continue;
    const inner = reachMs(recording.query, recordings, new Set([...visiting, name]));
    recorded = Math.max(recorded, inner + recording.evaluationIntervalMs);
  }
  return Math.max(0, ...rangesMs(query)) + recorded;
}

/**
 * How far back an alerting rule's firing can be caused, ms: how far its expression sees (`reachMs`: range
 * selectors, through the recording rules it reads) + `for` + one evaluation interval + one scrape interval.
 * Pure.
 */
export function ruleLookbackMs(
  rule: { query: string; forMs: number; evaluationIntervalMs: number; scrapeIntervalMs: number },
  recordings: readonly RecordingTiming[] = [],
): number {
  const byName = new Map(recordings.map((r) => [r.name, r]));
  return (
    reachMs(rule.query, byName, new Set()) + rule.forMs + rule.evaluationIntervalMs + rule.scrapeIntervalMs
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
 * Each alert's lookback (`ruleLookbackMs`) from its rules' timings and the recording rules they may read
 * (`loadRuleTimings`): the longest where an alert name has several rules. Pure.
 */
export function lookbacksOf(
  timings: readonly RuleTiming[],
  recordings: readonly RecordingTiming[] = [],
): Map<string, number> {
  const out = new Map<string, number>();
  for (const timing of timings)
    out.set(timing.alert, Math.max(out.get(timing.alert) ?? 0, ruleLookbackMs(timing, recordings)));
  return out;
}
