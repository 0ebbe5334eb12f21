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

export const runJsonBlindSchema = z.strictObject({
  backend: z.enum(['prometheus', 'alertmanager']),
  fromAt: iso,
  toAt: iso,
  durationMs: z.number(),
  reason: z.string(),
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
  blind: z.array(runJsonBlindSchema),
  warnings: z.array(z.string()),
  /**
   * The webhook receiver: notifications (one per alert) accepted with the run's secret, POSTs refused (401)
   * without it, and the first refusals with sender and reason. null when the run never listened.
   */
  webhook: runJsonWebhookSchema.nullable(),
  drift: z.array(runJsonDriftSchema),
});

export type RunJsonLatency = z.infer<typeof runJsonLatencySchema>;
export type RunJsonFault = z.infer<typeof runJsonFaultSchema>;
export type RunJsonAlert = z.infer<typeof runJsonAlertSchema>;
export type RunJsonExpectation = z.infer<typeof runJsonExpectationSchema>;
export type RunJsonStreaming = z.infer<typeof runJsonStreamingSchema>;
export type RunJsonTraffic = z.infer<typeof runJsonTrafficSchema>;
export type RunJsonPhase = z.infer<typeof runJsonPhaseSchema>;
export type RunJsonFloor = z.infer<typeof runJsonFloorSchema>;
export type RunJsonBlind = z.infer<typeof runJsonBlindSchema>;
export type RunJsonDrift = z.infer<typeof runJsonDriftSchema>;
export type RunJsonWebhook = z.infer<typeof runJsonWebhookSchema>;
export type RunJson = z.infer<typeof runJsonSchema>;
