import { formatDuration, parseDuration } from '../core/duration.ts';
import { FiredrillError } from '../core/errors.ts';

/**
 * How much slower a detection (or resolve) time may get before it is a regression: the allowance is
 * max(absMs, baseline median × (factor − 1)). A fixed floor stops a 1 s → 1.8 s wobble from counting; the
 * factor scales it for slow alerts (a 60 s detection may move by 30 s).
 */
export interface Tolerance {
  /** Milliseconds a time may grow by in any case (X in `Xs,Yx`). */
  absMs: number;
  /** Multiple of the baseline a time may grow to (Y in `Xs,Yx`), ≥ 1. */
  factor: number;
}

/** The defaults: +2 s (two scrape/evaluation cycles of the embedded stack, plus polling) or ×1.5. */
export const defaultTolerance: Tolerance = { absMs: 2000, factor: 1.5 };

/** The allowance in ms for a baseline time (median) of `baseMs`. */
export function allowanceMs(tolerance: Tolerance, baseMs: number): number {
  return Math.max(tolerance.absMs, Math.max(0, baseMs) * (tolerance.factor - 1));
}

export function formatTolerance(tolerance: Tolerance): string {
  return `+${formatDuration(tolerance.absMs)} or ×${tolerance.factor}`;
}

/**
 * Parses `2s,1.5x` (either part alone keeps the other's default; order free). Every problem is FD_USAGE naming
 * `where` (the flag, or the file and field), the part and the value.
 */
export function parseTolerance(text: string, where = '--tolerance'): Tolerance {
  const hint = 'e.g. --tolerance 2s,1.5x (at most +2s, or ×1.5 of the baseline, whichever is larger)';
  const parts = text.split(',').map((part) => part.trim());
  if (text.trim() === '' || parts.length > 2) {
    throw new FiredrillError(
      'FD_USAGE',
      `${where}: "${text}" is not a tolerance: give a duration, a factor, or both separated by a comma`,
      { hint },
    );
  }
  let absMs: number | undefined;
  let factor: number | undefined;
  parts.forEach((part, index) => {
    const at = `${where}: part ${index + 1} "${part}"`;
    if (/^\d+(?:\.\d+)?x$/i.test(part)) {
      if (factor !== undefined) throw new FiredrillError('FD_USAGE', `${at}: a second factor`, { hint });
      factor = Number(part.slice(0, -1));
      if (!(factor >= 1)) {
        throw new FiredrillError('FD_USAGE', `${at}: a factor is at least 1x (1x: no slow-down allowed)`, {
          hint,
        });
      }
      return;
    }
    const ms = parseDuration(part);
    if (ms === undefined) {
      throw new FiredrillError('FD_USAGE', `${at} is neither a duration like "2s" nor a factor like "1.5x"`, {
        hint,
      });
    }
    if (absMs !== undefined) throw new FiredrillError('FD_USAGE', `${at}: a second duration`, { hint });
    absMs = ms;
  });
  return { absMs: absMs ?? defaultTolerance.absMs, factor: factor ?? defaultTolerance.factor };
}
