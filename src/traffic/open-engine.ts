import { type IntervalHistogram, monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { FiredrillError } from '../core/index.ts';
import {
  createHistogram,
  encodeHistogram,
  type Histogram,
  recordMicros,
  summarizeHistogram,
} from './histogram.ts';
import { Http1Error, Http1Pool, type Http1Request, type Http1ResponseHandler } from './http1.ts';
import { ProgressMeter } from './progress.ts';
import { arrivalOffsets, ScheduleCursor, stagesDurationMs, validateStages } from './schedule.ts';
import { OpenAiStreamTracker, StreamStats } from './sse.ts';
import { currentThreadId, lowerHelperThreads } from './thread-priority.ts';
import type {
  EngineSummary,
  Partition,
  RequestOutcome,
  TrafficEngine,
  TrafficRunOptions,
  TrafficWindow,
} from './types.ts';
import { PreciseWaker } from './waker.ts';
import { partitionArrivals, partitionIssues, sequenceNumber, WHOLE } from './workers.ts';

export interface OpenEngineOptions {
  /** A send more than this many ms after its intended time is `late`. Default 1. */
  lateThresholdMs?: number;
  /** Fraction of late sends above which the run is flagged saturated. Default 0.01. */
  maxLateRatio?: number;
  /** p99 event-loop lag (ms, beyond the sampling interval) above which the run is flagged saturated. Default 20. */
  maxLoopLagMs?: number;
  /**
   * Wake for sends with the worker-thread waker (./waker.ts: sub-ms, costs a thread wake-up per use) instead of
   * a 1 ms-grained timer (fires up to ~1 ms late, sometimes 2). Default true.
   */
  preciseWake?: boolean;
  /**
   * Sends due within this many ms after the next one share its precise wake-up, which comes at the last of
   * their due times: none goes out before its time, none is more than this much late by design (half of the
   * 1 ms `late` threshold by default). A send with no other due that close is woken for at its own time, so
   * at game-day rates every send is aimed exactly; at 3,000–5,000 req/s sharing cuts the generator's CPU by
   * about a third (bench/engines: a thread wake-up costs tens of µs). Default 0.5; 0 aims at every send.
   */
  wakeBatchMs?: number;
  /**
   * Lowers this process's other threads (V8's compiler and GC helpers, libuv's pool; not the main thread) to
   * nice 19 when the run starts, so they cannot hold a due send back by a scheduler slice (./thread-priority.ts;
   * Linux). Default false: an unprivileged process cannot raise them back, so only a process that exists for
   * the run should ask for it (`firedrill run` does, on its traffic thread).
   */
  lowerHelperThreads?: boolean;
}

/** Default span of sends that share a precise wake-up, ms (see OpenEngineOptions.wakeBatchMs). */
const DEFAULT_WAKE_BATCH_MS = 0.5;
/** Most arrivals looked ahead for one shared wake-up. */
const MAX_WAKE_BATCH = 64;
/** Longest single timer sleep, so an abort or a window boundary is noticed promptly. */
const MAX_SLEEP_MS = 250;
/** Most requests issued in one scheduler turn before yielding to I/O (a generator behind schedule must not starve responses). */
const MAX_BURST = 256;
/** Event-loop delay sampling interval, ms. Node reports delay including this interval; it is subtracted. */
const LOOP_RESOLUTION_MS = 10;
/** After an abort, how long beyond timeoutMs to wait for in-flight requests before destroying the pool. */
const DRAIN_GRACE_MS = 1000;

/**
 * The open-model engine: requests are due on an absolute schedule that does not depend on the
 * server, and latency is measured from each request's intended start (coordinated-omission free).
 * Each run uses its own keep-alive connection pool (./http1.ts; connections = maxInFlight, no pipelining),
 * closed at the end.
 */
export function createOpenEngine(engineOptions: OpenEngineOptions = {}): TrafficEngine {
  const config: Required<OpenEngineOptions> = {
    lateThresholdMs: engineOptions.lateThresholdMs ?? 1,
    maxLateRatio: engineOptions.maxLateRatio ?? 0.01,
    maxLoopLagMs: engineOptions.maxLoopLagMs ?? 20,
    preciseWake: engineOptions.preciseWake ?? true,
    wakeBatchMs: engineOptions.wakeBatchMs ?? DEFAULT_WAKE_BATCH_MS,
    lowerHelperThreads: engineOptions.lowerHelperThreads ?? false,
  };
  return {
    name: 'firedrill-open',
    model: 'open',
    run: async (options) => new OpenRun(options, config).start(), // async: a bad configuration rejects, never throws
  };
}

interface WindowState {
  second: number;
  intended: number;
  sent: number;
  ok: number;
  httpErrors: number;
  networkErrors: number;
  timeouts: number;
  late: number;
  /** Largest lateness of a send in this window, ms. */
  maxLateMs: number;
  dropped: number;
  /** Due and not yet finished (queued or in flight). */
  pending: number;
  okHistogram: Histogram | null;
  errorHistogram: Histogram | null;
  statusCodes: Record<string, number>;
  wrongAnswers: number;
  streaming: StreamStats | null;
}

function newWindow(second: number): WindowState {
  return {
    second,
    intended: 0,
    sent: 0,
    ok: 0,
    httpErrors: 0,
    networkErrors: 0,
    timeouts: 0,
    late: 0,
    maxLateMs: 0,
    dropped: 0,
    pending: 0,
    okHistogram: null,
    errorHistogram: null,
    statusCodes: {},
    wrongAnswers: 0,
    streaming: null,
  };
}

/**
 * One request: its times, and the handler of its response. The body is discarded unless the run validates
 * responses or the request is streamed. `done` guards against the second of two racing ends (response vs timeout).
 */
class Exchange implements Http1ResponseHandler {
  /** performance.now() ms. */
  sent = 0;
  status = 0;
  done = false;
  wantsBody = false;
  request: Http1Request | null = null;
  /** Neighbours in the run's in-flight list (send order); `tracked` while in it. */
  older: Exchange | null = null;
  newer: Exchange | null = null;
  tracked = false;
  /** performance.now() ms of the response head (first byte), 0 before. */
  firstByteAt = 0;
  /** Body chunks, kept only when the run validates responses. */
  body: Buffer[] | null = null;
  /** Set for streamed requests (`stream: 'openai-sse'`). */
  stream: OpenAiStreamTracker | null = null;

  constructor(
    readonly run: OpenRun,
    readonly seq: number,
    readonly window: WindowState,
    /** performance.now() ms. */
    readonly intended: number,
  ) {}

  onHead(statusCode: number): void {
    this.status = statusCode;
    this.firstByteAt = performance.now();
  }

  onData(chunk: Buffer): void {
    if (this.stream !== null) this.stream.push(chunk, performance.now());
    else if (this.body !== null) this.body.push(Buffer.from(chunk)); // copy: the socket may reuse its buffer
  }

  onEnd(): void {
    this.request = null;
    if (this.status < 200 || this.status >= 300) this.run.finish(this, 'http-error');
    else if (this.stream === null && this.body === null) this.run.finish(this, 'ok');
    else this.run.finish(this, this.run.judge(this));
  }

  onError(_error: Error): void {
    this.request = null;
    this.run.finish(this, 'network-error');
  }
}

function expire(exchange: Exchange): void {
  // A timeout's latency is the timeout itself (plus the dispatch lag), not when the timer happened to
  // fire: Node timers run on a millisecond loop clock and may fire a fraction of a ms early or late.
  // Abort first: finishing frees an in-flight slot that a queued send may take at once, and the pool must
  // have let go of this connection by then.
  const latencyMs = exchange.sent - exchange.intended + exchange.run.timeoutMs;
  exchange.request?.abort();
  exchange.request = null;
  exchange.run.finish(exchange, 'timeout', latencyMs);
}

/** FIFO of due requests waiting for an in-flight slot. */
class Fifo<T> {
  private items: T[] = [];
  private head = 0;
  get length(): number {
    return this.items.length - this.head;
  }
  push(item: T): void {
    this.items.push(item);
  }
  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head];
    this.head += 1;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
}

/** State of one run. Single-threaded: every method runs on the event loop, never concurrently. */
class OpenRun {
  readonly timeoutMs: number;
  private readonly options: TrafficRunOptions;
  private readonly config: Required<OpenEngineOptions>;
  private readonly pool: Http1Pool;
  private readonly basePath: string;
  private readonly schedule: ScheduleCursor;
  private readonly totalMs: number;
  private readonly loopDelay: IntervalHistogram;
  private readonly queue = new Fifo<Exchange>();
  private readonly windows: Array<WindowState | undefined> = [];
  private readonly okTotal = createHistogram();
  private readonly recent = new ProgressMeter();

  private t0 = 0;
  private startEpoch = 0;
  /** Whether onStart was called: on the first scheduler turn at or after offset 0. */
  private announced = false;
  /** Offset (ms) of the next arrival; undefined once the schedule is exhausted. */
  private nextOffset: number | undefined;
  /** Arrivals of this thread's share issued so far. */
  private seq = 0;
  private readonly partition: Partition;
  private inFlight = 0;
  private phase: 'sending' | 'draining' | 'done' = 'sending';
  /** Windows with index < this exist in this run. */
  private windowLimit: number;
  /** Next window to emit. */
  private emitted = 0;
  /** Every arrival with offset < this has been issued (and, while sending, this much time has passed). */
  private closedThroughMs = 0;
  private pumping = false;

  private sent = 0;
  private ok = 0;
  private errors = 0;
  private timeouts = 0;
  private dropped = 0;
  private late = 0;
  private maxLateMs = 0;
  private wrongAnswers = 0;
  private streamTotal: StreamStats | undefined;

  private tickTimer: NodeJS.Timeout | undefined;
  private tickImmediate: NodeJS.Immediate | undefined;
  private progressTimer: NodeJS.Timeout | undefined;
  private drainTimer: NodeJS.Timeout | undefined;
  private failure: unknown;
  private settle: { resolve: (summary: EngineSummary) => void; reject: (error: unknown) => void } | undefined;
  private readonly onAbort = () => this.stop();
  private readonly onTick = () => this.tick();
  private readonly waker: PreciseWaker | undefined;
  /** Due time (performance.now() ms) the waker is armed for; undefined when it is not. */
  private wakerDue: number | undefined;
  /** In-flight requests in order of send time (so of deadline): a linked list, and one timer for its head. */
  private oldest: Exchange | null = null;
  private newest: Exchange | null = null;
  private deadlineTimer: NodeJS.Timeout | undefined;
  private readonly onDeadline = () => this.expireDue();
  private issuing = false;

  constructor(options: TrafficRunOptions, config: Required<OpenEngineOptions>) {
    const issues = [...validateStages(options.stages), ...partitionIssues(options.partition ?? WHOLE)];
    if (!Number.isInteger(options.maxInFlight) || options.maxInFlight < 1) {
      issues.push(`maxInFlight must be an integer ≥ 1, got ${options.maxInFlight}`);
    }
    if (!Number.isFinite(options.timeoutMs) || options.timeoutMs <= 0) {
      issues.push(`timeoutMs must be a number > 0, got ${options.timeoutMs}`);
    }
    let url: URL | undefined;
    try {
      url = new URL(options.target);
    } catch {
      issues.push(`target "${options.target}" is not a URL`);
    }
    if (issues.length > 0 || url === undefined) {
      throw new FiredrillError('FD_USAGE', `traffic run: ${issues.join('; ')}`);
    }
    this.options = options;
    this.config = config;
    this.timeoutMs = options.timeoutMs;
    this.basePath = url.pathname.replace(/\/+$/, '');
    this.totalMs = stagesDurationMs(options.stages);
    this.windowLimit = Math.ceil(this.totalMs / 1000);
    this.partition = options.partition ?? WHOLE;
    const offsets = arrivalOffsets(options.stages, options.arrival);
    this.schedule = new ScheduleCursor(
      this.partition.of === 1 ? offsets : partitionArrivals(offsets, this.partition),
    );
    this.loopDelay = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
    // Lowered before the waker starts: a new thread takes the nice value of the thread that creates it, so the
    // waker (started next, from this thread) keeps this thread's priority.
    if (config.lowerHelperThreads) lowerHelperThreads([currentThreadId()]);
    if (config.preciseWake) this.waker = new PreciseWaker(this.onTick);
    // Connect, header and body time all count against the run's own per-request deadline (one timer).
    this.pool = new Http1Pool(url.origin, { connections: options.maxInFlight });
  }

  /** Starts the schedule once the waker thread runs (its start-up would otherwise delay the first sends). */
  start(): Promise<EngineSummary> {
    return new Promise((resolve, reject) => {
      this.settle = { resolve, reject };
      if (this.waker === undefined) this.begin();
      else void this.waker.ready.then(() => this.begin());
    });
  }

  private begin(): void {
    this.loopDelay.enable();
    const now = this.options.now();
    this.startEpoch = this.options.startAt ?? now;
    // Offset 0 on this thread's monotonic clock; in the future when `startAt` is (the scheduler sleeps until
    // it), in the past when the engine was ready late (those sends are late).
    this.t0 = performance.now() + (this.startEpoch - now);
    this.recent.restart();
    this.nextOffset = this.advance();
    if (this.options.signal.aborted) {
      this.stop();
      return;
    }
    this.options.signal.addEventListener('abort', this.onAbort, { once: true });
    if (this.options.onProgress) this.progressTimer = setInterval(() => this.progress(), 1000);
    this.tick();
  }

  private advance(): number | undefined {
    return this.schedule.next();
  }

  /** Scheduler turn: issue everything due, then sleep until the next arrival (./sleep). */
  private tick(): void {
    clearTimeout(this.tickTimer); // this turn may come from the waker, before its backup timer
    this.tickTimer = undefined;
    this.tickImmediate = undefined;
    this.wakerDue = undefined; // one-shot: a fired (or bypassed) arming is spent
    if (this.phase !== 'sending') return;
    try {
      let now = performance.now();
      if (!this.announced && now >= this.t0) {
        this.announced = true;
        this.options.onStart?.(this.startEpoch);
      }
      let burst = 0;
      while (this.nextOffset !== undefined && this.t0 + this.nextOffset <= now && burst < MAX_BURST) {
        this.issue(this.nextOffset);
        this.nextOffset = this.advance();
        burst += 1;
        now = performance.now();
      }
      if (this.phase !== 'sending') return; // a sink or factory failure stopped the run
      const elapsed = now - this.t0;
      this.closedThroughMs = Math.min(this.nextOffset ?? this.totalMs, elapsed);
      this.emitReady();
      if (this.nextOffset === undefined && elapsed >= this.totalMs) {
        this.beginDrain(false);
        return;
      }
      if (burst === MAX_BURST) {
        this.tickImmediate = setImmediate(this.onTick);
        return;
      }
      this.sleep(now);
    } catch (error) {
      this.fail(error);
    }
  }

  /**
   * Arranges the next scheduler turn: the precise waker at the next due arrival (or at the last of the sends
   * that share its wake-up) with a backup timer that keeps the loop alive, or a plain timer without the waker.
   * A turn comes at least every MAX_SLEEP_MS. One wake-up per turn: a timer aimed early and then the waker
   * would cost two.
   */
  private sleep(now: number): void {
    clearTimeout(this.tickTimer);
    const dueAt = this.t0 + (this.nextOffset ?? this.totalMs);
    const remaining = dueAt - now;
    if (this.waker === undefined) {
      this.tickTimer = setTimeout(this.onTick, Math.min(Math.max(remaining, 1), MAX_SLEEP_MS));
      return;
    }
    if (remaining > MAX_SLEEP_MS) {
      this.disarmWaker();
      this.tickTimer = setTimeout(this.onTick, MAX_SLEEP_MS);
      return;
    }
    const batch = this.config.wakeBatchMs;
    const wakeAt =
      batch > 0 && this.nextOffset !== undefined
        ? this.t0 + this.schedule.lastWithin(this.nextOffset, batch, MAX_WAKE_BATCH)
        : dueAt;
    if (this.wakerDue !== wakeAt) {
      this.wakerDue = wakeAt;
      this.waker.arm(wakeAt);
    }
    this.tickTimer = setTimeout(this.onTick, Math.ceil(wakeAt - now) + 1); // backup: keeps the loop alive
  }

  private disarmWaker(): void {
    if (this.wakerDue === undefined) return;
    this.wakerDue = undefined;
    this.waker?.disarm();
  }

  private windowAt(second: number): WindowState {
    let window = this.windows[second];
    if (window === undefined) {
      window = newWindow(second);
      this.windows[second] = window;
    }
    return window;
  }

  private issue(offsetMs: number): void {
    const window = this.windowAt(Math.floor(offsetMs / 1000));
    window.intended += 1;
    window.pending += 1;
    this.recent.start();
    const exchange = new Exchange(this, sequenceNumber(this.seq, this.partition), window, this.t0 + offsetMs);
    this.seq += 1;
    if (this.inFlight < this.options.maxInFlight && this.queue.length === 0) this.send(exchange);
    else this.queue.push(exchange);
  }

  private send(exchange: Exchange): void {
    const request = this.options.request(exchange.seq, exchange.intended - this.t0);
    const now = performance.now();
    exchange.sent = now;
    const lateMs = now - exchange.intended;
    if (lateMs > this.config.lateThresholdMs) {
      exchange.window.late += 1;
      this.late += 1;
    }
    if (lateMs > this.maxLateMs) this.maxLateMs = lateMs;
    if (lateMs > exchange.window.maxLateMs) exchange.window.maxLateMs = lateMs;
    exchange.window.sent += 1;
    this.sent += 1;
    this.inFlight += 1;
    this.track(exchange);
    if (request.stream === 'openai-sse') {
      exchange.stream = new OpenAiStreamTracker();
      exchange.wantsBody = true;
    } else if (this.options.validate !== undefined) {
      exchange.body = [];
      exchange.wantsBody = true;
    }
    try {
      exchange.request = this.pool.request(
        request.method,
        this.basePath + request.path,
        request.headers,
        request.body,
        exchange,
      );
    } catch (error) {
      // A header the client refuses (or a broken in-flight cap): this request ends, and so does the run.
      this.finish(exchange, 'network-error');
      this.fail(
        error instanceof Http1Error && error.code === 'HTTP1_BAD_HEADER'
          ? new FiredrillError('FD_USAGE', `request ${exchange.seq}: ${error.message}`, {
              hint: 'check the headers and path the scenario payload builds',
            })
          : error,
      );
    }
  }

  /** Records the end of a request (exactly once) and refills the in-flight slots. */
  finish(
    exchange: Exchange,
    outcome: RequestOutcome,
    latencyMs = performance.now() - exchange.intended,
  ): void {
    if (exchange.done) return;
    exchange.done = true;
    this.untrack(exchange);
    this.inFlight -= 1;
    const window = exchange.window;
    window.pending -= 1;
    this.recent.end();
    if (exchange.status !== 0 && outcome !== 'timeout' && outcome !== 'network-error') {
      const key = String(exchange.status);
      window.statusCodes[key] = (window.statusCodes[key] ?? 0) + 1;
    }
    if (outcome === 'ok') {
      this.ok += 1;
      window.ok += 1;
      window.okHistogram ??= createHistogram();
      recordMicros(window.okHistogram, latencyMs * 1000);
      this.recent.ok(latencyMs);
      if (exchange.stream !== null) {
        window.streaming ??= new StreamStats();
        window.streaming.record(exchange.stream, exchange.intended, exchange.intended + latencyMs);
      }
    } else if (outcome === 'wrong-answer') {
      this.wrongAnswers += 1;
      window.wrongAnswers += 1;
      window.errorHistogram ??= createHistogram();
      recordMicros(window.errorHistogram, latencyMs * 1000);
    } else {
      this.errors += 1;
      if (outcome === 'timeout') {
        this.timeouts += 1;
        window.timeouts += 1;
      } else if (outcome === 'http-error') window.httpErrors += 1;
      else window.networkErrors += 1;
      window.errorHistogram ??= createHistogram();
      recordMicros(window.errorHistogram, latencyMs * 1000);
    }
    this.pump();
    this.issueDue();
    this.emitReady();
    if (this.options.onRequest !== undefined) this.record(exchange, outcome, latencyMs);
    if (this.phase === 'draining' && this.inFlight === 0) this.finalize();
  }

  private record(exchange: Exchange, outcome: RequestOutcome, latencyMs: number): void {
    const epoch = (at: number) => this.startEpoch + (at - this.t0);
    try {
      this.options.onRequest?.({
        seq: exchange.seq,
        intendedAt: epoch(exchange.intended),
        sentAt: exchange.sent === 0 ? null : epoch(exchange.sent),
        firstByteAt: exchange.firstByteAt === 0 ? null : epoch(exchange.firstByteAt),
        endAt: epoch(exchange.intended + latencyMs),
        outcome,
        status: exchange.status,
        ...(exchange.stream === null ? {} : { outputTokens: exchange.stream.outputTokens }),
      });
    } catch (error) {
      this.fail(error);
    }
  }

  /**
   * Issues the arrivals that fell due since the last scheduler turn. Called on every response: at high rates
   * the loop wakes for responses far more often than for timers, so sends go out on those wake-ups instead of
   * waiting for the next (1 ms) timer. Not re-entrant (a send can finish synchronously).
   */
  private issueDue(): void {
    if (this.issuing || this.phase !== 'sending' || this.nextOffset === undefined) return;
    const now = performance.now();
    if (this.t0 + this.nextOffset > now) return;
    this.issuing = true;
    try {
      let burst = 0;
      while (this.nextOffset !== undefined && this.t0 + this.nextOffset <= now && burst < MAX_BURST) {
        this.issue(this.nextOffset);
        this.nextOffset = this.advance();
        burst += 1;
      }
      // The wake-up that was set for what just went out is stale: aim it at the next arrival instead.
      if (this.phase === 'sending' && this.nextOffset !== undefined && burst < MAX_BURST) {
        this.sleep(performance.now());
      }
    } catch (error) {
      this.fail(error);
    } finally {
      this.issuing = false;
    }
  }

  /** Appends a just-sent exchange to the in-flight list; arms the deadline timer when it is the only one. */
  private track(exchange: Exchange): void {
    exchange.tracked = true;
    exchange.older = this.newest;
    if (this.newest !== null) this.newest.newer = exchange;
    else this.oldest = exchange;
    this.newest = exchange;
    if (this.deadlineTimer === undefined) this.deadlineTimer = setTimeout(this.onDeadline, this.timeoutMs);
  }

  private untrack(exchange: Exchange): void {
    if (!exchange.tracked) return;
    exchange.tracked = false;
    const { older, newer } = exchange;
    if (older !== null) older.newer = newer;
    else this.oldest = newer;
    if (newer !== null) newer.older = older;
    else this.newest = older;
    exchange.older = null;
    exchange.newer = null;
  }

  /** One timer for all timeouts: expires every in-flight request past its deadline, re-arms for the oldest left. */
  private expireDue(): void {
    this.deadlineTimer = undefined;
    const now = performance.now();
    while (this.oldest !== null && this.oldest.sent + this.timeoutMs <= now) expire(this.oldest);
    if (this.oldest !== null && this.phase !== 'done') {
      const wait = Math.max(1, Math.ceil(this.oldest.sent + this.timeoutMs - now));
      this.deadlineTimer = setTimeout(this.onDeadline, wait);
    }
  }

  /** Outcome of a 2xx response that was streamed or is to be validated. */
  judge(exchange: Exchange): RequestOutcome {
    if (exchange.stream !== null) {
      exchange.stream.end(performance.now());
      return exchange.stream.error === undefined ? 'ok' : 'wrong-answer';
    }
    const validate = this.options.validate;
    if (validate === undefined || exchange.body === null) return 'ok';
    const body = Buffer.concat(exchange.body).toString('utf8');
    exchange.body = null;
    try {
      return validate(body) === undefined ? 'ok' : 'wrong-answer';
    } catch {
      return 'wrong-answer';
    }
  }

  /** Sends queued requests while there are free slots. Re-entrancy safe (a send can fail synchronously). */
  private pump(): void {
    if (this.pumping || this.phase !== 'sending') return;
    this.pumping = true;
    try {
      while (this.inFlight < this.options.maxInFlight) {
        const next = this.queue.shift();
        if (next === undefined) break;
        this.send(next);
      }
    } catch (error) {
      this.fail(error);
    } finally {
      this.pumping = false;
    }
  }

  /** Emits, in order of `second`, every window whose arrivals are all issued and finished. */
  private emitReady(): void {
    while (this.emitted < this.windowLimit) {
      const second = this.emitted;
      if ((second + 1) * 1000 > this.closedThroughMs) return;
      const window = this.windows[second];
      if (window !== undefined && window.pending > 0) return;
      this.emitted += 1;
      this.windows[second] = undefined; // release its memory
      this.emit(window ?? newWindow(second));
    }
  }

  private emit(state: WindowState): void {
    const okHistogram = state.okHistogram ?? createHistogram();
    const errorHistogram = state.errorHistogram ?? createHistogram();
    this.okTotal.add(okHistogram);
    const window: TrafficWindow = {
      startAt: this.startEpoch + state.second * 1000,
      second: state.second,
      intended: state.intended,
      sent: state.sent,
      ok: state.ok,
      httpErrors: state.httpErrors,
      networkErrors: state.networkErrors,
      timeouts: state.timeouts,
      late: state.late,
      maxLateMs: state.maxLateMs,
      dropped: state.dropped,
      okHistogram: encodeHistogram(okHistogram),
      errorHistogram: encodeHistogram(errorHistogram),
      statusCodes: state.statusCodes,
    };
    if (state.wrongAnswers > 0 || this.options.validate !== undefined)
      window.wrongAnswers = state.wrongAnswers;
    if (state.streaming !== null) {
      window.streaming = state.streaming.toWindow();
      this.streamTotal ??= new StreamStats();
      this.streamTotal.add(state.streaming);
      state.streaming.destroy();
    }
    okHistogram.destroy();
    errorHistogram.destroy();
    if (this.failure !== undefined) return; // after a sink failure, stop calling the sink
    try {
      this.options.onWindow(window);
    } catch (error) {
      this.fail(error);
    }
  }

  private progress(): void {
    const onProgress = this.options.onProgress;
    if (!onProgress) return;
    try {
      onProgress(this.recent.report(this.inFlight));
    } catch (error) {
      this.fail(error);
    }
  }

  /** Abort: stop sending now; in-flight requests get at most timeoutMs (their own timers) to finish. */
  private stop(): void {
    if (this.phase !== 'sending') return;
    this.beginDrain(true);
  }

  private fail(error: unknown): void {
    this.failure ??= error;
    if (this.phase === 'sending') this.beginDrain(true);
  }

  /** Stops the schedule, counts still-queued requests as dropped, and waits for in-flight ones. */
  private beginDrain(aborted: boolean): void {
    this.phase = 'draining';
    clearTimeout(this.tickTimer);
    if (this.tickImmediate !== undefined) clearImmediate(this.tickImmediate);
    this.waker?.close();
    if (aborted) {
      // Keep the seconds that fully elapsed, and the current one if anything fell due in it.
      const elapsedSeconds = Math.floor((performance.now() - this.t0) / 1000);
      const secondsWithArrivals = this.windows.length; // windows[] grows only to the last second with an arrival
      this.windowLimit = Math.min(this.windowLimit, Math.max(elapsedSeconds, secondsWithArrivals));
    }
    for (let exchange = this.queue.shift(); exchange !== undefined; exchange = this.queue.shift()) {
      exchange.done = true;
      exchange.window.pending -= 1;
      exchange.window.dropped += 1;
      this.dropped += 1;
    }
    this.closedThroughMs = Number.POSITIVE_INFINITY;
    this.emitReady();
    if (this.inFlight === 0) {
      this.finalize();
      return;
    }
    // Every in-flight request has its own timeout timer; this only guards against a stuck pool.
    this.drainTimer = setTimeout(() => this.pool.destroy(), this.timeoutMs + DRAIN_GRACE_MS);
  }

  private finalize(): void {
    if (this.phase === 'done') return;
    this.phase = 'done';
    clearTimeout(this.drainTimer);
    clearTimeout(this.deadlineTimer);
    clearInterval(this.progressTimer);
    this.options.signal.removeEventListener('abort', this.onAbort);
    this.loopDelay.disable();
    this.waker?.close();
    this.emitReady();
    const loopLagP99Ms =
      this.loopDelay.count > 0 ? Math.max(0, this.loopDelay.percentile(99) / 1e6 - LOOP_RESOLUTION_MS) : 0;
    const summary: EngineSummary = {
      engine: 'firedrill-open',
      model: 'open',
      sent: this.sent,
      completed: this.ok + this.errors + this.wrongAnswers,
      errors: this.errors,
      timeouts: this.timeouts,
      dropped: this.dropped,
      late: this.late,
      maxLateMs: this.maxLateMs,
      saturated:
        (this.sent > 0 && this.late / this.sent > this.config.maxLateRatio) ||
        loopLagP99Ms > this.config.maxLoopLagMs,
      latencyMs: summarizeHistogram(this.okTotal),
      loopLagP99Ms,
    };
    if (this.wrongAnswers > 0 || this.options.validate !== undefined)
      summary.wrongAnswers = this.wrongAnswers;
    if (this.streamTotal !== undefined) {
      summary.streaming = this.streamTotal.toSummary(this.totalMs / 1000);
      this.streamTotal.destroy();
    }
    this.okTotal.destroy();
    this.recent.destroy();
    this.pool.close();
    if (this.failure !== undefined) this.settle?.reject(this.failure);
    else this.settle?.resolve(summary);
  }
}
