import { formatError } from '../core/errors.ts';
import type { ExpectedStepDrift } from '../drift/expected.ts';
import { compareDrift, type DriftReport, queryObservedDrift } from '../drift/observed.ts';

export type { DriftReport } from '../drift/observed.ts';

import type { PrometheusClient } from '../evaluate/index.ts';
import { resolvedPayload, stepFeatures, windowClearMs } from '../payload/index.ts';
import type { Scenario } from '../scenario/index.ts';

function describeTransform(transform: { kind: string } & Record<string, unknown>): string {
  const { kind, at: _at, ramp: _ramp, duration: _duration, id: _id, ...rest } = transform;
  const parts = Object.entries(rest).map(
    ([k, v]) => `${k} ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`,
  );
  return `${kind} ${parts.join(', ')}`.trim();
}

/**
 * After the run: for each drift step, the fixture monitor's PSI readings while its window was full of
 * drifted rows, compared with the expected band computed before the run. Numeric features only (the
 * ones the monitor tracks). A query failure becomes a warning, not a verdict.
 */
export async function observeDrift(
  prometheus: PrometheusClient,
  scenario: Scenario,
  expected: readonly ExpectedStepDrift[],
  startedAt: number,
  warnings: string[],
): Promise<DriftReport[]> {
  const payload = resolvedPayload(scenario);
  const clearMs = windowClearMs(scenario, payload);
  const reports: DriftReport[] = [];
  for (const { step, rows } of expected) {
    if (step === null) continue;
    const features = stepFeatures(step).filter((f) => rows.some((r) => r.feature === f));
    const spanMs = step.endMs - step.startMs - clearMs;
    const base = {
      step: step.id,
      transform: describeTransform(step.transform as unknown as { kind: string } & Record<string, unknown>),
      startMs: step.startMs,
      endMs: step.endMs,
    };
    if (features.length === 0 || spanMs < 2000) {
      reports.push({ ...base, observedFrom: null, observedTo: null, rows: [] });
      continue;
    }
    const atMs = startedAt + step.endMs;
    try {
      const observed = await queryObservedDrift(prometheus, scenario.target.model, features, atMs, spanMs);
      const expectedRows = rows.filter((r) => features.includes(r.feature));
      reports.push({
        ...base,
        observedFrom: atMs - spanMs,
        observedTo: atMs,
        rows: compareDrift(expectedRows, observed),
      });
    } catch (error) {
      warnings.push(`could not read observed drift for ${step.id}: ${formatError(error)}`);
      reports.push({ ...base, observedFrom: null, observedTo: null, rows: [] });
    }
  }
  return reports;
}
