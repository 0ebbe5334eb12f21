import { formatDuration } from '../core/duration.ts';
import { assertNever } from '../core/errors.ts';
import { isStreamedMetric, STREAMED_METRICS } from '../scenario/expectations.ts';
import type { Expectation } from '../scenario/schema.ts';
import { generatorDelayBound, generatorFellBehind } from '../traffic/generator-delay.ts';
import type { PhaseStats } from '../traffic/types.ts';
import type { ExpectationResult } from './types.ts';

type ThresholdExpectation = Extract<Expectation, { kind: 'threshold' }>;

const fmt = formatDuration;

const timeMetrics = new Set<string>(['p50', 'p90', 'p99', 'max', ...STREAMED_METRICS]);

/**
 * threshold: a phase's client-side figure (latency percentile from intended send, error or wrong-answer
 * ratio, throughput, TTFT/TPOT) against a limit. Inconclusive when the phase has no figure to compare, or
 * when the load generator's own delay could have made the verdict (`generatorMadeVerdict`).
 */
export function judgeThreshold(
  phaseStats: Readonly<Record<string, PhaseStats | undefined>>,
  id: string,
  e: ThresholdExpectation,
): ExpectationResult {
  const isTime = timeMetrics.has(e.metric);
  const base = {
    id,
    kind: 'threshold' as const,
    subject: `${e.metric} in ${e.phase}`,
    budgetMs: isTime ? e.value : null,
    floorMs: null,
    measuredMs: null,
  };
  const stats = phaseStats[e.phase];
  if (!stats || (stats.sent === 0 && stats.completed === 0)) {
    return { ...base, verdict: 'inconclusive', detail: `no requests were recorded in phase "${e.phase}"` };
  }
  let value: number;
  switch (e.metric) {
    case 'p50':
    case 'p90':
    case 'p99':
    case 'max':
      if (stats.latencyMs.count === 0) {
        return {
          ...base,
          verdict: 'inconclusive',
          detail: `no request succeeded in phase "${e.phase}", so there is no ${e.metric} latency to compare`,
        };
      }
      value = stats.latencyMs[e.metric];
      break;
    case 'error-ratio':
      if (stats.completed === 0) {
        return {
          ...base,
          verdict: 'inconclusive',
          detail: `no request completed in phase "${e.phase}", so there is no error ratio`,
        };
      }
      value = stats.errorRatio;
      break;
    case 'wrong-answer-ratio':
      if (stats.wrongAnswerRatio === null) {
        return {
          ...base,
          verdict: 'inconclusive',
          detail: `responses were not checked in phase "${e.phase}", so there is no wrong-answer ratio (give traffic.validate; the k6 engine does not check bodies)`,
        };
      }
      if (stats.completed === 0) {
        return {
          ...base,
          verdict: 'inconclusive',
          detail: `no request completed in phase "${e.phase}", so there is no wrong-answer ratio`,
        };
      }
      value = stats.wrongAnswerRatio;
      break;
    case 'throughput':
      value = stats.throughput;
      break;
    case 'ttft-p50':
    case 'ttft-p99':
    case 'tpot-p99': {
      const streaming = stats.streaming;
      const summary = e.metric === 'tpot-p99' ? streaming?.tpotMs : streaming?.ttftMs;
      if (summary === undefined || summary.count === 0) {
        return {
          ...base,
          verdict: 'inconclusive',
          detail: `no streamed request finished in phase "${e.phase}"${e.metric === 'tpot-p99' ? ' with two or more tokens' : ''}, so there is no ${e.metric}`,
        };
      }
      value = e.metric === 'ttft-p50' ? summary.p50 : summary.p99;
      break;
    }
    default:
      return assertNever(e.metric, 'threshold metric');
  }
  const ok = compare(value, e.op, e.value);
  const show = (v: number) =>
    isTime
      ? fmt(v)
      : e.metric === 'throughput'
        ? `${Number(v.toFixed(1))} req/s`
        : `${Number(v.toFixed(4))} (${Number((v * 100).toFixed(2))}%)`;
  const counted =
    e.metric === 'wrong-answer-ratio'
      ? `${stats.wrongAnswers} wrong of ${stats.completed} requests`
      : isStreamedMetric(e.metric)
        ? `${stats.streaming?.streams ?? 0} streams`
        : `${stats.completed} requests`;
  const detail = `${e.metric} in ${e.phase} was ${show(value)}, ${ok ? 'meeting' : 'missing'} the threshold ${e.op} ${show(e.value)} (${counted})`;
  const generatorMade = generatorMadeVerdict(stats, e, value, ok);
  return {
    ...base,
    verdict: generatorMade === null ? (ok ? 'passed' : 'failed') : 'inconclusive',
    measuredMs: isTime ? value : null,
    measured: value,
    detail: generatorMade === null ? detail : `${detail}, but ${generatorMade}`,
  };
}

/**
 * Latency metrics counted from each request's intended send, so a late generator adds to them (TPOT does
 * not: its gaps are between chunks), with the share of requests that lie beyond each percentile.
 */
const beyondShare: Readonly<Record<string, number>> = {
  p50: 0.5,
  p90: 0.1,
  p99: 0.01,
  max: 0,
  'ttft-p50': 0.5,
  'ttft-p99': 0.01,
};

/**
 * Why a latency threshold's verdict may be the load generator's rather than the server's, or null when it is
 * the server's. All of:
 * - the generator fell behind: over 1 % of the phase's sends (and at least 3) went out late;
 * - late sends are at least as many as the requests beyond the percentile (a p99 can be made by 1 % of the
 *   requests, a p50 needs half of them: fewer late sends cannot carry the percentile across the limit);
 * - moving the value down by the most the generator's delay can have added to any request
 *   (`generatorDelayBound`) reverses the verdict: a missed upper limit (p99 < 150) that the server alone may
 *   have met, or a met lower limit (p50 >= 400) that it alone may have missed.
 */
function generatorMadeVerdict(
  stats: PhaseStats,
  e: ThresholdExpectation,
  value: number,
  ok: boolean,
): string | null {
  const beyond = beyondShare[e.metric];
  if (beyond === undefined || !generatorFellBehind(stats.sent, stats.late)) return null;
  if (stats.late / stats.sent < beyond) return null;
  const boundMs = generatorDelayBound(stats.maxLateMs);
  // The server's own figure lies between value − bound and value: a verdict the lower end would reverse is not its.
  if (ok === compare(value - boundMs, e.op, e.value)) return null;
  const late = `the load generator sent ${stats.late} of ${stats.sent} requests late (up to ${fmt(stats.maxLateMs)})`;
  return `${late}: latency counts from each request's intended send, so up to ${fmt(boundMs)} of it may be the generator's own and the verdict is not the server's; rerun on a quieter host, or with more traffic threads (--workers)`;
}

function compare(value: number, op: ThresholdExpectation['op'], limit: number): boolean {
  switch (op) {
    case '<':
      return value < limit;
    case '<=':
      return value <= limit;
    case '>':
      return value > limit;
    case '>=':
      return value >= limit;
    default:
      return assertNever(op, 'threshold operator');
  }
}
