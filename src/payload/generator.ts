import { randomIndex, rngFor } from '../core/rng.ts';
import { type DriftStep, intensityAt } from '../scenario/index.ts';
import type { Payload } from '../scenario/payload.ts';
import type { PayloadRow, Reference } from './reference.ts';
import { type CompiledTransform, compileTransform } from './transforms.ts';

/**
 * Rows for each request: `batch` rows bootstrapped from the reference (uniform, with replacement) with the
 * request's own RNG, rngFor(seed, seq), then every drift step active at the request's intended offset applied
 * in order. Same (seed, seq, offset) → same rows; nothing depends on the order requests are built in.
 */
export interface PayloadGenerator {
  readonly reference: Reference;
  /** Columns sent to the model, in order. */
  readonly features: readonly string[];
  readonly batch: number;
  readonly steps: readonly DriftStep[];
  /** Rows of request `seq` sent at intended offset `offsetMs` (ms from traffic start). */
  rowsAt(seq: number, offsetMs: number): PayloadRow[];
  /** Rows of request `seq` with the given steps at the given strengths (for simulations). */
  rowsWith(seq: number, active: ReadonlyArray<{ step: DriftStep; intensity: number }>): PayloadRow[];
}

/** The fixture model's features; sent by default when the reference has them all. */
export const PENGUIN_FEATURES = [
  'bill_length_mm',
  'bill_depth_mm',
  'flipper_length_mm',
  'body_mass_g',
] as const;

export function defaultFeatures(reference: Reference): string[] {
  const names = reference.columns.map((c) => c.name);
  if (PENGUIN_FEATURES.every((f) => names.includes(f))) return [...PENGUIN_FEATURES];
  return reference.columns.filter((c) => c.type !== 'id' && c.type !== 'label').map((c) => c.name);
}

export interface GeneratorOptions {
  reference: Reference;
  payload: Pick<Payload, 'batch' | 'features'>;
  seed: number;
  steps: readonly DriftStep[];
}

export function createPayloadGenerator(options: GeneratorOptions): PayloadGenerator {
  const { reference, seed, steps } = options;
  const batch = options.payload.batch;
  const features = options.payload.features ?? defaultFeatures(reference);
  const compiled: CompiledTransform[] = steps.map((step) =>
    compileTransform(
      step.transform,
      reference,
      step.source === 'sweep' ? `payload.sweep (step ${step.index})` : `payload.drift[${step.index}]`,
    ),
  );
  const indexOf = new Map(steps.map((s, i) => [s, i]));
  const rows = reference.rows;

  function rowsWith(
    seq: number,
    active: ReadonlyArray<{ step: DriftStep; intensity: number }>,
  ): PayloadRow[] {
    const rng = rngFor(seed, seq);
    const out: PayloadRow[] = [];
    for (let r = 0; r < batch; r++) {
      let row = rows[randomIndex(rng, rows.length)]!;
      for (const { step, intensity } of active) {
        if (intensity > 0) row = compiled[indexOf.get(step)!]!(row, rng, intensity);
      }
      out.push(row);
    }
    return out;
  }

  return {
    reference,
    features,
    batch,
    steps,
    rowsWith,
    rowsAt(seq, offsetMs) {
      const active: Array<{ step: DriftStep; intensity: number }> = [];
      for (const step of steps) {
        const intensity = intensityAt(step, offsetMs);
        if (intensity > 0) active.push({ step, intensity });
      }
      return rowsWith(seq, active);
    },
  };
}
