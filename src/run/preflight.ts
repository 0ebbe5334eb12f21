import { sleep } from '../core/clock.ts';
import { formatDuration } from '../core/duration.ts';
import { FiredrillError } from '../core/errors.ts';
import {
  analysisRollbackFloor,
  BackendApiError,
  budgetStanding,
  type CanaryAnalysisReading,
  computeFloors,
  createAlertmanagerClient,
  type DetectionFloor,
  type DetectionPrediction,
  evaluationStepMs,
  type HistoryCheck,
  historyChecks,
  judgedFromStatus,
  loadRuleTimings,
  type PrometheusClient,
  predictDetections,
  ROLLBACK_FLOOR_SUBJECT,
  ROLLBACK_SETTINGS,
  rollbackFloor,
  scrapeIntervalFromConfig,
  statusFloorSubject,
  unknownAlertError,
} from '../evaluate/index.ts';
import type { Fault, Plan } from '../scenario/index.ts';

/**
 * What preflight found: floors per (alert, measure), predicted detection times of error-ratio alerts,
 * warnings for the report, budgets that cannot pass.
 */
export interface Preflight {
  floors: DetectionFloor[];
  predictions: DetectionPrediction[];
  warnings: string[];
  /** Ids of alert-fires expectations whose budget is below their detection floor: the run cannot pass. */
  belowFloor: string[];
}

/** Referenced alert names, in order of first mention. */
export function alertNames(plan: Plan): string[] {
  const names = new Set<string>();
  for (const { expectation } of plan.expectations) if ('alert' in expectation) names.add(expectation.alert);
  return [...names];
}

/**
 * Pure: each alert-fires budget against its floor (the one rule, `budgetStanding`). A budget below its floor
 * cannot pass; one inside the scrape+evaluation jitter above it gets a warning.
 */
export function checkBudgets(
  plan: Plan,
  floors: readonly DetectionFloor[],
): Omit<Preflight, 'floors' | 'predictions'> {
  const warnings: string[] = [];
  const belowFloor: string[] = [];
  for (const { id, expectation } of plan.expectations) {
    if (expectation.kind === 'rollback' && expectation.expect === 'rollback') {
      const fromStatus = judgedFromStatus(plan, expectation.after);
      const subject = fromStatus ? statusFloorSubject(plan, expectation.after) : ROLLBACK_FLOOR_SUBJECT;
      const floor = floors.find((f) => f.alert === subject);
      const standing = budgetStanding(expectation.within, floor);
      if (standing === 'below-floor') belowFloor.push(id);
      if (standing === 'inside-jitter' && floor) {
        const jitter = fromStatus
          ? "an analysis interval + the status' one-second resolution"
          : "the controller's check interval + scrape + evaluation jitter";
        warnings.push(
          `${id}: budget ${expectation.within} ms leaves less than ${jitter} (${floor.jitterMs} ms) above the rollback floor ${floor.floorMs} ms; it may fail by phase alone`,
        );
      }
      continue;
    }
    if (expectation.kind !== 'alert-fires') continue;
    const floor = floors.find((f) => f.alert === expectation.alert && f.measure === expectation.measure);
    const standing = budgetStanding(expectation.within, floor);
    if (standing === 'below-floor') belowFloor.push(id);
    if (standing === 'inside-jitter' && floor) {
      warnings.push(
        `${id}: budget ${expectation.within} ms leaves less than the scrape+evaluation jitter (${floor.jitterMs} ms) above the floor ${floor.floorMs} ms; it may fail by phase alone`,
      );
    }
  }
  return { warnings, belowFloor };
}

/**
 * Pure: each alert-fires budget against its predicted detection time. A budget below the prediction (or an
 * alert predicted never to fire) is warned about: the run goes on, but it will fail by arithmetic, not by a
 * bug in monitoring. A budget inside the scrape+evaluation band above the prediction may fail by phase.
 */
export function checkPredictions(plan: Plan, predictions: readonly DetectionPrediction[]): string[] {
  const warnings: string[] = [];
  for (const { id, expectation } of plan.expectations) {
    if (expectation.kind !== 'alert-fires') continue;
    const p = predictions.find((candidate) => candidate.expectationId === id);
    if (!p) continue;
    if (p.predictedMs === null) {
      warnings.push(
        `${id}: ${p.alert} is predicted never to fire after ${p.faultId} (${p.explanation}): it will fail by arithmetic, not by a bug in monitoring`,
      );
    } else if (expectation.within < p.predictedMs) {
      warnings.push(
        `${id}: budget ${formatDuration(expectation.within)} is below the predicted detection time ${formatDuration(p.predictedMs)} (${p.explanation}): it will fail by arithmetic, not by a bug in monitoring`,
      );
    } else if (expectation.within < p.predictedMs + p.toleranceMs) {
      warnings.push(
        `${id}: budget ${formatDuration(expectation.within)} leaves less than scrape + evaluation (${formatDuration(p.toleranceMs)}) above the predicted ${formatDuration(p.predictedMs)}; it may fail by phase alone`,
      );
    }
  }
  return warnings;
}

/**
 * Pure: a warning per history check whose window holds requests from before the run (`counts` by
 * expectation id: requests and errors the checks' queries found).
 */
export function historyWarnings(
  checks: readonly HistoryCheck[],
  counts: ReadonlyMap<string, { requests: number; errors: number }>,
): string[] {
  return checks.flatMap((check) => {
    const found = counts.get(check.expectationId);
    if (!found || found.requests < 0.5) return [];
    const effect =
      found.errors >= 0.5
        ? 'earlier (their errors) or later (their clean requests)'
        : 'later (clean requests dilute the errors)';
    return [
      `${check.expectationId}: the predicted time of ${check.alert} assumes its ${formatDuration(check.windowMs)} window holds only this run's traffic, but ~${Math.round(found.requests)} requests (${Math.round(found.errors)} errors) from the last ${formatDuration(check.spanMs)} before the run will still be in it: expect it ${effect} than predicted`,
    ];
  });
}

export interface PreflightBackend {
  prometheus: Pick<PrometheusClient, 'rules' | 'config' | 'alertRuleNames' | 'query'>;
  /** For messages: where the rules were read. */
  prometheusUrl: string;
  /** Alertmanager base URL, or '' when there is none (notified floors then take group_wait 0). */
  alertmanagerUrl: string;
  /**
   * Reads the analysis settings of a kubernetes bad-canary's controller (the floor of a rollback judged from
   * its status). Absent: those floors are unknown, which preflight says in a warning.
   */
  canaryAnalysis?: ((fault: Fault) => Promise<CanaryAnalysisReading>) | undefined;
}

/**
 * Stage 2: every referenced alert has a rule on the backend (else FD_UNKNOWN_ALERT, exit 2), and a detection
 * floor per expected (alert, measure) from the loaded rules, scrape interval and group_wait — the lowest
 * floor where an alert has several rules (`computeFloors`). Reads the backend; starts nothing.
 */
export async function preflight(plan: Plan, backend: PreflightBackend): Promise<Preflight> {
  const { prometheus } = backend;
  const { timings, missing } = await loadRuleTimings(prometheus, alertNames(plan));
  if (missing.length > 0) {
    const loaded = await prometheus.alertRuleNames().catch(() => []);
    throw unknownAlertError(missing, loaded, backend.prometheusUrl);
  }
  await checkPromqlExpressions(plan, backend);
  const groupWaitMs = backend.alertmanagerUrl ? await readGroupWait(backend.alertmanagerUrl) : 0;
  const wanted = plan.expectations.flatMap(({ expectation }) =>
    expectation.kind === 'alert-fires' ? [{ alert: expectation.alert, measure: expectation.measure }] : [],
  );
  const floors = computeFloors(timings, groupWaitMs, wanted);
  const rollback = await readRollbackFloor(plan, backend);
  if (rollback) floors.push(rollback);
  const statusFloors = await readStatusRollbackFloors(plan, backend);
  floors.push(...statusFloors.floors);
  const budgets = checkBudgets(plan, floors);
  const predictInput = { plan, groups: await prometheus.rules(), timings, groupWaitMs };
  const predictions = predictDetections(predictInput);
  const checks = historyChecks(predictInput, predictions);
  const counts = new Map<string, { requests: number; errors: number }>();
  for (const check of checks) {
    counts.set(check.expectationId, {
      requests: await sumOf(prometheus, check.requestsQuery),
      errors: await sumOf(prometheus, check.errorsQuery),
    });
  }
  return {
    floors,
    predictions,
    belowFloor: budgets.belowFloor,
    warnings: [
      ...statusFloors.warnings,
      ...budgets.warnings,
      ...checkPredictions(plan, predictions),
      ...historyWarnings(checks, counts),
    ],
  };
}

/** The value of a one-element `sum(...)` query; 0 when it returns nothing (no such series). */
async function sumOf(prometheus: Pick<PrometheusClient, 'query'>, expr: string): Promise<number> {
  const result = await prometheus.query(expr);
  if (result.resultType !== 'vector') return 0;
  const value = Number(result.result[0]?.value[1] ?? 0);
  return Number.isFinite(value) ? value : 0;
}

const SETTINGS_WAIT_MS = 10_000;

/**
 * The rollback floor when the plan expects a rollback (or none) judged from the controller's metrics: from
 * the settings the rollout controller exports (`rollout_analysis_*`), the scrape interval and the rule
 * evaluation interval. No controller metrics is a usage error before the run: such a rollback expectation
 * needs a controller Prometheus scrapes. Rollbacks judged from a kubernetes object's status are not read here.
 */
async function readRollbackFloor(plan: Plan, backend: PreflightBackend): Promise<DetectionFloor | undefined> {
  const fromMetrics = plan.expectations.some(
    ({ expectation }) => expectation.kind === 'rollback' && !judgedFromStatus(plan, expectation.after),
  );
  if (!fromMetrics) return undefined;
  const { prometheus } = backend;
  const read = async (expr: string) => {
    const result = await prometheus.query(expr);
    const sample = result.resultType === 'vector' ? result.result[0] : undefined;
    const value = sample ? Number(sample.value[1]) : Number.NaN;
    return Number.isFinite(value) ? value : undefined;
  };
  // A stack that just started may not have scraped its controller yet: wait up to SETTINGS_WAIT_MS.
  const deadline = Date.now() + SETTINGS_WAIT_MS;
  let intervalS = await read(ROLLBACK_SETTINGS.interval);
  let failureLimit = await read(ROLLBACK_SETTINGS.failureLimit);
  while ((intervalS === undefined || failureLimit === undefined) && Date.now() < deadline) {
    await sleep(250);
    intervalS = await read(ROLLBACK_SETTINGS.interval);
    failureLimit = await read(ROLLBACK_SETTINGS.failureLimit);
  }
  if (intervalS === undefined || failureLimit === undefined) {
    throw new FiredrillError(
      'FD_USAGE',
      `rollback expectations need a rollout controller, but Prometheus at ${backend.prometheusUrl} has no rollout_analysis_interval_seconds or rollout_analysis_failure_limit`,
      {
        hint: 'run on the embedded fixture stack (it runs the controller of fixtures/rollout/), or scrape your controller with those metrics',
      },
    );
  }
  const scrapeMs = scrapeIntervalFromConfig(await prometheus.config());
  const evaluationMs = await evaluationStepMs(prometheus);
  return rollbackFloor(intervalS * 1000, failureLimit, scrapeMs, evaluationMs);
}

/**
 * The floor of each rollback judged from a kubernetes canary's status, from its controller's analysis
 * settings (`backend.canaryAnalysis`). A floor that cannot be read (no reader, RBAC, no analysis, a KServe
 * object that has none) is not an error: the run goes on and a warning says the floor is unknown.
 */
async function readStatusRollbackFloors(
  plan: Plan,
  backend: PreflightBackend,
): Promise<{ floors: DetectionFloor[]; warnings: string[] }> {
  const floors: DetectionFloor[] = [];
  const warnings: string[] = [];
  const faultIds = new Set(
    plan.expectations.flatMap(({ expectation }) =>
      expectation.kind === 'rollback' && judgedFromStatus(plan, expectation.after) ? [expectation.after] : [],
    ),
  );
  for (const faultId of faultIds) {
    const fault = plan.faults.find((f) => f.fault.id === faultId)?.fault as Fault;
    const subject = statusFloorSubject(plan, faultId) as string;
    let reading: CanaryAnalysisReading;
    try {
      reading = backend.canaryAnalysis
        ? await backend.canaryAnalysis(fault)
        : { unknown: 'no reader of the controller analysis was given' };
    } catch (error) {
      reading = { unknown: error instanceof Error ? error.message : String(error) };
    }
    const floor = 'unknown' in reading ? reading : analysisRollbackFloor(subject, reading.metrics);
    if ('unknown' in floor) {
      warnings.push(
        `rollback floor of ${subject} (after ${faultId}) unknown: ${floor.unknown}; its rollback budgets are not checked against a floor`,
      );
    } else floors.push(floor);
  }
  return { floors, warnings };
}

/**
 * Every `promql` expectation's expression parses on the backend (one instant query each), so a typo is a
 * usage error before the run (exit 2) and not an inconclusive verdict after it. Other failures propagate.
 */
async function checkPromqlExpressions(plan: Plan, backend: PreflightBackend): Promise<void> {
  const problems: string[] = [];
  for (const [index, { expectation }] of plan.expectations.entries()) {
    if (expectation.kind !== 'promql') continue;
    try {
      await backend.prometheus.query(expectation.expr);
    } catch (error) {
      const cause = error instanceof Error ? error.cause : undefined;
      if (!(cause instanceof BackendApiError) || cause.errorType !== 'bad_data') throw error;
      problems.push(`expect[${index}].expr: ${expectation.expr}: ${cause.message}`);
    }
  }
  if (problems.length > 0) {
    throw new FiredrillError(
      'FD_USAGE',
      `Prometheus at ${backend.prometheusUrl} refuses ${problems.join('; ')}`,
      {
        hint: 'fix the PromQL expression (try it in the Prometheus UI first)',
      },
    );
  }
}

async function readGroupWait(url: string): Promise<number> {
  const alertmanager = createAlertmanagerClient({ url });
  try {
    return (await alertmanager.status()).groupWaitMs;
  } finally {
    await alertmanager.close();
  }
}

/**
 * Waits until Prometheus has scraped the job successfully (`up == 1`), so that the run's baseline starts
 * with data and absent()-style rules are not pending merely because the stack is young.
 */
export async function waitScraped(
  prometheus: PrometheusClient,
  job: string,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const result = await prometheus.query(`up{job="${job}"} == 1`).catch(() => undefined);
    if (result?.resultType === 'vector' && result.result.length > 0) return;
    await sleep(250, signal);
  }
  const scrape = await scrapeStatus(prometheus.url, job);
  throw new FiredrillError(
    'FD_BACKEND_UNREACHABLE',
    `Prometheus has not scraped the ${job} job after ${timeoutMs / 1000}s${scrape ? `: ${scrape}` : ''}`,
    {
      hint: 'check target.metrics ({ path, port }) in the scenario, and prometheus.log in the run folder',
    },
  );
}

/** `GET <url> (<last scrape error>)` for a job, from Prometheus' targets API; undefined if unknown. */
async function scrapeStatus(prometheusUrl: string, job: string): Promise<string | undefined> {
  try {
    const response = await fetch(`${prometheusUrl}/api/v1/targets?state=active`, {
      signal: AbortSignal.timeout(2000),
    });
    const body = (await response.json()) as {
      data?: {
        activeTargets?: Array<{ labels?: Record<string, string>; scrapeUrl?: string; lastError?: string }>;
      };
    };
    const target = body.data?.activeTargets?.find((t) => t.labels?.job === job);
    if (!target) return undefined;
    return `GET ${target.scrapeUrl ?? '?'} (${target.lastError || 'no scrape yet'})`;
  } catch {
    return undefined;
  }
}
