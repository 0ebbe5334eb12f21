import type { AlertFiring, StepSpan } from './alerts.ts';
import { alertLoads } from './alerts.ts';
import { costAt } from './cost.ts';
import { findKnee } from './knee.ts';
import type { CapacityPlan } from './program.ts';
import type { SearchResultJson } from './schema.ts';
import type { StepResult } from './types.ts';

/** Epoch ms as capacity.json writes times. */
export const iso = (ms: number) => new Date(ms).toISOString();

/**
 * One search as capacity.json keeps it (pure): the answer and its capacity, the knee of the measured curve
 * (steps the generator or Ctrl-C voided left out), the achieved rate and the cost at the capacity, each alert
 * at the load that can have caused it, and every step with ISO times.
 */
export function searchResultOf(
  run: { steps: StepResult[]; answer: SearchResultJson['answer'] },
  plan: CapacityPlan,
  fault: string | null,
  firings: readonly AlertFiring[],
  spans: readonly StepSpan[],
  lookbacks: ReadonlyMap<string, number>,
): SearchResultJson {
  const capacity = run.answer.highestPass;
  const measured = run.steps.filter(
    (s) => s.measure !== null && s.verdict !== 'limited' && s.verdict !== 'interrupted',
  );
  const knee = findKnee(
    measured.map((s) => ({
      offered: s.load,
      achieved: s.measure!.achieved,
      latencyMs: s.measure!.latencyMs[plan.stability.percentile],
    })),
    plan.search.unit,
  );
  const atCapacity = run.steps.find((s) => s.load === capacity && s.verdict === 'pass');
  const achievedAtCapacity = atCapacity?.measure?.achieved ?? null;
  const throughput = plan.search.unit === 'rate' ? capacity : achievedAtCapacity;
  return {
    fault,
    answer: run.answer,
    capacity,
    achievedAtCapacity,
    knee,
    cost:
      plan.pricing === null
        ? null
        : costAt(throughput, plan.pricing, atCapacity?.measure?.outputTokensPerSecond),
    alerts: alertLoads(firings, spans, lookbacks, capacity),
    steps: run.steps.map(({ load, ...s }) => ({
      rate: load,
      ...s,
      startedAt: iso(s.startedAt),
      endedAt: iso(s.endedAt),
    })),
    probeSeconds: run.steps.reduce((a, s) => a + (s.endedAt - s.startedAt) / 1000, 0),
  };
}
