import { z } from 'zod';
import { duration, name } from './common.ts';

/**
 * What the traffic carries (`payload`): the codec follows `target.protocol`; rows are sampled from a
 * reference dataset (the fixture's penguins by default) with the traffic seed; `drift[]` transforms change
 * them on the timeline, and `sweep` expands into a series of mean shifts of growing size on one feature.
 * Optional: without it, firedrill bootstraps reference rows unchanged.
 *
 * Every drift transform has `at` (offset from traffic start), an optional `duration` (default: to the end of
 * traffic) and an optional `ramp` (the transform grows linearly from nothing to full strength over it; a
 * sudden change without). Rates and shares are per row, 0..1.
 */

const feature = z.string().min(1, { error: 'name a feature (a column of the reference)' });
const share = (what: string) =>
  z
    .number({ error: `${what}: a share of rows between 0 and 1` })
    .min(0, { error: `${what} must be at least 0` })
    .max(1, { error: `${what} must be at most 1` });
const weights = z
  .record(z.string(), z.number().nonnegative({ error: 'weights are ≥ 0' }))
  .refine((w) => Object.values(w).some((v) => v > 0), { error: 'give at least one positive weight' });

const timing = {
  /** Name for reports and `requests-rejected` phases; default `drift-<index>`. */
  id: name.optional(),
  at: duration('a drift start offset'),
  duration: duration('a drift duration').optional(),
  ramp: duration('a ramp duration').optional(),
};

export const driftTransformSchema = z.discriminatedUnion(
  'kind',
  [
    /** x + k·σ (σ: the reference's sample standard deviation of the feature). */
    z.strictObject({ kind: z.literal('mean-shift'), ...timing, feature, sigma: z.number() }),
    /** μ + f·(x − μ): the spread changes by factor f around the reference mean. */
    z.strictObject({
      kind: z.literal('scale'),
      ...timing,
      feature,
      factor: z.number().positive({ error: 'a scale factor is above 0' }),
    }),
    /** A categorical feature's values are redrawn from these weights (normalised). */
    z.strictObject({ kind: z.literal('category-mix'), ...timing, feature, weights }),
    /** A share of rows send the feature as null (JSON has no NaN). */
    z.strictObject({ kind: z.literal('missing'), ...timing, feature, rate: share('rate') }),
    /** A share of rows get values beyond the reference range: max + u·sigma·σ (u uniform in (0, 1]), or below min. */
    z.strictObject({
      kind: z.literal('out-of-range'),
      ...timing,
      feature,
      rate: share('rate'),
      sigma: z.number().positive().default(3),
      side: z.enum(['high', 'low']).default('high'),
    }),
    /** A share of rows carry a category the reference never had. */
    z.strictObject({
      kind: z.literal('new-category'),
      ...timing,
      feature,
      category: z.string().min(1),
      rate: share('rate'),
    }),
    /** Prior shift: rows are bootstrapped by class (`payload.label`) with these class weights. */
    z.strictObject({ kind: z.literal('label-shift'), ...timing, weights }),
    /** Schema breaks, each on a share of rows. */
    z.strictObject({ kind: z.literal('missing-field'), ...timing, feature, share: share('share') }),
    z.strictObject({
      kind: z.literal('wrong-type'),
      ...timing,
      feature,
      share: share('share'),
      /** What the value becomes: its text ("181") by default, or a boolean. */
      as: z.enum(['string', 'boolean']).default('string'),
    }),
    z.strictObject({
      kind: z.literal('renamed-field'),
      ...timing,
      feature,
      to: z.string().min(1),
      share: share('share'),
    }),
    z.strictObject({
      kind: z.literal('extra-field'),
      ...timing,
      field: z.string().min(1),
      value: z.union([z.number(), z.string(), z.boolean()]).default(1),
      share: share('share'),
    }),
  ],
  {
    error:
      'a drift kind is one of mean-shift, scale, category-mix, missing, out-of-range, new-category, label-shift, missing-field, wrong-type, renamed-field, extra-field',
  },
);

/** A column type in `payload.schema`: numeric, categorical, boolean, the entity id or the label. */
const columnType = z.enum(['numeric', 'categorical', 'boolean', 'id', 'label']);
const columnSchema = z.union([
  columnType,
  z.strictObject({ type: columnType, nullable: z.boolean().default(false) }),
]);

export const sweepSchema = z.strictObject({
  feature,
  sigmas: z.array(z.number()).min(1, { error: 'give at least one shift, e.g. [0.25, 0.5, 1, 2, 3]' }),
  /** How long each shift holds. */
  stepDuration: duration('a step duration'),
  /** When the first step starts. Default 0 (it still waits for the first gap to clear the window). */
  at: duration('a sweep start offset').default(0),
  /**
   * Reference traffic between steps. Default: long enough for the monitor's window to refill with reference
   * rows (windowSize / (rate · batch)) plus 10 s for the gauge update, scrape and the alert to resolve.
   */
  gap: duration('a gap between steps').optional(),
  /** Gradual steps: each shift ramps in over this. */
  ramp: duration('a ramp duration').optional(),
});

export const payloadSchema = z.strictObject({
  /** Reference dataset (CSV, JSON array or NDJSON). Default: the fixture model's reference sample. */
  reference: z.string().min(1).optional(),
  /**
   * Column types of the reference. Default: inferred from it. When given, a reference column that is not
   * named here (or a named one that is missing) is an error before any traffic.
   */
  schema: z.record(z.string(), columnSchema).optional(),
  /** Columns sent to the model, in order. Default: the fixture model's four measurements when the reference has them, else every non-id, non-label column. */
  features: z.array(z.string().min(1)).min(1).optional(),
  /** Rows per request. Default 1. */
  batch: z.number().int().min(1).max(1024).default(1),
  /** Row sampler: bootstrap (with replacement, uniform) is the only one so far. */
  sampler: z.literal('bootstrap').default('bootstrap'),
  /** The drift monitor's window, rows (for the sweep's gaps and the expected drift). Default 500 (the fixture's). */
  monitorWindow: z.number().int().min(10).max(1_000_000).default(500),
  drift: z.array(driftTransformSchema).default([]),
  sweep: sweepSchema.optional(),
  /** `raw` protocol: body template with `{{feature}}` placeholders (JSON literals), path and content type. */
  raw: z
    .strictObject({
      path: z.string().startsWith('/'),
      template: z.string().min(1),
      contentType: z.string().default('application/json'),
    })
    .optional(),
  /** OpenAI protocols: max tokens asked per request. */
  maxTokens: z.number().int().min(1).max(4096).default(16),
  /**
   * OpenAI protocols: ask for a streamed answer (`stream: true` with `stream_options.include_usage`), read as
   * server-sent events, so that the run measures time to first token, inter-token latency and time per output
   * token, and counts a malformed stream as a wrong answer. Default false (one JSON answer).
   */
  stream: z.boolean().default(false),
});

export type PayloadInput = z.input<typeof payloadSchema>;
export type Payload = z.output<typeof payloadSchema>;
export type DriftTransform = z.output<typeof driftTransformSchema>;
export type DriftTransformKind = DriftTransform['kind'];
export type Sweep = z.output<typeof sweepSchema>;
export type ColumnSchema = z.output<typeof columnSchema>;
