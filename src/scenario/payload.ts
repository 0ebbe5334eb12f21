import { z } from 'zod';

/**
 * What the traffic carries (`payload`): the codec follows `target.protocol`; rows are sampled from a
 * reference dataset (the fixture's penguins by default) with a seed; `drift[]` transforms change them
 * on the timeline. Optional: without it, firedrill bootstraps reference rows unchanged.
 */
export const payloadSchema = z.strictObject({
  /** Reference dataset (CSV, JSON array or NDJSON). Default: the fixture model's reference sample. */
  reference: z.string().min(1).optional(),
});

export type PayloadInput = z.input<typeof payloadSchema>;
export type Payload = z.output<typeof payloadSchema>;
