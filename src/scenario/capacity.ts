import { z } from 'zod';
import { duration, positiveRate } from './common.ts';

/**
 * The `capacity` block: how `firedrill capacity` searches the highest load that meets the SLO (bracket ×2
 * from the start, bisect to `precision`), how each step is measured (warm-up, then `window`-long windows
 * until the last `stableWindows` agree within ±`tolerance`, at most `maxWindows`), its bounds (the max load,
 * `maxDuration`), and optionally the server configurations to sweep. `firedrill run` ignores it.
 *
 * The load follows the traffic's model: an open-model scenario searches a request rate (`startRate`,
 * `maxRate`, req/s), a closed-model one (`traffic.model: 'closed'`) the number of concurrent virtual users
 * (`startConcurrency`, `maxConcurrency`). Giving the other model's bounds is refused (references.ts); the
 * bounds left out take `CAPACITY_LOAD_DEFAULTS`, printed before the search starts.
 */

/** The load bounds a capacity block leaves out: rates in req/s, concurrency in virtual users. */
export const CAPACITY_LOAD_DEFAULTS = {
  startRate: 10,
  maxRate: 2000,
  startConcurrency: 1,
  maxConcurrency: 256,
} as const;

/** Most virtual users one generator runs (the closed engine's limit). */
export const MAX_VIRTUAL_USERS = 10_000;

const users = (what: string) =>
  z
    .number({ error: `expected ${what} as a number of virtual users` })
    .int({ error: 'virtual users are a whole number' })
    .min(1, { error: `${what} is at least 1 virtual user` })
    .max(MAX_VIRTUAL_USERS, {
      error: `more than ${MAX_VIRTUAL_USERS} virtual users is beyond one generator`,
    });

const ratio = (what: string) =>
  z
    .number({ error: `expected ${what} as a ratio 0..1 (0.01 = 1 %)` })
    .min(0, { error: `${what} is a ratio 0..1` })
    .max(1, { error: `${what} is a ratio 0..1` });

/**
 * A setting value: a number (batch sizes, delays, instance counts). One type, so a value of the wrong type is
 * refused where it is written (the configurator contract also carries strings and booleans; a scenario
 * gives numbers).
 */
const settingValue = z.number({ error: 'a setting value is a number, e.g. maxBatchSize: 8' });

export const capacitySchema = z
  .strictObject({
    /** The SLO a rate must meet; at least one limit. Latencies are from each request's intended start. */
    slo: z
      .strictObject({
        p50: duration('a latency limit').optional(),
        p90: duration('a latency limit').optional(),
        p99: duration('a latency limit').optional(),
        errorRatio: ratio('the error ratio').optional(),
        wrongAnswerRatio: ratio('the wrong-answer ratio').optional(),
        /** Goodput: at least `min` of the requests ok within `latency`. */
        goodput: z
          .strictObject({ min: ratio('goodput'), latency: duration('a per-request latency limit') })
          .optional(),
        ttftP99: duration('a time-to-first-token limit').optional(),
        tpotP99: duration('a time-per-output-token limit').optional(),
      })
      .refine((slo) => Object.values(slo).some((v) => v !== undefined), {
        error: 'an SLO needs at least one limit, e.g. { p99: "50ms", errorRatio: 0.01 }',
      }),
    /** Open model: first rate of the bracket and highest rate ever offered, req/s (defaults 10 and 2000). */
    startRate: positiveRate.optional(),
    maxRate: positiveRate.optional(),
    /** Closed model: first and highest number of concurrent virtual users (defaults 1 and 256). */
    startConcurrency: users('startConcurrency').optional(),
    maxConcurrency: users('maxConcurrency').optional(),
    /** The whole search (every configuration) stops when this is spent. */
    maxDuration: duration('a duration').default(600_000),
    /** `bisect`: bracket ×2 then bisect; `linear`: a brute-force sweep in steps of precision × maxRate (for checking). */
    strategy: z.enum(['bisect', 'linear'], { error: 'strategy is "bisect" or "linear"' }).default('bisect'),
    precision: z
      .number()
      .gt(0, { error: 'precision is a ratio above 0 (0.02 = 2 %)' })
      .max(0.5)
      .default(0.02),
    repeats: z.number().int().min(1).max(5, { error: 'at most 5 repeats' }).default(1),
    warmup: duration('a warm-up').default(2_000),
    window: duration('a measurement window').default(2_000),
    stableWindows: z.number().int().min(2, { error: 'at least 2 windows must agree' }).max(10).default(3),
    maxWindows: z.number().int().min(2).max(60).default(8),
    tolerance: z.number().gt(0).max(1).default(0.1),
    /**
     * Open model: fewest requests a measurement window holds: at low rates a window spans more seconds, so
     * its p99 is not the one slowest request (default 100). A closed-model step's windows are `window` long.
     */
    minWindowRequests: z.number().int().min(1).max(100_000).default(100),
    /** Open model: late sends (> 1 ms after their time) / sent above which a step is generator-limited. */
    maxLateRatio: ratio('the late-send ratio').default(0.01),
    /** Quiet time after a failed step, so the server drains the queue it built before the next step. */
    cooldown: duration('a cool-down').default(3_000),
    /** p99 event-loop lag of the generator (ms) above which a step is generator-limited. */
    maxLoopLag: duration('a loop lag').default(20),
    /** What applies each configuration (required with `configurations`). */
    configurator: z
      .looseObject({
        kind: z.enum(['fixture', 'triton', 'kubernetes', 'command'], {
          error: 'a configurator is one of fixture, triton, kubernetes, command',
        }),
      })
      .optional(),
    /** Configurations to sweep: a list of settings, or a grid (every combination, the first name slowest). */
    configurations: z
      .union([
        z.array(z.record(z.string(), settingValue)).min(1, { error: 'give at least one configuration' }),
        z.strictObject({
          grid: z.record(z.string(), z.array(settingValue).min(1, { error: 'give at least one value' })),
        }),
      ])
      .optional(),
    /** Stop the sweep when the last `window` configurations each gained under `minGain` (Model Analyzer's rule). */
    earlyExit: z
      .strictObject({
        window: z.number().int().min(1).default(2),
        minGain: z.number().min(0).max(10).default(0.05),
      })
      .default({ window: 2, minGain: 0.05 }),
    /** Cost: USD per hour per replica (`--price-per-hour` overrides). */
    price: z
      .strictObject({ perHour: z.number().positive(), replicas: z.number().int().min(1).default(1) })
      .optional(),
  })
  .superRefine((c, ctx) => {
    const d = CAPACITY_LOAD_DEFAULTS;
    for (const [start, max, unit] of [
      ['startRate', 'maxRate', ''],
      ['startConcurrency', 'maxConcurrency', ' users'],
    ] as const) {
      if (c[start] === undefined && c[max] === undefined) continue;
      const from = c[start] ?? d[start];
      const to = c[max] ?? d[max];
      const defaulted = (key: typeof start | typeof max) => (c[key] === undefined ? ' (default)' : '');
      if (to < from) {
        ctx.addIssue({
          code: 'custom',
          path: [c[max] === undefined ? start : max],
          message: `${max} ${to}${unit}${defaulted(max)} is below ${start} ${from}${unit}${defaulted(start)}: the search could not take a step`,
        });
      }
    }
    if (c.maxWindows < c.stableWindows) {
      ctx.addIssue({
        code: 'custom',
        path: ['maxWindows'],
        message: `maxWindows ${c.maxWindows} is below stableWindows ${c.stableWindows}: no step could be stable`,
      });
    }
    if (c.window % 1000 !== 0 || c.warmup % 1000 !== 0) {
      ctx.addIssue({
        code: 'custom',
        path: [c.window % 1000 !== 0 ? 'window' : 'warmup'],
        message: 'a capacity window and warm-up are whole seconds (the engine measures per second)',
      });
    }
    if (c.configurations !== undefined && c.configurator === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['configurator'],
        message: 'configurations need a configurator to apply them, e.g. { kind: "fixture" }',
      });
    }
  });

export type CapacityBlock = z.output<typeof capacitySchema>;
