/**
 * The run journal: typed events, appended in order to `events.ndjson` BEFORE the action they describe
 * acts (write-ahead). Reports are pure functions of these events. Times are epoch milliseconds (`at`).
 */
import type { RecoveryRecord } from '../../chaos/types.ts';
import type { ConfiguratorSpec } from '../configure/spec.ts';
import type { Settings } from '../configure/types.ts';
import type { FiredrillErrorCode } from '../core/errors.ts';
import type { DriftReport } from '../drift/observed.ts';
import type {
  AlertObservation,
  CanaryWatchRecord,
  DetectionFloor,
  DetectionPrediction,
  Notification,
  PrometheusScheduleReading,
  PromqlSamples,
  RejectedNotification,
} from '../evaluate/types.ts';
import type { Scenario } from '../scenario/schema.ts';
import type { EngineSummary, TrafficWindow } from '../traffic/types.ts';

export type JournalEvent =
  | {
      type: 'run-started';
      at: number;
      runId: string;
      scenario: string;
      scenarioFile: string;
      planEndMs: number;
      /** The scenario as validated (overrides applied): the plan is rebuilt from it. Absent in old journals. */
      definition?: Scenario;
      /** The target the run was asked to test (reported when no stack was reached). */
      target?: string;
    }
  /** An embedded-stack component is about to be spawned (write-ahead: a crash right after leaves this). */
  | {
      type: 'component-starting';
      at: number;
      name: string;
      command: string[];
      logFile: string;
      dataDir: string;
    }
  /** It was spawned: `firedrill recover` stops it (pid and start time must still match) if the run died. */
  | { type: 'component-started'; at: number; name: string; pid: number; startTicks: number | null }
  | {
      type: 'stack-ready';
      at: number;
      prometheus: string;
      alertmanager: string;
      target: string;
      embedded: boolean;
      /** Components this run started (an owned embedded stack): `firedrill recover` stops them if the run died. */
      ownedPids?: Array<{ name: string; pid: number }>;
    }
  | {
      type: 'preflight';
      at: number;
      floors: DetectionFloor[];
      warnings: string[];
      /** Expectations whose budget is below their floor: the run stops here and sends nothing. */
      belowFloor?: string[];
      /** Predicted detection times of error-ratio alerts (absent in journals written before them). */
      predictions?: DetectionPrediction[];
    }
  | { type: 'traffic-started'; at: number; engine: string; model: 'open' | 'closed' }
  | {
      type: 'fault-injecting';
      at: number;
      id: string;
      kind: string;
      backend: string;
      params: Record<string, unknown>;
    }
  | { type: 'fault-recovery'; at: number; id: string; recovery: RecoveryRecord }
  | {
      type: 'fault-injected';
      at: number;
      id: string /** What to run by hand if the revert fails. */;
      cleanup?: string;
    }
  | { type: 'fault-landed'; at: number; id: string; evidence: string }
  | { type: 'fault-not-landed'; at: number; id: string; reason: string }
  | { type: 'fault-inject-failed'; at: number; id: string; error: string }
  | { type: 'fault-reverting'; at: number; id: string }
  | { type: 'fault-reverted'; at: number; id: string }
  | { type: 'fault-recovered'; at: number; id: string; detail: string }
  | { type: 'fault-revert-failed'; at: number; id: string; error: string; cleanup: string }
  /**
   * The watch of a canary object's status began at the fault's injection (a kubernetes bad-canary that a
   * `rollback` expectation follows); it stops by `deadline` (epoch ms) at the latest.
   */
  | { type: 'canary-watch-started'; at: number; faultId: string; object: string; deadline: number }
  /** The watch ended: what it saw, the input of the `rollback` verdict. */
  | ({ type: 'canary-watch-ended'; at: number } & CanaryWatchRecord)
  /**
   * A server configuration is about to be applied (write-ahead): the configurator as data and the original
   * settings, so `firedrill recover` can put them back if the process dies before `configuration-restored`.
   */
  | {
      type: 'configuration-applying';
      at: number;
      id: string;
      target: string;
      spec: ConfiguratorSpec;
      original: Settings;
      settings: Settings;
    }
  | { type: 'configuration-applied'; at: number; id: string }
  | { type: 'configuration-apply-failed'; at: number; id: string; error: string }
  | { type: 'configuration-restoring'; at: number; id: string }
  | { type: 'configuration-restored'; at: number; id: string }
  | { type: 'configuration-restore-failed'; at: number; id: string; error: string }
  /** `firedrill recover` put the original settings back. */
  | { type: 'configuration-recovered'; at: number; id: string; detail: string }
  | { type: 'alert-observed'; at: number; observation: AlertObservation }
  | { type: 'alert-notified'; at: number; notification: Notification }
  /** A webhook POST refused (401) for want of the run's secret; the first REJECTIONS_KEPT of a run only. */
  | { type: 'notification-rejected'; at: number; rejection: RejectedNotification }
  /** The webhook receiver closed: notifications it accepted (one per alert) and POSTs it refused. */
  | { type: 'webhook-closed'; at: number; accepted: number; rejected: number }
  | {
      type: 'backend-blind';
      at: number;
      backend: 'prometheus' | 'alertmanager';
      fromAt: number;
      toAt: number;
      reason: string;
    }
  | { type: 'traffic-window'; at: number; window: TrafficWindow }
  | { type: 'traffic-summary'; at: number; summary: EngineSummary }
  | { type: 'drift-observed'; at: number; reports: DriftReport[] }
  /** Whether Prometheus kept its own schedule during the run, read after it (see evaluate/prometheus-lateness). */
  | { type: 'prometheus-lateness'; at: number; reading: PrometheusScheduleReading }
  /** A `promql` expectation's range query over its window (or why it could not be made), read after the run. */
  | ({ type: 'promql-samples'; at: number } & PromqlSamples)
  | { type: 'warning'; at: number; message: string }
  | { type: 'run-errored'; at: number; code: FiredrillErrorCode; message: string; hint?: string }
  | { type: 'run-interrupted'; at: number; signal: string }
  | { type: 'run-ended'; at: number }
  /**
   * A suite's own journal (suite folder): it records the stack the suite holds (component events) between
   * these two, so `firedrill recover` can stop what a killed suite left; each run keeps its own journal.
   */
  | { type: 'suite-started'; at: number; suiteId: string; name: string }
  | { type: 'suite-ended'; at: number };

export type JournalEventType = JournalEvent['type'];

/** Every event type, in the order a run meets them (to check a type named at run time). */
export const journalEventTypes = [
  'run-started',
  'component-starting',
  'component-started',
  'stack-ready',
  'preflight',
  'traffic-started',
  'fault-injecting',
  'fault-recovery',
  'fault-injected',
  'fault-landed',
  'fault-not-landed',
  'fault-inject-failed',
  'fault-reverting',
  'fault-reverted',
  'fault-recovered',
  'fault-revert-failed',
  'canary-watch-started',
  'canary-watch-ended',
  'configuration-applying',
  'configuration-applied',
  'configuration-apply-failed',
  'configuration-restoring',
  'configuration-restored',
  'configuration-restore-failed',
  'configuration-recovered',
  'alert-observed',
  'alert-notified',
  'notification-rejected',
  'webhook-closed',
  'backend-blind',
  'traffic-window',
  'traffic-summary',
  'drift-observed',
  'prometheus-lateness',
  'promql-samples',
  'warning',
  'run-errored',
  'run-interrupted',
  'run-ended',
  'suite-started',
  'suite-ended',
] as const satisfies readonly JournalEventType[];

/** Compile-time check: `journalEventTypes` lists every JournalEventType (else this is not `true`). */
export const journalEventTypesComplete: [
  Exclude<JournalEventType, (typeof journalEventTypes)[number]>,
] extends [never]
  ? true
  : never = true;

/** Appends events. Implementations must persist an event before `append` returns. */
export interface JournalSink {
  append(event: JournalEvent): void;
}
