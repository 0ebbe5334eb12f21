/**
 * Population Stability Index, compatible with Evidently's `psi` stattest.
 *
 * PSI = Σ_i (A_i − E_i) · ln(A_i / E_i) over bins, with E the reference ("expected") share and A the current
 * ("actual") share of bin i. Rule of thumb: < 0.1 insignificant, 0.1–0.25 moderate, > 0.25 significant
 * (Evidently's default threshold is 0.1).
 *
 * Evidently (src/evidently/calculations/stattests/utils.py `get_binned_data`, read for this port):
 * - `n_vals = reference.nunique()` — unique values of the REFERENCE only decide the method;
 * - numeric with n_vals > 20: `bins = np.histogram_bin_edges(concat(reference, current), bins="sturges")`, so the
 *   edges span min..max of reference ∪ current and the bin count comes from n = len(reference) + len(current):
 *   width = ptp / (log2(n) + 1), count = ceil(ptp / width) (≈ ceil(log2(n) + 1)), edges = linspace(min, max, count+1).
 *   Shares are `np.histogram(x, bins)[0] / len(x)`: bins are [e_i, e_i+1) except the last, which is closed.
 * - otherwise (≤ 20 unique reference values, or a categorical column): one "bin" per distinct value of
 *   reference ∪ current;
 * - empty shares are then floored, each array separately: to 0.0001, or to (smallest non-zero share) / 10⁶ when
 *   that smallest share is itself ≤ 0.0001.
 * Everything here follows those rules, including numpy's floating-point order of operations for the edges.
 */

/** Evidently's floor for an empty bin's share. */
export const PSI_EMPTY_BIN_SHARE = 0.0001;
/** A numeric column needs more than this many distinct reference values to be binned (else: per value). */
export const PSI_MAX_DISCRETE_VALUES = 20;

export interface PsiBin {
  /** Lower edge (inclusive). For a per-value bin, lo = hi = the value. */
  lo: number;
  /** Upper edge (exclusive, except for the last bin, which includes it). */
  hi: number;
  /** Reference share, after the empty-bin floor. */
  expected: number;
  /** Current share, after the empty-bin floor. */
  actual: number;
}

export interface PsiResult {
  psi: number;
  /** 'sturges': equal-width bins; 'values': one bin per distinct value (≤ 20 unique reference values). */
  method: 'sturges' | 'values';
  bins: PsiBin[];
}

export interface PsiOptions {
  /** false treats the column as categorical (one bin per value) whatever its cardinality. Default true. */
  numeric?: boolean;
}

/** What to do with current values outside a fixed set of edges. */
export type OutsideEdges = 'drop' | 'clamp';

function minMax(values: ArrayLike<number>): [number, number] {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

function assertFinite(name: string, values: ArrayLike<number>): void {
  if (values.length === 0) throw new RangeError(`${name}: needs at least one value`);
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) throw new RangeError(`${name}: value ${i} is not a finite number`);
  }
}

/**
 * `np.histogram_bin_edges(values, bins="sturges")`, with `n` overridable (the bin count is the one numpy would
 * choose for n values; the range is always min..max of `values`). A zero range becomes [v − 0.5, v + 0.5] with
 * one bin, as in numpy.
 */
export function sturgesEdges(values: ArrayLike<number>, n: number = values.length): number[] {
  assertFinite('sturgesEdges', values);
  let [first, last] = minMax(values);
  const ptp = last - first;
  let count = 1;
  if (first === last) {
    first -= 0.5;
    last += 0.5;
  } else {
    const width = ptp / (Math.log2(n) + 1);
    count = Math.ceil((last - first) / width);
  }
  // np.linspace(first, last, count + 1): y_i = i·step + first, last element set to `last` exactly.
  const step = (last - first) / count;
  const edges = new Array<number>(count + 1);
  for (let i = 0; i < count; i++) edges[i] = i * step + first;
  edges[count] = last;
  return edges;
}

/**
 * Counts per bin of `edges` (length k+1 → k bins), numpy semantics: [e_i, e_i+1), last bin closed. Values
 * outside [e_0, e_k] are dropped ('drop', numpy) or counted in the first/last bin ('clamp').
 */
export function histogramCounts(
  edges: readonly number[],
  values: ArrayLike<number>,
  outside: OutsideEdges = 'drop',
): number[] {
  const k = edges.length - 1;
  if (k < 1) throw new RangeError('histogramCounts: needs at least two edges');
  const counts = new Array<number>(k).fill(0);
  const first = edges[0]!;
  const last = edges[k]!;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isNaN(v)) continue;
    let bin: number;
    if (v < first) {
      if (outside === 'drop') continue;
      bin = 0;
    } else if (v >= last) {
      if (v > last && outside === 'drop') continue;
      bin = k - 1;
    } else {
      // Largest i with edges[i] <= v (binary search; edges are sorted).
      let lo = 0;
      let hi = k - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (edges[mid]! <= v) lo = mid;
        else hi = mid - 1;
      }
      bin = lo;
    }
    counts[bin]!++;
  }
  return counts;
}

/** Evidently's empty-bin floor (`feel_zeroes`), on a copy. */
export function floorEmptyShares(shares: readonly number[]): number[] {
  let minNonZero = Number.POSITIVE_INFINITY;
  for (const s of shares) if (s !== 0 && s < minNonZero) minNonZero = s;
  if (!Number.isFinite(minNonZero)) return shares.map(() => PSI_EMPTY_BIN_SHARE);
  const floor = minNonZero <= PSI_EMPTY_BIN_SHARE ? minNonZero / 1e6 : PSI_EMPTY_BIN_SHARE;
  return shares.map((s) => (s === 0 ? floor : s));
}

/**
 * PSI of two share vectors over the same bins (Σ (A − E)·ln(A/E)). Zero shares are floored first with
 * Evidently's rule (idempotent: already-floored shares pass through unchanged).
 */
export function psiFromShares(expected: readonly number[], actual: readonly number[]): number {
  if (expected.length !== actual.length) {
    throw new RangeError(`psiFromShares: ${expected.length} expected shares but ${actual.length} actual`);
  }
  const e = floorEmptyShares(expected);
  const a = floorEmptyShares(actual);
  let sum = 0;
  for (let i = 0; i < e.length; i++) sum += (a[i]! - e[i]!) * Math.log(a[i]! / e[i]!);
  return sum;
}

function sharesOf(counts: readonly number[], total: number): number[] {
  return counts.map((c) => c / total);
}

function binsResult(
  method: PsiResult['method'],
  edgesLo: readonly number[],
  edgesHi: readonly number[],
  expectedRaw: readonly number[],
  actualRaw: readonly number[],
): PsiResult {
  const expected = floorEmptyShares(expectedRaw);
  const actual = floorEmptyShares(actualRaw);
  return {
    psi: psiFromShares(expected, actual),
    method,
    bins: expected.map((e, i) => ({ lo: edgesLo[i]!, hi: edgesHi[i]!, expected: e, actual: actual[i]! })),
  };
}

/**
 * PSI over fixed edges (length k+1). Shares are count / number of values, as in Evidently. Default 'clamp':
 * current values beyond the outer edges land in the outer bins, so a shift past the reference range still
 * counts (numpy, and so Evidently with union edges, never sees such values; with fixed reference edges 'drop'
 * would hide exactly the drift we look for).
 */
export function psiWithEdges(
  edges: readonly number[],
  reference: ArrayLike<number>,
  current: ArrayLike<number>,
  outside: OutsideEdges = 'clamp',
): PsiResult {
  assertFinite('psiWithEdges reference', reference);
  assertFinite('psiWithEdges current', current);
  const expected = sharesOf(histogramCounts(edges, reference, outside), reference.length);
  const actual = sharesOf(histogramCounts(edges, current, outside), current.length);
  return binsResult('sturges', edges.slice(0, -1), edges.slice(1), expected, actual);
}

function distinctCount(values: ArrayLike<number>, stopAbove: number): number {
  const seen = new Set<number>();
  for (let i = 0; i < values.length; i++) {
    seen.add(values[i]!);
    if (seen.size > stopAbove) break;
  }
  return seen.size;
}

/** One bin per distinct value of reference ∪ current (sorted ascending here; Evidently's order is a set's). */
function psiByValue(reference: ArrayLike<number>, current: ArrayLike<number>): PsiResult {
  const refCounts = new Map<number, number>();
  const curCounts = new Map<number, number>();
  for (let i = 0; i < reference.length; i++)
    refCounts.set(reference[i]!, (refCounts.get(reference[i]!) ?? 0) + 1);
  for (let i = 0; i < current.length; i++) curCounts.set(current[i]!, (curCounts.get(current[i]!) ?? 0) + 1);
  const keys = [...new Set([...refCounts.keys(), ...curCounts.keys()])].sort((x, y) => x - y);
  const expected = keys.map((k) => (refCounts.get(k) ?? 0) / reference.length);
  const actual = keys.map((k) => (curCounts.get(k) ?? 0) / current.length);
  return binsResult('values', keys, keys, expected, actual);
}

/**
 * Evidently-compatible PSI of `current` against `reference` (see the module comment for the binning rules).
 * Both need at least one finite value.
 */
export function psi(
  reference: ArrayLike<number>,
  current: ArrayLike<number>,
  options: PsiOptions = {},
): PsiResult {
  assertFinite('psi reference', reference);
  assertFinite('psi current', current);
  const numeric = options.numeric ?? true;
  if (!numeric || distinctCount(reference, PSI_MAX_DISCRETE_VALUES) <= PSI_MAX_DISCRETE_VALUES) {
    return psiByValue(reference, current);
  }
  const union = new Float64Array(reference.length + current.length);
  for (let i = 0; i < reference.length; i++) union[i] = reference[i]!;
  for (let i = 0; i < current.length; i++) union[reference.length + i] = current[i]!;
  // Union edges cover every value, so 'drop' (numpy) and 'clamp' agree here.
  const edges = sturgesEdges(union);
  const expected = sharesOf(histogramCounts(edges, reference, 'drop'), reference.length);
  const actual = sharesOf(histogramCounts(edges, current, 'drop'), current.length);
  return binsResult('sturges', edges.slice(0, -1), edges.slice(1), expected, actual);
}
