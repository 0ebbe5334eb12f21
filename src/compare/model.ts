/**
 * The comparison of a new run or suite with a baseline, as plain data (compare.json, schemaVersion 1): the
 * single source of the types the markdown (and any other view, e.g. an HTML report) renders. Times are ms.
 */
import { z } from 'zod';

/**
 * A time judged by the regression rule (stats.ts): medians, their difference, the bootstrap interval (null
 * with a single sample on a side), the allowance, and the outcome.
 */
const timeShiftSchema = z.object({
  method: z.enum(['bootstrap', 'single']),
  baseMedianMs: z.number(),
  newMedianMs: z.number(),
  diffMs: z.number(),
  interval: z.object({ lowMs: z.number(), highMs: z.number() }).nullable(),
  /** The alert's detection jitter (scrape + evaluation interval, from run.json floors; 0 when unknown). */
  jitterMs: z.number(),
  /** max(X, baseMedian × (Y − 1), jitterMs). */
  allowanceMs: z.number(),
  change: z.enum(['regression', 'improvement', 'same']),
});

/** regression / improvement: judged; changed: something differs that is shown, not judged; same. */
const statusSchema = z.enum(['regression', 'improvement', 'changed', 'same']);

const sideInfoSchema = z.object({
  dir: z.string(),
  kind: z.enum(['run', 'suite']),
  /** The suite's name, or the run's scenario. */
  name: z.string(),
  /** Run folders read (repeats included). */
  runs: z.number().int(),
  scenarios: z.array(z.string()),
});

/** One side's sample of an expectation: its verdicts over the runs and its measured times. */
const expectationSampleSchema = z.object({
  runs: z.number().int(),
  passed: z.number().int(),
  failed: z.number().int(),
  inconclusive: z.number().int(),
  /** Pass when every judged run passed, fail when any failed, inconclusive when none was judged. */
  verdict: z.enum(['passed', 'failed', 'inconclusive']),
  /** measuredMs of the runs that measured one (alert-fires: injection → firing; alert-resolves). */
  timesMs: z.array(z.number()),
});

const expectationChangeSchema = z.object({
  scenario: z.string(),
  id: z.string(),
  kind: z.string(),
  subject: z.string(),
  baseline: expectationSampleSchema,
  current: expectationSampleSchema,
  /** Judged on alert-fires and alert-resolves times when both sides measured one. */
  time: timeShiftSchema.nullable(),
  status: statusSchema,
  /** Why the status, one human phrase each ("passed → failed", "slower by 6s"). */
  reasons: z.array(z.string()),
});

/** One side's sample of a detection-matrix cell (scenario, fault, alert). */
const cellSampleSchema = z.object({
  /** Runs in which the fault landed, and in how many of them the alert fired in the fault's window. */
  landed: z.number().int(),
  fired: z.number().int(),
  /** The scenario expects this alert after this fault. */
  expected: z.boolean(),
  /** fired: in every landed run · silent: in none · flaky: in some · not-injected: no landed run. */
  state: z.enum(['fired', 'silent', 'flaky', 'not-injected']),
  /** Injection → firing, one per run where it fired. */
  toFiringMs: z.array(z.number()),
});

const cellChangeSchema = z.object({
  scenario: z.string(),
  faultId: z.string(),
  alert: z.string(),
  baseline: cellSampleSchema,
  current: cellSampleSchema,
  time: timeShiftSchema.nullable(),
  status: statusSchema,
  reasons: z.array(z.string()),
});

const figureChangeSchema = z.object({
  /** Per-run values of each side (p99 in ms; error ratio 0..1). */
  baseline: z.array(z.number()),
  current: z.array(z.number()),
  baseMedian: z.number().nullable(),
  newMedian: z.number().nullable(),
});

/** Client figures per phase: shown, not judged (a scenario that cares states a threshold expectation). */
const phaseChangeSchema = z.object({
  scenario: z.string(),
  phase: z.string(),
  p99Ms: figureChangeSchema,
  errorRatio: figureChangeSchema,
});

export const comparisonSchema = z.object({
  schemaVersion: z.literal(1),
  baseline: sideInfoSchema,
  current: sideInfoSchema,
  tolerance: z.object({ absMs: z.number(), factor: z.number() }),
  /** The bootstrap's seed, resamples and confidence level (same inputs and seed: same verdicts). */
  bootstrap: z.object({ seed: z.number().int(), resamples: z.number().int(), level: z.number() }),
  verdict: z.enum(['regressed', 'improved', 'unchanged']),
  regressions: z.number().int(),
  improvements: z.number().int(),
  expectations: z.array(expectationChangeSchema),
  cells: z.array(cellChangeSchema),
  phases: z.array(phaseChangeSchema),
  /** Scenarios only one side ran (not compared). */
  unmatched: z.object({ baselineOnly: z.array(z.string()), currentOnly: z.array(z.string()) }),
  warnings: z.array(z.string()),
});

export type TimeShift = z.infer<typeof timeShiftSchema>;
export type Comparison = z.infer<typeof comparisonSchema>;
export type ComparisonStatus = z.infer<typeof statusSchema>;
export type ExpectationChange = z.infer<typeof expectationChangeSchema>;
export type ExpectationSample = z.infer<typeof expectationSampleSchema>;
export type CellChange = z.infer<typeof cellChangeSchema>;
export type CellSample = z.infer<typeof cellSampleSchema>;
export type PhaseChange = z.infer<typeof phaseChangeSchema>;
export type SideInfo = z.infer<typeof sideInfoSchema>;
