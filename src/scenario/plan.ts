import { assertNever } from '../core/errors.ts';
import type { Expectation, Fault, Scenario, Stage } from './schema.ts';

/**
 * The plan: a scenario turned into an absolute timeline. All offsets are milliseconds from the run's
 * start (t = 0 is when traffic begins). Pure: no clock, no I/O.
 */
export interface PlannedStage {
  index: number;
  name: string;
  stage: Stage;
  startMs: number;
  endMs: number;
}

export interface PlannedFault {
  fault: Fault;
  startMs: number;
  endMs: number;
}

/** A named span of the run that thresholds can refer to. */
export interface PlannedPhase {
  name: string;
  /** Half-open spans [startMs, endMs); "fault" may have several. */
  spans: Array<{ startMs: number; endMs: number }>;
}

export interface PlannedExpectation {
  id: string;
  expectation: Expectation;
}

export interface Plan {
  scenario: Scenario;
  stages: PlannedStage[];
  faults: PlannedFault[];
  phases: PlannedPhase[];
  expectations: PlannedExpectation[];
  /** When traffic stops. */
  trafficEndMs: number;
  /** When observation stops: the later of traffic end and last revert + recovery window. */
  endMs: number;
}

function defaultExpectationId(expectation: Expectation, index: number): string {
  switch (expectation.kind) {
    case 'alert-fires':
      return `fires-${expectation.alert}-after-${expectation.after}`;
    case 'alert-resolves':
      return `resolves-${expectation.alert}-after-${expectation.after}`;
    case 'alert-silent':
      return `silent-${expectation.alert}-during-${expectation.during}`;
    case 'threshold':
      return `threshold-${expectation.phase}-${expectation.metric}-${index}`;
    case 'drift-detected':
      return `drift-${expectation.alert}-${expectation.feature}`;
    case 'requests-rejected':
      return `rejected-${expectation.status}-in-${expectation.phase}`;
    case 'rollback':
      return `rollback-${expectation.expect}-after-${expectation.after}`;
    case 'promql':
      return `promql-${expectation.holds}-${expectation.after ?? expectation.phase}-${index}`;
  }
}

export function planScenario(scenario: Scenario): Plan {
  let cursor = 0;
  const stages = scenario.traffic.stages.map((stage, index) => {
    const planned = {
      index,
      name: stage.name ?? `stage-${index + 1}`,
      stage,
      startMs: cursor,
      endMs: cursor + stage.duration,
    };
    cursor += stage.duration;
    return planned;
  });
  const trafficEndMs = cursor;
  const faults = scenario.faults
    .map((fault) => ({ fault, startMs: fault.at, endMs: fault.at + fault.duration }))
    .sort((a, b) => a.startMs - b.startMs);

  const firstFault = faults.length > 0 ? Math.min(...faults.map((f) => f.startMs)) : trafficEndMs;
  const lastRevert = faults.length > 0 ? Math.max(...faults.map((f) => f.endMs)) : 0;
  const phases: PlannedPhase[] = [
    { name: 'run', spans: [{ startMs: 0, endMs: trafficEndMs }] },
    { name: 'baseline', spans: [{ startMs: 0, endMs: firstFault }] },
    { name: 'fault', spans: mergeSpans(faults.map((f) => ({ startMs: f.startMs, endMs: f.endMs }))) },
    { name: 'recovery', spans: faults.length > 0 ? [{ startMs: lastRevert, endMs: trafficEndMs }] : [] },
    ...stages.map((s) => ({ name: s.name, spans: [{ startMs: s.startMs, endMs: s.endMs }] })),
  ];

  const usedIds = new Set<string>();
  const expectations = scenario.expect.map((expectation, index) => {
    let id = expectation.id ?? defaultExpectationId(expectation, index);
    while (usedIds.has(id)) id = `${id}-${index}`;
    usedIds.add(id);
    return { id, expectation };
  });

  return {
    scenario,
    stages,
    faults,
    phases,
    expectations,
    trafficEndMs,
    endMs: Math.max(trafficEndMs, lastRevert + scenario.recovery),
  };
}

function mergeSpans(
  spans: Array<{ startMs: number; endMs: number }>,
): Array<{ startMs: number; endMs: number }> {
  const sorted = [...spans].sort((a, b) => a.startMs - b.startMs);
  const merged: Array<{ startMs: number; endMs: number }> = [];
  for (const span of sorted) {
    const last = merged.at(-1);
    if (last && span.startMs <= last.endMs) last.endMs = Math.max(last.endMs, span.endMs);
    else merged.push({ ...span });
  }
  return merged;
}

/**
 * Offered rate (req/s) at offset `ms` according to the plan; 0 outside the traffic window. null in a
 * closed-model stage: a fixed concurrency offers no rate (it gets what the server's latency allows); see
 * traffic/closed-engine.ts `vusAt`.
 */
export function offeredRateAt(plan: Plan, ms: number): number | null {
  const planned = plan.stages.find((s) => ms >= s.startMs && ms < s.endMs);
  if (!planned) return 0;
  const { stage } = planned;
  const progress = (ms - planned.startMs) / stage.duration;
  switch (stage.kind) {
    case 'constant':
      return stage.rate;
    case 'ramp':
      return stage.from + (stage.to - stage.from) * progress;
    case 'concurrency':
    case 'concurrency-ramp':
      return null;
    default:
      return assertNever(stage, 'stage kind');
  }
}
