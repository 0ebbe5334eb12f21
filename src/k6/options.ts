import { assertNever, FiredrillError } from '../core/errors.ts';
import { isStreamedMetric } from '../scenario/expectations.ts';
import type { ClosedTraffic, OpenStage, OpenTraffic, Plan } from '../scenario/index.ts';

/**
 * Pure translation of a firedrill plan into k6 `options`: the traffic shape as one k6 scenario
 * (`ramping-arrival-rate` for the open model; `constant-vus` or `ramping-vus` for the closed model), the
 * phase spans the script tags requests with, and the `threshold` expectations as k6 thresholds.
 * No I/O; `renderK6Script` (script.ts) serialises what this returns.
 */

/**
 * One k6 stage: the `target` reached at the END of `duration`, linearly from the previous one. The target is
 * a rate (iterations per `timeUnit`) in ramping-arrival-rate, a number of VUs in ramping-vus.
 */
export interface K6Stage {
  target: number;
  duration: string;
}

/** The fields of k6's ramping-arrival-rate executor that firedrill sets (see @types/k6 RampingArrivalRateScenario). */
export interface K6RampingArrivalRate {
  executor: 'ramping-arrival-rate';
  /** Iterations per `timeUnit` at t = 0 (k6's default is 0, so it is always written). */
  startRate: number;
  timeUnit: string;
  preAllocatedVUs: number;
  maxVUs: number;
  stages: K6Stage[];
  /** Lets requests in flight at the end finish (up to the scenario's timeout) instead of interrupting them. */
  gracefulStop: string;
}

/** k6's constant-vus executor (see @types/k6 ConstantVUsScenario): `vus` users loop for `duration`. */
export interface K6ConstantVUs {
  executor: 'constant-vus';
  vus: number;
  duration: string;
  /** Lets requests in flight at the end finish (up to the scenario's timeout) instead of interrupting them. */
  gracefulStop: string;
}

/** k6's ramping-vus executor (see @types/k6 RampingVUsScenario): the user count follows `stages`. */
export interface K6RampingVUs {
  executor: 'ramping-vus';
  /** Users at t = 0 (k6's default is 1, so it is always written). */
  startVUs: number;
  stages: K6Stage[];
  /** A user removed by a ramp down finishes its request first (up to the timeout), as in firedrill's closed engine. */
  gracefulRampDown: string;
  gracefulStop: string;
}

/** k6's constant-arrival-rate executor (see @types/k6 ConstantArrivalRateScenario): `rate` per `timeUnit` for `duration`. */
export interface K6ConstantArrivalRate {
  executor: 'constant-arrival-rate';
  rate: number;
  timeUnit: string;
  duration: string;
  preAllocatedVUs: number;
  maxVUs: number;
  gracefulStop: string;
}

/** The one k6 scenario a firedrill plan becomes (constant-arrival-rate: `export --at-capacity`). */
export type K6Scenario = K6RampingArrivalRate | K6ConstantVUs | K6RampingVUs | K6ConstantArrivalRate;

export interface K6Shape {
  scenario: K6Scenario;
  /** Iterations per second = target / scale (timeUnit = `${scale}s`); 1 unless a rate has decimals. */
  scale: number;
  /** Present when a rate had to be rounded (more than 3 decimals): what changed. */
  warnings: string[];
}

/** `phase` tag values: the plan's phases that do not overlap. "between" covers gaps between faults. */
export const PHASE_TAGS = ['baseline', 'fault', 'recovery', 'between'] as const;
export type PhaseTag = (typeof PHASE_TAGS)[number];

export interface PhaseSpanTag {
  tag: PhaseTag;
  startMs: number;
  endMs: number;
}

export interface StageSpanTag {
  name: string;
  startMs: number;
  endMs: number;
}

/** A k6 threshold derived from one `threshold` expectation; `source` is the expectation's id. */
export interface K6Threshold {
  source: string;
  metric: string;
  expression: string;
}

/** A k6 duration string with no rounding: whole seconds as "70s", anything else as "250ms". */
export function k6Duration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) {
    throw new FiredrillError('FD_INTERNAL', `not a duration: ${ms} ms`);
  }
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${Math.round(ms)}ms`;
}

/** Start and end rate (req/s) of an open-model stage. */
export function stageRates(stage: OpenStage): { from: number; to: number } {
  return stage.kind === 'constant'
    ? { from: stage.rate, to: stage.rate }
    : { from: stage.from, to: stage.to };
}

/**
 * Piecewise-linear k6 stages through `(from, to)` segments: a segment whose `from` differs from where the
 * previous one ended is preceded by a 0 s stage (an instant jump; k6 accepts 0 s stages in both ramping
 * executors). Returns the start value and the stages.
 */
function linearStages(segments: ReadonlyArray<{ from: number; to: number; durationMs: number }>): {
  start: number;
  stages: K6Stage[];
} {
  const start = segments[0]?.from ?? 0;
  let current = start;
  const stages: K6Stage[] = [];
  for (const { from, to, durationMs } of segments) {
    if (from !== current) stages.push({ target: from, duration: '0s' });
    stages.push({ target: to, duration: k6Duration(durationMs) });
    current = to;
  }
  return { start, stages };
}

const SCALES = [1, 10, 100, 1000] as const;

/**
 * k6 targets and startRate are integers (iterations per timeUnit). Rates with decimals keep their exact value
 * by widening timeUnit: 0.5 req/s becomes 5 per "10s". Beyond 3 decimals the rate is rounded (and warned).
 */
export function chooseScale(rates: readonly number[]): { scale: number; exact: boolean } {
  for (const scale of SCALES) {
    if (rates.every((r) => Math.abs(r * scale - Math.round(r * scale)) < 1e-9)) return { scale, exact: true };
  }
  return { scale: 1000, exact: false };
}

/** The traffic as one k6 scenario of the plan's workload model (see k6OpenShape, k6ClosedShape). */
export function k6Shape(plan: Plan): K6Shape {
  const { traffic } = plan.scenario;
  return traffic.model === 'closed' ? k6ClosedShape(traffic) : k6OpenShape(traffic);
}

/**
 * Open model: one ramping-arrival-rate scenario. k6's semantics: the rate starts at `startRate` and each
 * stage moves it LINEARLY to `target` over `duration`; a stage with duration "0s" is an instant jump. So a
 * constant stage is a flat segment (target = its rate) preceded by a 0 s jump when the rate changes, and a
 * ramp is a jump to `from` (when needed) then a linear segment to `to`. Like firedrill's schedule, k6 spaces
 * iterations evenly along the cumulative rate (no Poisson).
 *
 * VUs: an arrival-rate executor needs one free VU per request in flight and DROPS an iteration (counted as
 * `dropped_iterations`) when none is free; it never lowers the rate. maxVUs = the scenario's `maxInFlight`
 * (the same cap on concurrency firedrill's engine has; firedrill queues beyond it, k6 drops). preAllocatedVUs
 * covers a 1 s response time at the peak rate (allocating VUs mid-run is slow and skews timing), capped at maxVUs.
 */
function k6OpenShape(traffic: OpenTraffic): K6Shape {
  if (traffic.stages.length === 0) throw new FiredrillError('FD_SCENARIO_INVALID', 'traffic.stages is empty');
  const all = traffic.stages.flatMap((s) => {
    const { from, to } = stageRates(s);
    return [from, to];
  });
  const { scale, exact } = chooseScale(all);
  const warnings: string[] = [];
  if (traffic.arrival.kind !== 'uniform') {
    warnings.push(
      `traffic.arrival is "${traffic.arrival.kind}" but k6's arrival-rate executors space iterations evenly: the export sends the same rates, uniformly`,
    );
  }
  if (!exact) {
    warnings.push(
      `rates with more than 3 decimals were rounded to 0.001 req/s (k6 rates are integers per timeUnit "${scale}s")`,
    );
  }
  const toTarget = (rate: number) => Math.round(rate * scale);
  const { start, stages } = linearStages(
    traffic.stages.map((stage) => {
      const { from, to } = stageRates(stage);
      return { from: toTarget(from), to: toTarget(to), durationMs: stage.duration };
    }),
  );
  const peak = Math.max(...all);
  const maxVUs = traffic.maxInFlight;
  const preAllocatedVUs = Math.max(1, Math.min(maxVUs, Math.ceil(peak)));
  return {
    scenario: {
      executor: 'ramping-arrival-rate',
      startRate: start,
      timeUnit: `${scale}s`,
      preAllocatedVUs,
      maxVUs,
      stages,
      gracefulStop: k6Duration(traffic.timeout),
    },
    scale,
    warnings,
  };
}

/**
 * Closed model: a single `concurrency` stage is one constant-vus scenario; anything else one ramping-vus
 * scenario whose stages follow the users' count (a `concurrency` stage is a flat segment, a
 * `concurrency-ramp` a linear one, with 0 s jumps between them where the count changes). Each k6 VU loops
 * one request per iteration with no think time, as firedrill's closed engine does. `gracefulRampDown` and
 * `gracefulStop` = the request timeout: a user removed by a ramp down, or still busy at the end, finishes
 * its request first. `scale` is 1 (VU counts are whole numbers already).
 */
function k6ClosedShape(traffic: ClosedTraffic): K6Shape {
  const gracefulStop = k6Duration(traffic.timeout);
  const [first, ...rest] = traffic.stages;
  if (first === undefined) throw new FiredrillError('FD_SCENARIO_INVALID', 'traffic.stages is empty');
  if (first.kind === 'concurrency' && rest.length === 0) {
    return {
      scenario: {
        executor: 'constant-vus',
        vus: first.vus,
        duration: k6Duration(first.duration),
        gracefulStop,
      },
      scale: 1,
      warnings: [],
    };
  }
  const { start, stages } = linearStages(
    traffic.stages.map((stage) =>
      stage.kind === 'concurrency'
        ? { from: stage.vus, to: stage.vus, durationMs: stage.duration }
        : { from: stage.from, to: stage.to, durationMs: stage.duration },
    ),
  );
  return {
    scenario: {
      executor: 'ramping-vus',
      startVUs: start,
      stages,
      gracefulRampDown: gracefulStop,
      gracefulStop,
    },
    scale: 1,
    warnings: [],
  };
}

/**
 * Non-overlapping phase spans for the `phase` tag: "fault" where any fault is active, "baseline" before the
 * first fault, "recovery" after the last revert, "between" in gaps between faults. ("run" needs no tag: it
 * is every request; stage names go in a separate `stage` tag because stages overlap these phases.)
 */
export function phaseSpans(plan: Plan): PhaseSpanTag[] {
  const spansOf = (name: string) => plan.phases.find((p) => p.name === name)?.spans ?? [];
  const out: PhaseSpanTag[] = [];
  for (const tag of ['baseline', 'fault', 'recovery'] as const) {
    for (const s of spansOf(tag)) if (s.endMs > s.startMs) out.push({ tag, ...s });
  }
  const faults = spansOf('fault');
  for (let i = 1; i < faults.length; i += 1) {
    const gap = { startMs: faults[i - 1]!.endMs, endMs: faults[i]!.startMs };
    if (gap.endMs > gap.startMs) out.push({ tag: 'between', ...gap });
  }
  return out.sort((a, b) => a.startMs - b.startMs);
}

export function stageSpans(plan: Plan): StageSpanTag[] {
  return plan.stages.map((s) => ({ name: s.name, startMs: s.startMs, endMs: s.endMs }));
}

/** The k6 tag filter that selects a firedrill phase: "" for "run", `phase:x` for the built-in ones, `stage:x` for stage names. */
export function phaseFilter(phase: string): string {
  if (phase === 'run') return '';
  if ((PHASE_TAGS as readonly string[]).includes(phase)) return `phase:${phase}`;
  if (!TAG_VALUE.test(phase)) {
    throw new FiredrillError(
      'FD_SCENARIO_INVALID',
      `stage name "${phase}" cannot be used in a k6 threshold (k6 splits tag filters on ",", ":" and braces)`,
      { hint: 'name the stage with letters, digits, ".", "_" and "-" only' },
    );
  }
  return `stage:${phase}`;
}

/** Tag values that survive k6's `metric{key:value,...}` threshold syntax unchanged. */
const TAG_VALUE = /^[A-Za-z0-9._-]+$/;

function withTags(metric: string, ...tags: string[]): string {
  const present = tags.filter((t) => t !== '');
  return present.length === 0 ? metric : `${metric}{${present.join(',')}}`;
}

/** Seconds the plan spends in a phase (the denominator of firedrill's throughput). */
function phaseSeconds(plan: Plan, phase: string): number {
  const spans = plan.phases.find((p) => p.name === phase)?.spans ?? [];
  return spans.reduce((sum, s) => sum + Math.max(0, s.endMs - s.startMs), 0) / 1000;
}

/**
 * firedrill `threshold` expectations as k6 thresholds, with the same meaning:
 * - p50/p90/p99/max: firedrill's latency is that of SUCCESSFUL requests, so the metric is
 *   `http_req_duration{<phase>,expected_response:true}` (the script's response callback makes 2xx the expected
 *   responses, as in firedrill) with `p(50)`, `p(90)`, `p(99)`, `max`.
 * - error-ratio: `http_req_failed{<phase>}` `rate` (failed / all requests of the phase).
 * - throughput: k6's counter `rate` divides by the WHOLE test's duration, not the phase's; the exact equivalent
 *   of firedrill's completed-per-second-of-phase is a `count` bound: value × phase seconds on `http_reqs{<phase>}`.
 * - wrong-answer-ratio has no k6 equivalent (the script checks status codes, not bodies) and is left out; see
 *   unexportedThresholds.
 */
export function k6Thresholds(plan: Plan): K6Threshold[] {
  const out: K6Threshold[] = [];
  for (const { id, expectation: e } of plan.expectations) {
    if (e.kind !== 'threshold') continue;
    const filter = phaseFilter(e.phase);
    switch (e.metric) {
      case 'p50':
      case 'p90':
      case 'p99':
        out.push({
          source: id,
          metric: withTags('http_req_duration', filter, 'expected_response:true'),
          expression: `p(${e.metric.slice(1)})${e.op}${e.value}`,
        });
        break;
      case 'max':
        out.push({
          source: id,
          metric: withTags('http_req_duration', filter, 'expected_response:true'),
          expression: `max${e.op}${e.value}`,
        });
        break;
      case 'error-ratio':
        out.push({
          source: id,
          metric: withTags('http_req_failed', filter),
          expression: `rate${e.op}${e.value}`,
        });
        break;
      case 'throughput': {
        const count = Number((e.value * phaseSeconds(plan, e.phase)).toFixed(6));
        out.push({ source: id, metric: withTags('http_reqs', filter), expression: `count${e.op}${count}` });
        break;
      }
      case 'wrong-answer-ratio':
      case 'ttft-p50':
      case 'ttft-p99':
      case 'tpot-p99':
        break;
      default:
        assertNever(e.metric, 'threshold metric');
    }
  }
  return out;
}

/** One warning per `threshold` expectation the k6 script cannot carry (wrong-answer-ratio: k6 does not check bodies). */
export function unexportedThresholds(plan: Plan): string[] {
  return plan.expectations.flatMap(({ id, expectation: e }) =>
    e.kind !== 'threshold'
      ? []
      : e.metric === 'wrong-answer-ratio'
        ? [
            `${id}: wrong-answer-ratio is not exported: the k6 script checks status codes, not response bodies (firedrill's own engines validate them)`,
          ]
        : isStreamedMetric(e.metric)
          ? [
              `${id}: ${e.metric} is not exported: k6's http module reads a stream whole, so it has no time to first token (firedrill's own engines measure it)`,
            ]
          : [],
  );
}

/** Thresholds grouped by metric key, the shape of k6's `options.thresholds`. */
export function thresholdsOption(thresholds: readonly K6Threshold[]): Record<string, string[]> {
  const grouped: Record<string, string[]> = {};
  for (const t of thresholds) {
    const list = grouped[t.metric] ?? [];
    list.push(t.expression);
    grouped[t.metric] = list;
  }
  return grouped;
}
