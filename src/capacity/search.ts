import type { LoadUnit, SearchAnswer, SearchSettings, StepResult } from './types.ts';

export const DEFAULT_SEARCH: Omit<SearchSettings, 'unit' | 'start' | 'max'> = {
  precision: 0.02,
  repeats: 1,
  maxSteps: 40,
};

export type NextProbe = { kind: 'probe'; load: number } | { kind: 'done'; answer: SearchAnswer };

/** The smallest difference of two loads of a unit: 0.1 req/s, or one user. */
function loadStep(unit: LoadUnit): number {
  return unit === 'concurrency' ? 1 : 0.1;
}

/** A load as it is offered: rates to 0.1 req/s, users whole; at least one step. */
export function roundLoad(load: number, unit: LoadUnit): number {
  return unit === 'concurrency' ? Math.max(1, Math.round(load)) : Math.max(0.1, Math.round(load * 10) / 10);
}

/** A load's verdict over its probes: the majority of pass/fail decides, a tie fails (conservative). */
function verdicts(
  history: readonly Pick<StepResult, 'load' | 'verdict'>[],
): Map<number, { pass: number; fail: number }> {
  const byLoad = new Map<number, { pass: number; fail: number }>();
  for (const step of history) {
    const tally = byLoad.get(step.load) ?? { pass: 0, fail: 0 };
    if (step.verdict === 'pass') tally.pass += 1;
    if (step.verdict === 'fail') tally.fail += 1;
    byLoad.set(step.load, tally);
  }
  return byLoad;
}

/**
 * The search answer the history supports so far: the lowest failing load, and the highest passing load
 * below it (a pass above a fail, a non-monotone blip, is recorded but not the answer). Pure.
 */
export function boundsOf(history: readonly Pick<StepResult, 'load' | 'verdict'>[]): {
  highestPass: number | null;
  lowestFail: number | null;
} {
  let lowestFail: number | null = null;
  const tallies = verdicts(history);
  for (const [load, t] of tallies) {
    if (t.fail + t.pass > 0 && t.fail >= t.pass && (lowestFail === null || load < lowestFail))
      lowestFail = load;
  }
  let highestPass: number | null = null;
  for (const [load, t] of tallies) {
    if (
      t.pass > t.fail &&
      (lowestFail === null || load < lowestFail) &&
      (highestPass === null || load > highestPass)
    ) {
      highestPass = load;
    }
  }
  return { highestPass, lowestFail };
}

/**
 * The next step of a capacity search from the steps so far (pure, so any history can be replayed), in the
 * settings' unit (req/s or users, the same logic): bracket from `start`, doubling while the SLO holds
 * (capped at `max`); once a load fails (an SLO breach, an unstable or diverging step, or overload: the climb
 * never goes above a failing load), bisect between the highest pass and the lowest fail until they are
 * within `precision` or no load of the unit's step lies between them (users: lowest fail − highest pass ≤ 1);
 * then, with `repeats` > 1, probe both final points again until each has `repeats` probes (a changed
 * majority reopens the search). A generator-limited step is the generator's ceiling, not the server's: its
 * load cannot be measured, so the search never offers it or more again, and bisects below it instead; a
 * failure found there still decides the answer (`found`), otherwise the search ends `generator-limited` once
 * the highest pass is within `precision` (or one step of the unit) of the ceiling (the capacity is at least
 * that pass).
 */
export function nextProbe(
  history: readonly Pick<StepResult, 'load' | 'verdict'>[],
  settings: SearchSettings,
): NextProbe {
  const done = (status: SearchAnswer['status']): NextProbe => ({
    kind: 'done',
    answer: { status, ...boundsOf(history) },
  });
  const round = (load: number) => roundLoad(load, settings.unit);
  if (history.some((s) => s.verdict === 'interrupted')) return done('interrupted');
  if (history.length >= settings.maxSteps) return done('budget');
  if (history.length === 0) return { kind: 'probe', load: round(Math.min(settings.start, settings.max)) };
  const { highestPass, lowestFail } = boundsOf(history);
  const ceiling = generatorCeiling(history);
  if (ceiling !== null && (lowestFail === null || ceiling < lowestFail)) {
    // The generator's ceiling bounds the search before any failure does: bisect below it.
    if (highestPass === null || ceiling - highestPass <= settings.precision * highestPass)
      return done('generator-limited');
    const mid = round((highestPass + ceiling) / 2);
    return mid > highestPass && mid < ceiling ? { kind: 'probe', load: mid } : done('generator-limited');
  }
  if (settings.strategy === 'linear') {
    if (lowestFail !== null) return done(highestPass === null ? 'below-start' : 'found');
    const top = highestPass ?? settings.start;
    if (top >= settings.max) return done('above-max');
    const stride = Math.max(settings.precision * settings.max, loadStep(settings.unit));
    return { kind: 'probe', load: round(Math.min(top + stride, settings.max)) };
  }
  const probes = (load: number) => history.filter((s) => s.load === load).length;
  if (lowestFail === null) {
    // Still climbing.
    const top = highestPass ?? settings.start;
    if (top >= settings.max) return repeatOr(top, probes, settings, () => done('above-max'));
    return { kind: 'probe', load: round(Math.min(top * 2, settings.max)) };
  }
  if (highestPass === null) {
    if (lowestFail <= round(settings.start))
      return repeatOr(lowestFail, probes, settings, () => done('below-start'));
    // A blip reopened the bottom: halve down towards the start.
    return { kind: 'probe', load: round(Math.max(settings.start, lowestFail / 2)) };
  }
  if (lowestFail - highestPass > settings.precision * highestPass) {
    const mid = round((highestPass + lowestFail) / 2);
    if (mid > highestPass && mid < lowestFail) return { kind: 'probe', load: mid };
  }
  return repeatOr(highestPass, probes, settings, () =>
    repeatOr(lowestFail, probes, settings, () => done('found')),
  );
}

/** The lowest load the generator could not offer (a generator-limited step), or null. */
function generatorCeiling(history: readonly Pick<StepResult, 'load' | 'verdict'>[]): number | null {
  const limited = history.filter((s) => s.verdict === 'limited').map((s) => s.load);
  return limited.length === 0 ? null : Math.min(...limited);
}

function repeatOr(
  load: number,
  probes: (load: number) => number,
  settings: SearchSettings,
  otherwise: () => NextProbe,
): NextProbe {
  return probes(load) < settings.repeats ? { kind: 'probe', load } : otherwise();
}

/** What the search loop needs from the world: one step at a load, and whether time is left for another. */
export interface SearchWorld {
  /** Runs one step at `load` (offered req/s, or virtual users: the settings' unit) and returns its result. */
  step(load: number): Promise<StepResult>;
  /** False once the time budget cannot take another step (the search then ends `budget`). */
  canStep(): boolean;
  signal: AbortSignal;
}

/**
 * Runs a capacity search: asks `nextProbe` for each load and `world.step` to measure it, until the search
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
    const step = await world.step(next.load);
    steps.push(step);
    onStep?.(step, steps);
  }
}
