import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { faultParams } from '../../chaos/index.ts';
import { FiredrillError, formatError } from '../core/errors.ts';
import type {
  AlertObservation,
  BlindPeriod,
  CanaryWatchRecord,
  DetectionFloor,
  DetectionPrediction,
  Notification,
  PrometheusScheduleReading,
  PromqlSamples,
  RejectedNotification,
  WebhookTally,
} from '../evaluate/index.ts';
import { type JournalEvent, parseJournal } from '../journal/index.ts';
import { type FaultOutcome, type RunOutcome, writeReports } from '../report/index.ts';
import { planScenario } from '../scenario/index.ts';
import type { EngineSummary, TrafficWindow } from '../traffic/index.ts';
import type { DriftReport } from './drift.ts';
import { blankFaultOutcome } from './faults.ts';
import { judgeRun, type RunFacts } from './outcome.ts';

/**
 * Folds a run's journal into the facts the judge reads. Every input of the verdict is an event (the
 * scenario as validated, the stack, floors and preflight warnings, fault lifecycle, alert observations and
 * notifications, blind periods, traffic windows and summary, drift readings, warnings, the error or the
 * interrupt), so a run is judged the same whether it just ended or is read back from `events.ndjson`.
 */
export function factsFromJournal(events: readonly JournalEvent[]): RunFacts {
  const started = events.find((e) => e.type === 'run-started');
  if (started?.type !== 'run-started' || started.definition === undefined) {
    throw new FiredrillError(
      'FD_USAGE',
      started
        ? `the journal of ${started.runId} does not record the scenario it ran (written by an older firedrill)`
        : 'the journal has no run-started event',
      {
        hint: 'firedrill report reads the events.ndjson of a run made by this version; run the scenario again',
      },
    );
  }
  const scenario = started.definition;
  const plan = planScenario(scenario);
  let stack: RunOutcome['stack'] = {
    prometheus: '',
    alertmanager: '',
    target: started.target ?? '',
    embedded: false,
  };
  const rejections: RejectedNotification[] = [];
  let webhook: WebhookTally | undefined;
  let floors: DetectionFloor[] = [];
  let belowFloor: string[] = [];
  let predictions: DetectionPrediction[] = [];
  let startedAt: number | undefined;
  let traffic: EngineSummary | null = null;
  let drift: DriftReport[] = [];
  let prometheusLateness: PrometheusScheduleReading | undefined;
  let error: FiredrillError | undefined;
  let interrupted = false;
  let endedAt = events.at(-1)?.at ?? started.at;
  const observations: AlertObservation[] = [];
  const notifications: Notification[] = [];
  const blind: BlindPeriod[] = [];
  const windows: TrafficWindow[] = [];
  const promql: PromqlSamples[] = [];
  const canaryWatches: CanaryWatchRecord[] = [];
  const warnings: string[] = [];
  const faults = new Map<string, FaultOutcome>(
    plan.faults.map(({ fault }) => [fault.id, blankFaultOutcome({ ...fault, params: faultParams(fault) })]),
  );
  const fault = (id: string): FaultOutcome | undefined => faults.get(id);

  for (const event of events) {
    switch (event.type) {
      case 'stack-ready':
        stack = {
          prometheus: event.prometheus,
          alertmanager: event.alertmanager,
          target: event.target,
          embedded: event.embedded,
        };
        break;
      case 'preflight':
        floors = event.floors;
        belowFloor = event.belowFloor ?? [];
        predictions = event.predictions ?? [];
        warnings.push(...event.warnings);
        break;
      case 'traffic-started':
        startedAt = event.at;
        break;
      case 'fault-inject-failed': {
        const record = fault(event.id);
        if (record) record.notLandedReason = `injection failed: ${event.error}`;
        break;
      }
      case 'fault-injected': {
        const record = fault(event.id);
        if (record) {
          record.injectedAt = event.at;
          record.cleanupHint = event.cleanup ?? null;
        }
        break;
      }
      case 'fault-landed': {
        const record = fault(event.id);
        if (record) {
          record.landedAt = event.at;
          record.landedEvidence = event.evidence;
        }
        break;
      }
      case 'fault-not-landed': {
        const record = fault(event.id);
        if (record) record.notLandedReason = event.reason;
        break;
      }
      case 'fault-reverting': {
        const record = fault(event.id);
        if (record) record.revertingAt = event.at;
        break;
      }
      case 'fault-reverted': {
        const record = fault(event.id);
        if (record) {
          record.revertedAt = event.at;
          record.revertError = null;
        }
        break;
      }
      case 'fault-revert-failed': {
        const record = fault(event.id);
        if (record) record.revertError = event.error;
        break;
      }
      case 'alert-observed':
        observations.push(event.observation);
        break;
      case 'alert-notified':
        notifications.push(event.notification);
        break;
      case 'backend-blind':
        blind.push({ backend: event.backend, fromAt: event.fromAt, toAt: event.toAt, reason: event.reason });
        break;
      case 'traffic-window':
        windows.push(event.window);
        break;
      case 'traffic-summary':
        traffic = event.summary;
        break;
      case 'drift-observed':
        drift = event.reports;
        break;
      case 'prometheus-lateness':
        prometheusLateness = event.reading;
        break;
      case 'promql-samples': {
        const { type: _type, at: _at, ...samples } = event;
        promql.push(samples);
        break;
      }
      case 'canary-watch-ended': {
        const { type: _type, at: _at, ...watch } = event;
        canaryWatches.push(watch);
        break;
      }
      case 'warning':
        warnings.push(event.message);
        break;
      case 'run-errored':
        error = new FiredrillError(event.code, event.message, event.hint ? { hint: event.hint } : {});
        break;
      case 'run-interrupted':
        interrupted = true;
        break;
      case 'run-ended':
        endedAt = event.at;
        break;
      case 'notification-rejected':
        rejections.push(event.rejection);
        break;
      case 'webhook-closed':
        webhook = { accepted: event.accepted, rejected: event.rejected, rejections };
        break;
      case 'run-started':
      case 'suite-started':
      case 'suite-ended':
      case 'component-starting':
      case 'component-started':
      case 'fault-injecting':
      case 'fault-recovery':
      case 'fault-recovered':
      // Its end (canary-watch-ended) carries what the judge reads.
      case 'canary-watch-started':
      // A configuration is the capacity program's business: a run's outcome does not depend on it.
      case 'configuration-applying':
      case 'configuration-applied':
      case 'configuration-apply-failed':
      case 'configuration-restoring':
      case 'configuration-restored':
      case 'configuration-restore-failed':
      case 'configuration-recovered':
        break;
      default: {
        const unknown: never = event;
        throw new FiredrillError('FD_INTERNAL', `unknown journal event ${JSON.stringify(unknown)}`);
      }
    }
  }
  const records = [...faults.values()];
  return {
    runId: started.runId,
    prepared: { file: started.scenarioFile, scenario, plan },
    stack,
    createdAt: started.at,
    endedAt,
    floors,
    predictions,
    stoppedAtPreflight: belowFloor.length > 0,
    execution:
      startedAt === undefined
        ? undefined
        : {
            startedAt,
            observations,
            blind,
            windows,
            traffic,
            drift,
            promql,
            canaryWatches,
            ...(prometheusLateness ? { prometheusLateness } : {}),
          },
    notifications,
    faults: records,
    warnings,
    error: interrupted ? undefined : error,
    interrupted,
    revertFailed: records.filter((r) => r.revertError !== null && r.revertedAt === null).map((r) => r.id),
    ...(webhook ? { webhook } : {}),
  };
}

/** The outcome of a run, rebuilt from its journal: what every reporter renders. */
export function outcomeFromJournal(events: readonly JournalEvent[]): RunOutcome {
  return judgeRun(factsFromJournal(events));
}

/**
 * Stage 6 for a run folder: reads its `events.ndjson`, rebuilds the outcome and (re)writes every report next
 * to it. The run program ends with it, and `firedrill report <run-dir>` re-renders an old run with it.
 */
export async function renderRunReports(runDir: string): Promise<RunOutcome> {
  const file = join(runDir, 'events.ndjson');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new FiredrillError('FD_USAGE', `cannot read ${file}: ${formatError(error)}`, {
      hint: 'give a run folder that holds events.ndjson, e.g. reports/latest',
    });
  }
  const events = parseJournal(text);
  const outcome = outcomeFromJournal(events);
  await writeReports(runDir, outcome, events);
  return outcome;
}
