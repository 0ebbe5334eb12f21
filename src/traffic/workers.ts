import { FiredrillError } from '../core/errors.ts';
import { addEncoded, createHistogram, encodeHistogram, summarizeHistogram } from './histogram.ts';
import { StreamStats } from './sse.ts';
import type { EngineSummary, Partition, TrafficProgress, TrafficWindow } from './types.ts';

export type { Partition };

/**
 * Several traffic threads as one open-model generator (`--workers N`).
 *
 * The schedule is partitioned ROUND-ROBIN over the one arrival sequence: thread `index` of `of` sends
 * arrivals index, index + of, index + 2·of, … of the sequence a single thread would send, with the same
 * sequence numbers (so the same payloads). The union of the threads' schedules is that sequence exactly,
 * whatever the process (uniform, Poisson, gamma, a recorded trace): count, rate, ramps and burstiness are
 * unchanged. (N independent Poisson streams at rate/N would superpose to a Poisson stream too, but not to
 * the same one, and for gamma or a trace the superposition is a different process.) Each thread still
 * walks the whole sequence to keep its share, which costs a few ns per arrival.
 *
 * Windows of the same second are merged exactly: counts summed, HDR histograms added (never percentiles
 * averaged), so one late and one dropped count come out.
 */
/** The single-thread partition. */
export const WHOLE: Partition = { index: 0, of: 1 };

/** Most traffic threads `--workers` accepts. */
export const MAX_WORKERS = 64;

/** Checks a `--workers` value: an integer 1…MAX_WORKERS (FD_USAGE naming the value otherwise). */
export function parseWorkers(text: string, where = '--workers'): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isInteger(n) || n < 1 || n > MAX_WORKERS) {
    throw new FiredrillError('FD_USAGE', `${where}: "${text}" is not a number of traffic threads`, {
      hint: `give an integer from 1 to ${MAX_WORKERS}, at most the CPU cores free for the generator`,
    });
  }
  return n;
}

/**
 * This thread's share of an arrival sequence (offsets in ms): arrivals index, index + of, … Lazy. The k-th
 * arrival of the share is arrival `sequenceNumber(k, partition)` of the whole.
 */
export function* partitionArrivals(
  offsets: Iterable<number>,
  partition: Partition,
): Generator<number, void, undefined> {
  let seq = 0;
  for (const offsetMs of offsets) {
    if (seq % partition.of === partition.index) yield offsetMs;
    seq += 1;
  }
}

/** The sequence number in the whole schedule of a share's k-th arrival (0-based). */
export function sequenceNumber(k: number, partition: Partition): number {
  return partition.index + k * partition.of;
}

/** Problems with a partition (empty when usable). */
export function partitionIssues(partition: Partition): string[] {
  const { index, of } = partition;
  if (!Number.isInteger(of) || of < 1 || of > MAX_WORKERS)
    return [`partition.of must be 1…${MAX_WORKERS}, got ${of}`];
  if (!Number.isInteger(index) || index < 0 || index >= of)
    return [`partition.index must be 0…${of - 1}, got ${index}`];
  return [];
}

/** A thread's share of an in-flight limit: the limit split evenly, rounded up (each thread at least 1). */
export function partitionLimit(limit: number, partition: Partition): number {
  return Math.max(1, Math.ceil(limit / partition.of));
}

/** The windows of one second from every thread, as one window. Exact. Pure. */
export function mergeWindows(windows: readonly TrafficWindow[]): TrafficWindow {
  const first = windows[0];
  if (first === undefined) throw new Error('mergeWindows: no window');
  const ok = createHistogram();
  const errors = createHistogram();
  const statusCodes: Record<string, number> = {};
  let streaming: StreamStats | null = null;
  let wrongAnswers: number | undefined;
  const merged: TrafficWindow = {
    startAt: Math.min(...windows.map((w) => w.startAt)),
    second: first.second,
    intended: 0,
    sent: 0,
    ok: 0,
    httpErrors: 0,
    networkErrors: 0,
    timeouts: 0,
    late: 0,
    dropped: 0,
    okHistogram: '',
    errorHistogram: '',
    statusCodes,
  };
  for (const w of windows) {
    if (w.second !== first.second) {
      throw new Error(`mergeWindows: second ${w.second} merged into ${first.second}`);
    }
    merged.intended += w.intended;
    merged.sent += w.sent;
    merged.ok += w.ok;
    merged.httpErrors += w.httpErrors;
    merged.networkErrors += w.networkErrors;
    merged.timeouts += w.timeouts;
    merged.late += w.late;
    if (w.maxLateMs !== undefined) merged.maxLateMs = Math.max(merged.maxLateMs ?? 0, w.maxLateMs);
    merged.dropped += w.dropped;
    addEncoded(ok, w.okHistogram);
    addEncoded(errors, w.errorHistogram);
    for (const [code, count] of Object.entries(w.statusCodes)) {
      statusCodes[code] = (statusCodes[code] ?? 0) + count;
    }
    if (w.wrongAnswers !== undefined) wrongAnswers = (wrongAnswers ?? 0) + w.wrongAnswers;
    if (w.streaming !== undefined) {
      streaming ??= new StreamStats();
      streaming.addWindow(w.streaming);
    }
  }
  merged.okHistogram = encodeHistogram(ok);
  merged.errorHistogram = encodeHistogram(errors);
  ok.destroy();
  errors.destroy();
  if (wrongAnswers !== undefined) merged.wrongAnswers = wrongAnswers;
  if (streaming !== null) {
    merged.streaming = streaming.toWindow();
    streaming.destroy();
  }
  return merged;
}

/**
 * Collects windows from `of` threads and hands each second on, merged, once every thread has delivered it
 * (threads emit their own seconds in order, so merged seconds come out in order too).
 */
export class WindowMerger {
  private readonly pending = new Map<number, TrafficWindow[]>();
  private next = 0;

  constructor(
    private readonly of: number,
    private readonly onWindow: (window: TrafficWindow) => void,
  ) {}

  add(window: TrafficWindow): void {
    const list = this.pending.get(window.second) ?? [];
    list.push(window);
    this.pending.set(window.second, list);
    for (;;) {
      const ready = this.pending.get(this.next);
      if (ready === undefined || ready.length < this.of) return;
      this.pending.delete(this.next);
      this.next += 1;
      this.onWindow(mergeWindows(ready));
    }
  }

  /** Seconds some thread delivered and another did not (an aborted run), merged from what there is. */
  flush(): void {
    for (const second of [...this.pending.keys()].sort((a, b) => a - b)) {
      const list = this.pending.get(second) ?? [];
      this.pending.delete(second);
      if (list.length > 0) this.onWindow(mergeWindows(list));
    }
  }
}

/**
 * The threads' summaries as one: counts summed, the latency summary from the exact merge of every merged
 * window's ok histogram, the largest lateness and loop lag, saturated when any thread was or when over
 * `maxLateRatio` of all sends were late. Pure.
 */
export function mergeSummaries(
  summaries: readonly EngineSummary[],
  windows: readonly TrafficWindow[],
  maxLateRatio = 0.01,
): EngineSummary {
  const first = summaries[0];
  if (first === undefined) throw new Error('mergeSummaries: no summary');
  const sum = (pick: (s: EngineSummary) => number) => summaries.reduce((t, s) => t + pick(s), 0);
  const ok = createHistogram();
  let streaming: StreamStats | null = null;
  for (const w of windows) {
    addEncoded(ok, w.okHistogram);
    if (w.streaming !== undefined) {
      streaming ??= new StreamStats();
      streaming.addWindow(w.streaming);
    }
  }
  const sent = sum((s) => s.sent);
  const late = sum((s) => s.late);
  const lags = summaries.flatMap((s) => (s.loopLagP99Ms === undefined ? [] : [s.loopLagP99Ms]));
  const wrong = summaries.some((s) => s.wrongAnswers !== undefined)
    ? sum((s) => s.wrongAnswers ?? 0)
    : undefined;
  const merged: EngineSummary = {
    engine: first.engine,
    model: first.model,
    sent,
    completed: sum((s) => s.completed),
    errors: sum((s) => s.errors),
    timeouts: sum((s) => s.timeouts),
    dropped: sum((s) => s.dropped),
    late,
    maxLateMs: Math.max(...summaries.map((s) => s.maxLateMs)),
    saturated: summaries.some((s) => s.saturated) || (sent > 0 && late / sent > maxLateRatio),
    latencyMs: summarizeHistogram(ok),
    ...(lags.length > 0 ? { loopLagP99Ms: Math.max(...lags) } : {}),
    ...(wrong !== undefined ? { wrongAnswers: wrong } : {}),
  };
  ok.destroy();
  if (streaming !== null) {
    merged.streaming = streaming.toSummary(windows.length);
    streaming.destroy();
  }
  return merged;
}

/**
 * The threads' latest progress reports as one line: rates and in-flight summed; p99 the largest of the
 * threads' (a live display only — the windows carry the exact figures).
 */
export function mergeProgress(reports: readonly TrafficProgress[]): TrafficProgress {
  const p99s = reports.flatMap((r) => (r.p99Ms === null ? [] : [r.p99Ms]));
  return {
    offeredRate: reports.reduce((t, r) => t + r.offeredRate, 0),
    achievedRate: reports.reduce((t, r) => t + r.achievedRate, 0),
    inFlight: reports.reduce((t, r) => t + r.inFlight, 0),
    p99Ms: p99s.length > 0 ? Math.max(...p99s) : null,
  };
}
