import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { FiredrillError, sleep } from '../core/index.ts';
import {
  createHistogram,
  encodeHistogram,
  type Histogram,
  recordMicros,
  summarizeHistogram,
} from './histogram.ts';
import { ProgressMeter } from './progress.ts';
import { OpenAiStreamTracker, StreamStats } from './sse.ts';
import type {
  ClosedRunOptions,
  ClosedTrafficEngine,
  ConcurrencyStage,
  EngineSummary,
  RequestOutcome,
  TrafficWindow,
} from './types.ts';

/**
 * The closed-model engine: `vus` virtual users, each looping request → response (k6 VUs, wrk
 * connections). A new request starts only when the user's previous one ends, so a slow server slows the
 * generator: latency is measured from the actual send (that is the closed model's truth) with no
 * coordinated-omission "correction", and throughput is what this concurrency achieved, not capacity.
 * Windows are one second of send time; `intended` = `sent`, `late` = `dropped` = 0 by construction.
 * Ramping: the target count follows the stages (linear within a ramp), re-read every CONTROL_MS; a user
 * above the target stops after its current request (graceful ramp-down). Own undici Pool per run.
 * Progress (about once a second): `offeredRate` = requests started per second (the closed model offers no
 * rate of its own), `inFlight` = active users.
 */
const CONTROL_MS = 50;
const LOOP_RESOLUTION_MS = 10;

/** Every problem with the concurrency stages (all of them). */
export function validateConcurrencyStages(stages: readonly ConcurrencyStage[]): string[] {
  const issues: string[] = [];
  const vus = (where: string, value: number) => {
    if (!Number.isInteger(value) || value < 0 || value > 10_000)
      issues.push(`${where}: vus must be an integer in 0..10000, got ${value}`);
  };
  if (stages.length === 0) issues.push('give at least one concurrency stage');
  stages.forEach((stage, index) => {
    const where = `stages[${index}]`;
    if (!Number.isFinite(stage.durationMs) || stage.durationMs < 0)
      issues.push(`${where}: durationMs must be a finite number ≥ 0, got ${stage.durationMs}`);
    if (stage.kind === 'concurrency') vus(`${where}.vus`, stage.vus);
    else if (stage.kind === 'concurrency-ramp') {
      vus(`${where}.from`, stage.from);
      vus(`${where}.to`, stage.to);
    } else issues.push(`${where}: a closed-model stage is "concurrency" or "concurrency-ramp"`);
  });
  return issues;
}

/** Target number of users at `elapsedMs` (0 past the end). Ramps are linear and rounded. */
export function vusAt(stages: readonly ConcurrencyStage[], elapsedMs: number): number {
  let start = 0;
  for (const stage of stages) {
    if (elapsedMs < start + stage.durationMs) {
      if (stage.kind === 'concurrency') return stage.vus;
      const fraction = (elapsedMs - start) / stage.durationMs;
      return Math.round(stage.from + (stage.to - stage.from) * fraction);
    }
    start += stage.durationMs;
  }
  return 0;
}

/** Most users any stage asks for (the pool's connection count). */
export function peakVus(stages: readonly ConcurrencyStage[]): number {
  let peak = 0;
  for (const stage of stages) {
    peak = Math.max(peak, stage.kind === 'concurrency' ? stage.vus : Math.max(stage.from, stage.to));
  }
  return peak;
}

interface ClosedWindow {
  sent: number;
  ok: number;
  httpErrors: number;
  networkErrors: number;
  timeouts: number;
  wrongAnswers: number;
  pending: number;
  okHistogram: Histogram;
  errorHistogram: Histogram;
  statusCodes: Record<string, number>;
  streaming: StreamStats | null;
}

export function createClosedEngine(): ClosedTrafficEngine {
  return {
    name: 'firedrill-closed',
    model: 'closed',
    run: async (options) => runClosed(options),
  };
}

async function runClosed(options: ClosedRunOptions): Promise<EngineSummary> {
  const issues = validateConcurrencyStages(options.stages);
  if (!Number.isFinite(options.timeoutMs) || options.timeoutMs <= 0)
    issues.push(`timeoutMs must be a number > 0, got ${options.timeoutMs}`);
  let url: URL | undefined;
  try {
    url = new URL(options.target);
  } catch {
    issues.push(`target "${options.target}" is not a URL`);
  }
  if (issues.length > 0 || url === undefined)
    throw new FiredrillError('FD_USAGE', `closed traffic run: ${issues.join('; ')}`);

  const basePath = url.pathname.replace(/\/+$/, '');
  const totalMs = options.stages.reduce((sum, stage) => sum + stage.durationMs, 0);
  const windowCount = Math.ceil(totalMs / 1000);
  const pool = new Pool(url.origin, { connections: Math.max(1, peakVus(options.stages)), pipelining: 1 });
  const loopDelay = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
  loopDelay.enable();
  const windows = new Map<number, ClosedWindow>();
  const okTotal = createHistogram();
  let streamTotal: StreamStats | undefined;
  const totals = { sent: 0, ok: 0, errors: 0, timeouts: 0, wrongAnswers: 0 };
  /** Since the previous progress report: requests started and ended, and the ok latencies (µs). */
  const recent = new ProgressMeter();
  let emitted = 0;
  let failure: unknown;
  // Until startAt; a timer can fire a millisecond early against the wall clock, hence the loop. Aborted
  // meanwhile: sends nothing.
  while (options.startAt !== undefined && options.now() < options.startAt && !options.signal.aborted)
    await sleep(Math.max(1, options.startAt - options.now()), options.signal).catch(() => {});
  const startEpoch = options.startAt ?? options.now();
  const t0 = performance.now() - (options.now() - startEpoch);
  if (!options.signal.aborted) options.onStart?.(startEpoch);
  let target = 0;
  let active = 0;
  let seq = 0;
  const users: Array<Promise<void>> = [];
  const stopped = () => options.signal.aborted || failure !== undefined || performance.now() - t0 >= totalMs;

  const windowAt = (second: number): ClosedWindow => {
    let window = windows.get(second);
    if (window === undefined) {
      window = {
        sent: 0,
        ok: 0,
        httpErrors: 0,
        networkErrors: 0,
        timeouts: 0,
        wrongAnswers: 0,
        pending: 0,
        okHistogram: createHistogram(),
        errorHistogram: createHistogram(),
        statusCodes: {},
        streaming: null,
      };
      windows.set(second, window);
    }
    return window;
  };

  /** Emits, in order, every window whose second has passed and whose requests have all ended. */
  const emitReady = (final: boolean) => {
    const elapsed = performance.now() - t0;
    while (emitted < windowCount) {
      const second = emitted;
      const window = windows.get(second);
      if (!final && ((second + 1) * 1000 > elapsed || (window !== undefined && window.pending > 0))) return;
      emitted += 1;
      const state = window ?? windowAt(second);
      windows.delete(second);
      okTotal.add(state.okHistogram);
      const out: TrafficWindow = {
        startAt: startEpoch + second * 1000,
        second,
        intended: state.sent,
        sent: state.sent,
        ok: state.ok,
        httpErrors: state.httpErrors,
        networkErrors: state.networkErrors,
        timeouts: state.timeouts,
        late: 0,
        dropped: 0,
        okHistogram: encodeHistogram(state.okHistogram),
        errorHistogram: encodeHistogram(state.errorHistogram),
        statusCodes: state.statusCodes,
      };
      if (state.wrongAnswers > 0 || options.validate !== undefined) out.wrongAnswers = state.wrongAnswers;
      if (state.streaming !== null) {
        out.streaming = state.streaming.toWindow();
        streamTotal ??= new StreamStats();
        streamTotal.add(state.streaming);
        state.streaming.destroy();
      }
      state.okHistogram.destroy();
      state.errorHistogram.destroy();
      if (failure !== undefined) continue;
      try {
        options.onWindow(out);
      } catch (error) {
        failure = error;
      }
    }
  };

  /** One request of one user; resolves when it ended (any outcome). Latency from the actual send. */
  const exchange = async (): Promise<void> => {
    const sentAt = performance.now();
    const offsetMs = sentAt - t0;
    const requestSeq = seq;
    const request = options.request(requestSeq, offsetMs);
    seq += 1;
    const window = windowAt(Math.min(Math.max(0, Math.floor(offsetMs / 1000)), Math.max(0, windowCount - 1)));
    window.sent += 1;
    window.pending += 1;
    totals.sent += 1;
    recent.start();
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), options.timeoutMs);
    let outcome: RequestOutcome;
    let status = 0;
    let firstByteAt: number | null = null;
    const tracker = request.stream === 'openai-sse' ? new OpenAiStreamTracker() : null;
    try {
      const response = await pool.request({
        path: basePath + request.path,
        method: request.method,
        headers: request.headers,
        body: request.body ?? null,
        signal: abort.signal,
      });
      status = response.statusCode;
      firstByteAt = performance.now();
      const chunks: Buffer[] | null = tracker === null && options.validate !== undefined ? [] : null;
      for await (const chunk of response.body as AsyncIterable<Buffer>) {
        if (tracker !== null) tracker.push(chunk, performance.now());
        else chunks?.push(chunk);
      }
      if (status < 200 || status >= 300) outcome = 'http-error';
      else if (tracker !== null) {
        tracker.end(performance.now());
        outcome = tracker.error === undefined ? 'ok' : 'wrong-answer';
      } else if (chunks !== null && options.validate !== undefined) {
        let verdict: string | undefined;
        try {
          verdict = options.validate(Buffer.concat(chunks).toString('utf8'));
        } catch {
          verdict = 'validator threw';
        }
        outcome = verdict === undefined ? 'ok' : 'wrong-answer';
      } else outcome = 'ok';
    } catch {
      outcome = abort.signal.aborted ? 'timeout' : 'network-error';
    } finally {
      clearTimeout(timer);
    }
    const endAt = performance.now();
    const latencyMs = outcome === 'timeout' ? options.timeoutMs : endAt - sentAt;
    window.pending -= 1;
    recent.end();
    if (status !== 0 && outcome !== 'timeout' && outcome !== 'network-error') {
      window.statusCodes[String(status)] = (window.statusCodes[String(status)] ?? 0) + 1;
    }
    if (outcome === 'ok') {
      totals.ok += 1;
      window.ok += 1;
      recordMicros(window.okHistogram, latencyMs * 1000);
      recent.ok(latencyMs);
      if (tracker !== null) {
        window.streaming ??= new StreamStats();
        window.streaming.record(tracker, sentAt, endAt);
      }
    } else {
      recordMicros(window.errorHistogram, latencyMs * 1000);
      if (outcome === 'wrong-answer') {
        totals.wrongAnswers += 1;
        window.wrongAnswers += 1;
      } else {
        totals.errors += 1;
        if (outcome === 'timeout') {
          totals.timeouts += 1;
          window.timeouts += 1;
        } else if (outcome === 'http-error') window.httpErrors += 1;
        else window.networkErrors += 1;
      }
    }
    if (options.onRequest !== undefined) {
      const epoch = (at: number) => startEpoch + (at - t0);
      options.onRequest({
        seq: requestSeq,
        intendedAt: epoch(sentAt), // closed model: a request is intended when its user is free, i.e. sent
        sentAt: epoch(sentAt),
        firstByteAt: firstByteAt === null ? null : epoch(firstByteAt),
        endAt: epoch(sentAt + latencyMs),
        outcome,
        status,
        ...(tracker === null ? {} : { outputTokens: tracker.outputTokens }),
      });
    }
    emitReady(false);
  };

  const user = async (index: number): Promise<void> => {
    try {
      while (!stopped() && index < target) {
        try {
          await exchange();
        } catch (error) {
          failure ??= error; // a request factory or sink failure ends the run
        }
      }
    } finally {
      active -= 1;
    }
  };

  const control = () => {
    target = stopped() ? 0 : vusAt(options.stages, performance.now() - t0);
    while (active < target) {
      users.push(user(active));
      active += 1;
    }
    emitReady(false);
  };

  /** One progress report; never called concurrently (a timer on the event loop). */
  const progress = () => {
    const onProgress = options.onProgress;
    if (onProgress === undefined || failure !== undefined) return;
    try {
      onProgress(recent.report(active));
    } catch (error) {
      failure = error;
    }
  };

  control();
  const timer = setInterval(control, CONTROL_MS);
  const progressTimer = options.onProgress ? setInterval(progress, 1000) : undefined;
  await new Promise<void>((resolve) => {
    const check = () => {
      if (stopped()) {
        options.signal.removeEventListener('abort', check);
        clearInterval(poll);
        resolve();
      }
    };
    const poll = setInterval(check, CONTROL_MS);
    options.signal.addEventListener('abort', check, { once: true });
    check();
  });
  clearInterval(timer);
  clearInterval(progressTimer);
  target = 0;
  await Promise.all(users);
  loopDelay.disable();
  emitReady(true);
  const loopLagP99Ms =
    loopDelay.count > 0 ? Math.max(0, loopDelay.percentile(99) / 1e6 - LOOP_RESOLUTION_MS) : 0;
  const summary: EngineSummary = {
    engine: 'firedrill-closed',
    model: 'closed',
    sent: totals.sent,
    completed: totals.ok + totals.errors + totals.wrongAnswers,
    errors: totals.errors,
    timeouts: totals.timeouts,
    dropped: 0,
    late: 0,
    maxLateMs: 0,
    saturated: loopLagP99Ms > 20,
    latencyMs: summarizeHistogram(okTotal),
    loopLagP99Ms,
  };
  if (totals.wrongAnswers > 0 || options.validate !== undefined) summary.wrongAnswers = totals.wrongAnswers;
  if (streamTotal !== undefined) {
    summary.streaming = streamTotal.toSummary(totalMs / 1000);
    streamTotal.destroy();
  }
  okTotal.destroy();
  recent.destroy();
  await pool.close().catch(() => {});
  if (failure !== undefined) throw failure;
  return summary;
}
