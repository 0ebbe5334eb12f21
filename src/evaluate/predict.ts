import { formatDuration } from '../core/duration.ts';
import { offeredRateAt, type Plan, type PlannedFault } from '../scenario/index.ts';
import type { TrafficWindow } from '../traffic/types.ts';
import type { ApiRuleGroup } from './prometheus-client.ts';
import {
  countsStatus,
  type LabelMatcher,
  type RatioCondition,
  type RatioShape,
  recogniseRatioShape,
  recordingRules,
} from './ratio-shape.ts';
import type { DetectionPrediction, ExpectationResult, RuleTiming } from './types.ts';

/**
 * Predicted detection time of error-ratio alerts (see ratio-shape.ts for the shapes), from the plan alone.
 *
 * Model. Requests arrive at the plan's offered rate; an error fault answers its share e of them with its
 * status from injection to revert; every request of the run is counted by the rule's denominator (its
 * matchers, e.g. `endpoint="infer"`, are not checked against the target). The ratio a condition reads at
 * time t is
 *     errors in (t − W, t] / requests in (t − W, t]
 * over the run's own traffic only: the prediction assumes the windows held no requests before the run
 * (a fresh stack, or one idle for the longest window). That is also what Prometheus computes when a window
 * is longer than the traffic history: `rate()` extrapolates numerator and denominator over the same
 * samples by the same factor, so their ratio is errors/requests over the data the window does hold; and a
 * window holding no requests gives 0/0 = NaN, which compares false.
 * For constant rate and a step to error ratio e at t = 0 after H of clean traffic, one condition
 * `ratio[W] > k` first holds after
 *     D = k·W/e            when H ≥ W·(1 − k/e)   (clean traffic fills the window until the errors push it out)
 *     D = k·H/(e − k)      otherwise               (the window still reaches back to the start of traffic)
 * and never when e ≤ k. An AND of conditions holds after the largest D. The alert fires ceil(for/E)·E
 * later (the conditions must hold through `for`), its notification group_wait after that:
 *     predicted = D + ceil(for/E)·E (+ group_wait)
 * Scrape and evaluation phase delay a real alert by up to S + E beyond it (the sample that shows the errors
 * comes up to S late, the evaluation that sees it up to E late). rate() reads the samples a window holds,
 * a span up to S shorter than W and extrapolated, which can cross up to S·k/e sooner — unless the error
 * counter is 0 at the window's first sample (a fresh stack), where extrapolation stops at zero and that
 * cancels. So measured ∈ [predicted − S·k/e, predicted + S + E].
 * Computed numerically over the plan (any stages, overlapping faults) on a 10 ms grid.
 */

const STEP_MS = 10;

export interface PredictInput {
  plan: Plan;
  /** The loaded rule groups (recording rules are followed from the alert's expression). */
  groups: readonly ApiRuleGroup[];
  /** Timings of the loaded alerting rules (`for`, evaluation and scrape interval, query). */
  timings: readonly RuleTiming[];
  /** Alertmanager's group_wait, for `measure: notified`. */
  groupWaitMs: number;
}

/**
 * Pure: one prediction per `alert-fires` expectation whose rule has a recognised shape and whose fault
 * injects errors its numerator counts. Where an alert name has several such rules, the earliest.
 */
export function predictDetections(input: PredictInput): DetectionPrediction[] {
  const recorded = recordingRules(input.groups);
  const predictions: DetectionPrediction[] = [];
  for (const { id, expectation } of input.plan.expectations) {
    if (expectation.kind !== 'alert-fires') continue;
    const fault = input.plan.faults.find((f) => f.fault.id === expectation.after);
    if (!fault || errorInjection(fault) === undefined) continue;
    const candidates = input.timings
      .filter((t) => t.alert === expectation.alert)
      .flatMap((timing) => {
        const shape = recogniseRatioShape(timing.query, recorded);
        if (!shape) return [];
        const prediction = predictOne({
          plan: input.plan,
          expectationId: id,
          measure: expectation.measure,
          fault,
          shape,
          timing,
          groupWaitMs: input.groupWaitMs,
        });
        return prediction ? [prediction] : [];
      })
      .sort(
        (a, b) => (a.predictedMs ?? Number.POSITIVE_INFINITY) - (b.predictedMs ?? Number.POSITIVE_INFINITY),
      );
    if (candidates[0]) predictions.push(candidates[0]);
  }
  return predictions;
}

/** The share and status of the errors a fault injects, or undefined when it injects none we can count. */
export function errorInjection(planned: PlannedFault): { ratio: number; status: number } | undefined {
  const { fault } = planned;
  if (fault.kind === 'error-burst') return { ratio: fault.ratio, status: fault.status };
  // An HTTP abort limited to some paths hits an unknown share of the traffic: not predicted.
  if (fault.kind === 'http-fault' && fault.action === 'abort' && fault.path === undefined) {
    return { ratio: fault.share, status: fault.status ?? 500 };
  }
  return undefined;
}

export interface PredictOneInput {
  plan: Plan;
  expectationId: string;
  measure: 'firing' | 'notified';
  /** The fault the expectation counts from. */
  fault: PlannedFault;
  shape: RatioShape;
  timing: RuleTiming;
  groupWaitMs: number;
}

/**
 * Pure: when the alert can first fire (or be notified) after `fault` is injected; null `predictedMs` when it
 * cannot within the observed run (the ratio never exceeds the threshold, or not for long enough). Undefined
 * when the plan offers no rate (a closed-model stage) or the fault's errors are not what the rule counts.
 */
export function predictOne(input: PredictOneInput): DetectionPrediction | undefined {
  const { plan, fault, shape, timing } = input;
  const injected = errorInjection(fault);
  if (!injected) return undefined;
  if (!shape.conditions.every((c) => countsStatus(c, injected.status))) return undefined;
  const bins = Math.ceil(plan.endMs / STEP_MS);
  const requests = new Float64Array(bins);
  for (let i = 0; i < bins; i += 1) {
    const rate = offeredRateAt(plan, i * STEP_MS + STEP_MS / 2);
    if (rate === null) return undefined;
    requests[i] = (rate * STEP_MS) / 1000;
  }
  const e = timing.evaluationIntervalMs;
  const holdMs = e > 0 ? Math.ceil(timing.forMs / e) * e : timing.forMs;
  const solved = solve(
    requests,
    shape.conditions.map((condition) => ({ condition, errors: errorsPerBin(plan, condition, requests) })),
    holdMs,
    fault.startMs,
  );
  const { firstHolds, crossingMs, firedAt, firedBeforeFault } = solved;
  const extraMs = input.measure === 'notified' ? input.groupWaitMs : 0;
  const predictedMs = firedAt === undefined ? null : firedAt - fault.startMs + extraMs;
  const pct = (x: number) => `${Number((x * 100).toFixed(2))}%`;
  const rate = offeredRateAt(plan, fault.startMs) ?? 0;
  const parts = [
    `${pct(injected.ratio)} errors at ${Number(rate.toFixed(2))} req/s after ${formatDuration(fault.startMs)} of traffic`,
    ...shape.conditions.map(
      (c, i) =>
        `ratio over ${formatDuration(c.rangeMs)} ${c.inclusive ? '≥' : '>'} ${pct(c.threshold)} ${firstHolds[i] === null ? 'never' : `after ${formatDuration(firstHolds[i]!)}`}`,
    ),
    `${timing.forMs > 0 ? `for ${formatDuration(timing.forMs)}` : 'no for'} (eval ${formatDuration(e)})${input.measure === 'notified' ? `, group_wait ${formatDuration(input.groupWaitMs)}` : ''}`,
  ];
  const cannot = `this rule cannot page below ${pct(shape.minErrorRatio)} errors`;
  let verdict: string;
  if (predictedMs !== null) {
    verdict = `predicted ${formatDuration(predictedMs)}, up to +${formatDuration(timing.scrapeIntervalMs + e)} by scrape and evaluation phase; ${cannot}`;
  } else if (injected.ratio <= shape.minErrorRatio) {
    verdict = `never: ${cannot}`;
  } else if (firedBeforeFault) {
    verdict = 'never after the fault: earlier errors of the run already make it fire before';
  } else {
    verdict = `never within the run: the fault ends before the ratio holds long enough; ${cannot}`;
  }
  return {
    expectationId: input.expectationId,
    alert: timing.alert,
    measure: input.measure,
    faultId: fault.fault.id,
    shape: shape.kind,
    errorRatio: injected.ratio,
    minErrorRatio: shape.minErrorRatio,
    windowsMs: shape.conditions.map((c) => c.rangeMs),
    crossingMs,
    predictedMs,
    toleranceMs: timing.scrapeIntervalMs + e,
    earlyToleranceMs: Math.round(timing.scrapeIntervalMs * Math.min(1, shape.minErrorRatio / injected.ratio)),
    explanation: `${parts.join('; ')}: ${verdict}`,
    rule: {
      conditions: shape.conditions.map((c) => ({
        rangeMs: c.rangeMs,
        threshold: c.threshold,
        inclusive: c.inclusive,
        errorMatchers: c.errorMatchers.map((m) => ({ ...m })),
      })),
      holdMs,
      extraMs,
    },
  };
}

interface Solution {
  /** Per condition: ms after the fault when it alone first holds; null when never. */
  firstHolds: Array<number | null>;
  /** When all conditions first hold for good (then through holdMs), ms after the fault; null when never. */
  crossingMs: number | null;
  /** Offset (ms from traffic start) of the first firing after the fault; undefined when none. */
  firedAt: number | undefined;
  firedBeforeFault: boolean;
}

/**
 * The sliding-window arithmetic over STEP_MS bins from traffic start: requests per bin and, per condition,
 * the errors its numerator counts. Fires at the first bin end where every condition has held for holdMs.
 */
function solve(
  requests: Float64Array,
  series: ReadonlyArray<{
    condition: Pick<RatioCondition, 'rangeMs' | 'threshold' | 'inclusive'>;
    errors: Float64Array;
  }>,
  holdMs: number,
  faultStartMs: number,
): Solution {
  const bins = requests.length;
  const requestSums = prefixSums(requests);
  const prepared = series.map(({ condition, errors }) => ({
    condition,
    windowBins: Math.round(condition.rangeMs / STEP_MS),
    errorSums: prefixSums(errors),
  }));
  const holds = (c: (typeof prepared)[number], bin: number): boolean => {
    const from = Math.max(0, bin + 1 - c.windowBins);
    const total = requestSums[bin + 1]! - requestSums[from]!;
    if (total <= 0) return false;
    const ratio = (c.errorSums[bin + 1]! - c.errorSums[from]!) / total;
    return c.condition.inclusive ? ratio >= c.condition.threshold : ratio > c.condition.threshold;
  };
  const faultBin = Math.max(0, Math.floor(faultStartMs / STEP_MS));
  const firstHolds = prepared.map((c) => {
    for (let bin = faultBin; bin < bins; bin += 1)
      if (holds(c, bin)) return (bin + 1) * STEP_MS - faultStartMs;
    return null;
  });
  let holdingSince: number | undefined;
  let firedBeforeFault = false;
  for (let bin = 0; bin < bins; bin += 1) {
    const t = (bin + 1) * STEP_MS;
    if (!prepared.every((c) => holds(c, bin))) {
      holdingSince = undefined;
      continue;
    }
    holdingSince ??= t;
    if (t - holdingSince >= holdMs) {
      if (t <= faultStartMs) {
        firedBeforeFault = true;
        continue;
      }
      return {
        firstHolds,
        crossingMs: Math.max(0, holdingSince - faultStartMs),
        firedAt: t,
        firedBeforeFault,
      };
    }
  }
  return { firstHolds, crossingMs: null, firedAt: undefined, firedBeforeFault };
}

/**
 * Pure: the same arithmetic over the traffic as it was sent (the journal's per-second windows, their status
 * codes spread evenly over each second) from the fault's actual injection: it counts what the plan does not
 * (errors before the fault, such as a busy server's 503s, and the real send rate). Undefined for a prediction
 * without its rule (journals written before) or without traffic.
 */
export function predictFromTraffic(
  prediction: DetectionPrediction,
  windows: readonly TrafficWindow[],
  startedAt: number,
  injectedAt: number,
): number | null | undefined {
  const rule = prediction.rule;
  if (!rule || windows.length === 0) return undefined;
  const perSecond = 1000 / STEP_MS;
  const lastSecond = Math.max(...windows.map((w) => w.second));
  const bins = (lastSecond + 1) * perSecond;
  const requests = new Float64Array(bins);
  const errors = rule.conditions.map(() => new Float64Array(bins));
  for (const w of windows) {
    const codes = Object.entries(w.statusCodes);
    const answered = codes.reduce((sum, [, n]) => sum + n, 0);
    const counted = rule.conditions.map((c) =>
      codes.reduce((sum, [code, n]) => sum + (countsStatus(c, Number(code)) ? n : 0), 0),
    );
    for (let i = 0; i < perSecond; i += 1) {
      const bin = w.second * perSecond + i;
      requests[bin] = answered / perSecond;
      counted.forEach((n, c) => {
        errors[c]![bin] = n / perSecond;
      });
    }
  }
  const faultStartMs = injectedAt - startedAt;
  const solved = solve(
    requests,
    rule.conditions.map((condition, c) => ({ condition, errors: errors[c]! })),
    rule.holdMs,
    faultStartMs,
  );
  return solved.firedAt === undefined ? null : solved.firedAt - faultStartMs + rule.extraMs;
}

/** Errors per bin that a condition's numerator counts: every planned error fault whose status it matches. */
function errorsPerBin(plan: Plan, condition: RatioCondition, requests: Float64Array): Float64Array {
  const errors = new Float64Array(requests.length);
  const faults = plan.faults.flatMap((planned) => {
    const injected = errorInjection(planned);
    return injected && countsStatus(condition, injected.status) ? [{ planned, ratio: injected.ratio }] : [];
  });
  for (let bin = 0; bin < requests.length; bin += 1) {
    const mid = bin * STEP_MS + STEP_MS / 2;
    // Independent faults: a request is answered well only if no fault takes it.
    let clean = 1;
    for (const { planned, ratio } of faults) {
      if (mid >= planned.startMs && mid < planned.endMs) clean *= 1 - ratio;
    }
    errors[bin] = requests[bin]! * (1 - clean);
  }
  return errors;
}

function prefixSums(values: Float64Array): Float64Array {
  const sums = new Float64Array(values.length + 1);
  for (let i = 0; i < values.length; i += 1) sums[i + 1] = sums[i]! + values[i]!;
  return sums;
}

/**
 * Pure: each `alert-fires` result whose expectation has a prediction gets `predictedMs` (and
 * `predictedAsSentMs` where `asSent` has the same arithmetic over the traffic as sent), and its detail says
 * how the measured time compares (agreeing means within [predicted, predicted + scrape + evaluation]).
 * Verdicts are unchanged: the budget decides, the prediction explains.
 */
export function withPredictions(
  results: readonly ExpectationResult[],
  predictions: readonly DetectionPrediction[],
  asSent: ReadonlyMap<string, number | null> = new Map(),
): ExpectationResult[] {
  return results.map((result) => {
    const prediction = predictions.find((p) => p.expectationId === result.id);
    if (result.kind !== 'alert-fires' || !prediction) return result;
    const replayed = asSent.get(result.id);
    const parts = [comparison('predicted', result.measuredMs, prediction.predictedMs, prediction)];
    if (replayed !== undefined) {
      parts.push(comparison('from the traffic as sent', result.measuredMs, replayed, prediction));
    }
    return {
      ...result,
      predictedMs: prediction.predictedMs,
      ...(replayed !== undefined ? { predictedAsSentMs: replayed } : {}),
      detail: `${result.detail}; ${parts.join('; ')}`,
    };
  });
}

function comparison(
  label: string,
  measuredMs: number | null,
  predictedMs: number | null,
  prediction: DetectionPrediction,
): string {
  if (predictedMs === null) return `${label} never (${prediction.explanation.split(': ').at(-1)})`;
  const predicted = `${label} ${formatDuration(predictedMs)}`;
  if (measuredMs === null) return predicted;
  const delta = measuredMs - predictedMs;
  const signed = `${delta < 0 ? '-' : '+'}${formatDuration(Math.abs(delta))}`;
  // One grid step of slack below: the prediction is computed on a 10 ms grid.
  const early = (prediction.earlyToleranceMs ?? 0) + STEP_MS;
  if (delta >= -early && delta <= prediction.toleranceMs) {
    return `${predicted}, measured ${signed} (within scrape + evaluation)`;
  }
  const below = early - STEP_MS > 0 ? `-${formatDuration(early - STEP_MS)}` : '0';
  const band = `[${below}, +${formatDuration(prediction.toleranceMs)}]`;
  return `${predicted}, measured ${signed}: outside ${band}`;
}

/**
 * The prediction assumes a rule's windows hold only this run's traffic. Where a window still reaches back
 * before the run when the alert should fire (window > fault offset + crossing), requests from earlier (a
 * previous scenario, another client) change the arithmetic: clean ones delay the alert, errors hasten it.
 * Pure: for each such prediction, the PromQL that counts, at preflight, the requests and errors in the part
 * of the window before the run (`spanMs`, whole seconds). Preflight runs them and warns when they are not 0.
 */
export interface HistoryCheck {
  expectationId: string;
  alert: string;
  windowMs: number;
  spanMs: number;
  requestsQuery: string;
  errorsQuery: string;
}

export function historyChecks(
  input: PredictInput,
  predictions: readonly DetectionPrediction[],
): HistoryCheck[] {
  const recorded = recordingRules(input.groups);
  return predictions.flatMap((prediction) => {
    if (prediction.crossingMs === null) return [];
    const fault = input.plan.faults.find((f) => f.fault.id === prediction.faultId);
    const timing = input.timings.find(
      (t) => t.alert === prediction.alert && recogniseRatioShape(t.query, recorded) !== undefined,
    );
    const shape = timing ? recogniseRatioShape(timing.query, recorded) : undefined;
    if (!fault || !shape) return [];
    const longest = [...shape.conditions].sort((a, b) => b.rangeMs - a.rangeMs)[0]!;
    const spanMs = Math.ceil((longest.rangeMs - fault.startMs - prediction.crossingMs) / 1000) * 1000;
    if (spanMs <= 0) return [];
    const selector = (matchers: readonly LabelMatcher[]) =>
      `${longest.metric}{${matchers.map((m) => `${m.name}${m.op}${JSON.stringify(m.value)}`).join(',')}}`;
    const range = `[${spanMs / 1000}s]`;
    return [
      {
        expectationId: prediction.expectationId,
        alert: prediction.alert,
        windowMs: longest.rangeMs,
        spanMs,
        requestsQuery: `sum(increase(${selector(longest.matchers)}${range}))`,
        errorsQuery: `sum(increase(${selector([...longest.matchers, ...longest.errorMatchers])}${range}))`,
      },
    ];
  });
}
