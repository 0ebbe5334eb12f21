import { assertNever } from '../core/errors.ts';
import type { DriftTransform, Payload } from './payload.ts';
import { payloadSchema } from './payload.ts';
import type { Scenario } from './schema.ts';

/**
 * The drift timeline: `payload.drift[]` entries and the `payload.sweep` steps as spans of the traffic
 * timeline (ms from traffic start). Pure: scenario in, steps out.
 *
 * A sweep step j holds a mean shift of sigmas[j]·σ for `stepDuration`, then reference traffic for `gap`:
 *   start_j = at + j·(stepDuration + gap),  end_j = start_j + stepDuration.
 * The default gap lets the monitor's window refill with reference rows (windowSize / (rate · batch) seconds at
 * the slowest planned rate) plus 10 s for the gauge update (1 s), the scrape and the alert to resolve.
 */
export interface DriftStep {
  /** The entry's `id`, else `drift-<index>`; sweep steps `sweep-<j>`. */
  id: string;
  source: 'drift' | 'sweep';
  /** Index in `payload.drift[]`, or the sweep step number. */
  index: number;
  transform: DriftTransform;
  /** Mean shift in σ (mean-shift and sweep steps), else null. */
  sigma: number | null;
  startMs: number;
  /** When the transform reaches full strength (start + ramp). */
  fullMs: number;
  endMs: number;
}

/**
 * The slowest planned rate above 0, req/s (a ramp from 0 counts from its end rate's 10%). A closed-model
 * stage plans no rate; it counts with the rate its users cannot fall below, vus / timeout (each user's
 * request ends by the timeout at the latest), so a window-clearing gap derived from it is long enough
 * whatever the server's latency.
 */
export function slowestRate(scenario: Pick<Scenario, 'traffic'>): number {
  let slowest = Number.POSITIVE_INFINITY;
  const perUser = 1000 / scenario.traffic.timeout;
  for (const stage of scenario.traffic.stages) {
    let rate: number;
    switch (stage.kind) {
      case 'constant':
        rate = stage.rate;
        break;
      case 'ramp':
        rate = Math.max(Math.min(stage.from, stage.to), stage.to / 10);
        break;
      case 'concurrency':
        rate = stage.vus * perUser;
        break;
      case 'concurrency-ramp':
        rate = Math.max(Math.min(stage.from, stage.to), stage.to / 10) * perUser;
        break;
      default:
        return assertNever(stage, 'stage kind');
    }
    slowest = Math.min(slowest, rate);
  }
  return Number.isFinite(slowest) ? slowest : 1;
}

/** Margin after the window has refilled: monitor update, scrape, rule evaluation, resolution. */
export const SWEEP_GAP_MARGIN_MS = 10_000;

/** Time for `windowSize` rows at the slowest rate, ms (ceil to whole seconds). */
export function windowClearMs(
  scenario: Pick<Scenario, 'traffic'>,
  payload: Pick<Payload, 'monitorWindow' | 'batch'>,
): number {
  return Math.ceil(payload.monitorWindow / (slowestRate(scenario) * payload.batch)) * 1000;
}

export function resolvedPayload(scenario: Pick<Scenario, 'payload'>): Payload {
  return scenario.payload ?? payloadSchema.parse({});
}

export function trafficMs(scenario: Pick<Scenario, 'traffic'>): number {
  return scenario.traffic.stages.reduce((sum, s) => sum + s.duration, 0);
}

export function planDrift(scenario: Pick<Scenario, 'traffic' | 'payload'>): DriftStep[] {
  const payload = resolvedPayload(scenario);
  const end = trafficMs(scenario);
  const steps: DriftStep[] = payload.drift.map((transform, index) => {
    const startMs = transform.at;
    const endMs = Math.min(end, transform.duration === undefined ? end : startMs + transform.duration);
    return {
      id: transform.id ?? `drift-${index}`,
      source: 'drift',
      index,
      transform,
      sigma: transform.kind === 'mean-shift' ? transform.sigma : null,
      startMs,
      fullMs: Math.min(endMs, startMs + (transform.ramp ?? 0)),
      endMs,
    };
  });
  const sweep = payload.sweep;
  if (sweep) {
    const gap = sweep.gap ?? windowClearMs(scenario, payload) + SWEEP_GAP_MARGIN_MS;
    sweep.sigmas.forEach((sigma, j) => {
      const startMs = sweep.at + j * (sweep.stepDuration + gap);
      const endMs = startMs + sweep.stepDuration;
      steps.push({
        id: `sweep-${j}`,
        source: 'sweep',
        index: j,
        transform: {
          kind: 'mean-shift',
          id: `sweep-${j}`,
          feature: sweep.feature,
          sigma,
          at: startMs,
          duration: sweep.stepDuration,
          ...(sweep.ramp === undefined ? {} : { ramp: sweep.ramp }),
        },
        sigma,
        startMs,
        fullMs: Math.min(endMs, startMs + (sweep.ramp ?? 0)),
        endMs,
      });
    });
  }
  return steps;
}

/** Strength of a step at `offsetMs`: 0 outside [start, end), rising linearly over the ramp, else 1. */
export function intensityAt(step: DriftStep, offsetMs: number): number {
  if (offsetMs < step.startMs || offsetMs >= step.endMs) return 0;
  if (offsetMs >= step.fullMs) return 1;
  return (offsetMs - step.startMs) / (step.fullMs - step.startMs);
}

export interface PayloadIssue {
  path: (string | number)[];
  message: string;
}

/**
 * Checks that need the whole scenario (the schema checks each part alone): drift spans inside the traffic,
 * unique step ids, a sweep gap long enough to clear the monitor window, and the phases and features that
 * `requests-rejected` and `drift-detected` refer to. Meant for the schema's superRefine, like faultIssues.
 */
export function payloadIssues(
  scenario: Pick<Scenario, 'traffic' | 'payload' | 'expect' | 'faults'>,
): PayloadIssue[] {
  const issues: PayloadIssue[] = [];
  const payload = resolvedPayload(scenario);
  const end = trafficMs(scenario);
  const ids = new Set<string>();
  payload.drift.forEach((t, i) => {
    if (t.at >= end)
      issues.push({
        path: ['payload', 'drift', i, 'at'],
        message: `the drift starts at ${t.at / 1000}s, after the traffic stops at ${end / 1000}s`,
      });
    else if (t.duration !== undefined && t.at + t.duration > end) {
      issues.push({
        path: ['payload', 'drift', i, 'duration'],
        message: `the drift ends at ${(t.at + t.duration) / 1000}s, after the traffic stops at ${end / 1000}s`,
      });
    }
    if (t.ramp !== undefined && t.duration !== undefined && t.ramp > t.duration) {
      issues.push({
        path: ['payload', 'drift', i, 'ramp'],
        message: 'the ramp is longer than the drift itself',
      });
    }
    const id = t.id ?? `drift-${i}`;
    if (ids.has(id))
      issues.push({ path: ['payload', 'drift', i, 'id'], message: `duplicate drift id "${id}"` });
    ids.add(id);
  });
  const sweep = payload.sweep;
  if (sweep) {
    const clear = windowClearMs(scenario, payload);
    if (sweep.gap !== undefined && sweep.gap < clear) {
      issues.push({
        path: ['payload', 'sweep', 'gap'],
        message: `a gap of ${sweep.gap / 1000}s does not clear the monitor window: ${payload.monitorWindow} rows at ${slowestRate(scenario)} req/s × ${payload.batch} rows take ${clear / 1000}s`,
      });
    }
    const steps = planDrift(scenario).filter((s) => s.source === 'sweep');
    const last = steps.at(-1);
    if (last && last.endMs > end) {
      issues.push({
        path: ['payload', 'sweep'],
        message: `the sweep's last step ends at ${last.endMs / 1000}s, after the traffic stops at ${end / 1000}s (${steps.length} steps of ${sweep.stepDuration / 1000}s with gaps of ${(steps[1] ? steps[1].startMs - steps[0]!.endMs : 0) / 1000}s)`,
      });
    }
    if (sweep.ramp !== undefined && sweep.ramp > sweep.stepDuration) {
      issues.push({ path: ['payload', 'sweep', 'ramp'], message: 'the ramp is longer than a step' });
    }
  }
  const steps = planDrift(scenario);
  const stageNames = scenario.traffic.stages.flatMap((s) => (s.name ? [s.name] : []));
  const phases = new Set(['run', 'baseline', 'fault', 'recovery', ...stageNames, ...steps.map((s) => s.id)]);
  scenario.expect.forEach((e, i) => {
    if (e.kind === 'requests-rejected' && !phases.has(e.phase)) {
      issues.push({
        path: ['expect', i, 'phase'],
        message: `unknown phase "${e.phase}" (phases: ${[...phases].join(', ')})`,
      });
    }
    if (
      e.kind === 'drift-detected' &&
      !steps.some((s) => stepFeatures(s).includes(e.feature) || stepFeatures(s).includes('*'))
    ) {
      issues.push({
        path: ['expect', i, 'feature'],
        message: `no drift step changes feature "${e.feature}" (give a payload.drift entry or a payload.sweep on it)`,
      });
    }
  });
  return issues;
}

/** The features a step changes, by name (label shift: every feature; extra-field: none). */
export function stepFeatures(step: DriftStep): string[] {
  const t = step.transform;
  if (t.kind === 'label-shift') return ['*'];
  if (t.kind === 'extra-field') return [];
  return [t.feature];
}
