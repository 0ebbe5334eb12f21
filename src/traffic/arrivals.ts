import { readFileSync } from 'node:fs';
import { FiredrillError, type Rng, rngFor } from '../core/index.ts';

/**
 * Arrival processes of the open model. The stochastic ones are generated in "operational time" (the
 * cumulative expected arrivals Λ of the stages): a unit-rate renewal process there, mapped through Λ⁻¹ by
 * the schedule, is the same process at the stage's (possibly ramping) rate λ(t). That is the standard time
 * change for an inhomogeneous Poisson process, and it keeps every kind's mean count equal to Λ.
 *
 * - `uniform`: evenly spaced (Λ targets 0, 1, 2, …), the default.
 * - `poisson`: gaps ~ Exp(1) in Λ, i.e. Δt ~ Exp(λ) at a constant rate; CV of the gaps = 1.
 * - `gamma`: gaps ~ Gamma(k, 1/k) in Λ, i.e. Δt ~ Gamma(shape k, scale 1/(kλ)); CV = 1/√k (k < 1 bursty,
 *   k = 1 Poisson, k > 1 more regular).
 * - `trace`: the recorded offsets themselves (divided by `speed`), ignoring the stages' rates; the stages
 *   still give the run's duration and phases, and offsets at or past its end are not sent.
 *
 * Everything is lazy (generators) and seeded: the same seed gives the same schedule.
 */
export type ArrivalProcess =
  | { kind: 'uniform' }
  | { kind: 'poisson'; seed: number }
  | { kind: 'gamma'; shape: number; seed: number }
  | {
      kind: 'trace';
      /** Offsets in ms from traffic start, ascending (see `parseArrivalTrace`). */
      offsetsMs: readonly number[];
      /** Replay speed: 2 replays twice as fast (offsets halved). Default 1. */
      speed?: number;
    };

/** Stream key of the arrival generator in the seeded RNG (payloads use other keys, so they stay independent). */
const ARRIVAL_STREAM = 0x0a77;

/** Every problem with an arrival process (all of them); empty when usable. */
export function arrivalIssues(process: ArrivalProcess): string[] {
  const issues: string[] = [];
  switch (process.kind) {
    case 'uniform':
    case 'poisson':
      break;
    case 'gamma':
      if (!Number.isFinite(process.shape) || process.shape <= 0)
        issues.push(`arrival.shape must be a finite number > 0, got ${process.shape}`);
      break;
    case 'trace': {
      const speed = process.speed ?? 1;
      if (!Number.isFinite(speed) || speed <= 0)
        issues.push(`arrival.speed must be a finite number > 0, got ${speed}`);
      break;
    }
    default:
      return exhaustive(process);
  }
  return issues;
}

function exhaustive(value: never): never {
  throw new FiredrillError('FD_INTERNAL', `unknown arrival kind ${JSON.stringify(value)}`);
}

/** Exp(1): −ln(1 − u), u ∈ [0, 1), so never ln 0. */
function exponential(rng: Rng): number {
  return -Math.log(1 - rng());
}

/** Standard normal (Box–Muller; the second value is discarded to keep the generator stateless). */
function normal(rng: Rng): number {
  const u = 1 - rng(); // (0, 1]
  const v = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** Gamma(shape, 1) by Marsaglia–Tsang (shape ≥ 1), boosted with U^(1/shape) for shape < 1. */
export function gammaSample(rng: Rng, shape: number): number {
  if (shape < 1) return gammaSample(rng, shape + 1) * (1 - rng()) ** (1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = normal(rng);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = 1 - rng();
    if (u < 1 - 0.0331 * x * x * x * x) return d * v;
    if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}

/**
 * Cumulative Λ targets of a unit-rate process (ascending, unbounded): arrival i is due where the stages'
 * Λ(t) reaches the i-th value. Not for `trace` (which is in ms already).
 */
export function* unitArrivals(
  process: Exclude<ArrivalProcess, { kind: 'trace' }>,
): Generator<number, void, undefined> {
  switch (process.kind) {
    case 'uniform':
      for (let k = 0; ; k++) yield k;
    case 'poisson': {
      const rng = rngFor(process.seed, ARRIVAL_STREAM);
      for (let m = exponential(rng); ; m += exponential(rng)) yield m;
    }
    case 'gamma': {
      const rng = rngFor(process.seed, ARRIVAL_STREAM, 1);
      const shape = process.shape;
      for (let m = gammaSample(rng, shape) / shape; ; m += gammaSample(rng, shape) / shape) yield m;
    }
    default:
      exhaustive(process);
  }
}

/**
 * Parses a recorded arrival trace: either a JSON array, or one entry per line (blank lines and `#`
 * comments skipped). An entry is a number (ms offset from traffic start) or an ISO-8601 timestamp
 * string (timestamps are rebased to the first one). Entries must be ≥ 0 and non-decreasing. Returns the
 * offsets in ms. Malformed input throws FD_SCENARIO_LOAD naming `file:line` of the first bad entry (all
 * bad entries are listed, up to 5).
 */
export function parseArrivalTrace(text: string, file: string): number[] {
  const entries: Array<{ line: number; raw: string; value: unknown }> = [];
  const trimmed = text.trimStart();
  if (trimmed.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      const position = /position (\d+)/.exec(String((error as Error).message));
      const line = position ? lineAt(text, Number(position[1])) : syntaxErrorLine(text);
      throw traceError(file, [`${file}:${line}: not a JSON array (${(error as Error).message})`]);
    }
    if (!Array.isArray(parsed)) throw traceError(file, [`${file}:1: expected a JSON array`]);
    // Lines of the elements: the array's top-level tokens in order (strings, numbers, literals, nested).
    const tokens = [...text.matchAll(/"(?:[^"\\]|\\.)*"|[^\s,[\]]+|\[|\{/g)].slice(1);
    parsed.forEach((value, index) => {
      const token = tokens[index];
      entries.push({
        line: token?.index === undefined ? 1 : lineAt(text, token.index),
        raw: JSON.stringify(value),
        value,
      });
    });
  } else {
    text.split(/\r?\n/).forEach((rawLine, index) => {
      const raw = rawLine.trim();
      if (raw === '' || raw.startsWith('#')) return;
      const numeric = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(raw);
      entries.push({ line: index + 1, raw, value: numeric ? Number(raw) : raw });
    });
  }
  const issues: string[] = [];
  const offsets: number[] = [];
  let base: number | undefined;
  let previous = 0;
  for (const entry of entries) {
    let offset: number | undefined;
    if (typeof entry.value === 'number' && Number.isFinite(entry.value)) {
      offset = entry.value;
    } else if (typeof entry.value === 'string' && /^\d{4}-\d\d-\d\dT/.test(entry.value)) {
      const at = Date.parse(entry.value);
      if (Number.isFinite(at)) {
        base ??= at;
        offset = at - base;
      }
    }
    if (offset === undefined) {
      issues.push(
        `${file}:${entry.line}: expected a number of ms or an ISO-8601 timestamp, got ${truncate(entry.raw)}`,
      );
    } else if (offset < 0) {
      issues.push(`${file}:${entry.line}: offset ${offset} is negative`);
    } else if (offset < previous) {
      issues.push(
        `${file}:${entry.line}: ${truncate(entry.raw)} goes back in time (previous ${previous} ms)`,
      );
    } else {
      offsets.push(offset);
      previous = offset;
    }
  }
  if (issues.length > 0) throw traceError(file, issues);
  if (offsets.length === 0) throw traceError(file, [`${file}:1: the trace holds no arrivals`]);
  return offsets;
}

/** Reads and parses a trace file (see `parseArrivalTrace`); a missing file is FD_SCENARIO_LOAD too. */
export function loadArrivalTrace(file: string): number[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new FiredrillError('FD_SCENARIO_LOAD', `cannot read the arrival trace ${file}`, {
      cause: error,
      hint: 'traffic.arrival.file is resolved against the working directory',
    });
  }
  return parseArrivalTrace(text, file);
}

/** First line whose end makes the JSON fail other than by ending early (V8 omits positions in short texts). */
function syntaxErrorLine(text: string): number {
  const lines = text.split('\n');
  for (let i = 1; i <= lines.length; i++) {
    try {
      JSON.parse(lines.slice(0, i).join('\n'));
      return i;
    } catch (error) {
      if (!/end of JSON|Unterminated/i.test((error as Error).message)) return i;
    }
  }
  return lines.length;
}

function lineAt(text: string, index: number): number {
  let line = 1;
  for (let i = 0; i < index && i < text.length; i++) if (text.charCodeAt(i) === 10) line += 1;
  return line;
}

function truncate(raw: string): string {
  return raw.length > 40 ? `"${raw.slice(0, 37)}…"` : `"${raw}"`;
}

function traceError(file: string, issues: string[]): FiredrillError {
  const shown = issues.slice(0, 5).join('; ');
  const more = issues.length > 5 ? ` (and ${issues.length - 5} more)` : '';
  return new FiredrillError('FD_SCENARIO_LOAD', `malformed arrival trace: ${shown}${more}`, {
    hint: `${file} holds one ms offset or ISO-8601 timestamp per line (or a JSON array of them), ascending`,
  });
}

/**
 * Most arrivals of a trace (offsets in ms, ascending, already divided by speed) that fall inside any
 * window of `spanMs` and before `endMs`: by Little's law the requests in flight if each took `spanMs`.
 */
export function peakArrivalsWithin(offsetsMs: readonly number[], spanMs: number, endMs: number): number {
  let best = 0;
  let start = 0;
  for (let end = 0; end < offsetsMs.length; end++) {
    const at = offsetsMs[end]!;
    if (!(at < endMs)) break;
    while (offsetsMs[start]! <= at - spanMs) start += 1;
    best = Math.max(best, end - start + 1);
  }
  return best;
}
