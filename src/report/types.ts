/**
 * What the reporters read: everything a finished (or failed, or interrupted) run knows, as plain data.
 * The runner assembles it from the journal and the judge's verdicts; every reporter is a pure function of it.
 * Times are epoch milliseconds.
 */

import type { DriftReport } from '../drift/observed.ts';
import type {
  AlertRecord,
  BlindPeriod,
  DetectionFloor,
  DetectionPrediction,
  ExpectationResult,
  WebhookTally,
} from '../evaluate/types.ts';
import type { EngineSummary, PhaseStats } from '../traffic/types.ts';

/** Run verdict: the three expectation verdicts, plus `errored` (could not judge) and `aborted` (interrupted). */
export type RunVerdict = 'passed' | 'failed' | 'inconclusive' | 'errored' | 'aborted';

/** One fault's life as the run saw it. `null` means "did not happen" (or not known). */
export interface FaultOutcome {
  id: string;
  kind: string;
  backend: string;
  params: Record<string, unknown>;
  injectedAt: number | null;
  landedAt: number | null;
  /** How `landed()` confirmed it, e.g. "pid 4242 gone". */
  landedEvidence: string | null;
  notLandedReason: string | null;
  revertedAt: number | null;
  revertError: string | null;
  /** What a human should run when the revert failed. */
  cleanupHint: string | null;
}

export interface RunOutcome {
  runId: string;
  scenario: { name: string; description: string; file: string };
  startedAt: number;
  endedAt: number;
  verdict: RunVerdict;
  exitCode: number;
  /** Why the run errored or was aborted, as a human sentence. */
  reason?: string;
  stack: { prometheus: string; alertmanager: string; target: string; embedded: boolean };
  faults: FaultOutcome[];
  alerts: AlertRecord[];
  floors: DetectionFloor[];
  /** Predicted detection times of error-ratio alerts after error faults (evaluate/predict.ts). */
  predictions: DetectionPrediction[];
  expectations: ExpectationResult[];
  traffic: EngineSummary | null;
  /** Phase name → stats, in plan order. */
  phases: Record<string, PhaseStats>;
  blind: BlindPeriod[];
  warnings: string[];
  /**
   * The webhook receiver's door: notifications accepted with the run's secret, POSTs refused without it.
   * Absent when the run never listened (it errored before).
   */
  webhook?: WebhookTally;
  /** Drift steps: expected PSI band (computed before the run) vs the fixture monitor's readings. */
  drift?: DriftReport[];
}
