/**
 * Two-sample Kolmogorov–Smirnov test with the asymptotic two-sided p-value (Numerical Recipes' `kstwo`):
 *   D = sup_x |F_a(x) − F_b(x)|, en = n·m / (n + m), λ = (√en + 0.12 + 0.11/√en) · D,
 *   p = Q(λ) = 2 Σ_{j≥1} (−1)^{j−1} e^{−2 j² λ²}, clamped to [0, 1].
 * Note: scipy's `ks_2samp(method="asymp")` uses kstwo.sf(D, round(en)) instead, without Stephens' 0.12 + 0.11/√en
 * correction, so its p-values differ slightly from these; alibi-detect and most monitors use the form above.
 */

/** Series terms below this (relative to the sum) stop the summation. */
const Q_TOLERANCE = 1e-10;
/** Below this λ the alternating series converges slowly; the equivalent theta-function form is used instead. */
const SMALL_LAMBDA = 1.18;

/**
 * Kolmogorov's survival function Q(λ) = P(K > λ) = 2 Σ_{j≥1} (−1)^{j−1} e^{−2 j² λ²}, clamped to [0, 1].
 * For λ < 1.18 it uses the equivalent form 1 − (√(2π)/λ) Σ_{j≥1} e^{−(2j−1)² π² / (8 λ²)} (Jacobi theta identity),
 * which converges in a few terms where the alternating series needs many. Both stop when a term is below 1e-10
 * of the running sum.
 */
export function kolmogorovQ(lambda: number): number {
  if (Number.isNaN(lambda)) return Number.NaN;
  if (lambda <= 0) return 1;
  if (lambda < SMALL_LAMBDA) {
    const c = (Math.PI * Math.PI) / (8 * lambda * lambda);
    let sum = 0;
    for (let j = 1; j <= 100; j++) {
      const k = 2 * j - 1;
      const term = Math.exp(-k * k * c);
      sum += term;
      if (term <= Q_TOLERANCE * sum) break;
    }
    return clamp01(1 - (Math.sqrt(2 * Math.PI) / lambda) * sum);
  }
  const a = -2 * lambda * lambda;
  let sum = 0;
  let sign = 1;
  for (let j = 1; j <= 100; j++) {
    const term = 2 * sign * Math.exp(a * j * j);
    sum += term;
    if (Math.abs(term) <= Q_TOLERANCE * Math.abs(sum)) break;
    sign = -sign;
  }
  return clamp01(sum);
}

function clamp01(x: number): number {
  return x < 0 ? 0 : x > 1 ? 1 : x;
}

export interface KsResult {
  /** D = sup |F_a − F_b| over the pooled sample. */
  statistic: number;
  /** Asymptotic two-sided p-value Q(λ). */
  pValue: number;
}

/** D for two samples already sorted ascending (no copies; ties in and across samples handled). */
export function ksStatisticSorted(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  const m = b.length;
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < n && j < m) {
    const x = Math.min(a[i]!, b[j]!);
    while (i < n && a[i]! <= x) i++;
    while (j < m && b[j]! <= x) j++;
    const diff = Math.abs(i / n - j / m);
    if (diff > d) d = diff;
  }
  return d;
}

/** p-value for statistic D of samples of sizes n and m (see the module comment). */
export function ksPValue(statistic: number, n: number, m: number): number {
  const en = (n * m) / (n + m);
  const root = Math.sqrt(en);
  return kolmogorovQ((root + 0.12 + 0.11 / root) * statistic);
}

/** KS test for two sorted samples (each needs at least one value). */
export function ksTwoSampleSorted(a: ArrayLike<number>, b: ArrayLike<number>): KsResult {
  if (a.length === 0 || b.length === 0)
    throw new RangeError('ksTwoSample: both samples need at least one value');
  const statistic = ksStatisticSorted(a, b);
  return { statistic, pValue: ksPValue(statistic, a.length, b.length) };
}

/** Two-sample KS test; the inputs are copied and sorted, not modified. Values must not be NaN. */
export function ksTwoSample(a: ArrayLike<number>, b: ArrayLike<number>): KsResult {
  for (const [name, xs] of [
    ['a', a],
    ['b', b],
  ] as const) {
    for (let i = 0; i < xs.length; i++) {
      if (Number.isNaN(xs[i])) throw new RangeError(`ksTwoSample: ${name}[${i}] is NaN`);
    }
  }
  return ksTwoSampleSorted(Float64Array.from(a).sort(), Float64Array.from(b).sort());
}
