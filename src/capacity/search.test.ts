import { describe, expect, it } from 'vitest';
import { rngFor } from '../core/rng.ts';
import { generatorDelayBound } from '../traffic/index.ts';
import { alertLoads, loadBehind, lookbacksOf, ruleLookbackMs } from './alerts.ts';
import { costAt } from './cost.ts';
import { findKnee } from './knee.ts';
import { boundsOf, nextProbe, roundLoad, searchCapacity } from './search.ts';
import { finishStep } from './slo.ts';
import { assessWindows, DEFAULT_STABILITY } from './stability.ts';
import { expandGrid, recommend, shouldStopSweep } from './sweep.ts';
import type { SearchSettings, Slo, StepMeasure, WindowMeasure } from './types.ts';

/**
 * Synthetic servers: each maps (load: offered rate or users, window index, step number) to one measurement
 * window. The search is run through the same pure functions the runner uses (assessWindows → finishStep →
 * nextProbe).
 */
type Server = (load: number, window: number, step: number) => Omit<WindowMeasure, 'offered'>;

const slo: Slo = { latencyMs: { p99: 50 }, maxErrorRatio: 0.01 };
const settings: SearchSettings = {
  unit: 'rate',
  start: 10,
  max: 5000,
  precision: 0.02,
  repeats: 1,
  maxSteps: 40,
};

function win(
  achieved: number,
  p99: number,
  extra: Partial<WindowMeasure> = {},
): Omit<WindowMeasure, 'offered'> {
  return {
    achieved,
    sent: achieved,
    completed: achieved,
    late: 0,
    maxLateMs: 0,
    errors: 0,
    timeouts: 0,
    wrongAnswers: 0,
    latencyMs: { p50: p99 / 2, p90: p99 * 0.8, p99 },
    ...extra,
  };
}

/** An M/M/1-like curve: p99 = base / (1 − ρ) below capacity `cap`; past it the queue grows window after window. */
function queueing(cap: number, base = 5): Server {
  return (rate, w) => {
    if (rate < cap) return win(rate, base / (1 - rate / cap));
    return win(cap, base * 20 * (w + 1));
  };
}

function measureOf(windows: readonly WindowMeasure[]): StepMeasure {
  const last = windows[windows.length - 1]!;
  return {
    ...last,
    errorRatio: last.completed ? last.errors / last.completed : 0,
    wrongAnswerRatio: 0,
    lateRatio: 0,
    goodput: null,
    maxLatencyMs: last.latencyMs.p99,
  };
}

async function search(server: Server, overrides: Partial<SearchSettings> = {}) {
  let stepNo = 0;
  const s = { ...settings, ...overrides };
  return searchCapacity(s, {
    signal: new AbortController().signal,
    canStep: () => true,
    step: async (load) => {
      const windows: WindowMeasure[] = [];
      const n = stepNo++;
      for (;;) {
        const window = server(load, windows.length, n);
        // A closed model offers the rate its users sent at; an open one its schedule's.
        windows.push({ offered: s.unit === 'rate' ? load : window.sent, ...window });
        const decision = assessWindows(windows, slo, DEFAULT_STABILITY);
        if (decision.kind === 'continue') continue;
        const judged = windows.slice(-decision.judged);
        return finishStep({
          load,
          stability: decision.stability,
          measure: measureOf(judged),
          windows,
          slo,
          startedAt: 0,
          endedAt: 0,
        });
      }
    },
  });
}

describe('capacity search against synthetic servers', () => {
  it('brackets ×2 then bisects a queueing curve to 2 % of the true SLO capacity', async () => {
    // p99 = 5 / (1 − r/300) ≤ 50 ⇔ r ≤ 270.
    const { steps, answer } = await search(queueing(300));
    expect(answer.status).toBe('found');
    expect(answer.highestPass).toBeGreaterThan(270 * 0.98);
    expect(answer.highestPass).toBeLessThanOrEqual(270);
    expect(answer.lowestFail).toBeGreaterThanOrEqual(270);
    expect((answer.lowestFail! - answer.highestPass!) / answer.highestPass!).toBeLessThanOrEqual(0.02);
    expect(steps.slice(0, 6).map((s) => s.load)).toEqual([10, 20, 40, 80, 160, 320]);
    // Beyond capacity the latency climbs in every window: decided as diverging after 3 windows, not 8.
    expect(steps[5]!.stability).toBe('diverging');
    expect(steps[5]!.windows).toHaveLength(3);
    expect(steps.length).toBeLessThan(16);
  });

  it('stops the climb at a cliff (errors > 50 %) and never offers more than the failing rate', async () => {
    const cliff: Server = (rate) => (rate <= 100 ? win(rate, 8) : win(rate, 8, { errors: rate * 0.9 }));
    const { steps, answer } = await search(cliff);
    expect(steps.find((s) => s.load === 160)!.stability).toBe('overload');
    expect(Math.max(...steps.map((s) => s.load))).toBe(160);
    expect(answer.highestPass).toBeGreaterThanOrEqual(98);
    expect(answer.highestPass).toBeLessThanOrEqual(100);
  });

  it('keeps measuring noisy windows until three agree, and marks a step unstable after maxWindows', async () => {
    const rng = rngFor(7);
    const noisy: Server = (rate) => win(rate * (1 + (rng() - 0.5) * 0.1), 10 * (1 + (rng() - 0.5) * 0.1));
    const { answer } = await search(noisy, { max: 640 });
    expect(answer.status).toBe('above-max');
    // Straddling the 50 ms limit: the verdict depends on the window, so the step never settles.
    const wild: Server = (rate, w) => win(rate, w % 2 === 0 ? 30 : 70);
    const { steps } = await search(wild, { maxSteps: 1 });
    expect(steps[0]!.stability).toBe('unstable');
    expect(steps[0]!.windows).toHaveLength(DEFAULT_STABILITY.maxWindows);
    expect(steps[0]!.verdict).toBe('fail');
  });

  it('passes a step whose percentile is noisy but clear of the limit in every window; keeps judging one that straddles it', async () => {
    // A p99 of 100 requests at 20 req/s: 12–27 ms against a 50 ms limit (measured under a GPU throttle).
    const p99s = [12.1, 27.2, 13.4, 13.5, 24.6, 22.4, 12.2, 12.9];
    const noisy = p99s.map((p99) => ({ offered: 20, ...win(20, p99) }));
    expect(assessWindows(noisy.slice(0, 3), slo, DEFAULT_STABILITY)).toEqual({
      kind: 'done',
      stability: 'stable',
      judged: 3,
    });
    // 36, 47 and 44 ms: under the limit but one within 10 % of it, and not within ±10 % of each other.
    const close = [36, 47, 44].map((p99) => ({ offered: 20, ...win(20, p99) }));
    expect(assessWindows(close, slo, DEFAULT_STABILITY)).toEqual({ kind: 'continue' });
    // Clear above the limit but not rising: a stable fail; rising: diverging.
    const above = [90, 70, 80].map((p99) => ({ offered: 20, ...win(20, p99) }));
    expect(assessWindows(above, slo, DEFAULT_STABILITY)).toMatchObject({ stability: 'stable' });
    const rising = [60, 70, 80].map((p99) => ({ offered: 20, ...win(20, p99) }));
    expect(assessWindows(rising, slo, DEFAULT_STABILITY)).toMatchObject({ stability: 'diverging' });
  });

  it('a non-monotone blip misleads one probe; repeats of the final points recover the true capacity', async () => {
    // Fails the first time 80 req/s is probed only (a noisy neighbour), true capacity 270.
    const base = queueing(300);
    const blip: Server = (rate, w, step) =>
      rate === 80 && step === 3 ? win(rate, 200) : base(rate, w, step);
    const once = await search(blip);
    expect(once.answer.highestPass).toBeLessThan(80);
    const repeated = await search(blip, { repeats: 3 });
    expect(repeated.answer.status).toBe('found');
    expect(repeated.answer.highestPass).toBeGreaterThan(270 * 0.98);
  });

  it('bisects below a generator-limited rate and ends generator-limited at its ceiling, never reporting that rate', async () => {
    // From 160/s 5 % of sends are late and p99 is 80 ms: the failure may be the generator's own delay.
    const gen: Server = (rate) =>
      rate >= 160 ? win(rate, 80, { late: rate * 0.05, maxLateMs: 40 }) : win(rate, 8);
    const { steps, answer } = await search(gen);
    expect(answer.status).toBe('generator-limited');
    const limited = steps.filter((s) => s.stability === 'generator-limited');
    expect(limited.map((s) => s.load)).toEqual([160]);
    expect(Math.max(...steps.map((s) => s.load))).toBe(160);
    expect(answer.highestPass).toBeGreaterThanOrEqual(160 / 1.02);
    expect(answer.highestPass).toBeLessThan(160);
    expect(answer.lowestFail).toBeNull();
  });

  it('a breach far beyond what late sends can explain is the server’s, not the generator’s', async () => {
    // 5 % of sends up to 3 ms late while the server's queue pushes p99 to 500 ms: a fail, not generator-limited.
    const late = (p99: number) => ({ offered: 130, ...win(130, p99, { late: 7, maxLateMs: 3 }) });
    const queue = [200, 350, 500].map(late);
    expect(assessWindows(queue, slo, DEFAULT_STABILITY)).toMatchObject({ stability: 'diverging' });
    // Up to 30 ms late and p99 at 80 ms: the generator's delay (up to 2 × 30 ms) may be the breach.
    const slowGenerator = [80, 80, 80].map((p99) => ({
      offered: 130,
      ...win(130, p99, { late: 7, maxLateMs: 30 }),
    }));
    expect(assessWindows(slowGenerator, slo, DEFAULT_STABILITY)).toMatchObject({
      stability: 'generator-limited',
    });
    // The bound: twice the latest send's lateness or the loop lag, whichever is larger.
    expect(generatorDelayBound(queue[0]!.maxLateMs)).toBe(6);
    expect(generatorDelayBound(queue[0]!.maxLateMs, 25)).toBe(50);
  });

  it('a failure below the generator ceiling still decides the answer (found)', async () => {
    // The server keeps p99 < 50 ms up to 270/s; the generator cannot offer 320/s or more.
    const server = queueing(300);
    const gen: Server = (rate, w, step) =>
      rate >= 320 ? win(rate, 80, { late: rate * 0.05, maxLateMs: 40 }) : server(rate, w, step);
    const { steps, answer } = await search(gen);
    expect(steps.find((s) => s.load === 320)!.stability).toBe('generator-limited');
    expect(answer.status).toBe('found');
    expect(answer.lowestFail).toBeLessThan(320);
    expect(answer.highestPass).toBeGreaterThan(270 * 0.98);
    expect(answer.highestPass).toBeLessThanOrEqual(270);
    expect((answer.lowestFail! - answer.highestPass!) / answer.highestPass!).toBeLessThanOrEqual(0.02);
  });

  it('keeps a pass whose sends ran late: latency counts from the intended start, so lateness only adds to it', async () => {
    // 5 % of sends late at every rate that keeps the limit (capacity 270/s): each such step still passes.
    const server = queueing(270);
    const late: Server = (rate, w, step) => {
      const window = server(rate, w, step);
      return window.latencyMs.p99 <= 50 ? { ...window, late: rate * 0.05 } : window;
    };
    const { answer } = await search(late);
    expect(answer.status).toBe('found');
    expect(answer.highestPass).toBeGreaterThan(270 * 0.8);
    expect(answer.highestPass).toBeLessThan(270);
  });

  it('reports below-start and above-max', async () => {
    expect((await search(queueing(5))).answer).toMatchObject({
      status: 'below-start',
      highestPass: null,
      lowestFail: 10,
    });
    expect((await search(queueing(1e6), { max: 100 })).answer).toMatchObject({
      status: 'above-max',
      highestPass: 100,
    });
  });

  it('a linear (brute-force) sweep climbs in steps of precision × maxRate to the first failure and agrees with the search', async () => {
    const linear = await search(queueing(300), {
      strategy: 'linear',
      start: 6,
      max: 300,
      maxSteps: 60,
    });
    expect(linear.answer.status).toBe('found');
    expect(linear.steps.slice(0, 3).map((s) => s.load)).toEqual([6, 12, 18]);
    expect(linear.answer.highestPass).toBe(264);
    const bisect = await search(queueing(300));
    expect(Math.abs(bisect.answer.highestPass! - 264) / 264).toBeLessThan(0.05);
    expect(bisect.steps.length * 3).toBeLessThan(linear.steps.length);
  });

  it('bounds: a pass above the lowest fail is not the answer; ties fail', () => {
    const history = [
      { load: 100, verdict: 'pass' as const },
      { load: 200, verdict: 'fail' as const },
      { load: 300, verdict: 'pass' as const },
      { load: 150, verdict: 'pass' as const },
      { load: 150, verdict: 'fail' as const },
    ];
    expect(boundsOf(history)).toEqual({ highestPass: 100, lowestFail: 150 });
    expect(nextProbe(history, settings)).toEqual({ kind: 'probe', load: 125 });
  });
});

/**
 * A closed-model server of one queue: service time `serviceMs` (throughput at most 1000 / serviceMs req/s),
 * `baseMs` of latency with no queue. N users achieve X = min(N / base, 1 / service) and each request takes
 * N / X (Little's law); the p99 is `tail` × that.
 */
function closedQueue(serviceMs: number, baseMs: number, tail = 1.1): Server {
  return (users) => {
    const achieved = Math.min((users * 1000) / baseMs, 1000 / serviceMs);
    return win(achieved, ((tail * users) / achieved) * 1000);
  };
}

const users: Partial<SearchSettings> = { unit: 'concurrency', start: 1, max: 256 };

describe('concurrency search (closed model) against synthetic servers', () => {
  it("brackets ×2 in whole users, bisects until one user apart, and agrees with Little's law", async () => {
    // 4.25 ms per request (≈ 235 req/s), 5 ms with no queue: p99 = 1.1 × N × 4.25 ms ≤ 50 ⇔ N ≤ 10.7.
    const { steps, answer } = await search(closedQueue(4.25, 5), users);
    expect(steps.map((s) => s.load)).toEqual([1, 2, 4, 8, 16, 12, 10, 11]);
    expect(answer).toEqual({ status: 'found', highestPass: 10, lowestFail: 11 });
    for (const step of steps) expect(Number.isInteger(step.load)).toBe(true);
    // At the answer the users achieve the server's throughput, and users = throughput × latency.
    const found = steps.find((s) => s.load === 10)!.measure!;
    expect(found.achieved).toBeCloseTo(1000 / 4.25, 6);
    expect((found.achieved * found.latencyMs.p99) / 1000 / 1.1).toBeCloseTo(10, 6);
  });

  it('stops at one user apart although the precision would ask for more', async () => {
    // p99 = 1.1 × 2 × N ms ≤ 50 ⇔ N ≤ 22: at 2 % of 22 the bound is 0.44 users, closer than one user.
    const { steps, answer } = await search(closedQueue(2, 1), { ...users, precision: 0.02 });
    expect(answer).toEqual({ status: 'found', highestPass: 22, lowestFail: 23 });
    expect(new Set(steps.map((s) => s.load)).size).toBe(steps.length);
  });

  it('ends the climb at a cliff (a full queue answers errors) and never offers more users than the failing load', async () => {
    // Up to 24 users fit the queue (10 ms p99); from 25 on, 90 % of requests are refused.
    const cliff: Server = (n) => (n <= 24 ? win(200, 10) : win(200, 10, { errors: 180 }));
    const { steps, answer } = await search(cliff, users);
    expect(steps.find((s) => s.load === 32)!.stability).toBe('overload');
    expect(Math.max(...steps.map((s) => s.load))).toBe(32);
    expect(answer).toEqual({ status: 'found', highestPass: 24, lowestFail: 25 });
  });

  it('reports above-max and below-start in users, and a linear sweep climbs one user at a time', async () => {
    expect((await search(closedQueue(0.1, 1), { ...users, max: 20 })).answer).toEqual({
      status: 'above-max',
      highestPass: 20,
      lowestFail: null,
    });
    expect((await search(closedQueue(60, 60), { ...users, start: 3 })).answer).toMatchObject({
      status: 'below-start',
      lowestFail: 3,
    });
    // precision × max = 0.02 × 20 = 0.4 users: the sweep's stride is one user, never a fraction.
    const linear = await search(closedQueue(4.25, 5), { ...users, strategy: 'linear', max: 20 });
    expect(linear.steps.map((s) => s.load)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(linear.answer).toEqual({ status: 'found', highestPass: 10, lowestFail: 11 });
  });

  it('probes whole users only: the midpoint of 10 and 12 is 11, of 10 and 11 there is none', () => {
    const concurrency: SearchSettings = { ...settings, unit: 'concurrency', start: 1, max: 64 };
    expect(roundLoad(2.5, 'concurrency')).toBe(3);
    expect(roundLoad(0.2, 'concurrency')).toBe(1);
    expect(roundLoad(0.04, 'rate')).toBe(0.1);
    expect(
      nextProbe(
        [
          { load: 10, verdict: 'pass' },
          { load: 12, verdict: 'fail' },
        ],
        concurrency,
      ),
    ).toEqual({ kind: 'probe', load: 11 });
    expect(
      nextProbe(
        [
          { load: 10, verdict: 'pass' },
          { load: 11, verdict: 'fail' },
        ],
        concurrency,
      ),
    ).toEqual({ kind: 'done', answer: { status: 'found', highestPass: 10, lowestFail: 11 } });
    // The same history in req/s still bisects (10.5 lies between), to the unit's 0.1 req/s.
    expect(
      nextProbe(
        [
          { load: 10, verdict: 'pass' },
          { load: 11, verdict: 'fail' },
        ],
        { ...settings, precision: 0.01 },
      ),
    ).toEqual({ kind: 'probe', load: 10.5 });
  });
});

describe('knee', () => {
  it('finds the bend of a queueing curve and calls a gradual rise a slope', () => {
    const points = [20, 40, 80, 160, 200, 240, 260, 280].map((r) => ({
      offered: r,
      achieved: r,
      latencyMs: 5 / (1 - r / 300),
    }));
    const knee = findKnee(points, 'rate');
    expect(knee.point?.offered).toBeGreaterThanOrEqual(200);
    expect(knee.point?.offered).toBeLessThanOrEqual(260);
    expect(knee.beyond).toBe('slope');
  });
  it('in users: finds where the server saturates, and calls a throughput collapse a cliff', () => {
    // 5 ms flat until 10 users reach the server's 2,000 req/s, then half a millisecond more per user.
    const point = (n: number) => {
      const achieved = Math.min(n * 200, 2000);
      return { offered: n, achieved, latencyMs: (n / achieved) * 1000 };
    };
    const knee = findKnee([1, 2, 4, 8, 16, 32, 64].map(point), 'concurrency');
    expect(knee.point?.offered).toBeGreaterThanOrEqual(8);
    expect(knee.point?.offered).toBeLessThanOrEqual(16);
    expect(knee.beyond).toBe('slope');
    // 4 users more and the throughput falls by 40 %: a cliff in users. Compared with the users' count as if
    // it were an offered rate, the same fall would go unseen.
    const collapse = [...[1, 2, 4, 8, 16].map(point), { offered: 20, achieved: 1200, latencyMs: 16.7 }];
    expect(findKnee(collapse, 'concurrency')).toMatchObject({ point: { offered: 16 }, beyond: 'cliff' });
    expect(findKnee(collapse, 'rate').beyond).toBe('slope');
  });
  it('calls a multiplied latency within a small rate step a cliff, and a straight line no knee', () => {
    const cliff = [10, 20, 40, 80, 100, 110].map((r) => ({
      offered: r,
      achieved: r,
      latencyMs: r <= 100 ? 5 + r / 100 : 400,
    }));
    expect(findKnee(cliff, 'rate')).toMatchObject({ point: { offered: 100 }, beyond: 'cliff' });
    const line = [10, 20, 40, 80].map((r) => ({ offered: r, achieved: r, latencyMs: r }));
    expect(findKnee(line, 'rate')).toEqual({ point: null, beyond: 'none' });
  });
});

describe('stability', () => {
  it('throughput off by more than ±10 % is not stable even when latency agrees', () => {
    const windows = [100, 100, 125].map((a) => ({ offered: 100, ...win(a, 10) }));
    expect(assessWindows(windows, slo, DEFAULT_STABILITY)).toEqual({ kind: 'continue' });
    const ok = [100, 104, 96].map((a) => ({ offered: 100, ...win(a, 10) }));
    expect(assessWindows(ok, slo, DEFAULT_STABILITY)).toEqual({
      kind: 'done',
      stability: 'stable',
      judged: 3,
    });
  });
  it('timeouts end the step as overload at once', () => {
    expect(
      assessWindows([{ offered: 10, ...win(10, 10, { timeouts: 1 }) }], slo, DEFAULT_STABILITY),
    ).toMatchObject({
      stability: 'overload',
    });
  });
});

describe('cost, sweep and alerts', () => {
  it('prices 1,000 inferences and 1M output tokens at the SLO capacity', () => {
    // $3.60/h × 2 replicas = $0.002/s; at 100 req/s → $0.02 per 1,000; at 500 tokens/s → $4 per 1M.
    const cost = costAt(100, { pricePerHour: 3.6, replicas: 2 }, 500)!;
    expect(cost.per1kInferences).toBeCloseTo(0.02, 10);
    expect(cost.per1MOutputTokens).toBeCloseTo(4, 10);
    expect(costAt(null, { pricePerHour: 1, replicas: 1 })).toBeNull();
  });
  it('expands a grid, stops when the last configurations gained < 5 %, recommends the cheapest', () => {
    expect(expandGrid({ maxBatchSize: [1, 8], maxQueueDelayMs: [0, 2] })).toEqual([
      { maxBatchSize: 1, maxQueueDelayMs: 0 },
      { maxBatchSize: 1, maxQueueDelayMs: 2 },
      { maxBatchSize: 8, maxQueueDelayMs: 0 },
      { maxBatchSize: 8, maxQueueDelayMs: 2 },
    ]);
    const rule = { window: 2, minGain: 0.05 };
    const found = (capacities: number[]) =>
      capacities.map((capacity) => ({ capacity, status: 'found' as const }));
    expect(shouldStopSweep(found([100, 200, 204]), rule)).toBe(false);
    expect(shouldStopSweep(found([100, 200, 204, 206]), rule)).toBe(true);
    expect(shouldStopSweep(found([100, 200, 204, 260]), rule)).toBe(false);
    expect(
      recommend([
        { capacity: 100, costPer1k: 0.02 },
        { capacity: 300, costPer1k: 0.01 },
        { capacity: null, costPer1k: null },
      ]),
    ).toBe(1);
    expect(recommend([{ capacity: null, costPer1k: null }])).toBe(-1);
  });
  it('places each alert at the highest load within its rule’s lookback, the lowest over its episodes', () => {
    // The search as it ran on the fixture: 160 pass, 320 overload, then bisecting down to 240.
    const spans = [
      { load: 160, startedAt: 0, endedAt: 10_000 },
      { load: 320, startedAt: 12_000, endedAt: 18_000 },
      { load: 240, startedAt: 21_000, endedAt: 31_000 },
      { load: 280, startedAt: 33_000, endedAt: 39_000 },
    ];
    // ErrorRatio: rate over 1m, for 1m; began to fire 25 s into the run, during the 240 step: the 320 step's
    // errors caused it (20 s ago, well within its lookback), so it fired at 320, past the capacity: late.
    // Queue: lookback 5 s; began at 8 s and again at 36 s: its lowest load is 160, early.
    const lookbacks = new Map([
      [
        'ErrorRatio',
        ruleLookbackMs({
          query: 'sum(rate(errors[1m])) / sum(rate(requests[1m:10s])) > 0.05',
          forMs: 60_000,
          evaluationIntervalMs: 5_000,
          scrapeIntervalMs: 5_000,
        }),
      ],
      ['Queue', 5_000],
    ]);
    expect(lookbacks.get('ErrorRatio')).toBe(130_000);
    const loads = alertLoads(
      [
        { alert: 'ErrorRatio', since: 25_000 },
        { alert: 'Queue', since: 8_000 },
        { alert: 'Queue', since: 36_000 },
        { alert: 'Unknown', since: 25_000 },
      ],
      spans,
      lookbacks,
      250,
    );
    expect(loads).toEqual([
      { alert: 'Queue', lowestRate: 160, shareOfCapacity: 0.64, timing: 'early', lookbackMs: 5_000 },
      // No rule read: only the step it began to fire in counts (and the report says so).
      { alert: 'Unknown', lowestRate: 240, shareOfCapacity: 0.96, timing: 'early', lookbackMs: null },
      { alert: 'ErrorRatio', lowestRate: 320, shareOfCapacity: 1.28, timing: 'late', lookbackMs: 130_000 },
    ]);
    expect(loadBehind(-1, spans, 0)).toBeNull();
    const timing = {
      alert: 'A',
      group: 'g',
      evaluationIntervalMs: 15_000,
      keepFiringForMs: 0,
      scrapeIntervalMs: 5_000,
    };
    expect(
      lookbacksOf([
        { ...timing, query: 'x[5m] > 1', forMs: 60_000 },
        { ...timing, query: 'x[1m] > 1', forMs: 0 },
      ]),
    ).toEqual(new Map([['A', 300_000 + 60_000 + 15_000 + 5_000]]));
  });

  it('a burn-rate alert over recorded series looks back as far as the recordings it reads', () => {
    // The fixture's fast burn: two recorded ratios (1m and 5s windows, evaluated every 1 s), no `for`.
    const recordings = [
      {
        name: 'model:errors:ratio_rate1m',
        query: 'sum(rate(errors[1m])) / sum(rate(requests[1m]))',
        evaluationIntervalMs: 1_000,
      },
      {
        name: 'model:errors:ratio_rate5s',
        query: 'sum(rate(errors[5s])) / sum(rate(requests[5s]))',
        evaluationIntervalMs: 1_000,
      },
      // A recording over another recording, and one that (wrongly) reads itself: neither loops.
      {
        name: 'model:errors:ratio_max',
        query: 'max_over_time(model:errors:ratio_rate1m[30s])',
        evaluationIntervalMs: 2_000,
      },
      { name: 'cycle:a', query: 'cycle:a[10s] + 1', evaluationIntervalMs: 1_000 },
    ];
    const rule = { forMs: 0, evaluationIntervalMs: 1_000, scrapeIntervalMs: 1_000 };
    const fast = 'model:errors:ratio_rate1m > 0.072 and model:errors:ratio_rate5s > 0.072';
    // Without the recordings only the alert's own (absent) ranges count: 2 s, as before.
    expect(ruleLookbackMs({ ...rule, query: fast })).toBe(2_000);
    // 1m (the longest recording it reads) + that recording's 1 s staleness + evaluation + scrape.
    expect(ruleLookbackMs({ ...rule, query: fast }, recordings)).toBe(60_000 + 1_000 + 2_000);
    // Through two levels: 30 s over a series that itself sees 1m + 1 s back, 2 s stale.
    expect(ruleLookbackMs({ ...rule, query: 'model:errors:ratio_max > 0.1' }, recordings)).toBe(
      30_000 + 61_000 + 2_000 + 2_000,
    );
    expect(ruleLookbackMs({ ...rule, query: 'cycle:a > 1' }, recordings)).toBe(10_000 + 1_000 + 2_000);
    expect(
      lookbacksOf([{ ...rule, alert: 'Fast', group: 'g', keepFiringForMs: 0, query: fast }], recordings),
    ).toEqual(new Map([['Fast', 63_000]]));
  });
});
