import { FiredrillError } from '../core/index.ts';
import { type ArrivalProcess, arrivalIssues, peakArrivalsWithin, unitArrivals } from './arrivals.ts';
import type { TrafficRunOptions } from './types.ts';

/** One stage of an open-model schedule (rates in requests per second). */
export type TrafficStage = TrafficRunOptions['stages'][number];

/** Total scheduled time of the stages, ms. */
export function stagesDurationMs(stages: readonly TrafficStage[]): number {
  let total = 0;
  for (const stage of stages) total += stage.durationMs;
  return total;
}

/** Λ of one stage: the expected number of arrivals (area under the rate curve). */
function stageArrivals(stage: TrafficStage): number {
  const seconds = stage.durationMs / 1000;
  switch (stage.kind) {
    case 'constant':
      return stage.rate * seconds;
    case 'ramp':
      return ((stage.from + stage.to) / 2) * seconds;
  }
}

/** Expected arrivals over all stages (the schedule yields ⌈this⌉ of them, give or take rounding at stage ends). */
export function expectedArrivals(stages: readonly TrafficStage[]): number {
  let total = 0;
  for (const stage of stages) total += stageArrivals(stage);
  return total;
}

/** Every problem with the stages (all of them, not the first); empty when they can be scheduled. */
export function validateStages(stages: readonly TrafficStage[]): string[] {
  const issues: string[] = [];
  const rate = (where: string, value: number) => {
    if (!Number.isFinite(value) || value < 0)
      issues.push(`${where}: rate must be a finite number ≥ 0, got ${value}`);
  };
  stages.forEach((stage, index) => {
    const where = `stages[${index}]`;
    if (!Number.isFinite(stage.durationMs) || stage.durationMs < 0) {
      issues.push(`${where}: durationMs must be a finite number ≥ 0, got ${stage.durationMs}`);
    }
    if (stage.kind === 'constant') rate(`${where}.rate`, stage.rate);
    else {
      rate(`${where}.from`, stage.from);
      rate(`${where}.to`, stage.to);
    }
  });
  return issues;
}

/**
 * Offset (ms from the stage's start) where the stage's own Λ reaches `m`, or undefined when it does not
 * within the stage. A ramp from `a` to `b` over T seconds has Λ(τ) = a·τ + (b−a)·τ²/(2T), inverted in
 * the cancellation-free form τ = 2m / (a + √(a² + 2(b−a)m/T)) (works for ramps up, down and from 0).
 */
function invertWithin(stage: TrafficStage, m: number): number | undefined {
  const durationMs = stage.durationMs;
  const seconds = durationMs / 1000;
  if (!(seconds > 0) || !(stageArrivals(stage) > 0)) return undefined;
  const a = stage.kind === 'constant' ? stage.rate : stage.from;
  const b = stage.kind === 'constant' ? stage.rate : stage.to;
  const c = (b - a) / (2 * seconds); // Λ(τ) = a·τ + c·τ²
  const disc = a * a + 4 * c * m;
  if (disc < 0) return undefined; // past the end of a ramp down
  const denominator = a + Math.sqrt(disc);
  const tau = m === 0 ? 0 : denominator > 0 ? (2 * m) / denominator : Number.POSITIVE_INFINITY;
  const offsetMs = tau * 1000;
  return offsetMs < durationMs ? offsetMs : undefined;
}

/**
 * Intended start offsets (ms from traffic start, ascending) of every request, lazily.
 *
 * One cumulative rate function Λ(t) runs across all stages; arrival i is due at Λ⁻¹(mᵢ), where mᵢ are the
 * arrival process's targets in operational time (see arrivals.ts): 0, 1, 2, … for `uniform` (the default:
 * a constant stage gives evenly spaced arrivals Δ = 1000/rate ms apart), sums of Exp(1) gaps for
 * `poisson`, of Gamma(k, 1/k) gaps for `gamma`. The targets carry across stage boundaries, so no arrival
 * is duplicated or lost where stages meet. A `trace` yields its recorded offsets (÷ speed) instead.
 * Offsets are strictly less than the total duration. Allocates nothing per arrival.
 */
export function* arrivalOffsets(
  stages: readonly TrafficStage[],
  arrival: ArrivalProcess = UNIFORM,
): Generator<number, void, undefined> {
  const issues = [...validateStages(stages), ...arrivalIssues(arrival)];
  if (issues.length > 0) {
    throw new FiredrillError('FD_USAGE', `invalid traffic stages: ${issues.join('; ')}`);
  }
  if (arrival.kind === 'trace') {
    const totalMs = stagesDurationMs(stages);
    const speed = arrival.speed ?? 1;
    for (const offset of arrival.offsetsMs) {
      const at = offset / speed;
      if (!(at < totalMs)) return;
      yield at;
    }
    return;
  }
  let index = 0; // current stage
  let cumulative = 0; // Λ at the start of the current stage
  let stageStartMs = 0;
  for (const target of unitArrivals(arrival)) {
    for (;;) {
      const stage = stages[index];
      if (stage === undefined) return;
      const offsetMs = invertWithin(stage, Math.max(0, target - cumulative));
      if (offsetMs !== undefined) {
        yield stageStartMs + offsetMs;
        break;
      }
      cumulative += stageArrivals(stage);
      stageStartMs += stage.durationMs;
      index += 1;
    }
  }
}

const UNIFORM: ArrivalProcess = { kind: 'uniform' };

/** Highest rate (req/s) any stage reaches. */
export function peakRate(stages: readonly TrafficStage[]): number {
  let peak = 0;
  for (const stage of stages) {
    peak = Math.max(peak, stage.kind === 'constant' ? stage.rate : Math.max(stage.from, stage.to));
  }
  return peak;
}

/**
 * Refusal of an in-flight cap that cannot carry the offered load (checked before the run).
 *
 * The rule: maxInFlight ≥ ⌈peak rate × timeout⌉. The timeout is the longest a request can hold an
 * in-flight slot, so by Little's law (L = λ·W) a server answering at the timeout holds λ × timeout requests
 * in flight. Below that, the moment a fault pushes latency toward the timeout the engine's own send queue
 * grows without bound (at λ − maxInFlight/timeout per second) and the run measures the generator's queue,
 * not the server. For a trace the peak is exact: the most arrivals inside any timeout-long window. For
 * Poisson and gamma arrivals the rule uses the stage rate (the mean); bursts above it queue and are
 * counted as late.
 */
export function capacityIssues(options: {
  stages: readonly TrafficStage[];
  timeoutMs: number;
  maxInFlight: number;
  arrival?: ArrivalProcess;
}): string[] {
  const { stages, timeoutMs, maxInFlight } = options;
  const arrival = options.arrival ?? UNIFORM;
  const timeoutS = timeoutMs / 1000;
  if (arrival.kind === 'trace') {
    const speed = arrival.speed ?? 1;
    const scaled = arrival.offsetsMs.map((offset) => offset / speed);
    const need = peakArrivalsWithin(scaled, timeoutMs, stagesDurationMs(stages));
    if (maxInFlight >= need) return [];
    return [
      `maxInFlight ${maxInFlight} cannot carry the trace: it has ${need} arrivals within ${timeoutS}s (the timeout), ` +
        `so a server answering at the timeout holds ${need} requests in flight (Little's law, L = λ·W); ` +
        `raise maxInFlight to ≥ ${need} or lower the timeout`,
    ];
  }
  const peak = peakRate(stages);
  const need = Math.ceil(peak * timeoutS - 1e-9);
  if (maxInFlight >= need) return [];
  const maxTimeoutS = Math.floor((maxInFlight / peak) * 1000) / 1000;
  return [
    `maxInFlight ${maxInFlight} cannot carry ${peak} req/s with a ${timeoutS}s timeout: a server answering at the ` +
      `timeout holds ${peak} × ${timeoutS} = ${need} requests in flight (Little's law, L = λ·W) and the send queue ` +
      `would grow without bound; raise maxInFlight to ≥ ${need} or lower the timeout to ≤ ${maxTimeoutS}s`,
  ];
}

/**
 * An arrival schedule (offsets in ms, ascending) that can look ahead without losing arrivals: `next()` yields
 * the offsets in order, looked-ahead ones included.
 */
export class ScheduleCursor {
  private readonly ahead: number[] = [];

  constructor(private readonly offsets: Iterator<number>) {}

  next(): number | undefined {
    if (this.ahead.length > 0) return this.ahead.shift();
    const next = this.offsets.next();
    return next.done ? undefined : next.value;
  }

  /**
   * The last offset, among the ones after `first` still to come from `next()`, that is at most `spanMs` after
   * `first`, looking at most `limit` arrivals ahead; `first` itself when none is. The open engine wakes there
   * once for the whole group: no arrival in it goes out before its time, none more than `spanMs` after it.
   */
  lastWithin(first: number, spanMs: number, limit: number): number {
    let last = first;
    for (let i = 0; i < limit; i += 1) {
      if (i === this.ahead.length) {
        const next = this.offsets.next();
        if (next.done) break;
        this.ahead.push(next.value);
      }
      const offset = this.ahead[i] as number;
      if (offset > first + spanMs) break;
      last = offset;
    }
    return last;
  }
}
