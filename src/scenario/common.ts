import { z } from 'zod';
import { parseDuration } from '../core/duration.ts';

/** Building blocks shared by the scenario schema's parts. Durations are parsed into milliseconds here. */

export const duration = (what: string) =>
  z.string({ error: `expected ${what} like "30s", "250ms" or "2m"` }).transform((text, ctx) => {
    const ms = parseDuration(text);
    if (ms === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: `expected ${what} like "30s", "250ms" or "2m", got "${text}"`,
      });
      return z.NEVER;
    }
    return ms;
  });

export const positiveRate = z
  .number({ error: 'expected a rate in requests per second (a number)' })
  .positive({ error: 'the rate must be above 0 requests per second' })
  .max(100_000, { error: 'rates above 100000 req/s are beyond one generator; use k6-operator for more' });

export const name = z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, {
  error: 'use lower-case letters, digits, ".", "_" and "-" (like "latency-spike")',
});

export const labels = z.record(z.string(), z.string());
