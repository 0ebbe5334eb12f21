import { FiredrillError } from '../core/index.ts';
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
 * Intended start offsets (ms from traffic start, ascending) of every request, lazily.
 *
 * One cumulative rate function Λ(t) runs across all stages; arrival k (k = 0, 1, 2, …) is due at
 * Λ⁻¹(k). A constant stage gives evenly spaced arrivals Δ = 1000/rate ms apart; a ramp from `a` to
 * `b` over T seconds has Λ(τ) = a·τ + (b−a)·τ²/(2T), inverted in the cancellation-free form
 * τ = 2m / (a + √(a² + 2(b−a)m/T)) (works for ramps up, down and from 0). The arrival counter carries
 * across stage boundaries, so no arrival is duplicated or lost where stages meet.
 * Offsets are strictly less than the total duration. Pure; allocates nothing per arrival.
 */
export function* arrivalOffsets(stages: readonly TrafficStage[]): Generator<number, void, undefined> {
  const issues = validateStages(stages);
  if (issues.length > 0) {
    throw new FiredrillError('FD_USAGE', `invalid traffic stages: ${issues.join('; ')}`);
  }
  let k = 0; // next arrival number
  let cumulative = 0; // Λ at the start of the current stage
  let stageStartMs = 0;
  for (const stage of stages) {
    const durationMs = stage.durationMs;
    const seconds = durationMs / 1000;
    const a = stage.kind === 'constant' ? stage.rate : stage.from;
    const b = stage.kind === 'constant' ? stage.rate : stage.to;
    const total = stageArrivals(stage);
    if (total > 0 && seconds > 0) {
      const c = (b - a) / (2 * seconds); // Λ(τ) = a·τ + c·τ²
      for (;;) {
        const m = Math.max(0, k - cumulative);
        const disc = a * a + 4 * c * m;
        if (disc < 0) break; // past the end of a ramp down
        const denominator = a + Math.sqrt(disc);
        const tau = m === 0 ? 0 : denominator > 0 ? (2 * m) / denominator : Number.POSITIVE_INFINITY;
        const offsetMs = tau * 1000;
        if (!(offsetMs < durationMs)) break;
        yield stageStartMs + offsetMs;
        k += 1;
      }
    }
    cumulative += total;
    stageStartMs += durationMs;
  }
}
