import { z } from 'zod';
import { assertNever } from '../core/errors.ts';
import { peakRate, type TrafficStage } from '../traffic/schedule.ts';
import { duration, positiveRate } from './common.ts';

/**
 * Traffic (`traffic`): the workload model and its stages. Open model (arrival rate) by default, with
 * `constant`/`ramp` stages; the closed model (`model: 'closed'`, fixed concurrency) takes `concurrency`/
 * `concurrency-ramp` stages. Before the run, an in-flight cap that cannot carry the offered rate is refused
 * (maxInFlight ≥ ⌈peak rate × timeout⌉, Little's law; see traffic/schedule.ts `capacityIssues`).
 */

const vus = z
  .number({ error: 'expected a number of virtual users' })
  .int({ error: 'virtual users are a whole number' })
  .nonnegative()
  .max(10_000, { error: 'more than 10000 virtual users is beyond one generator' });

export const stageSchema = z.discriminatedUnion(
  'kind',
  [
    z.strictObject({
      kind: z.literal('constant'),
      name: z.string().optional(),
      rate: positiveRate,
      duration: duration('a stage duration'),
    }),
    z.strictObject({
      kind: z.literal('ramp'),
      name: z.string().optional(),
      from: z.number().nonnegative({ error: 'a ramp starts at 0 req/s or more' }),
      to: positiveRate,
      duration: duration('a stage duration'),
    }),
  ],
  { error: 'a stage kind is "constant" or "ramp" (open model)' },
);

/** Closed-model stages: `vus` virtual users, each looping request → response (see traffic/closed-engine.ts). */
export const closedStageSchema = z.discriminatedUnion(
  'kind',
  [
    z.strictObject({
      kind: z.literal('concurrency'),
      name: z.string().optional(),
      vus: vus.positive({ error: 'a concurrency stage needs at least 1 virtual user' }),
      duration: duration('a stage duration'),
    }),
    z.strictObject({
      kind: z.literal('concurrency-ramp'),
      name: z.string().optional(),
      from: vus,
      to: vus,
      duration: duration('a stage duration'),
    }),
  ],
  { error: 'a closed-model stage kind is "concurrency" or "concurrency-ramp"' },
);

/**
 * Any stage, open or closed. A discriminated union of the two unions (not `z.union`): zod then picks the
 * variant by `kind`, so a ramp missing `to` still says "expected a rate…" at `stages[i].to`, and an unknown
 * kind names all four. Whether the kinds fit `model` is checked by the traffic schema's superRefine.
 */
export const anyStageSchema = z.discriminatedUnion('kind', [stageSchema, closedStageSchema], {
  error:
    'a stage kind is "constant" or "ramp" (open model), or "concurrency" or "concurrency-ramp" (closed model)',
});

export type OpenStage = z.output<typeof stageSchema>;
export type ClosedStage = z.output<typeof closedStageSchema>;

/** How arrivals are spaced within each open-model stage's rate (see traffic/arrivals.ts). */
export const arrivalSchema = z.discriminatedUnion(
  'kind',
  [
    z.strictObject({ kind: z.literal('uniform') }),
    z.strictObject({ kind: z.literal('poisson') }),
    z.strictObject({
      kind: z.literal('gamma'),
      /** k: gaps have CV 1/√k (k < 1 bursty, 1 Poisson, > 1 regular). */
      shape: z.number().positive({ error: 'the gamma shape is above 0 (1 is Poisson, below 1 burstier)' }),
    }),
    z.strictObject({
      kind: z.literal('trace'),
      /** A recorded trace: one ms offset or ISO-8601 timestamp per line, or a JSON array. Read before the run. */
      file: z.string().min(1),
      speed: z.number().positive({ error: 'the replay speed is above 0 (2 = twice as fast)' }).default(1),
    }),
  ],
  { error: 'an arrival kind is "uniform", "poisson", "gamma" or "trace"' },
);

/** Response validation under load (see traffic/validate.ts); the protocol defaults to the target's. */
export const validationSchema = z.strictObject({
  outputs: z
    .array(
      z.strictObject({
        name: z.string().min(1),
        datatype: z.string().optional(),
        shape: z.array(z.number().int().nonnegative().nullable()).optional(),
      }),
    )
    .optional(),
  predicate: z
    .custom<(body: unknown) => boolean | string>((value) => typeof value === 'function', {
      error: 'predicate is a function (body) => true | false | reason',
    })
    .optional(),
});

const OPEN_KINDS = new Set(['constant', 'ramp']);

const trafficFields = z.strictObject({
  model: z
    .enum(['open', 'closed'], { error: 'the model is "open" (arrival rate) or "closed" (concurrency)' })
    .default('open'),
  stages: z.array(anyStageSchema).min(1, { error: 'give at least one traffic stage' }),
  /** Open model only: spacing of arrivals within each stage's rate. */
  arrival: arrivalSchema.default({ kind: 'uniform' }),
  /** Requests slower than this are counted as timeouts, with latency = timeout. */
  timeout: duration('a request timeout').default(5000),
  /**
   * Open model only: cap on requests in flight; sends beyond it are queued and counted as late, never
   * dropped silently. Default: enough for the peak rate at the timeout (rate × timeout, at least 256, at
   * most 10000). The closed model has no such cap: its stages' `vus` are the concurrency.
   */
  maxInFlight: z.number().int().positive().max(10_000).optional(),
  seed: z.number().int().default(1),
  /** Check every 2xx body; wrong answers are counted apart from HTTP errors. */
  validate: validationSchema.optional(),
});

type TrafficCommon = Omit<z.output<typeof trafficFields>, 'model' | 'stages' | 'arrival' | 'maxInFlight'>;

/** Open-model traffic (arrival rate): rate stages, an arrival process and an in-flight cap (defaulted). */
export type OpenTraffic = TrafficCommon & {
  model: 'open';
  stages: OpenStage[];
  arrival: z.output<typeof arrivalSchema>;
  maxInFlight: number;
};

/** Closed-model traffic (fixed concurrency): concurrency stages only; no arrival process, no in-flight cap. */
export type ClosedTraffic = TrafficCommon & { model: 'closed'; stages: ClosedStage[] };

export type Traffic = OpenTraffic | ClosedTraffic;

export const trafficSchema = trafficFields
  .superRefine((traffic, ctx) => {
    const open = traffic.model === 'open';
    traffic.stages.forEach((stage, index) => {
      if (OPEN_KINDS.has(stage.kind) !== open) {
        ctx.addIssue({
          code: 'custom',
          path: ['stages', index, 'kind'],
          message: open
            ? `"${stage.kind}" is a closed-model stage; the open model takes "constant" or "ramp" (or set model: "closed")`
            : `"${stage.kind}" is an open-model stage; the closed model takes "concurrency" or "concurrency-ramp"`,
        });
      }
    });
    if (!open && traffic.arrival.kind !== 'uniform') {
      ctx.addIssue({
        code: 'custom',
        path: ['arrival'],
        message: 'arrival processes belong to the open model; a closed model has no arrival schedule',
      });
    }
    if (!open && traffic.maxInFlight !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['maxInFlight'],
        message:
          "maxInFlight belongs to the open model; in the closed model the stages' vus are the concurrency (leave it out)",
      });
    }
  })
  .transform(({ model, stages, arrival, maxInFlight, ...common }): Traffic => {
    // The superRefine above has checked that every stage's kind belongs to `model`.
    if (model === 'closed') return { ...common, model, stages: stages as ClosedStage[] };
    const open = stages as OpenStage[];
    return {
      ...common,
      model,
      stages: open,
      arrival,
      maxInFlight: maxInFlight ?? defaultMaxInFlight(rateStages(open), common.timeout),
    };
  });

/** The open-model stages as the schedule takes them (rates in req/s, durations in ms); other kinds are skipped. */
export function rateStages(stages: ReadonlyArray<OpenStage | ClosedStage>): TrafficStage[] {
  return stages.flatMap((stage): TrafficStage[] => {
    switch (stage.kind) {
      case 'constant':
        return [{ kind: 'constant', rate: stage.rate, durationMs: stage.duration }];
      case 'ramp':
        return [{ kind: 'ramp', from: stage.from, to: stage.to, durationMs: stage.duration }];
      case 'concurrency':
      case 'concurrency-ramp':
        return [];
      default:
        return assertNever(stage, 'stage kind');
    }
  });
}

/** rate × timeout requests can be in flight when the server answers at the timeout (Little's law). */
function defaultMaxInFlight(stages: readonly TrafficStage[], timeoutMs: number): number {
  return Math.min(10_000, Math.max(256, Math.ceil((peakRate(stages) * timeoutMs) / 1000)));
}
