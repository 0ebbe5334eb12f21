/**
 * run.json, schemaVersion 1 (DESIGN.md), as a zod schema: the single source of its TypeScript types, and
 * what `readRunDir` checks a run.json against before other tools (suite matrices, comparisons) fold over it.
 * The fields named in DESIGN.md keep their names and meaning; everything else is an extension. Objects are
 * strict: a field the schema does not know is an error, never silently dropped.
 * Times are ISO 8601 strings (null when it did not happen); durations are milliseconds rounded to 0.1.
 */
import { z } from 'zod';

const iso = z.iso.datetime();
const isoOrNull = iso.nullable();
const labels = z.record(z.string(), z.string());

export const runJsonLatencySchema = z.strictObject({
  p50: z.number(),
  p90: z.number(),
  p99: z.number(),
  max: z.number(),
});

export const runJsonFaultSchema = z.strictObject({
  id: z.string(),
  kind: z.string(),
  backend: z.string(),
  injectedAt: isoOrNull,
  landedAt: isoOrNull,
  revertedAt: isoOrNull,
  // extensions
  params: z.record(z.string(), z.unknown()),
  landedEvidence: z.string().nullable(),
  notLandedReason: z.string().nullable(),
  revertError: z.string().nullable(),
  cleanupHint: z.string().nullable(),
});

export const runJsonAlertSchema = z.strictObject({
  name: z.string(),
  labels,
  pendingAt: isoOrNull,
  firingAt: isoOrNull,
  notifiedAt: isoOrNull,
  resolvedAt: isoOrNull,
  // extensions
  /** When the episode ended, firing or not (a pending-only episode ends when it is dropped). */
  endedAt: isoOrNull,
  /** Where the times came from; `api` times are upper bounds (polling). Null when unknown. */
  source: z.enum(['alerts-series', 'api', 'notification']).nullable(),
});

export const driftStepOutcomeSchema = z.strictObject({
  id: z.string(),
  sigma: z.number().nullable(),
  startMs: z.number(),
  endMs: z.number(),
  required: z.boolean(),
  outcome: z.enum(['fired', 'late', 'missed', 'already-firing', 'blind', 'not-reached']),
  detectedAfterMs: z.number().nullable(),
});

export const runJsonExpectationSchema = z.strictObject({
  id: z.string(),
  kind: z.enum([
    'alert-fires',
    'alert-resolves',
    'alert-silent',
    'threshold',
    'promql',
    'drift-detected',
    'requests-rejected',
    'rollback',
  ]),
  subject: z.string(),
  verdict: z.enum(['passed', 'failed', 'inconclusive']),
  measuredMs: z.number().nullable(),
  budgetMs: z.number().nullable(),
  floorMs: z.number().nullable(),
  detail: z.string(),
  // extensions
  /** The alert the expectation is about, and the label matchers it was given; null when not about an alert. */
  alert: z.string().nullable(),
  labels: labels.nullable(),
  /** The fault the expectation counts from (`after`), and its kind; null when not tied to a fault. */
  faultId: z.string().nullable(),
  faultKind: z.string().nullable(),
  /** drift-detected: the per-step sensitivity table (detected or not, and when, per magnitude). */
  steps: z.array(driftStepOutcomeSchema).optional(),
  /** threshold and requests-rejected: the measured value. */
  measured: z.number().optional(),
  /**
   * alert-fires after an error fault whose rule has a recognised error-ratio shape: the predicted detection
   * time beside measuredMs and floorMs (null: predicted never to fire). Absent otherwise, and in files
   * written before predictions existed.
   */
  predictedMs: z.number().nullable().optional(),
  /**
   * The same arithmetic over the traffic as sent (the journal's per-second status codes from the fault's
   * actual injection: errors before the fault, such as load-shedding 503s, and the real send rate count).
   */
  predictedAsSentMs: z.number().nullable().optional(),
});

/** Streaming figures, all timed from each request's intended start (TTFT) or between tokens (ITL, TPOT). */
export const runJsonStreamingSchema = z.strictObject({
  /** Streams that finished ok. */
  streams: z.number(),
  outputTokens: z.number(),
  /** Output tokens per second of the span covered, 2 decimals. */
  outputTokensPerSecond: z.number(),
  ttftMs: runJsonLatencySchema,
  itlMs: runJsonLatencySchema,
  tpotMs: runJsonLatencySchema,
});

export const runJsonTrafficSchema = z.strictObject({
  engine: z.string(),
  model: z.enum(['open', 'closed']),
  sent: z.number(),
  completed: z.number(),
  errors: z.number(),
  dropped: z.number(),
  late: z.number(),
  latencyMs: runJsonLatencySchema,
  // extensions
  timeouts: z.number(),
  saturated: z.boolean(),
  maxLateMs: z.number(),
  /** p99 event-loop lag of the generator, when measured. */
  loopLagP99Ms: z.number().nullable(),
  /** 2xx answers that failed validation (in `completed`, not in `errors`); null when responses were not checked. */
  wrongAnswers: z.number().nullable(),
  /** Streamed (OpenAI SSE) requests; null when nothing was streamed. */
  streaming: runJsonStreamingSchema.nullable(),
});

export const runJsonPhaseSchema = z.strictObject({
  windows: z.number(),
  seconds: z.number(),
  sent: z.number(),
  ok: z.number(),
  errors: z.number(),
  /** ok + errors + wrong answers. */
  completed: z.number(),
  /** errors / completed, 6 decimals. */
  errorRatio: z.number(),
  /** 2xx answers that failed validation; null when the phase's responses were not checked. */
  wrongAnswers: z.number().nullable(),
  /** wrongAnswers / completed, 6 decimals; null when not checked. */
  wrongAnswerRatio: z.number().nullable(),
  /** Completed requests per second, 2 decimals. */
  throughput: z.number(),
  late: z.number(),
  /** Largest lateness of a send in the phase, ms, 1 decimal (absent in run.json written before it was kept). */
  maxLateMs: z.number().optional(),
  dropped: z.number(),
  latencyMs: runJsonLatencySchema.extend({ count: z.number() }),
  /** Present when some of the phase's requests were streamed. */
  streaming: runJsonStreamingSchema.optional(),
});

export const runJsonFloorSchema = z.strictObject({
  alert: z.string(),
  measure: z.enum(['firing', 'notified']),
  floorMs: z.number(),
  jitterMs: z.number(),
  explanation: z.string(),
});

/** One predicted detection time (evaluate/predict.ts); ms from the fault's injection. */
export const runJsonPredictionSchema = z.strictObject({
  expectationId: z.string(),
  alert: z.string(),
  measure: z.enum(['firing', 'notified']),
  faultId: z.string(),
  shape: z.enum(['plain-ratio', 'burn-rate']),
  /** The fault's error ratio, 0..1. */
  errorRatio: z.number(),
  /** The rule cannot fire at or below this error ratio. */
  minErrorRatio: z.number(),
  windowsMs: z.array(z.number()),
  /** When the rule's conditions first hold (and hold through `for`); null: never. */
  crossingMs: z.number().nullable(),
  /** Earliest firing (or notification); null: never in this run. */
  predictedMs: z.number().nullable(),
  /** Scrape + evaluation interval: a measured time within [predicted, predicted + tolerance] agrees. */
  toleranceMs: z.number(),
  /** A measured time down to this much before the prediction agrees too (scrape × k/e). */
  earlyToleranceMs: z.number().optional(),
  explanation: z.string(),
});

export const runJsonBlindSchema = z.strictObject({
  backend: z.enum(['prometheus', 'alertmanager']),
  fromAt: iso,
  toAt: iso,
  durationMs: z.number(),
  reason: z.string(),
});

/**
 * The watch of a kubernetes canary object's status from its fault's injection (what `rollback` expectations
 * there are judged from): when it rolled back as the controller says, why the watch stopped, blind spans.
 */
export const runJsonCanaryWatchSchema = z.strictObject({
  faultId: z.string(),
  object: z.string(),
  fromAt: iso,
  toAt: iso,
  endedBy: z.enum(['rollback', 'deadline', 'fault-reverting', 'run-ended', 'interrupted']),
  rolledBackAt: isoOrNull,
  observedAt: isoOrNull,
  /** From the injection to the rollback, ms; null when none was seen. */
  rolledBackAfterMs: z.number().nullable(),
  reads: z.number(),
  evidence: z.string(),
  blind: z.array(z.strictObject({ fromAt: iso, toAt: iso, reason: z.string() })),
});

/**
 * Whether Prometheus kept its own schedule during the run (detection times and predictions assume it did):
 * `late` when a target's scrapes came at least twice their usual interval apart or a rule group evaluation
 * was skipped; `missedEvaluations` null when Prometheus does not scrape its own metrics.
 */
export const runJsonPrometheusLatenessSchema = z.strictObject({
  late: z.boolean(),
  lateScrapes: z.array(
    z.strictObject({ job: z.string(), instance: z.string(), intervalMs: z.number(), maxGapMs: z.number() }),
  ),
  missedEvaluations: z.number().int().nullable(),
});

/** Per drift step: expected PSI (median and 5th–95th band, computed before the run) vs observed. */
export const runJsonDriftSchema = z.strictObject({
  step: z.string(),
  transform: z.string(),
  startOffsetMs: z.number(),
  endOffsetMs: z.number(),
  observedFrom: isoOrNull,
  observedTo: isoOrNull,
  features: z.array(
    z.strictObject({
      feature: z.string(),
      expectedPsi: z.number(),
      expectedPsiLow: z.number(),
      expectedPsiHigh: z.number(),
      observedPsiMedian: z.number().nullable(),
      observedPsiMax: z.number().nullable(),
      agree: z.boolean(),
      detail: z.string(),
    }),
  ),
});

export const runJsonWebhookSchema = z.strictObject({
  accepted: z.number().int(),
  rejected: z.number().int(),
  rejections: z.array(
    z.strictObject({
      at: iso,
      remoteAddress: z.string(),
      reason: z.enum(['missing-secret', 'wrong-secret']),
    }),
  ),
});

/** A traffic stage on the run's clock; rates in req/s, null for a closed-model stage. */
export const runJsonStageSchema = z.strictObject({
  name: z.string(),
  kind: z.string(),
  startAt: iso,
  endAt: iso,
  rateFrom: z.number().nullable(),
  rateTo: z.number().nullable(),
});

/** One second of traffic (one window) as the client saw it; latencies of ok answers, ms, null when none. */
export const runJsonSecondSchema = z.strictObject({
  at: iso,
  intended: z.number(),
  sent: z.number(),
  completed: z.number(),
  errors: z.number(),
  /** errors / completed, 6 decimals. */
  errorRatio: z.number(),
  late: z.number(),
  dropped: z.number(),
  p50Ms: z.number().nullable(),
  p99Ms: z.number().nullable(),
});

export const runJsonSchema = z.strictObject({
  schemaVersion: z.literal(1),
  runId: z.string(),
  /** Scenario name. */
  scenario: z.string(),
  startedAt: iso,
  endedAt: iso,
  verdict: z.enum(['passed', 'failed', 'inconclusive', 'errored', 'aborted']),
  stack: z.strictObject({
    prometheus: z.string(),
    alertmanager: z.string(),
    embedded: z.boolean(),
    target: z.string(),
  }),
  faults: z.array(runJsonFaultSchema),
  alerts: z.array(runJsonAlertSchema),
  expectations: z.array(runJsonExpectationSchema),
  traffic: runJsonTrafficSchema.nullable(),
  // extensions
  exitCode: z.number().int(),
  /** Why the run errored or was aborted; null otherwise. */
  reason: z.string().nullable(),
  scenarioFile: z.string(),
  description: z.string(),
  durationMs: z.number(),
  /** Phase name → stats, in plan order. */
  phases: z.record(z.string(), runJsonPhaseSchema),
  floors: z.array(runJsonFloorSchema),
  /** Predicted detection times of error-ratio alerts (absent in files written before them). */
  predictions: z.array(runJsonPredictionSchema).optional(),
  blind: z.array(runJsonBlindSchema),
  warnings: z.array(z.string()),
  /**
   * The webhook receiver: notifications (one per alert) accepted with the run's secret, POSTs refused (401)
   * without it, and the first refusals with sender and reason. null when the run never listened.
   */
  webhook: runJsonWebhookSchema.nullable(),
  drift: z.array(runJsonDriftSchema),
  /**
   * The traffic stages and the per-second client view (the HTML report's timeline). Always written; optional
   * so that a run.json written before they existed still reads (schemaVersion 1 only grows).
   */
  stages: z.array(runJsonStageSchema).optional(),
  seconds: z.array(runJsonSecondSchema).optional(),
  /** Written when the run watched a kubernetes canary's status (rollback expectations there). */
  canaryWatches: z.array(runJsonCanaryWatchSchema).optional(),
  /** Written when the run read Prometheus's own schedule after its traffic (absent in older files). */
  prometheusLateness: runJsonPrometheusLatenessSchema.optional(),
});

export type RunJsonLatency = z.infer<typeof runJsonLatencySchema>;
export type RunJsonFault = z.infer<typeof runJsonFaultSchema>;
export type RunJsonAlert = z.infer<typeof runJsonAlertSchema>;
export type RunJsonExpectation = z.infer<typeof runJsonExpectationSchema>;
export type RunJsonStreaming = z.infer<typeof runJsonStreamingSchema>;
export type RunJsonTraffic = z.infer<typeof runJsonTrafficSchema>;
export type RunJsonPhase = z.infer<typeof runJsonPhaseSchema>;
export type RunJsonFloor = z.infer<typeof runJsonFloorSchema>;
export type RunJsonPrediction = z.infer<typeof runJsonPredictionSchema>;
export type RunJsonBlind = z.infer<typeof runJsonBlindSchema>;
export type RunJsonCanaryWatch = z.infer<typeof runJsonCanaryWatchSchema>;
export type RunJsonDrift = z.infer<typeof runJsonDriftSchema>;
export type RunJsonWebhook = z.infer<typeof runJsonWebhookSchema>;
export type RunJsonStage = z.infer<typeof runJsonStageSchema>;
export type RunJsonSecond = z.infer<typeof runJsonSecondSchema>;
export type RunJson = z.infer<typeof runJsonSchema>;
