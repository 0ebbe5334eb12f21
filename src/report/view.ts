/**
 * One derived view of a finished run, shared by every reporter (CLI table, summary.md, junit.xml, run.json,
 * report.html):
 * the outcome, its run.json form, and the interpretations a renderer must not work out for itself.
 */
import { buildRunJson, type RunJson } from './run-json.ts';
import type { RunOutcome } from './types.ts';

/** Event-loop lag p99 (ms) under which a late generator is taken to be waiting for the host's CPU, not for itself. */
export const HOST_CONTENTION_LAG_MS = 5;

/**
 * Why the load generator's figures may describe the generator rather than the server:
 * - `closed-saturated`: closed model, the generator was saturated (its lag is inside the latencies);
 * - `behind-host-bound`: open model, sends were late while the generator's own loop kept up (lag under
 *   HOST_CONTENTION_LAG_MS): it waited for a CPU, the host is busy;
 * - `behind-generator-bound`: open model, late sends and a lagging loop: the generator itself fell behind.
 */
export type GeneratorDiagnosis =
  | { kind: 'closed-saturated'; loopLagP99Ms: number | null }
  | {
      kind: 'behind-host-bound' | 'behind-generator-bound';
      late: number;
      sent: number;
      maxLateMs: number;
      loopLagP99Ms: number | null;
    };

export interface RunView {
  outcome: RunOutcome;
  /** The run.json document (schemaVersion 1). */
  json: RunJson;
  /** Null when the generator kept its schedule (or no traffic was sent). */
  generator: GeneratorDiagnosis | null;
}

export function diagnoseGenerator(traffic: RunOutcome['traffic']): GeneratorDiagnosis | null {
  if (traffic === null || !traffic.saturated) return null;
  const loopLagP99Ms = traffic.loopLagP99Ms ?? null;
  if (traffic.model === 'closed') return { kind: 'closed-saturated', loopLagP99Ms };
  const hostBound = traffic.loopLagP99Ms !== undefined && traffic.loopLagP99Ms < HOST_CONTENTION_LAG_MS;
  return {
    kind: hostBound ? 'behind-host-bound' : 'behind-generator-bound',
    late: traffic.late,
    sent: traffic.sent,
    maxLateMs: traffic.maxLateMs,
    loopLagP99Ms,
  };
}

export function buildRunView(outcome: RunOutcome): RunView {
  return { outcome, json: buildRunJson(outcome), generator: diagnoseGenerator(outcome.traffic) };
}
