import { z } from 'zod';
import { duration, name } from '../scenario/common.ts';

/**
 * A suite file (`export default defineSuite({...})`): a named catalogue of scenarios run on one stack.
 * `scenarios` are paths relative to the suite file (files or folders of *.ts). Validated like a scenario:
 * every issue with its path.
 */
export const suiteSchema = z.strictObject({
  name,
  description: z.string().min(1, { error: 'say in one sentence what this suite checks' }).optional(),
  scenarios: z
    .array(z.string().min(1, { error: 'a scenario path, like "../scenarios/latency-spike.ts"' }), {
      error: 'expected a list of scenario files or folders',
    })
    .min(1, { error: 'a suite needs at least one scenario' }),
  /** Runs of each scenario (detection time is a distribution); `--repeat` overrides. */
  repeat: z
    .number({ error: 'expected a whole number of runs' })
    .int({ error: 'expected a whole number of runs' })
    .min(1, { error: 'repeat is at least 1' })
    .max(100, { error: 'repeat is at most 100' })
    .default(1),
  /** Alerts allowed to be active at the quiescence gate (always-on alerts of the environment). */
  known: z.array(z.string().min(1)).default([]),
  /** How long the quiescence gate before each scenario may wait (default 90s). */
  gateTimeout: duration('a gate timeout').default(90_000),
  /**
   * The longest rule range window the gate waits out after a run's last revert (default 30s). Rules that
   * look back further (an SLO's 1h window) cannot be cleared between scenarios: the suite names them.
   */
  windowCap: duration('a window cap').default(30_000),
  /**
   * The client-side SLO that defines "users were hurt" for impact-to-detection: p99 latency of successful
   * requests and error ratio per one-second window. Default: each scenario's own p99 / error-ratio
   * thresholds on "baseline" or "run".
   */
  slo: z
    .strictObject({
      p99: duration('a p99 latency').optional(),
      errorRatio: z
        .number({ error: 'expected an error ratio between 0 and 1' })
        .min(0, { error: 'an error ratio is at least 0' })
        .max(1, { error: 'an error ratio is at most 1' })
        .optional(),
    })
    .optional(),
  /** A baseline suite folder to compare with (`--baseline` overrides). */
  baseline: z.string().min(1).optional(),
});

export type Suite = z.output<typeof suiteSchema>;
export type SuiteInput = z.input<typeof suiteSchema>;

/** Marks a suite file's default export; returns it unchanged (validated when firedrill loads it). */
export function defineSuite(suite: SuiteInput): SuiteInput {
  return suite;
}
