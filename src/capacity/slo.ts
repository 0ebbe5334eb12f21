import type { Percentile, Slo, Stability, StepMeasure, StepResult, StepVerdict } from './types.ts';

const percentiles: readonly Percentile[] = ['p50', 'p90', 'p99'];

/** True when the SLO sets at least one limit (an SLO with none cannot fail, so a search on it is refused). */
export function sloHasLimits(slo: Slo): boolean {
  return (
    percentiles.some((p) => slo.latencyMs[p] !== undefined) ||
    slo.maxErrorRatio !== undefined ||
    slo.maxWrongAnswerRatio !== undefined ||
    slo.goodput !== undefined ||
    slo.ttftP99Ms !== undefined ||
    slo.tpotP99Ms !== undefined
  );
}

/** The strictest percentile the SLO names (the one whose stability matters most), p99 when none. */
export function stabilityPercentile(slo: Slo): Percentile {
  return [...percentiles].reverse().find((p) => slo.latencyMs[p] !== undefined) ?? 'p99';
}

const ms = (v: number) => `${Number(v.toFixed(2))}ms`;
const pct = (v: number) => `${Number((v * 100).toFixed(2))}%`;

/**
 * Every limit of the SLO the measure breaks, one phrase each (empty: the SLO holds). A streamed limit with
 * nothing streamed is broken ("not measured"): a limit is never passed by absence. Pure.
 */
export function sloViolations(measure: StepMeasure, slo: Slo): string[] {
  const out: string[] = [];
  for (const p of percentiles) {
    const limit = slo.latencyMs[p];
    if (limit !== undefined && !(measure.latencyMs[p] <= limit)) {
      out.push(`${p} ${ms(measure.latencyMs[p])} > ${ms(limit)}`);
    }
  }
  if (slo.maxErrorRatio !== undefined && measure.errorRatio > slo.maxErrorRatio) {
    out.push(`errors ${pct(measure.errorRatio)} > ${pct(slo.maxErrorRatio)}`);
  }
  if (slo.maxWrongAnswerRatio !== undefined && measure.wrongAnswerRatio > slo.maxWrongAnswerRatio) {
    out.push(`wrong answers ${pct(measure.wrongAnswerRatio)} > ${pct(slo.maxWrongAnswerRatio)}`);
  }
  if (slo.goodput !== undefined && !((measure.goodput ?? 0) >= slo.goodput.min)) {
    out.push(
      `goodput ${pct(measure.goodput ?? 0)} < ${pct(slo.goodput.min)} within ${ms(slo.goodput.latencyMs)}`,
    );
  }
  for (const [key, label] of [
    ['ttftP99Ms', 'TTFT p99'],
    ['tpotP99Ms', 'TPOT p99'],
  ] as const) {
    const limit = slo[key];
    if (limit === undefined) continue;
    const value = measure[key];
    if (value === undefined) out.push(`${label} not measured (no streamed requests)`);
    else if (value > limit) out.push(`${label} ${ms(value)} > ${ms(limit)}`);
  }
  return out;
}

/** A step's verdict: only a stable measurement that meets the SLO passes. */
export function stepVerdict(stability: Stability, violations: readonly string[]): StepVerdict {
  switch (stability) {
    case 'stable':
      return violations.length === 0 ? 'pass' : 'fail';
    case 'unstable':
    case 'diverging':
    case 'overload':
      return 'fail';
    case 'generator-limited':
      return 'limited';
    case 'interrupted':
      return 'interrupted';
  }
}

/** A decided step as a result: the verdict from its stability and the SLO over its judged measure. Pure. */
export function finishStep(input: {
  load: number;
  stability: Stability;
  measure: StepMeasure | null;
  windows: StepResult['windows'];
  slo: Slo;
  startedAt: number;
  endedAt: number;
}): StepResult {
  const violations = input.measure === null ? ['nothing measured'] : sloViolations(input.measure, input.slo);
  return {
    load: input.load,
    stability: input.stability,
    verdict: stepVerdict(input.stability, violations),
    violations: input.stability === 'stable' ? violations : [input.stability, ...violations],
    measure: input.measure,
    windows: input.windows,
    startedAt: input.startedAt,
    endedAt: input.endedAt,
  };
}
