/**
 * Evaluator contracts. Times are epoch milliseconds.
 */

/** One alert instance's lifecycle as seen by firedrill (merged from the API, ALERTS samples and webhooks). */
export interface AlertRecord {
  name: string;
  labels: Record<string, string>;
  pendingAt: number | null;
  firingAt: number | null;
  notifiedAt: number | null;
  resolvedAt: number | null;
  /**
   * When the episode ended, firing or not: equals resolvedAt for a firing episode; for one that was only
   * pending, when it was dropped. Null while still active; absent when unknown.
   */
  endedAt?: number | null;
  /**
   * Where the times came from: `alerts-series` (exact ALERTS samples), `api` (polling: firing and end
   * times are upper bounds), `notification` (seen only through Alertmanager's webhook).
   */
  source?: 'alerts-series' | 'api' | 'notification';
}

/** A single observation of an alert's state from Prometheus (`/api/v1/alerts` poll or ALERTS sample). */
export interface AlertObservation {
  name: string;
  labels: Record<string, string>;
  state: 'pending' | 'firing' | 'inactive';
  /** When that state began, as exactly as the source knows it. */
  since: number;
  source: 'api' | 'alerts-series';
}

/** An Alertmanager webhook notification for one alert. */
export interface Notification {
  name: string;
  labels: Record<string, string>;
  status: 'firing' | 'resolved';
  receivedAt: number;
  startsAt: number;
  endsAt: number | null;
  receiver: string;
}

/**
 * A POST to the webhook receiver refused (401) because it did not carry the run's webhook secret: a forged
 * notification, or an Alertmanager whose webhook is not configured with the secret. Never holds the secret,
 * nor what was sent as one.
 */
export interface RejectedNotification {
  /** Epoch ms, on the run's clock. */
  at: number;
  /** The sender's address as the socket saw it (e.g. 127.0.0.1, ::1). */
  remoteAddress: string;
  /** `missing-secret`: no `Authorization: Bearer …` header; `wrong-secret`: one that does not match. */
  reason: 'missing-secret' | 'wrong-secret';
}

/** What the webhook receiver let in and kept out during a run. */
export interface WebhookTally {
  /** Notifications (one per alert in a POST) accepted with the run's secret. */
  accepted: number;
  /** POSTs refused for want of the secret. */
  rejected: number;
  /** The first refused POSTs (at most REJECTIONS_KEPT), in arrival order. */
  rejections: RejectedNotification[];
}

/** A span when a backend could not be read; never turned into pass or fail. */
export interface BlindPeriod {
  backend: 'prometheus' | 'alertmanager';
  fromAt: number;
  toAt: number;
  reason: string;
}

/** A loaded recording rule: an alert over its series sees as far back as its own expression does. */
export interface RecordingTiming {
  /** The series it records (the name alert expressions use). */
  name: string;
  query: string;
  /** Its group's evaluation interval, ms: the recorded series is up to this stale. */
  evaluationIntervalMs: number;
}

/** What the loaded configuration says about an alert rule. */
export interface RuleTiming {
  alert: string;
  group: string;
  /** Seconds, from the group's interval (or the global evaluation_interval). */
  evaluationIntervalMs: number;
  forMs: number;
  keepFiringForMs: number;
  /** Scrape interval of the job(s) feeding it (the largest when several). */
  scrapeIntervalMs: number;
  query: string;
}

/**
 * Earliest possible detection for one expected alert, and the upper edge of the phase jitter:
 *   firingFloor = ceil(for / E)·E           (pending can at best begin as the fault is scraped)
 *   notifiedFloor = firingFloor + group_wait
 *   jitter = S + E                          (scrape and evaluation phase, at worst)
 */
export interface DetectionFloor {
  alert: string;
  floorMs: number;
  jitterMs: number;
  /** The parts, for display: "scrape 1s, eval 1s, for 2s, group_wait 0s". */
  explanation: string;
  measure: 'firing' | 'notified';
}

/**
 * Predicted detection time of an error-ratio alert after an error fault (evaluate/predict.ts): the
 * arithmetic of its windows, thresholds and `for` over the planned traffic. Times are ms from injection.
 */
export interface DetectionPrediction {
  /** The alert-fires expectation it is for. */
  expectationId: string;
  alert: string;
  measure: 'firing' | 'notified';
  faultId: string;
  shape: 'plain-ratio' | 'burn-rate';
  /** The share of requests the fault answers with an error, 0..1. */
  errorRatio: number;
  /** The rule cannot fire at an error ratio at or below this (its largest threshold). */
  minErrorRatio: number;
  /** The range windows of the rule's conditions. */
  windowsMs: number[];
  /** When every condition first holds (and then holds through `for`); null when never. */
  crossingMs: number | null;
  /** Earliest firing (or notification); null when the alert cannot fire in this run. */
  predictedMs: number | null;
  /** Scrape + evaluation interval: how much later than predicted a real alert may come by phase alone. */
  toleranceMs: number;
  /**
   * How much earlier it may come: rate() over the samples a window holds reads a window up to one scrape
   * shorter, which crosses up to scrape × k/e sooner. Absent in journals written before it (then 0).
   */
  earlyToleranceMs?: number;
  /** One sentence with the arithmetic. */
  explanation: string;
  /**
   * What the arithmetic needs to be redone over the traffic as sent (`predictFromTraffic`): the conditions,
   * the hold (`ceil(for/E)·E`) and what is added after firing (group_wait when measuring the notification).
   * Absent in journals written before it.
   */
  rule?: {
    conditions: Array<{
      rangeMs: number;
      threshold: number;
      inclusive: boolean;
      errorMatchers: Array<{ name: string; op: '=' | '!=' | '=~' | '!~'; value: string }>;
    }>;
    holdMs: number;
    extraMs: number;
  };
}

export type Verdict = 'passed' | 'failed' | 'inconclusive';

export interface ExpectationResult {
  id: string;
  kind:
    | 'alert-fires'
    | 'alert-resolves'
    | 'alert-silent'
    | 'threshold'
    | 'promql'
    | 'drift-detected'
    | 'requests-rejected'
    | 'rollback';
  /** The alert name, or "p99 in baseline" for thresholds. */
  subject: string;
  verdict: Verdict;
  measuredMs: number | null;
  budgetMs: number | null;
  floorMs: number | null;
  /** alert-fires after an error fault, where the rule's shape is recognised: the predicted time (null: never). */
  predictedMs?: number | null;
  /** The same arithmetic over the traffic as sent (null: never; absent when it could not be redone). */
  predictedAsSentMs?: number | null;
  /** Thresholds: the measured value in the metric's unit (ms, ratio 0..1, req/s); absent otherwise. */
  measured?: number;
  /** One human sentence saying why. */
  detail: string;
  /** drift-detected: one row per drift step on the feature (the sensitivity table). */
  steps?: DriftStepOutcome[];
  /** Expectations about an alert: its name and the label matchers the scenario gave (`{}` for none). */
  alert?: string;
  labels?: Record<string, string>;
  /** Expectations counted from a fault (`after`): its id and kind. */
  faultId?: string;
  faultKind?: string;
}

/** How one drift step was detected (drift-detected expectations). Times are ms. */
export interface DriftStepOutcome {
  /** The step's id (`drift-0`, `sweep-2`, or the entry's own id). */
  id: string;
  /** Mean shift in σ, when the step is one. */
  sigma: number | null;
  /** Step start, ms from traffic start. */
  startMs: number;
  endMs: number;
  /** Whether the expectation needs this step detected (see minSigma). */
  required: boolean;
  /** fired: within the budget; late: after it; missed: never; already-firing: from before the step (cannot attribute); blind / not-reached: cannot tell. */
  outcome: 'fired' | 'late' | 'missed' | 'already-firing' | 'blind' | 'not-reached';
  /** From step start to the alert's firing, when it fired. */
  detectedAfterMs: number | null;
}

/**
 * What one `promql` expectation's range query read, as journaled: the window queried (epoch ms, steps of
 * `stepMs` from `startAt` to `endAt`), the window the expectation asked for (`plannedEndAt`: later than
 * `endAt` when the run ended first), and the series' points [epoch ms, value]. `error` instead when the query
 * could not be made or failed.
 */
export type PromqlSamples =
  | {
      id: string;
      expr: string;
      startAt: number;
      endAt: number;
      plannedEndAt: number;
      stepMs: number;
      series: Array<{ metric: Record<string, string>; points: Array<[number, string]> }>;
    }
  | { id: string; expr: string; error: string };

/**
 * What the watch of a canary object's status saw (the `rollback` expectation's source where the controller
 * reports its own status: Argo Rollouts, KServe on the kubernetes backend), as journaled when the watch
 * ended. Times are epoch ms.
 */
export interface CanaryWatchRecord {
  /** The bad-canary fault whose object was watched. */
  faultId: string;
  /** The object, for people: "Rollout model-serving/penguin". */
  object: string;
  /** From the fault's injection to when the watch stopped. */
  fromAt: number;
  toAt: number;
  /**
   * Why it stopped: it saw a rollback; its deadline (the longest budget after the fault, plus a margin) passed;
   * the fault's own revert began (which puts the stable version back, so it is no rollback to count); the run
   * ended; Ctrl-C.
   */
  endedBy: 'rollback' | 'deadline' | 'fault-reverting' | 'run-ended' | 'interrupted';
  /** When the controller rolled the canary back (its own timestamp where it records one), null if never seen. */
  rolledBackAt: number | null;
  /** The poll that first saw the rollback. */
  observedAt: number | null;
  /** Status reads that succeeded. */
  reads: number;
  /** The status fields of the last successful read (or of the rollback). */
  evidence: string;
  /** Spans when the status could not be read (RBAC 403, API unreachable, object gone). */
  blind: Array<{ fromAt: number; toAt: number; reason: string }>;
}

/** One metric of an Argo Rollouts analysis, as its AnalysisTemplate states it (durations in ms). */
export interface AnalysisMetricSettings {
  template: string;
  metric: string;
  /** Time between measurements; null when it measures once. */
  intervalMs: number | null;
  /** The metric fails once more than this many measurements failed (Argo: failed > failureLimit). */
  failureLimit: number;
  initialDelayMs: number;
  /** How many measurements at most; null when unbounded (while the canary runs). */
  count: number | null;
}

/**
 * What a canary's controller will analyse, read before the run (chaos/kubernetes/canary-analysis.ts), or why
 * it cannot be known (then the floor of a rollback judged from its status is unknown).
 */
export type CanaryAnalysisReading = { metrics: AnalysisMetricSettings[] } | { unknown: string };

/** One scrape target whose scrapes were, at least once, a whole interval or more late. */
export interface LateScrapes {
  job: string;
  instance: string;
  /** The target's usual spacing of scrapes during the run (median gap between `up` samples), ms. */
  intervalMs: number;
  /** The largest gap between two of its scrapes during the run, ms. */
  maxGapMs: number;
}

export interface PrometheusLateness {
  /** Targets with a gap of at least twice their usual interval (a scrape missed, or that late). */
  lateScrapes: LateScrapes[];
  /**
   * Rule group evaluations Prometheus skipped because the previous one was late
   * (`prometheus_rule_group_iterations_missed_total`, summed over groups); null when Prometheus does not
   * scrape its own metrics, so the count is unknown.
   */
  missedEvaluations: number | null;
}

/**
 * What a run read of Prometheus's own schedule (run.json `prometheusLateness`): `late` when it fell behind
 * by a whole scrape or evaluation interval (and the run warned), with what it read.
 */
export interface PrometheusScheduleReading extends PrometheusLateness {
  late: boolean;
}
