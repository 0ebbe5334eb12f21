import { formatDuration } from '../core/duration.ts';
import { FiredrillError } from '../core/errors.ts';
import { closestNames } from '../core/suggest.ts';
import type { PrometheusClient, PrometheusConfigDoc } from './prometheus-client.ts';
import type { DetectionFloor, RecordingTiming, RuleTiming } from './types.ts';

/** Prometheus' own defaults when the configuration leaves them out. */
export const DEFAULT_SCRAPE_INTERVAL_MS = 60_000;
export const DEFAULT_EVALUATION_INTERVAL_MS = 60_000;

const promUnitMs = {
  y: 365 * 86_400_000,
  w: 7 * 86_400_000,
  d: 86_400_000,
  h: 3_600_000,
  m: 60_000,
  s: 1000,
  ms: 1,
};
const promDurationPattern =
  /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;

/**
 * Milliseconds of a Prometheus duration string ("1s", "15s", "1m", "1h30m", "500ms", "0"), or undefined.
 * Prometheus' grammar: integer parts, units in descending order y w d h m s ms, each at most once.
 */
export function parsePromDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (trimmed === '0') return 0;
  const match = promDurationPattern.exec(trimmed);
  if (!match || trimmed === '') return undefined;
  const units = [
    promUnitMs.y,
    promUnitMs.w,
    promUnitMs.d,
    promUnitMs.h,
    promUnitMs.m,
    promUnitMs.s,
    promUnitMs.ms,
  ];
  let total = 0;
  units.forEach((unit, index) => {
    const part = match[index + 1];
    if (part !== undefined) total += Number(part) * unit;
  });
  return total;
}

/**
 * The scrape interval that feeds rules, from a loaded configuration: the largest `scrape_interval`
 * among scrape jobs (a job without one inherits the global), or the global one when there are no jobs.
 */
export function scrapeIntervalFromConfig(config: PrometheusConfigDoc): number {
  const global = parseOr(config.global?.scrape_interval, DEFAULT_SCRAPE_INTERVAL_MS);
  const jobs = config.scrape_configs ?? [];
  if (jobs.length === 0) return global;
  return Math.max(...jobs.map((job) => parseOr(job.scrape_interval, global)));
}

function parseOr(text: unknown, fallback: number): number {
  if (typeof text !== 'string') return fallback;
  return parsePromDuration(text) ?? fallback;
}

export interface LoadRuleTimingsOptions {
  /** Use this scrape interval instead of reading `/api/v1/status/config` (backends that do not serve it). */
  scrapeIntervalMs?: number;
}

/**
 * Reads the loaded alerting rules and configuration. One timing per alerting rule whose name is asked for,
 * or for every alerting rule with `'all'` (an alert name defined by several rules gives several timings);
 * names asked for with no alerting rule are `missing`. `recordings`: every recording rule, for expressions
 * over recorded series (a burn-rate alert over `…:ratio_rate1m` sees a minute back).
 */
export async function loadRuleTimings(
  client: Pick<PrometheusClient, 'rules' | 'config'>,
  alertNames: readonly string[] | 'all',
  options: LoadRuleTimingsOptions = {},
): Promise<{ timings: RuleTiming[]; missing: string[]; recordings: RecordingTiming[] }> {
  const [groups, scrapeIntervalMs] = await Promise.all([
    client.rules(),
    options.scrapeIntervalMs !== undefined
      ? Promise.resolve(options.scrapeIntervalMs)
      : client.config().then(scrapeIntervalFromConfig),
  ]);
  const wanted = alertNames === 'all' ? null : new Set(alertNames);
  const timings: RuleTiming[] = [];
  const recordings: RecordingTiming[] = [];
  for (const group of groups) {
    for (const rule of group.rules) {
      if (rule.type === 'recording') {
        recordings.push({
          name: rule.name,
          query: rule.query,
          evaluationIntervalMs: Math.round(group.interval * 1000),
        });
      }
      if (rule.type !== 'alerting' || (wanted !== null && !wanted.has(rule.name))) continue;
      timings.push({
        alert: rule.name,
        group: group.name,
        evaluationIntervalMs: Math.round(group.interval * 1000),
        forMs: Math.round((rule.duration ?? 0) * 1000),
        keepFiringForMs: Math.round((rule.keepFiringFor ?? 0) * 1000),
        scrapeIntervalMs,
        query: rule.query,
      });
    }
  }
  const found = new Set(timings.map((t) => t.alert));
  const asked = alertNames === 'all' ? [] : [...new Set(alertNames)];
  return { timings, missing: asked.filter((name) => !found.has(name)), recordings };
}

/**
 * Earliest possible detection after a fault (see reference/prometheus-alerting.md):
 *   firing floor = ceil(for / E)·E, notified floor = firing floor + group_wait, jitter = S + E.
 * It assumes the expression crosses its threshold at once (D = 0) and the exporter has no delay (L = 0),
 * so it is a true lower bound: a budget below it cannot pass.
 */
export function computeFloor(
  timing: RuleTiming,
  groupWaitMs: number,
  measure: 'firing' | 'notified',
): DetectionFloor {
  const e = timing.evaluationIntervalMs;
  const firingMs = e > 0 ? Math.ceil(timing.forMs / e) * e : timing.forMs;
  const parts = [
    `scrape ${formatDuration(timing.scrapeIntervalMs)}`,
    `eval ${formatDuration(e)}`,
    `for ${formatDuration(timing.forMs)}`,
  ];
  if (measure === 'notified') parts.push(`group_wait ${formatDuration(groupWaitMs)}`);
  return {
    alert: timing.alert,
    floorMs: measure === 'notified' ? firingMs + groupWaitMs : firingMs,
    jitterMs: timing.scrapeIntervalMs + e,
    explanation: parts.join(', '),
    measure,
  };
}

/**
 * One floor per (alert, measure) asked for: where an alert name has several rules, the lowest floor
 * (whichever rule can fire first). Alerts without a timing are left out.
 */
export function computeFloors(
  timings: readonly RuleTiming[],
  groupWaitMs: number,
  wanted: ReadonlyArray<{ alert: string; measure: 'firing' | 'notified' }>,
): DetectionFloor[] {
  const floors: DetectionFloor[] = [];
  const seen = new Set<string>();
  for (const { alert, measure } of wanted) {
    const key = `${alert}\u0000${measure}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const candidates = timings
      .filter((t) => t.alert === alert)
      .map((t) => computeFloor(t, groupWaitMs, measure));
    const lowest = candidates.sort((a, b) => a.floorMs - b.floorMs)[0];
    if (lowest) floors.push(lowest);
  }
  return floors;
}

/**
 * FD_UNKNOWN_ALERT for expected alerts that no loaded rule defines: each missing name with the closest
 * loaded names (a likely typo), and every loaded rule in the hint.
 */
export function unknownAlertError(
  missing: readonly string[],
  loaded: readonly string[],
  prometheusUrl: string,
): FiredrillError {
  const described = missing.map((name) => {
    const close = closestNames(name, loaded);
    return close.length === 0
      ? `"${name}"`
      : `"${name}" (did you mean ${close.map((c) => `"${c}"`).join(' or ')}?)`;
  });
  return new FiredrillError(
    'FD_UNKNOWN_ALERT',
    `the scenario expects alert${missing.length > 1 ? 's' : ''} ${described.join(', ')} that Prometheus at ${prometheusUrl} has no rule for`,
    { hint: `loaded alerting rules: ${loaded.join(', ') || 'none'}` },
  );
}

/**
 * Where a detection budget stands against its floor — the one rule for "can this expectation pass":
 * `below-floor` (budget < floor) cannot pass; `inside-jitter` (floor ≤ budget < floor + jitter) may fail by
 * the phase of scrape and evaluation alone; `clear` otherwise, and when the floor is unknown (no rule timing).
 */
export type BudgetStanding = 'below-floor' | 'inside-jitter' | 'clear';

export function budgetStanding(budgetMs: number, floor: DetectionFloor | undefined): BudgetStanding {
  if (floor === undefined) return 'clear';
  if (budgetMs < floor.floorMs) return 'below-floor';
  if (budgetMs < floor.floorMs + floor.jitterMs) return 'inside-jitter';
  return 'clear';
}
