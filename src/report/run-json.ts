/**
 * run.json, schemaVersion 1 (DESIGN.md): the machine-readable result other tools rely on.
 * The fields named in DESIGN.md keep their names and meaning; everything else is an extension.
 * Times are ISO 8601 strings (null when it did not happen); durations are milliseconds rounded to 0.1.
 */
import type { StreamingSummary } from '../traffic/types.ts';
import { isoOrNull, roundMs, roundMsOrNull, roundTo } from './format.ts';
import type { RunJson, RunJsonLatency, RunJsonPhase, RunJsonStreaming } from './run-json-schema.ts';
import type { RunOutcome } from './types.ts';

export type {
  RunJson,
  RunJsonAlert,
  RunJsonBlind,
  RunJsonCanaryWatch,
  RunJsonDrift,
  RunJsonExpectation,
  RunJsonFault,
  RunJsonFloor,
  RunJsonLatency,
  RunJsonPhase,
  RunJsonSecond,
  RunJsonStage,
  RunJsonStreaming,
  RunJsonTraffic,
  RunJsonWebhook,
} from './run-json-schema.ts';

function latency(l: { p50: number; p90: number; p99: number; max: number }): RunJsonLatency {
  return { p50: roundMs(l.p50), p90: roundMs(l.p90), p99: roundMs(l.p99), max: roundMs(l.max) };
}

function streamingJson(s: StreamingSummary): RunJsonStreaming {
  return {
    streams: s.streams,
    outputTokens: s.outputTokens,
    outputTokensPerSecond: roundTo(s.outputTokensPerSecond, 2),
    ttftMs: latency(s.ttftMs),
    itlMs: latency(s.itlMs),
    tpotMs: latency(s.tpotMs),
  };
}

export function buildRunJson(outcome: RunOutcome): RunJson {
  const t = outcome.traffic;
  const phases: Record<string, RunJsonPhase> = {};
  for (const [name, p] of Object.entries(outcome.phases)) {
    phases[name] = {
      windows: p.windows,
      seconds: p.seconds,
      sent: p.sent,
      ok: p.ok,
      errors: p.errors,
      completed: p.completed,
      errorRatio: roundTo(p.errorRatio, 6),
      wrongAnswers: p.wrongAnswers,
      wrongAnswerRatio: p.wrongAnswerRatio === null ? null : roundTo(p.wrongAnswerRatio, 6),
      throughput: roundTo(p.throughput, 2),
      late: p.late,
      maxLateMs: roundTo(p.maxLateMs, 1),
      dropped: p.dropped,
      latencyMs: { ...latency(p.latencyMs), count: p.latencyMs.count },
      ...(p.streaming ? { streaming: streamingJson(p.streaming) } : {}),
    };
  }
  return {
    schemaVersion: 1,
    runId: outcome.runId,
    scenario: outcome.scenario.name,
    startedAt: new Date(outcome.startedAt).toISOString(),
    endedAt: new Date(outcome.endedAt).toISOString(),
    verdict: outcome.verdict,
    stack: {
      prometheus: outcome.stack.prometheus,
      alertmanager: outcome.stack.alertmanager,
      embedded: outcome.stack.embedded,
      target: outcome.stack.target,
    },
    faults: outcome.faults.map((f) => ({
      id: f.id,
      kind: f.kind,
      backend: f.backend,
      injectedAt: isoOrNull(f.injectedAt),
      landedAt: isoOrNull(f.landedAt),
      revertedAt: isoOrNull(f.revertedAt),
      params: f.params,
      landedEvidence: f.landedEvidence,
      notLandedReason: f.notLandedReason,
      revertError: f.revertError,
      cleanupHint: f.cleanupHint,
    })),
    alerts: outcome.alerts.map((a) => ({
      name: a.name,
      labels: { ...a.labels },
      pendingAt: isoOrNull(a.pendingAt),
      firingAt: isoOrNull(a.firingAt),
      notifiedAt: isoOrNull(a.notifiedAt),
      resolvedAt: isoOrNull(a.resolvedAt),
      endedAt: isoOrNull(a.endedAt),
      source: a.source ?? null,
    })),
    expectations: outcome.expectations.map((e) => ({
      id: e.id,
      kind: e.kind,
      subject: e.subject,
      verdict: e.verdict,
      measuredMs: roundMsOrNull(e.measuredMs),
      budgetMs: roundMsOrNull(e.budgetMs),
      floorMs: roundMsOrNull(e.floorMs),
      detail: e.detail,
      alert: e.alert ?? null,
      labels: e.labels ? { ...e.labels } : null,
      faultId: e.faultId ?? null,
      faultKind: e.faultKind ?? null,
      ...(e.steps ? { steps: e.steps } : {}),
      ...(e.measured !== undefined ? { measured: e.measured } : {}),
      ...(e.predictedMs !== undefined ? { predictedMs: roundMsOrNull(e.predictedMs) } : {}),
      ...(e.predictedAsSentMs !== undefined ? { predictedAsSentMs: roundMsOrNull(e.predictedAsSentMs) } : {}),
    })),
    traffic:
      t === null
        ? null
        : {
            engine: t.engine,
            model: t.model,
            sent: t.sent,
            completed: t.completed,
            errors: t.errors,
            dropped: t.dropped,
            late: t.late,
            latencyMs: latency(t.latencyMs),
            timeouts: t.timeouts,
            saturated: t.saturated,
            maxLateMs: roundMs(t.maxLateMs),
            loopLagP99Ms: roundMsOrNull(t.loopLagP99Ms),
            wrongAnswers: t.wrongAnswers ?? null,
            streaming: t.streaming ? streamingJson(t.streaming) : null,
          },
    exitCode: outcome.exitCode,
    reason: outcome.reason ?? null,
    scenarioFile: outcome.scenario.file,
    description: outcome.scenario.description,
    durationMs: roundMs(outcome.endedAt - outcome.startedAt),
    phases,
    floors: outcome.floors.map((f) => ({
      alert: f.alert,
      measure: f.measure,
      floorMs: roundMs(f.floorMs),
      jitterMs: roundMs(f.jitterMs),
      explanation: f.explanation,
    })),
    predictions: outcome.predictions.map((p) => ({
      expectationId: p.expectationId,
      alert: p.alert,
      measure: p.measure,
      faultId: p.faultId,
      shape: p.shape,
      errorRatio: p.errorRatio,
      minErrorRatio: p.minErrorRatio,
      windowsMs: [...p.windowsMs],
      crossingMs: roundMsOrNull(p.crossingMs),
      predictedMs: roundMsOrNull(p.predictedMs),
      toleranceMs: roundMs(p.toleranceMs),
      ...(p.earlyToleranceMs !== undefined ? { earlyToleranceMs: roundMs(p.earlyToleranceMs) } : {}),
      explanation: p.explanation,
    })),
    blind: outcome.blind.map((b) => ({
      backend: b.backend,
      fromAt: new Date(b.fromAt).toISOString(),
      toAt: new Date(b.toAt).toISOString(),
      durationMs: roundMs(b.toAt - b.fromAt),
      reason: b.reason,
    })),
    warnings: [...outcome.warnings],
    webhook: outcome.webhook
      ? {
          accepted: outcome.webhook.accepted,
          rejected: outcome.webhook.rejected,
          rejections: outcome.webhook.rejections.map((r) => ({
            at: new Date(r.at).toISOString(),
            remoteAddress: r.remoteAddress,
            reason: r.reason,
          })),
        }
      : null,
    drift: (outcome.drift ?? []).map((d) => ({
      step: d.step,
      transform: d.transform,
      startOffsetMs: d.startMs,
      endOffsetMs: d.endMs,
      observedFrom: d.observedFrom === null ? null : new Date(d.observedFrom).toISOString(),
      observedTo: d.observedTo === null ? null : new Date(d.observedTo).toISOString(),
      features: d.rows.map((r) => ({
        feature: r.feature,
        expectedPsi: round4(r.expectedPsi),
        expectedPsiLow: round4(r.psiLow),
        expectedPsiHigh: round4(r.psiHigh),
        observedPsiMedian: r.observedPsiMedian === null ? null : round4(r.observedPsiMedian),
        observedPsiMax: r.observedPsiMax === null ? null : round4(r.observedPsiMax),
        agree: r.agree,
        detail: r.detail,
      })),
    })),
    stages: outcome.stages.map((s) => ({
      name: s.name,
      kind: s.kind,
      startAt: new Date(s.startAt).toISOString(),
      endAt: new Date(s.endAt).toISOString(),
      rateFrom: s.rateFrom,
      rateTo: s.rateTo,
    })),
    seconds: outcome.seconds.map((s) => ({
      at: new Date(s.startAt).toISOString(),
      intended: s.intended,
      sent: s.sent,
      completed: s.completed,
      errors: s.errors,
      errorRatio: roundTo(s.errorRatio, 6),
      late: s.late,
      dropped: s.dropped,
      p50Ms: roundMsOrNull(s.p50Ms),
      p99Ms: roundMsOrNull(s.p99Ms),
    })),
    ...(outcome.canaryWatches && outcome.canaryWatches.length > 0
      ? {
          canaryWatches: outcome.canaryWatches.map((w) => ({
            faultId: w.faultId,
            object: w.object,
            fromAt: new Date(w.fromAt).toISOString(),
            toAt: new Date(w.toAt).toISOString(),
            endedBy: w.endedBy,
            rolledBackAt: isoOrNull(w.rolledBackAt),
            observedAt: isoOrNull(w.observedAt),
            rolledBackAfterMs: w.rolledBackAt === null ? null : roundMs(w.rolledBackAt - w.fromAt),
            reads: w.reads,
            evidence: w.evidence,
            blind: w.blind.map((b) => ({
              fromAt: new Date(b.fromAt).toISOString(),
              toAt: new Date(b.toAt).toISOString(),
              reason: b.reason,
            })),
          })),
        }
      : {}),
    ...(outcome.prometheusLateness
      ? {
          prometheusLateness: {
            late: outcome.prometheusLateness.late,
            lateScrapes: outcome.prometheusLateness.lateScrapes.map((t) => ({ ...t })),
            missedEvaluations: outcome.prometheusLateness.missedEvaluations,
          },
        }
      : {}),
  };
}

function round4(x: number): number {
  return Number(x.toFixed(4));
}
