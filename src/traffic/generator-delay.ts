/**
 * How much of a measured latency the load generator itself can have caused. Latency counts from each
 * request's INTENDED send time, so a send that left D ms late carries D ms of the generator's delay, and the
 * event loop that held it back can hold its answer back about as long.
 */

/** Share of sends that may be late before the generator counts as behind (perf_analyzer's 1 %). */
export const MAX_LATE_RATIO = 0.01;

/** Fewest late sends that can make the generator behind: at 20 req/s one late send is already over 1 % of a second. */
export const MIN_LATE_SENDS = 3;

/**
 * The most the generator can have added to any request's latency, ms: twice the latest send's lateness or
 * the event-loop lag, whichever is larger (a loop that held a send back by D ms can hold an answer back as
 * long). A percentile of latencies each inflated by at most this is at most this above the server's.
 */
export function generatorDelayBound(maxLateMs: number, loopLagMs = 0): number {
  return 2 * Math.max(maxLateMs, loopLagMs);
}

/** True when more than `maxLateRatio` of the sends (and at least MIN_LATE_SENDS of them) went out late. */
export function generatorFellBehind(sent: number, late: number, maxLateRatio = MAX_LATE_RATIO): boolean {
  return sent > 0 && late >= MIN_LATE_SENDS && late / sent > maxLateRatio;
}
