import { z } from 'zod';

/**
 * capacity.json (schemaVersion 1): the machine-readable result of `firedrill capacity`. Rates req/s,
 * latencies ms from intended start, ratios 0..1, times ISO. Extend freely; renaming or removing a field
 * bumps schemaVersion.
 *
 * `unit` says what the search varied, and so what its LOAD fields count: `rate` (req/s, open model) or
 * `concurrency` (virtual users, closed model). The load fields keep their first names: `settings.startRate`,
 * `settings.maxRate`, `steps[].rate`, `capacity`, `answer.highestPass`, `answer.lowestFail`,
 * `knee.point.offered`, `alerts[].lowestRate`. Throughputs (`achieved`, `achievedAtCapacity`) are req/s in
 * both. Files written before `unit` existed are rate searches (the default).
 */

/** What a search varied: the offered rate (req/s) or the number of concurrent virtual users. */
export const loadUnitSchema = z.enum(['rate', 'concurrency']);

const percentiles = z.strictObject({ p50: z.number(), p90: z.number(), p99: z.number() });

const windowSchema = z.strictObject({
  offered: z.number(),
  achieved: z.number(),
  sent: z.number(),
  completed: z.number(),
  late: z.number(),
  /** Largest lateness of a send, ms (absent in files written before it was recorded). */
  maxLateMs: z.number().optional(),
  errors: z.number(),
  timeouts: z.number(),
  wrongAnswers: z.number(),
  latencyMs: percentiles,
});

const measureSchema = windowSchema.extend({
  errorRatio: z.number(),
  wrongAnswerRatio: z.number(),
  lateRatio: z.number(),
  goodput: z.number().nullable(),
  maxLatencyMs: z.number(),
  ttftP99Ms: z.number().optional(),
  tpotP99Ms: z.number().optional(),
  outputTokensPerSecond: z.number().optional(),
});

export const stepSchema = z.strictObject({
  /** The step's load in the result's `unit`: offered req/s, or virtual users. */
  rate: z.number(),
  stability: z.enum(['stable', 'unstable', 'diverging', 'overload', 'generator-limited', 'interrupted']),
  verdict: z.enum(['pass', 'fail', 'limited', 'interrupted']),
  violations: z.array(z.string()),
  measure: measureSchema.nullable(),
  windows: z.array(windowSchema),
  startedAt: z.string(),
  endedAt: z.string(),
});

const curvePoint = z.strictObject({ offered: z.number(), achieved: z.number(), latencyMs: z.number() });

export const searchResultSchema = z.strictObject({
  /** The fault held during this search (capacity under fault), or null. */
  fault: z.string().nullable(),
  answer: z.strictObject({
    status: z.enum(['found', 'above-max', 'below-start', 'generator-limited', 'budget', 'interrupted']),
    highestPass: z.number().nullable(),
    lowestFail: z.number().nullable(),
  }),
  /** The SLO capacity: the highest passing load (req/s, or users: see `unit`), null when none passed. */
  capacity: z.number().nullable(),
  /**
   * Throughput achieved at the SLO capacity, req/s (completed per second over its judged windows; for a
   * concurrency search, what those users achieved: cost is priced on it). Null when none passed; absent in
   * files written before it existed.
   */
  achievedAtCapacity: z.number().nullable().optional(),
  knee: z.strictObject({ point: curvePoint.nullable(), beyond: z.enum(['slope', 'cliff', 'none']) }),
  cost: z.strictObject({ per1kInferences: z.number(), per1MOutputTokens: z.number().nullable() }).nullable(),
  alerts: z.array(
    z.strictObject({
      alert: z.string(),
      lowestRate: z.number(),
      shareOfCapacity: z.number().nullable(),
      timing: z.enum(['early', 'late', 'unknown']),
      /** How far back before each firing the load was looked for, ms; null: the rule could not be read. */
      lookbackMs: z.number().nullable().optional(),
    }),
  ),
  steps: z.array(stepSchema),
  /** Seconds of traffic the search sent (its probe time). */
  probeSeconds: z.number(),
});

export const configurationResultSchema = z.strictObject({
  label: z.string(),
  settings: z.record(z.string(), z.union([z.number(), z.string(), z.boolean()])),
  healthy: searchResultSchema,
  /** With --fault: the same search while the fault was held. */
  underFault: searchResultSchema.optional(),
  /** underFault capacity / healthy capacity. */
  headroom: z.number().nullable().optional(),
});

export const capacityJsonSchema = z.strictObject({
  schemaVersion: z.literal(1),
  /** What the search varied, and so what every load field counts (see above). */
  unit: loadUnitSchema.default('rate'),
  id: z.string(),
  scenario: z.string(),
  target: z.string(),
  startedAt: z.string(),
  endedAt: z.string(),
  status: z.enum(['completed', 'interrupted', 'errored']),
  reason: z.string().optional(),
  slo: z.strictObject({
    latencyMs: z.strictObject({
      p50: z.number().optional(),
      p90: z.number().optional(),
      p99: z.number().optional(),
    }),
    maxErrorRatio: z.number().optional(),
    maxWrongAnswerRatio: z.number().optional(),
    goodput: z.strictObject({ min: z.number(), latencyMs: z.number() }).optional(),
    ttftP99Ms: z.number().optional(),
    tpotP99Ms: z.number().optional(),
  }),
  settings: z.strictObject({
    startRate: z.number(),
    maxRate: z.number(),
    maxDurationMs: z.number(),
    precision: z.number(),
    repeats: z.number(),
    warmupMs: z.number(),
    windowMs: z.number(),
    stableWindows: z.number(),
    maxWindows: z.number(),
    tolerance: z.number(),
    percentile: z.enum(['p50', 'p90', 'p99']),
    /** Traffic threads that shared each step's schedule (`--workers`; absent in files written before: 1). */
    workers: z.number().default(1),
  }),
  pricing: z.strictObject({ pricePerHour: z.number(), replicas: z.number() }).nullable(),
  configurator: z.string().nullable(),
  configurations: z.array(configurationResultSchema),
  /** The sweep stopped early: the last configurations with an answer gained under the early-exit gain. */
  earlyExit: z.boolean(),
  /** Labels of the configurations the max duration left no time to search (absent: none). */
  notSearched: z.array(z.string()).optional(),
  /** Index in `configurations` of the recommended one (cheapest meeting the SLO), null when none passed. */
  recommendation: z.number().nullable(),
});

export type CapacityJson = z.infer<typeof capacityJsonSchema>;
export type SearchResultJson = z.infer<typeof searchResultSchema>;
export type ConfigurationResultJson = z.infer<typeof configurationResultSchema>;
