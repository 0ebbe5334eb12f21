import { z } from 'zod';
import { duration, positiveRate } from './common.ts';

/** Traffic (`traffic`): the workload model and its stages. Open model (arrival rate) by default. */

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
  { error: 'a stage kind is "constant" or "ramp"' },
);

export const trafficSchema = z.strictObject({
  model: z.literal('open', { error: 'only the open model ("open") is available' }).default('open'),
  stages: z.array(stageSchema).min(1, { error: 'give at least one traffic stage' }),
  /** Requests slower than this are counted as timeouts, with latency = timeout. */
  timeout: duration('a request timeout').default(5000),
  /** Cap on requests in flight; sends beyond it are queued and counted as late, never dropped silently. */
  maxInFlight: z.number().int().positive().max(10_000).default(256),
  seed: z.number().int().default(1),
});
