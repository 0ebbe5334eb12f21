import { formatDuration } from '../core/duration.ts';
import { assertNever } from '../core/errors.ts';
import { planDrift } from '../scenario/index.ts';
import type { Plan, PlannedExpectation } from '../scenario/plan.ts';
import type { Expectation } from '../scenario/schema.ts';
import type { PhaseStats, TrafficWindow } from '../traffic/types.ts';
import { formatLabels, labelsMatch } from './labels.ts';
import { judgePromql } from './promql.ts';
import { judgeRollback } from './rollback.ts';
import { judgedFromStatus, judgeRollbackFromStatus } from './rollback-status.ts';
import { budgetStanding } from './rules.ts';
import { judgeThreshold } from './threshold.ts';
import type {
  AlertRecord,
  BlindPeriod,
  CanaryWatchRecord,
  DetectionFloor,
  DriftStepOutcome,
  ExpectationResult,
  PromqlSamples,
} from './types.ts';

/** What happened to one fault, in epoch ms (null: it never got that far). */
export interface FaultTimeline {
  id: string;
  injectedAt: number | null;
  landedAt: number | null;
  /** Why it was not injected or did not land, for the verdict's detail. */
  notLandedReason: string | null;
  /** When the revert began: the clock of alert-resolves (absent: the revertedAt clock). */
  revertingAt?: number | null | undefined;
  /** When the backend confirmed the revert (a killed server back and serving). */
  revertedAt: number | null;
}

export interface JudgeInput {
  plan: Plan;
  /** Epoch ms of the plan's t = 0. */
  startedAt: number;
  endedAt: number;
  faults: FaultTimeline[];
  alerts: AlertRecord[];
  floors: DetectionFloor[];
  blind: BlindPeriod[];
  phaseStats: Record<string, PhaseStats | undefined>;
  /**
   * The engine's per-second windows (intended start times), for `requests-rejected` (status codes per
   * phase or drift step). Without them those expectations are inconclusive.
   */
  trafficWindows?: readonly TrafficWindow[];
  /**
   * The range queries of `promql` and `rollback` expectations, as journaled. Without one, that expectation is
   * inconclusive.
   */
  promql?: readonly PromqlSamples[] | undefined;
  /**
   * What the watches of canary objects saw (`rollback` expectations after a kubernetes bad-canary), as
   * journaled. Without one, that expectation is inconclusive.
   */
  canaryWatches?: readonly CanaryWatchRecord[] | undefined;
}

export { type RunVerdict, runVerdict } from './verdict.ts';

/**
 * Pure: one result per planned expectation, in plan order, each with a one-sentence reason. A fault that
 * was not injected or did not land makes its expectations inconclusive; a blind period that could hide
 * the deciding event makes an otherwise failing (or, for silence, passing) expectation inconclusive.
 */
export function judge(input: JudgeInput): ExpectationResult[] {
  return input.plan.expectations.map((planned) => ({
    ...judgeOne(input, planned),
    ...structuredSubject(input.plan, planned.expectation),
  }));
}

/** What an expectation is about, as data (the `subject` string is for people): alert, labels, fault. */
function structuredSubject(
  plan: JudgeInput['plan'],
  expectation: Expectation,
): Pick<ExpectationResult, 'alert' | 'labels' | 'faultId' | 'faultKind'> {
  const about: Pick<ExpectationResult, 'alert' | 'labels' | 'faultId' | 'faultKind'> = {};
  if ('alert' in expectation) {
    about.alert = expectation.alert;
    about.labels = { ...(expectation.labels ?? {}) };
  }
  if ('after' in expectation && expectation.after !== undefined) {
    about.faultId = expectation.after;
    const fault = plan.faults.find((f) => f.fault.id === expectation.after)?.fault;
    if (fault) about.faultKind = fault.kind;
  }
  return about;
}

function judgeOne(input: JudgeInput, { id, expectation }: PlannedExpectation): ExpectationResult {
  switch (expectation.kind) {
    case 'alert-fires':
      return judgeFires(input, id, expectation);
    case 'alert-resolves':
      return judgeResolves(input, id, expectation);
    case 'alert-silent':
      return judgeSilent(input, id, expectation);
    case 'threshold':
      return judgeThreshold(input.phaseStats, id, expectation);
    case 'drift-detected':
      return judgeDriftDetected(input, id, expectation);
    case 'requests-rejected':
      return judgeRequestsRejected(input, id, expectation);
    case 'promql':
      return judgePromql(input, id, expectation);
    case 'rollback':
      // The controller's own status where the fault ran on kubernetes; its metrics in Prometheus elsewhere.
      return judgedFromStatus(input.plan, expectation.after)
        ? judgeRollbackFromStatus(input, id, expectation)
        : judgeRollback(input, id, expectation);
    default:
      return assertNever(expectation, 'expectation kind');
  }
}

type Of<K extends Expectation['kind']> = Extract<Expectation, { kind: K }>;

const fmt = formatDuration;

function alertSubject(expectation: { alert: string; labels?: Record<string, string> | undefined }): string {
  return `${expectation.alert}${formatLabels(expectation.labels ?? {})}`;
}

function instanceName(record: AlertRecord): string {
  return `${record.name}${formatLabels(record.labels)}`;
}

function matching(
  input: JudgeInput,
  expectation: { alert: string; labels?: Record<string, string> | undefined },
) {
  return input.alerts.filter(
    (r) => r.name === expectation.alert && labelsMatch(r.labels, expectation.labels),
  );
}

/** Injected and landed, or why not. */
function faultGate(
  input: JudgeInput,
  faultId: string,
):
  | { ok: true; injectedAt: number; revertingAt: number | null; revertedAt: number | null }
  | { ok: false; why: string } {
  const fault = input.faults.find((f) => f.id === faultId);
  if (!fault || fault.injectedAt === null) {
    const reason = fault?.notLandedReason ? `: ${fault.notLandedReason}` : '';
    return { ok: false, why: `fault ${faultId} was not injected${reason}` };
  }
  if (fault.landedAt === null) {
    return {
      ok: false,
      why: `fault ${faultId} did not land: ${fault.notLandedReason ?? 'its effect was never confirmed'}`,
    };
  }
  return {
    ok: true,
    injectedAt: fault.injectedAt,
    revertingAt: fault.revertingAt ?? null,
    revertedAt: fault.revertedAt,
  };
}

/** Blind periods overlapping [from, to], and how much of it they cover. */
function blindOver(
  blind: readonly BlindPeriod[],
  from: number,
  to: number,
  backends: ReadonlyArray<BlindPeriod['backend']>,
): { periods: BlindPeriod[]; coveredMs: number; text: string } {
  const periods = blind.filter((b) => backends.includes(b.backend) && b.fromAt <= to && b.toAt >= from);
  const coveredMs = periods.reduce(
    (sum, b) => sum + Math.max(0, Math.min(b.toAt, to) - Math.max(b.fromAt, from)),
    0,
  );
  const first = periods[0];
  const who = [
    ...new Set(periods.map((b) => (b.backend === 'prometheus' ? 'Prometheus' : 'Alertmanager'))),
  ].join(' and ');
  const text = first ? `${who} could not be read for ${fmt(coveredMs)} of it (${first.reason})` : '';
  return { periods, coveredMs, text };
}

function judgeFires(input: JudgeInput, id: string, e: Of<'alert-fires'>): ExpectationResult {
  const floor = input.floors.find((f) => f.alert === e.alert && f.measure === e.measure);
  const base = {
    id,
    kind: 'alert-fires' as const,
    subject: alertSubject(e),
    budgetMs: e.within,
    floorMs: floor?.floorMs ?? null,
    measuredMs: null,
  };
  // An impossible budget fails whatever happened in the run (even when the run never got to inject).
  if (floor && budgetStanding(e.within, floor) === 'below-floor') {
    return {
      ...base,
      verdict: 'failed',
      detail: `budget ${fmt(e.within)} is below the detection floor ${fmt(floor.floorMs)} (${floor.explanation}): it cannot pass`,
    };
  }
  const gate = faultGate(input, e.after);
  if (!gate.ok) return { ...base, verdict: 'inconclusive', detail: gate.why };
  const t0 = gate.injectedAt;
  const deadline = t0 + e.within;
  const verb = e.measure === 'notified' ? 'was notified' : 'fired';
  const timeOf = (r: AlertRecord) => (e.measure === 'notified' ? r.notifiedAt : r.firingAt);
  const records = matching(input, e);
  // Episodes that began firing at or after the injection are attributable to it.
  const attributable = records
    .filter((r) => r.firingAt !== null && r.firingAt >= t0)
    .sort((a, b) => (a.firingAt as number) - (b.firingAt as number));
  const timed = attributable
    .filter((r) => timeOf(r) !== null)
    .sort((a, b) => (timeOf(a) as number) - (timeOf(b) as number));
  const first = timed[0];
  const floorText = floor ? ` (floor ${fmt(floor.floorMs)})` : ' (detection floor unknown: no rule timing)';

  if (first && (timeOf(first) as number) <= deadline) {
    const measured = (timeOf(first) as number) - t0;
    const pending =
      first.pendingAt !== null && first.pendingAt >= t0 ? `, pending after ${fmt(first.pendingAt - t0)}` : '';
    return {
      ...base,
      verdict: 'passed',
      measuredMs: measured,
      detail: `${instanceName(first)} ${verb} ${fmt(measured)} after ${e.after} was injected${pending}, within the ${fmt(e.within)} budget${floorText}`,
    };
  }

  const already = records.find(
    (r) => r.firingAt !== null && r.firingAt < t0 && (r.resolvedAt === null || r.resolvedAt > t0),
  );
  if (already) {
    return {
      ...base,
      verdict: 'failed',
      detail: `${instanceName(already)} was already firing before the fault (since ${fmt(t0 - (already.firingAt as number))} before ${e.after} was injected): cannot attribute`,
    };
  }

  const backends: Array<BlindPeriod['backend']> =
    e.measure === 'notified' ? ['prometheus', 'alertmanager'] : ['prometheus'];
  const windowBlind = blindOver(input.blind, t0, deadline, backends);

  if (first) {
    const measured = (timeOf(first) as number) - t0;
    if (first.source === 'api' && windowBlind.periods.length > 0) {
      return {
        ...base,
        verdict: 'inconclusive',
        measuredMs: measured,
        detail: `${instanceName(first)} was seen firing ${fmt(measured)} after ${e.after} was injected, but ${windowBlind.text} within the budget, so it may have fired earlier`,
      };
    }
    return {
      ...base,
      verdict: 'failed',
      measuredMs: measured,
      detail: `${instanceName(first)} ${verb} ${fmt(measured)} after ${e.after} was injected, ${fmt(measured - e.within)} over the ${fmt(e.within)} budget${floorText}`,
    };
  }

  if (windowBlind.periods.length > 0) {
    return {
      ...base,
      verdict: 'inconclusive',
      detail: `${e.alert} was not seen ${e.measure === 'notified' ? 'notified' : 'firing'} within ${fmt(e.within)} of ${e.after}'s injection, but ${windowBlind.text}: cannot tell`,
    };
  }
  if (deadline > input.endedAt) {
    return {
      ...base,
      verdict: 'inconclusive',
      detail: `${e.alert} had not ${verb === 'fired' ? 'fired' : 'been notified'} when the run ended ${fmt(input.endedAt - t0)} after ${e.after} was injected, before the ${fmt(e.within)} budget ran out`,
    };
  }
  const firedUnnotified = attributable[0];
  if (e.measure === 'notified' && firedUnnotified) {
    return {
      ...base,
      verdict: 'failed',
      detail: `${instanceName(firedUnnotified)} fired ${fmt((firedUnnotified.firingAt as number) - t0)} after ${e.after} was injected, but no Alertmanager notification for it arrived`,
    };
  }
  const pending = records.find((r) => r.pendingAt !== null && r.pendingAt >= t0 && r.pendingAt <= deadline);
  const pendingText = pending
    ? ` (it went pending after ${fmt((pending.pendingAt as number) - t0)} but never fired)`
    : '';
  const others = input.alerts.filter(
    (r) => r.name === e.alert && !labelsMatch(r.labels, e.labels) && r.firingAt !== null,
  );
  const othersText =
    others.length > 0
      ? `; instances with other labels did fire: ${others.slice(0, 3).map(instanceName).join(', ')}`
      : '';
  return {
    ...base,
    verdict: 'failed',
    detail: `${alertSubject(e)} never ${verb === 'fired' ? 'fired' : 'was notified'} after ${e.after} was injected${pendingText}${othersText}`,
  };
}

function judgeResolves(input: JudgeInput, id: string, e: Of<'alert-resolves'>): ExpectationResult {
  const base = {
    id,
    kind: 'alert-resolves' as const,
    subject: alertSubject(e),
    budgetMs: e.within,
    floorMs: null,
    measuredMs: null,
  };
  const gate = faultGate(input, e.after);
  if (!gate.ok) return { ...base, verdict: 'inconclusive', detail: gate.why };
  if (gate.revertedAt === null) {
    return {
      ...base,
      verdict: 'inconclusive',
      detail: `fault ${e.after} was never reverted, so there is no clock to start`,
    };
  }
  // The clock starts when the revert began: a server that takes seconds to come back is part of the
  // recovery, and Prometheus can see it back before the backend's confirmation returns.
  const r0 = gate.revertingAt ?? gate.revertedAt;
  const deadline = r0 + e.within;
  const records = matching(input, e);
  const firingAt = (at: number) => (r: AlertRecord) =>
    r.firingAt !== null && r.firingAt <= at && (r.resolvedAt === null || r.resolvedAt > r0);
  const atRevert = records.filter(firingAt(r0));
  if (atRevert.length === 0) {
    const before = records.find(
      (r) => r.firingAt !== null && r.firingAt >= gate.injectedAt && r.resolvedAt !== null,
    );
    return {
      ...base,
      verdict: 'inconclusive',
      detail: before
        ? `${instanceName(before)} fired but resolved ${fmt(r0 - (before.resolvedAt as number))} before ${e.after} was reverted: nothing to resolve`
        : `${alertSubject(e)} never fired, nothing to resolve`,
    };
  }
  // Those firing at the revert, and any that began firing after it: all must be resolved by the deadline.
  const relevant = records.filter(firingAt(deadline));
  const lateOrOpen = relevant.filter((r) => r.resolvedAt === null || r.resolvedAt > deadline);
  const resolvedTimes = relevant.map((r) => r.resolvedAt).filter((t): t is number => t !== null);
  if (lateOrOpen.length === 0) {
    const measured = Math.max(...resolvedTimes) - r0;
    return {
      ...base,
      verdict: 'passed',
      measuredMs: measured,
      detail: `${relevant.length > 1 ? `all ${relevant.length} firing instances of ${alertSubject(e)}` : instanceName(relevant[0] as AlertRecord)} resolved ${fmt(measured)} after ${e.after} was reverted, within the ${fmt(e.within)} budget`,
    };
  }
  const windowBlind = blindOver(input.blind, r0, Math.min(deadline, input.endedAt), ['prometheus']);
  if (windowBlind.periods.length > 0) {
    return {
      ...base,
      verdict: 'inconclusive',
      detail: `${alertSubject(e)} was not seen resolving within ${fmt(e.within)} of ${e.after}'s revert, but ${windowBlind.text}: cannot tell`,
    };
  }
  const open = lateOrOpen.find((r) => r.resolvedAt === null);
  if (open) {
    if (deadline > input.endedAt) {
      return {
        ...base,
        verdict: 'inconclusive',
        detail: `${instanceName(open)} was still firing when the run ended ${fmt(input.endedAt - r0)} after ${e.after} was reverted, before the ${fmt(e.within)} budget ran out`,
      };
    }
    return {
      ...base,
      verdict: 'failed',
      detail: `${instanceName(open)} was still firing at the end of the run, ${fmt(input.endedAt - r0)} after ${e.after} was reverted (budget ${fmt(e.within)})`,
    };
  }
  const measured = Math.max(...resolvedTimes) - r0;
  return {
    ...base,
    verdict: 'failed',
    measuredMs: measured,
    detail: `${alertSubject(e)} resolved ${fmt(measured)} after ${e.after} was reverted, ${fmt(measured - e.within)} over the ${fmt(e.within)} budget`,
  };
}

function judgeSilent(input: JudgeInput, id: string, e: Of<'alert-silent'>): ExpectationResult {
  const base = {
    id,
    kind: 'alert-silent' as const,
    subject: alertSubject(e),
    budgetMs: null,
    floorMs: null,
    measuredMs: null,
  };
  let from = input.startedAt;
  let to = input.endedAt;
  let spanName = 'the run';
  if (e.during !== 'run') {
    const gate = faultGate(input, e.during);
    if (!gate.ok) return { ...base, verdict: 'inconclusive', detail: gate.why };
    from = gate.injectedAt;
    to = gate.revertedAt ?? input.endedAt;
    spanName = `fault ${e.during}`;
  }
  const at = (t: number) => `t=${fmt(t - input.startedAt)}`;
  const overlaps = (start: number, end: number | null) => start <= to && (end === null || end > from);
  const records = matching(input, e);
  const fired = records
    .filter((r) => r.firingAt !== null && overlaps(r.firingAt, r.resolvedAt))
    .sort((a, b) => (a.firingAt as number) - (b.firingAt as number));
  if (fired.length > 0) {
    const listed = fired
      .slice(0, 3)
      .map((r) => {
        const when =
          (r.firingAt as number) < from
            ? `was firing from before its start (${at(r.firingAt as number)})`
            : `fired at ${at(r.firingAt as number)}`;
        return `${instanceName(r)} ${when}`;
      })
      .join('; ');
    const more = fired.length > 3 ? ` and ${fired.length - 3} more` : '';
    const first = fired[0] as AlertRecord;
    const stall = hostStallBefore(input.trafficWindows ?? [], first.pendingAt ?? (first.firingAt as number));
    const stallText = stall === undefined ? '' : `; ${stall(at)}`;
    return { ...base, verdict: 'failed', detail: `${listed}${more}, during ${spanName}${stallText}` };
  }
  const pending = records.filter(
    (r) => r.firingAt === null && r.pendingAt !== null && overlaps(r.pendingAt, r.endedAt ?? null),
  );
  const pendingText =
    pending.length > 0
      ? ` (${instanceName(pending[0] as AlertRecord)} went pending at ${at(pending[0]?.pendingAt as number)} but never fired)`
      : '';
  const windowBlind = blindOver(input.blind, from, to, ['prometheus']);
  if (windowBlind.periods.length > 0) {
    return {
      ...base,
      verdict: 'inconclusive',
      detail: `${alertSubject(e)} was not seen firing during ${spanName}, but ${windowBlind.text}${pendingText}`,
    };
  }
  return {
    ...base,
    verdict: 'passed',
    detail: `${alertSubject(e)} stayed silent during ${spanName}${pendingText}`,
  };
}

/** A send this late means firedrill's own traffic thread did not run for that long: the host stalled. */
export const HOST_STALL_MS = 100;
/** How far before an alert went pending a stall is named beside it (the fixture's rules look back 10–30 s). */
export const HOST_STALL_LOOKBACK_MS = 30_000;

/**
 * Pure: when the load generator stalled (a window with a send HOST_STALL_MS or more late) within
 * HOST_STALL_LOOKBACK_MS before `pendingAt`, a sentence saying so (given the run's `t=` formatter); else
 * undefined. The verdict stands: the alert did fire. But on a host starved of CPU the system under test
 * starves too (on the embedded stack they share it), and a generator catching up sends a burst: the reader
 * is told the alarm may be the host's.
 */
export function hostStallBefore(
  windows: readonly TrafficWindow[],
  pendingAt: number,
): ((at: (t: number) => string) => string) | undefined {
  let worst: TrafficWindow | undefined;
  for (const w of windows) {
    const lateMs = w.maxLateMs ?? 0;
    if (lateMs < HOST_STALL_MS || w.startAt > pendingAt || w.startAt < pendingAt - HOST_STALL_LOOKBACK_MS)
      continue;
    if (worst === undefined || lateMs > (worst.maxLateMs ?? 0)) worst = w;
  }
  if (worst === undefined) return undefined;
  const stalled = worst;
  return (at) =>
    `the load generator itself stalled in the ${fmt(pendingAt - stalled.startAt)} before it went pending (a send ${fmt(stalled.maxLateMs ?? 0)} late in the second from ${at(stalled.startAt)}): the host firedrill runs on was starved of CPU then, which slows a server sharing it and makes the generator send a burst, so this alarm may be the host's doing; rerun on a quieter host`;
}

/**
 * drift-detected: one verdict over every drift step that changes `feature` (payload.drift entries and sweep
 * steps, planned from the scenario). A step is detected when an instance of the alert carrying
 * `feature="<feature>"` (and any `labels`) starts firing within `within` of the step's start. Steps below
 * `minSigma` are measured but not required. Failed when a required step was missed, late, or the alert was
 * already firing when it began; inconclusive when a required step could not be told (blind, or the run ended
 * before its budget ran out); passed otherwise.
 */
function judgeDriftDetected(input: JudgeInput, id: string, e: Of<'drift-detected'>): ExpectationResult {
  const labels = { ...(e.labels ?? {}), feature: e.feature };
  const subject = `${e.alert}${formatLabels(labels)}`;
  const base = {
    id,
    kind: 'drift-detected' as const,
    subject,
    budgetMs: e.within,
    floorMs: input.floors.find((f) => f.alert === e.alert && f.measure === 'firing')?.floorMs ?? null,
    measuredMs: null,
  };
  const steps = planDrift(input.plan.scenario).filter((s) => {
    const t = s.transform;
    return t.kind === 'label-shift' || ('feature' in t && t.feature === e.feature);
  });
  if (steps.length === 0) {
    return { ...base, verdict: 'inconclusive', detail: `no drift step changes ${e.feature}`, steps: [] };
  }
  const records = input.alerts.filter((r) => r.name === e.alert && labelsMatch(r.labels, labels));
  const outcomes: DriftStepOutcome[] = steps.map((step) => {
    const t0 = input.startedAt + step.startMs;
    const deadline = t0 + e.within;
    const required = e.minSigma === undefined || step.sigma === null || Math.abs(step.sigma) >= e.minSigma;
    const row = { id: step.id, sigma: step.sigma, startMs: step.startMs, endMs: step.endMs, required };
    const already = records.find(
      (r) => r.firingAt !== null && r.firingAt < t0 && (r.resolvedAt === null || r.resolvedAt > t0),
    );
    if (already) return { ...row, outcome: 'already-firing', detectedAfterMs: null };
    // Firing that began during the step or its budget, whichever is later, belongs to it.
    const until = Math.max(deadline, input.startedAt + step.endMs);
    const first = records
      .filter((r) => r.firingAt !== null && r.firingAt >= t0 && r.firingAt <= until)
      .sort((a, b) => (a.firingAt as number) - (b.firingAt as number))[0];
    if (first) {
      const after = (first.firingAt as number) - t0;
      return { ...row, outcome: after <= e.within ? 'fired' : 'late', detectedAfterMs: after };
    }
    if (blindOver(input.blind, t0, deadline, ['prometheus']).periods.length > 0) {
      return { ...row, outcome: 'blind', detectedAfterMs: null };
    }
    if (deadline > input.endedAt) return { ...row, outcome: 'not-reached', detectedAfterMs: null };
    return { ...row, outcome: 'missed', detectedAfterMs: null };
  });
  const required = outcomes.filter((o) => o.required);
  const bad = required.filter(
    (o) => o.outcome === 'missed' || o.outcome === 'late' || o.outcome === 'already-firing',
  );
  const unknown = required.filter((o) => o.outcome === 'blind' || o.outcome === 'not-reached');
  const firedRequired = required.filter((o) => o.outcome === 'fired');
  const measuredMs =
    firedRequired.length > 0 ? Math.max(...firedRequired.map((o) => o.detectedAfterMs as number)) : null;
  const table = outcomes
    .map((o) => {
      const what = o.sigma === null ? o.id : `${o.id} (${o.sigma}σ)`;
      const when = o.detectedAfterMs === null ? '' : ` after ${fmt(o.detectedAfterMs)}`;
      return `${what}${o.required ? '' : ' [not required]'}: ${o.outcome}${when}`;
    })
    .join('; ');
  const verdict = bad.length > 0 ? 'failed' : unknown.length > 0 ? 'inconclusive' : 'passed';
  const head =
    verdict === 'passed'
      ? `${subject} fired within ${fmt(e.within)} for all ${required.length} required step(s)`
      : verdict === 'failed'
        ? `${subject}: ${bad.length} of ${required.length} required step(s) not detected within ${fmt(e.within)}`
        : `${subject}: ${unknown.length} required step(s) could not be judged`;
  return { ...base, verdict, measuredMs, detail: `${head} — ${table}`, steps: outcomes };
}

/**
 * requests-rejected: the share of completed requests answered `status` in a phase (as for thresholds) or
 * during a drift step (its id), from the engine's per-second windows (by intended start; windows that start
 * inside the span count).
 */
function judgeRequestsRejected(input: JudgeInput, id: string, e: Of<'requests-rejected'>): ExpectationResult {
  const base = {
    id,
    kind: 'requests-rejected' as const,
    subject: `HTTP ${e.status} share in ${e.phase}`,
    budgetMs: null,
    floorMs: null,
    measuredMs: null,
  };
  const windows = input.trafficWindows;
  if (!windows) {
    return {
      ...base,
      verdict: 'inconclusive',
      detail: 'no per-second traffic windows were recorded, so status codes cannot be counted',
    };
  }
  const step = planDrift(input.plan.scenario).find((s) => s.id === e.phase);
  const spans = step
    ? [{ startMs: step.startMs, endMs: step.endMs }]
    : input.plan.phases.find((p) => p.name === e.phase)?.spans;
  if (!spans) return { ...base, verdict: 'inconclusive', detail: `unknown phase "${e.phase}"` };
  let total = 0;
  let count = 0;
  for (const w of windows) {
    const offset = w.second * 1000;
    if (!spans.some((s) => offset >= s.startMs && offset < s.endMs)) continue;
    total += w.ok + w.httpErrors + w.networkErrors + w.timeouts;
    count += w.statusCodes[String(e.status)] ?? 0;
  }
  if (total === 0) {
    return { ...base, verdict: 'inconclusive', detail: `no request completed in ${e.phase}` };
  }
  const share = count / total;
  const ok = share >= e.minShare && share <= e.maxShare;
  const pct = (x: number) => `${Number((x * 100).toFixed(2))}%`;
  const range = e.maxShare < 1 ? `${pct(e.minShare)}–${pct(e.maxShare)}` : `at least ${pct(e.minShare)}`;
  return {
    ...base,
    verdict: ok ? 'passed' : 'failed',
    measured: share,
    detail: `${count} of ${total} requests (${pct(share)}) in ${e.phase} were answered ${e.status}, ${ok ? 'meeting' : 'missing'} ${range}`,
  };
}
