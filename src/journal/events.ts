/**
 * The run journal: typed events, appended in order to `events.ndjson` BEFORE the action they describe
 * acts (write-ahead). Reports are pure functions of these events. Times are epoch milliseconds (`at`).
 */
import type { RecoveryRecord } from '../../chaos/types.ts';
import type { FiredrillErrorCode } from '../core/errors.ts';
import type { DriftReport } from '../drift/observed.ts';
import type { AlertObservation, DetectionFloor, Notification } from '../evaluate/types.ts';
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
    }
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
  | { type: 'alert-observed'; at: number; observation: AlertObservation }
  | { type: 'alert-notified'; at: number; notification: Notification }
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
  | { type: 'warning'; at: number; message: string }
  | { type: 'run-errored'; at: number; code: FiredrillErrorCode; message: string; hint?: string }
  | { type: 'run-interrupted'; at: number; signal: string }
  | { type: 'run-ended'; at: number };

export type JournalEventType = JournalEvent['type'];

/** Appends events. Implementations must persist an event before `append` returns. */
export interface JournalSink {
  append(event: JournalEvent): void;
}
