import type { SearchAnswer, SearchSettings, StepResult } from './types.ts';

export const DEFAULT_SEARCH: Omit<SearchSettings, 'startRate' | 'maxRate'> = {
  precision: 0.02,
  repeats: 1,
  maxSteps: 40,
};

export type NextProbe = { kind: 'probe'; rate: number } | { kind: 'done'; answer: SearchAnswer };

/** Rates are offered to 0.1 req/s. */
function roundRate(rate: number): number {
  return Math.max(0.1, Math.round(rate * 10) / 10);
}

/** A rate's verdict over its probes: the majority of pass/fail decides, a tie fails (conservative). */
function verdicts(
  history: readonly Pick<StepResult, 'rate' | 'verdict'>[],
): Map<number, { pass: number; fail: number }> {
  const byRate = new Map<number, { pass: number; fail: number }>();
  for (const step of history) {
    const tally = byRate.get(step.rate) ?? { pass: 0, fail: 0 };
    if (step.verdict === 'pass') tally.pass += 1;
    if (step.verdict === 'fail') tally.fail += 1;
    byRate.set(step.rate, tally);
  }
  return byRate;
}

/**
 * The search answer the history supports so far: the lowest failing rate, and the highest passing rate
 * below it (a pass above a fail, a non-monotone blip, is recorded but not the answer). Pure.
 */
export function boundsOf(history: readonly Pick<StepResult, 'rate' | 'verdict'>[]): {
  highestPass: number | null;
  lowestFail: number | null;
} {
  let lowestFail: number | null = null;
  const tallies = verdicts(history);
  for (const [rate, t] of tallies) {
    if (t.fail + t.pass > 0 && t.fail >= t.pass && (lowestFail === null || rate < lowestFail))
      lowestFail = rate;
  }
  let highestPass: number | null = null;
  for (const [rate, t] of tallies) {
    if (
      t.pass > t.fail &&
      (lowestFail === null || rate < lowestFail) &&
      (highestPass === null || rate > highestPass)
    ) {
      highestPass = rate;
    }
  }
  return { highestPass, lowestFail };
}

/**
 * The next step of a capacity search from the steps so far (pure, so any history can be replayed):
 * bracket from `startRate`, doubling while the SLO holds (capped at `maxRate`); once a rate fails (an SLO
 * breach, an unstable or diverging step, or overload: the climb never goes above a failing rate), bisect
 * between the highest pass and the lowest fail until they are within `precision`; then, with `repeats` > 1,
 * probe both final points again until each has `repeats` probes (a changed majority reopens the search).
 * A generator-limited step is the generator's ceiling, not the server's: its rate cannot be measured, so the
 * search never offers it or more again, and bisects below it instead; a failure found there still decides
 * the answer (`found`), otherwise the search ends `generator-limited` once the highest pass is within
 * `precision` of the ceiling (the capacity is at least that pass).
 */
export function nextProbe(
  history: readonly Pick<StepResult, 'rate' | 'verdict'>[],
  settings: SearchSettings,
): NextProbe {
  const done = (status: SearchAnswer['status']): NextProbe => ({
    kind: 'done',
    answer: { status, ...boundsOf(history) },
  });
  if (history.some((s) => s.verdict === 'interrupted')) return done('interrupted');
  if (history.length >= settings.maxSteps) return done('budget');
  if (history.length === 0)
    return { kind: 'probe', rate: roundRate(Math.min(settings.startRate, settings.maxRate)) };
  const { highestPass, lowestFail } = boundsOf(history);
  const ceiling = generatorCeiling(history);
  if (ceiling !== null && (lowestFail === null || ceiling < lowestFail)) {
    // The generator's ceiling bounds the search before any failure does: bisect below it.
    if (highestPass === null || ceiling - highestPass <= settings.precision * highestPass)
      return done('generator-limited');
    const mid = roundRate((highestPass + ceiling) / 2);
    return mid > highestPass && mid < ceiling ? { kind: 'probe', rate: mid } : done('generator-limited');
  }
  if (settings.strategy === 'linear') {
    if (lowestFail !== null) return done(highestPass === null ? 'below-start' : 'found');
    const top = highestPass ?? settings.startRate;
    if (top >= settings.maxRate) return done('above-max');
    return {
      kind: 'probe',
      rate: roundRate(Math.min(top + settings.precision * settings.maxRate, settings.maxRate)),
    };
  }
  const probes = (rate: number) => history.filter((s) => s.rate === rate).length;
  if (lowestFail === null) {
    // Still climbing.
    const top = highestPass ?? settings.startRate;
    if (top >= settings.maxRate) return repeatOr(top, probes, settings, () => done('above-max'));
    return { kind: 'probe', rate: roundRate(Math.min(top * 2, settings.maxRate)) };
  }
  if (highestPass === null) {
    if (lowestFail <= roundRate(settings.startRate))
      return repeatOr(lowestFail, probes, settings, () => done('below-start'));
    // A blip reopened the bottom: halve down towards the start.
    return { kind: 'probe', rate: roundRate(Math.max(settings.startRate, lowestFail / 2)) };
  }
  if (lowestFail - highestPass > settings.precision * highestPass) {
    const mid = roundRate((highestPass + lowestFail) / 2);
    if (mid > highestPass && mid < lowestFail) return { kind: 'probe', rate: mid };
  }
  return repeatOr(highestPass, probes, settings, () =>
    repeatOr(lowestFail, probes, settings, () => done('found')),
  );
}

/** The lowest rate the generator could not offer (a generator-limited step), or null. */
function generatorCeiling(history: readonly Pick<StepResult, 'rate' | 'verdict'>[]): number | null {
  const limited = history.filter((s) => s.verdict === 'limited').map((s) => s.rate);
  return limited.length === 0 ? null : Math.min(...limited);
}

function repeatOr(
  rate: number,
  probes: (rate: number) => number,
  settings: SearchSettings,
  otherwise: () => NextProbe,
): NextProbe {
  return probes(rate) < settings.repeats ? { kind: 'probe', rate } : otherwise();
}

/** What the search loop needs from the world: one step at a rate, and whether time is left for another. */
export interface SearchWorld {
  /** Runs one step at `rate` (offered req/s) and returns its result. */
  step(rate: number): Promise<StepResult>;
  /** False once the time budget cannot take another step (the search then ends `budget`). */
  canStep(): boolean;
  signal: AbortSignal;
}

/**
 * Runs a capacity search: asks `nextProbe` for each rate and `world.step` to measure it, until the search
 * is done, the budget ends or the signal aborts. Returns every step in order and the answer.
 */
export async function searchCapacity(
  settings: SearchSettings,
  world: SearchWorld,
  onStep?: (step: StepResult, steps: readonly StepResult[]) => void,
): Promise<{ steps: StepResult[]; answer: SearchAnswer }> {
  const steps: StepResult[] = [];
  for (;;) {
    const next = nextProbe(steps, settings);
    if (next.kind === 'done') return { steps, answer: next.answer };
    if (world.signal.aborted) return { steps, answer: { status: 'interrupted', ...boundsOf(steps) } };
    if (!world.canStep()) return { steps, answer: { status: 'budget', ...boundsOf(steps) } };
    const step = await world.step(next.rate);
    steps.push(step);
    onStep?.(step, steps);
  }
}
