import { formatDuration } from '../core/duration.ts';
import type { Plan } from '../scenario/plan.ts';
import type { Expectation } from '../scenario/schema.ts';
import type { PrometheusClient } from './prometheus-client.ts';
import { DEFAULT_EVALUATION_INTERVAL_MS, parsePromDuration } from './rules.ts';
import type { BlindPeriod, ExpectationResult, PromqlSamples } from './types.ts';

/** `promql` expectations: the window a range query reads, and the pure judging of what it read. */

export type PromqlExpectation = Extract<Expectation, { kind: 'promql' }>;

/** A fault's actual times (epoch ms; null: it never got that far). */
export interface PromqlFaultTimes {
  id: string;
  injectedAt: number | null;
  revertedAt: number | null;
}

/**
 * Pure: the span (epoch ms) an expectation's range query covers. A phase uses its planned span from the
 * traffic start; "fault" runs from the first injection to the last revert and "recovery" from the last revert
 * (actual times when known, as for thresholds); `after` runs from that fault's revert to the end of
 * observation. `within` cuts the window to its first `within` ms. Null with the reason when there is none.
 */
export function promqlWindow(
  plan: Plan,
  e: PromqlExpectation,
  startedAt: number,
  faults: readonly PromqlFaultTimes[],
): { startAt: number; endAt: number } | { why: string } {
  const cut = (startAt: number, endAt: number) => ({
    startAt,
    endAt: e.within === undefined ? endAt : Math.min(endAt, startAt + e.within),
  });
  if (e.after !== undefined) {
    const revertedAt = faults.find((f) => f.id === e.after)?.revertedAt ?? null;
    if (revertedAt === null)
      return { why: `fault ${e.after} was never reverted, so there is no clock to start` };
    return cut(revertedAt, e.within === undefined ? startedAt + plan.endMs : revertedAt + e.within);
  }
  const phase = plan.phases.find((p) => p.name === e.phase);
  const first = phase?.spans[0];
  const last = phase?.spans.at(-1);
  if (!phase || !first || !last) return { why: `phase ${e.phase} has no span in this run` };
  let startAt = startedAt + first.startMs;
  let endAt = startedAt + last.endMs;
  const injected = faults.filter((f) => f.injectedAt !== null);
  if (injected.length > 0 && (phase.name === 'fault' || phase.name === 'recovery')) {
    const lastRevert = Math.max(...injected.map((f) => f.revertedAt ?? Number.POSITIVE_INFINITY));
    if (phase.name === 'fault') {
      startAt = Math.min(...injected.map((f) => f.injectedAt as number));
      endAt = Math.min(lastRevert, startedAt + plan.endMs);
    } else if (Number.isFinite(lastRevert)) startAt = lastRevert;
  }
  return cut(startAt, endAt);
}

/**
 * The rule evaluation interval (ms), the step of every promql range query: the shortest rule group interval
 * loaded, else the configuration's global `evaluation_interval`, else Prometheus' default (1 m).
 */
export async function evaluationStepMs(client: Pick<PrometheusClient, 'rules' | 'config'>): Promise<number> {
  const groups = await client.rules();
  if (groups.length > 0) return Math.min(...groups.map((g) => Math.max(1, Math.round(g.interval * 1000))));
  const config = await client.config();
  const text = config.global?.evaluation_interval;
  return (typeof text === 'string' ? parsePromDuration(text) : undefined) ?? DEFAULT_EVALUATION_INTERVAL_MS;
}

export interface PromqlJudgeInput {
  faults: ReadonlyArray<PromqlFaultTimes & { landedAt: number | null; notLandedReason: string | null }>;
  blind: readonly BlindPeriod[];
  /** The journaled range queries; an expectation without one is inconclusive. */
  promql?: readonly PromqlSamples[] | undefined;
}

const fmt = formatDuration;

/**
 * Pure. At each evaluation step of the recorded window, the result is non-empty (some series has a point) or
 * empty (a PromQL comparison filtered every series out: false). `throughout` fails at the first empty step,
 * `eventually` passes at the first non-empty one (measured from the window start: the revert for `after`).
 * An empty step while Prometheus was blind is never read as false: the result is inconclusive when the
 * verdict would depend on it; a query error or a window cut short by the run's end is inconclusive too.
 */
export function judgePromql(input: PromqlJudgeInput, id: string, e: PromqlExpectation): ExpectationResult {
  const where = e.after !== undefined ? `after ${e.after}'s revert` : `in ${e.phase}`;
  const base = {
    id,
    kind: 'promql' as const,
    subject: `${e.expr} ${e.holds} ${where}`,
    budgetMs: e.within ?? null,
    floorMs: null,
    measuredMs: null,
  };
  if (e.after !== undefined) {
    const fault = input.faults.find((f) => f.id === e.after);
    if (!fault || fault.injectedAt === null || fault.landedAt === null) {
      const reason = fault?.notLandedReason ? `: ${fault.notLandedReason}` : '';
      return {
        ...base,
        verdict: 'inconclusive',
        detail: `fault ${e.after} was not injected or did not land${reason}`,
      };
    }
    if (fault.revertedAt === null) {
      return {
        ...base,
        verdict: 'inconclusive',
        detail: `fault ${e.after} was never reverted, so there is no clock to start`,
      };
    }
  }
  const record = input.promql?.find((r) => r.id === id);
  if (!record) return { ...base, verdict: 'inconclusive', detail: 'no range query was recorded for it' };
  if ('error' in record)
    return { ...base, verdict: 'inconclusive', detail: `the range query failed: ${record.error}` };

  const { endAt, plannedEndAt, stepMs } = record;
  const startAt = Math.round(record.startAt);
  // Steps and points compared in whole ms: the run's clock has sub-ms fractions, Prometheus answers in ms.
  const present = new Set(record.series.flatMap((s) => s.points.map(([t]) => Math.round(t))));
  const steps: number[] = [];
  for (let t = record.startAt; t <= endAt; t += stepMs) steps.push(Math.round(t));
  const blindAt = (t: number) =>
    input.blind.find((b) => b.backend === 'prometheus' && b.fromAt <= t && t <= b.toAt);
  const emptyBlind = steps.filter((t) => !present.has(t) && blindAt(t));
  const blindText = () => {
    const first = emptyBlind[0] as number;
    return `Prometheus could not be read at ${emptyBlind.length} of its ${steps.length} steps (from +${fmt(first - startAt)}: ${blindAt(first)?.reason})`;
  };
  const cutShort = endAt < plannedEndAt;
  const span = `${steps.length} steps of ${fmt(stepMs)} over ${fmt(endAt - startAt)} ${where}`;

  if (steps.length === 0) {
    return { ...base, verdict: 'inconclusive', detail: `the window ${where} holds no evaluation step` };
  }
  if (e.holds === 'throughout') {
    const firstFalse = steps.find((t) => !present.has(t) && !blindAt(t));
    if (firstFalse !== undefined) {
      const empty = steps.filter((t) => !present.has(t)).length;
      return {
        ...base,
        verdict: 'failed',
        measuredMs: firstFalse - startAt,
        detail: `${e.expr} had no result at +${fmt(firstFalse - startAt)} ${where} (${empty} of ${steps.length} steps empty)`,
      };
    }
    if (emptyBlind.length > 0)
      return {
        ...base,
        verdict: 'inconclusive',
        detail: `${e.expr} held at every step that could be read, but ${blindText()}`,
      };
    if (cutShort) {
      return {
        ...base,
        verdict: 'inconclusive',
        detail: `${e.expr} held at all ${span}, but the run ended ${fmt(plannedEndAt - endAt)} before the window did`,
      };
    }
    return { ...base, verdict: 'passed', detail: `${e.expr} held at all ${span}` };
  }

  const firstTrue = steps.find((t) => present.has(t));
  if (firstTrue !== undefined) {
    const measured = firstTrue - startAt;
    const blindBefore = emptyBlind.filter((t) => t < firstTrue).length;
    const note =
      blindBefore > 0 ? ` (at most: Prometheus could not be read at ${blindBefore} steps before it)` : '';
    const budget = e.within !== undefined ? `, within the ${fmt(e.within)} budget` : '';
    return {
      ...base,
      verdict: 'passed',
      measuredMs: measured,
      detail: `${e.expr} held ${fmt(measured)} ${where}${note}${budget}`,
    };
  }
  if (emptyBlind.length > 0)
    return {
      ...base,
      verdict: 'inconclusive',
      detail: `${e.expr} never held at a step that could be read, but ${blindText()}`,
    };
  if (cutShort) {
    return {
      ...base,
      verdict: 'inconclusive',
      detail: `${e.expr} had not held when the run ended, ${fmt(plannedEndAt - endAt)} before the window did`,
    };
  }
  return { ...base, verdict: 'failed', detail: `${e.expr} never held in ${span}` };
}
