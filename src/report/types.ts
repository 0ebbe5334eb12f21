/**
 * What the reporters read: everything a finished (or failed, or interrupted) run knows, as plain data.
 * The runner assembles it from the journal and the judge's verdicts; every reporter is a pure function of it.
 * Times are epoch milliseconds.
 */

import type { DriftReport } from '../drift/observed.ts';
import type {
  AlertRecord,
  BlindPeriod,
  CanaryWatchRecord,
  DetectionFloor,
  DetectionPrediction,
  ExpectationResult,
  PrometheusScheduleReading,
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
  /**
   * When the revert began (firedrill stopped the fault), the clock of `alert-resolves`; `revertedAt` is when
   * the backend confirmed it (a killed server back and serving can take seconds). Null: never reverted;
   * absent in an outcome read back from run.json (which keeps only revertedAt).
   */
  revertingAt?: number | null;
  revertedAt: number | null;
  revertError: string | null;
  /** What a human should run when the revert failed. */
  cleanupHint: string | null;
}

/** A traffic stage as it ran: the plan's span placed on the run's clock (epoch ms). */
export interface StageSpan {
  name: string;
  /** The stage kind: constant, ramp, concurrency, concurrency-ramp. */
  kind: string;
  startAt: number;
  endAt: number;
  /** Offered rate (req/s) at the start and end of the stage; null for a closed-model stage (no rate is offered). */
  rateFrom: number | null;
  rateTo: number | null;
}

/** One second of traffic as the client saw it (one traffic window). Latencies are of ok answers, ms. */
export interface SecondStats {
  /** Epoch ms of the window's start. */
  startAt: number;
  /** Requests due in this second per the schedule (the offered load). */
  intended: number;
  sent: number;
  /** ok + errors + wrong answers. */
  completed: number;
  errors: number;
  /** errors / completed; 0 when nothing completed. */
  errorRatio: number;
  late: number;
  dropped: number;
  /** null when no request of the second was answered ok. */
  p50Ms: number | null;
  p99Ms: number | null;
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
  /** The traffic stages on the run's clock, in plan order (empty when the run never sent traffic). */
  stages: StageSpan[];
  /** Per second of traffic, in order: the timeline's client view (empty when no traffic was sent). */
  seconds: SecondStats[];
  blind: BlindPeriod[];
  warnings: string[];
  /**
   * The webhook receiver's door: notifications accepted with the run's secret, POSTs refused without it.
   * Absent when the run never listened (it errored before).
   */
  webhook?: WebhookTally;
  /** Drift steps: expected PSI band (computed before the run) vs the fixture monitor's readings. */
  drift?: DriftReport[];
  /** What each watch of a kubernetes canary's status saw (rollback expectations); absent when none ran. */
  canaryWatches?: CanaryWatchRecord[];
  /** Whether Prometheus kept its own schedule during the run; absent when it was not read. */
  prometheusLateness?: PrometheusScheduleReading;
}
