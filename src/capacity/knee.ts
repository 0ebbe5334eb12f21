import type { LoadUnit } from './types.ts';

/** One point of a measured latency–load curve. */
export interface CurvePoint {
  /** The load: offered rate, req/s, or virtual users (closed model). */
  offered: number;
  /** Achieved throughput, req/s. */
  achieved: number;
  /** Latency at the search's percentile, ms. */
  latencyMs: number;
}

export interface Knee {
  /** The point past which latency grows faster than linearly with load; null with fewer than 3 points or no bend. */
  point: CurvePoint | null;
  /**
   * How the server fails beyond the knee. `cliff`: latency multiplies (≥ 3×) or throughput falls short of the
   * offered rate by > 10 % (users: falls > 10 % below the previous point's) within one step of ≤ 25 % more
   * load. `slope`: it degrades gradually. `none`: no measured point beyond the knee.
   */
  beyond: 'slope' | 'cliff' | 'none';
}

/**
 * The knee of a latency–load curve (Kneedle, on the curve normalized to [0, 1]²): sorted by load, the point
 * farthest below the chord from the first to the last point, where the curve turns from flat to steep. A
 * curve that never rises above its chord (linear or concave) has no knee. In users (closed model) latency
 * stays flat until the server saturates, then rises with each user (Little's law): the knee is that
 * saturation point. Pure.
 */
export function findKnee(points: readonly CurvePoint[], unit: LoadUnit): Knee {
  const sorted = [...points].sort((a, b) => a.offered - b.offered);
  if (sorted.length < 3) return { point: null, beyond: 'none' };
  const first = sorted[0]!;
  const last = sorted[sorted.length - 1]!;
  const dx = last.offered - first.offered;
  const dy = last.latencyMs - first.latencyMs;
  if (dx <= 0 || dy <= 0) return { point: null, beyond: 'none' };
  let best = -1;
  let bestGap = 0.05; // below 5 % of the normalized range: no bend worth naming
  sorted.forEach((p, i) => {
    const x = (p.offered - first.offered) / dx;
    const y = (p.latencyMs - first.latencyMs) / dy;
    if (x - y > bestGap) {
      bestGap = x - y;
      best = i;
    }
  });
  if (best < 0) return { point: null, beyond: 'none' };
  const knee = sorted[best]!;
  const after = sorted.slice(best + 1);
  if (after.length === 0) return { point: knee, beyond: 'none' };
  let previous = knee;
  for (const p of after) {
    const close = p.offered <= previous.offered * 1.25;
    const jump = previous.latencyMs > 0 && p.latencyMs >= previous.latencyMs * 3;
    const shortfall =
      unit === 'rate'
        ? p.achieved < p.offered * 0.9 && previous.achieved >= previous.offered * 0.9
        : p.achieved < previous.achieved * 0.9;
    if (close && (jump || shortfall)) return { point: knee, beyond: 'cliff' };
    previous = p;
  }
  return { point: knee, beyond: 'slope' };
}
