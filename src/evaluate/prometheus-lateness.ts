import { formatDuration, median } from '../core/index.ts';
import type { PrometheusClient, QueryResult } from './prometheus-client.ts';
import type { LateScrapes, PrometheusLateness } from './types.ts';

/**
 * Whether Prometheus itself kept its schedule during a run. Detection times, floors and predictions assume it
 * scrapes every target every scrape interval and evaluates every rule group every evaluation interval; a
 * Prometheus short of CPU (or paused) skips both, and every alert then fires that much later than its rule
 * says. The run cannot tell that from the alerts alone, so it reads Prometheus's own record.
 */

/** Samples' times of one series, epoch ms, in order. */
export interface SeriesTimes {
  labels: Record<string, string>;
  times: number[];
}

/**
 * Pure: the targets (one `up` series each) whose largest gap between scrapes is at least twice their usual
 * gap. Less is jitter that cannot move a detection by a whole interval. Series with under 3 samples say
 * nothing about a usual gap and are left out.
 */
export function lateScrapes(series: readonly SeriesTimes[]): LateScrapes[] {
  const late: LateScrapes[] = [];
  for (const { labels, times } of series) {
    if (times.length < 3) continue;
    const gaps = times.slice(1).map((t, i) => t - (times[i] as number));
    const intervalMs = median(gaps);
    const maxGapMs = Math.max(...gaps);
    if (intervalMs > 0 && maxGapMs >= 2 * intervalMs) {
      late.push({ job: labels.job ?? '', instance: labels.instance ?? '', intervalMs, maxGapMs });
    }
  }
  return late.sort((a, b) => b.maxGapMs - a.maxGapMs);
}

/** Pure: the run's warning when Prometheus did not keep its schedule; undefined when it did (or is unknown). */
export function latenessWarning(lateness: PrometheusLateness): string | undefined {
  const parts: string[] = [];
  const shown = lateness.lateScrapes.slice(0, 3);
  for (const target of shown) {
    parts.push(
      `scrapes of ${target.instance} (job ${target.job}) came up to ${formatDuration(target.maxGapMs)} apart, every ${formatDuration(target.intervalMs)} as a rule`,
    );
  }
  const more = lateness.lateScrapes.length - shown.length;
  if (more > 0) parts.push(`and of ${more} more target${more === 1 ? '' : 's'}`);
  const missed = lateness.missedEvaluations;
  if (missed !== null && missed >= 1) {
    parts.push(`it skipped ${missed} rule group evaluation${missed === 1 ? '' : 's'}`);
  }
  if (parts.length === 0) return undefined;
  return `Prometheus itself was late during the run: ${parts.join('; ')}. Alerts fire that much later than their rules say, so the detection times (and their comparison with the predictions) include Prometheus's own delay, not only the rules'; give Prometheus more CPU, or rerun`;
}

function seriesTimes(result: QueryResult): SeriesTimes[] {
  if (result.resultType !== 'matrix') return [];
  return result.result.map((series) => ({
    labels: series.metric,
    times: series.values.map(([seconds]) => Math.round(seconds * 1000)),
  }));
}

/**
 * Reads, from Prometheus, how well it kept its schedule between `fromAt` and `toAt` (epoch ms): the raw `up`
 * samples of every target (one per scrape attempt, failed ones included) and the increase of its own missed
 * evaluations counter.
 */
export async function readPrometheusLateness(
  client: Pick<PrometheusClient, 'query'>,
  fromAt: number,
  toAt: number,
): Promise<PrometheusLateness> {
  const rangeSeconds = Math.max(1, Math.ceil((toAt - fromAt) / 1000));
  const [up, missed] = await Promise.all([
    client.query(`up[${rangeSeconds}s]`, toAt),
    client.query(`sum(increase(prometheus_rule_group_iterations_missed_total[${rangeSeconds}s]))`, toAt),
  ]);
  const value = missed.resultType === 'vector' ? missed.result[0]?.value[1] : undefined;
  return {
    lateScrapes: lateScrapes(seriesTimes(up)),
    missedEvaluations: value === undefined ? null : Math.round(Number(value)),
  };
}
