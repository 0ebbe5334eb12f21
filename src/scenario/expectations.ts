import { z } from 'zod';
import { duration, labels, name } from './common.ts';

/** Expectations (`expect[]`): a discriminated union on `kind`. */
const alertRef = {
  alert: z
    .string()
    .regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/, { error: 'expected an alert name like ModelLatencyP99High' }),
  /** Only alert instances carrying all of these labels count. */
  labels: labels.optional(),
};

/** Threshold metrics measured on streamed answers only (ms): a scenario must stream to use them. */
export const STREAMED_METRICS = ['ttft-p50', 'ttft-p99', 'tpot-p99'] as const;
export type StreamedMetric = (typeof STREAMED_METRICS)[number];

/** True for ttft-p50, ttft-p99, tpot-p99. */
export function isStreamedMetric(metric: string): metric is StreamedMetric {
  return (STREAMED_METRICS as readonly string[]).includes(metric);
}

export const expectationSchema = z.discriminatedUnion(
  'kind',
  [
    z.strictObject({
      kind: z.literal('alert-fires'),
      id: name.optional(),
      ...alertRef,
      /** The fault whose injection starts the clock. */
      after: name,
      within: duration('a detection budget'),
      /** Measure to the firing time in Prometheus (default) or to Alertmanager's webhook notification. */
      measure: z.enum(['firing', 'notified']).default('firing'),
    }),
    z.strictObject({
      kind: z.literal('alert-resolves'),
      id: name.optional(),
      ...alertRef,
      /** The fault whose revert starts the clock. */
      after: name,
      within: duration('a resolution budget'),
    }),
    z.strictObject({
      kind: z.literal('alert-silent'),
      id: name.optional(),
      ...alertRef,
      /** Silent for the whole run (default), or only while the named fault is active. */
      during: z.union([z.literal('run'), name]).default('run'),
    }),
    z.strictObject({
      kind: z.literal('threshold'),
      id: name.optional(),
      /** A stage name, "baseline" (before the first fault), "fault" (any fault active), "recovery", or "run". */
      phase: z.string().min(1),
      /**
       * Latency percentiles of the successful requests (ms); error-ratio = errors / completed; wrong-answer-ratio
       * = 2xx answers that failed `traffic.validate` / completed; throughput = completed per second;
       * ttft-p50/ttft-p99 (time to first token from intended start) and tpot-p99 (time per output token), ms,
       * for streamed payloads (`payload.stream`).
       */
      metric: z.enum(
        ['p50', 'p90', 'p99', 'max', 'error-ratio', 'wrong-answer-ratio', 'throughput', ...STREAMED_METRICS],
        {
          error:
            'metric is one of p50, p90, p99, max (ms), error-ratio, wrong-answer-ratio (0..1), throughput (req/s), ttft-p50, ttft-p99, tpot-p99 (ms, streamed payloads)',
        },
      ),
      op: z.enum(['<', '<=', '>', '>=']),
      value: z.number(),
    }),
    z.strictObject({
      kind: z.literal('drift-detected'),
      id: name.optional(),
      ...alertRef,
      /** The drifted feature: the alert instance must carry `feature="<this>"` (and any other `labels`). */
      feature: z.string().min(1),
      /** Per drift step on this feature (each `payload.drift[]` entry or `payload.sweep` step): budget from its start. */
      within: duration('a detection budget'),
      /**
       * Sweeps: steps whose |sigma| is below this are measured and reported but need not fire (the
       * sensitivity table); default: every step must fire.
       */
      minSigma: z.number().nonnegative().optional(),
    }),
    z.strictObject({
      kind: z.literal('requests-rejected'),
      id: name.optional(),
      /** The HTTP status that rejects a malformed request. */
      status: z.number().int().min(400).max(599).default(400),
      /** At least this share of the completed requests in `phase` got `status`. */
      minShare: z.number().min(0).max(1),
      /** At most this share (default 1). */
      maxShare: z.number().min(0).max(1).default(1),
      /** A phase as for thresholds, or the id of a `payload.drift[]` entry (its active span). */
      phase: z.string().min(1),
    }),
    z.strictObject({
      kind: z.literal('rollback'),
      id: name.optional(),
      /** The bad-canary fault whose injection starts the clock. */
      after: name,
      /**
       * rollback: the canary's weight must reach 0 by an abort of the rollout controller within this budget of
       * the injection; none: no abort within it (a good canary must not be rolled back).
       */
      within: duration('a rollback budget'),
      expect: z.enum(['rollback', 'none'], { error: 'expect is "rollback" or "none"' }).default('rollback'),
    }),
    z
      .strictObject({
        kind: z.literal('promql'),
        id: name.optional(),
        /** A PromQL expression; a comparison filters series, so an empty result is false. */
        expr: z
          .string()
          .trim()
          .min(1, { error: 'expr is a PromQL expression like up{job="model-server"} == 1' }),
        /** The window: a phase as for thresholds… */
        phase: z.string().min(1).optional(),
        /** …or from this fault's revert to the end of observation (or to `within`). */
        after: name.optional(),
        /** `throughout`: a non-empty result at every evaluation step of the window; `eventually`: at one. */
        holds: z.enum(['throughout', 'eventually'], { error: 'holds is "throughout" or "eventually"' }),
        /** Cuts the window to its first `within` (eventually: the budget, measured from the window start). */
        within: duration('a budget').optional(),
      })
      .superRefine((e, ctx) => {
        if ((e.phase === undefined) === (e.after === undefined)) {
          ctx.addIssue({
            code: 'custom',
            path: e.phase === undefined ? ['phase'] : ['after'],
            message:
              'give the window as either phase (baseline, fault, recovery, run or a stage name) or after (a fault id, counted from its revert), not both or neither',
          });
        }
        if (e.holds === 'eventually' && e.after !== undefined && e.within === undefined) {
          ctx.addIssue({
            code: 'custom',
            path: ['within'],
            message: `"eventually" after a fault needs a budget: within, e.g. "20s" from ${e.after}'s revert`,
          });
        }
      }),
  ],
  {
    error:
      'an expectation kind is "alert-fires", "alert-resolves", "alert-silent", "threshold", "drift-detected", "requests-rejected", "rollback" or "promql"',
  },
);
