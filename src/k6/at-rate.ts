import { FiredrillError } from '../core/errors.ts';
import { type PreparedScenario, planScenario } from '../scenario/index.ts';
import { chooseScale, type K6Shape, type K6Threshold, k6Duration } from './options.ts';

/**
 * `export --at-capacity`: the scenario's traffic as ONE constant arrival rate (a capacity search's answer)
 * for a stated duration, with the search's SLO as the k6 thresholds, so that a k6 run (one machine, or
 * k6-operator across many) confirms or refutes the answer. Pure.
 */

/** The limits of a capacity SLO (the shape of capacity.json's `slo`): latency ms, ratios 0..1. */
export interface K6Slo {
  latencyMs: { p50?: number | undefined; p90?: number | undefined; p99?: number | undefined };
  maxErrorRatio?: number | undefined;
  maxWrongAnswerRatio?: number | undefined;
  goodput?: { min: number; latencyMs: number } | undefined;
  ttftP99Ms?: number | undefined;
  tpotP99Ms?: number | undefined;
}

export interface K6AtRate {
  /** The arrival rate to hold, req/s (the whole test's: k6-operator splits it between its runners). */
  rate: number;
  durationMs: number;
  /** Its limits become the script's thresholds (a limit k6 cannot measure is a warning instead). */
  slo: K6Slo;
  /** What the rate is, for the script's header, e.g. `the SLO capacity of maxBatchSize=8 in reports/…/capacity.json`. */
  source: string;
}

/** Name of the one stage (and the `stage` tag of every request). */
export const AT_RATE_STAGE = 'at-capacity';

/**
 * The scenario with its traffic replaced by one constant stage at `rate` for `durationMs` (arrivals,
 * payloads, timeout, in-flight cap and seed kept); its faults and expectations are left out: the SLO is what
 * the run is judged by. A closed-model scenario is refused (a capacity search offers rates).
 */
export function atRateScenario(prepared: PreparedScenario, atRate: K6AtRate): PreparedScenario {
  const { scenario } = prepared;
  if (scenario.traffic.model !== 'open') {
    throw new FiredrillError(
      'FD_USAGE',
      `--at-capacity: ${prepared.file} has closed-model traffic; an SLO capacity is an arrival rate (open model)`,
      { hint: 'export the open-model scenario the capacity search ran' },
    );
  }
  if (!(Number.isFinite(atRate.rate) && atRate.rate > 0)) {
    throw new FiredrillError('FD_USAGE', `--at-capacity: ${atRate.rate} req/s is not a rate above 0`);
  }
  if (!(Number.isInteger(atRate.durationMs) && atRate.durationMs >= 1000)) {
    throw new FiredrillError(
      'FD_USAGE',
      `--duration: ${atRate.durationMs} ms is shorter than k6's constant-arrival-rate allows (1 s)`,
      { hint: 'e.g. --duration 60s' },
    );
  }
  const atCapacity = {
    ...scenario,
    traffic: {
      ...scenario.traffic,
      stages: [
        { kind: 'constant' as const, name: AT_RATE_STAGE, rate: atRate.rate, duration: atRate.durationMs },
      ],
    },
    faults: [],
    expect: [],
  };
  return { file: prepared.file, scenario: atCapacity, plan: planScenario(atCapacity) };
}

/**
 * The constant-arrival-rate k6 scenario of one rate. A rate with decimals keeps its value by widening
 * timeUnit (12.5 req/s = 125 per "10s"). VUs as for the ramping shape: maxVUs = the scenario's maxInFlight,
 * preAllocatedVUs enough for a 1 s response at the rate; when the rate × timeout needs more VUs than
 * maxInFlight, k6 will drop iterations (dropped_iterations), which a warning says.
 */
export function k6AtRateShape(
  atRate: Pick<K6AtRate, 'rate' | 'durationMs'>,
  traffic: { maxInFlight: number; timeout: number; arrivalKind: string },
): K6Shape {
  const { scale, exact } = chooseScale([atRate.rate]);
  const warnings: string[] = [];
  if (!exact) warnings.push(`the rate ${atRate.rate} req/s was rounded to 0.001 req/s`);
  if (traffic.arrivalKind !== 'uniform') {
    warnings.push(
      `traffic.arrival is "${traffic.arrivalKind}" but k6's constant-arrival-rate spaces iterations evenly: the export sends the same rate, uniformly`,
    );
  }
  const needed = Math.ceil((atRate.rate * traffic.timeout) / 1000);
  if (needed > traffic.maxInFlight) {
    warnings.push(
      `at ${atRate.rate} req/s a ${k6Duration(traffic.timeout)} timeout can need ${needed} VUs, over traffic.maxInFlight ${traffic.maxInFlight} (maxVUs): k6 drops the iterations it has no VU for`,
    );
  }
  return {
    scenario: {
      executor: 'constant-arrival-rate',
      rate: Math.round(atRate.rate * scale),
      timeUnit: `${scale}s`,
      duration: k6Duration(atRate.durationMs),
      preAllocatedVUs: Math.max(1, Math.min(traffic.maxInFlight, Math.ceil(atRate.rate))),
      maxVUs: traffic.maxInFlight,
      gracefulStop: k6Duration(traffic.timeout),
    },
    scale,
    warnings,
  };
}

/**
 * The SLO as k6 thresholds over the whole test, with firedrill's meaning (a limit holds when the measure is
 * at or under it): latency percentiles of successful requests on `http_req_duration{expected_response:true}`,
 * the error ratio as `http_req_failed` `rate`, and `dropped_iterations` `count<1` (an iteration k6 could not
 * start was never offered: the rate was not held, so the test cannot confirm it). Wrong answers, goodput,
 * TTFT and TPOT have no k6 measure here: one warning each.
 */
export function k6SloThresholds(slo: K6Slo): { thresholds: K6Threshold[]; warnings: string[] } {
  const thresholds: K6Threshold[] = [];
  for (const p of ['p50', 'p90', 'p99'] as const) {
    const limit = slo.latencyMs[p];
    if (limit === undefined) continue;
    thresholds.push({
      source: `slo.${p}`,
      metric: 'http_req_duration{expected_response:true}',
      expression: `p(${p.slice(1)})<=${limit}`,
    });
  }
  if (slo.maxErrorRatio !== undefined) {
    thresholds.push({
      source: 'slo.errorRatio',
      metric: 'http_req_failed',
      expression: `rate<=${slo.maxErrorRatio}`,
    });
  }
  thresholds.push({ source: 'rate held', metric: 'dropped_iterations', expression: 'count<1' });
  const warnings: string[] = [];
  if (slo.maxWrongAnswerRatio !== undefined) {
    warnings.push(
      'slo.wrongAnswerRatio is not exported: the k6 script checks status codes, not response bodies',
    );
  }
  if (slo.goodput !== undefined) {
    warnings.push(
      'slo.goodput is not exported: k6 has no threshold on the share of requests under a latency',
    );
  }
  if (slo.ttftP99Ms !== undefined || slo.tpotP99Ms !== undefined) {
    warnings.push(
      "slo.ttftP99/tpotP99 are not exported: k6's http module reads a stream whole, so it has no time to first token",
    );
  }
  return { thresholds, warnings };
}
