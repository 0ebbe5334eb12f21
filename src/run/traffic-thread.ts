import { setFlagsFromString } from 'node:v8';
import { Worker } from 'node:worker_threads';
import { FiredrillError, type FiredrillErrorCode } from '../core/errors.ts';
import type { FaultBackend } from '../scenario/index.ts';
import {
  type ConcurrencyStage,
  type EngineSummary,
  mergeProgress,
  mergeSummaries,
  type Partition,
  type TrafficProgress,
  type TrafficStage,
  type TrafficWindow,
  WindowMerger,
} from '../traffic/index.ts';
import { joinRequestLogs, requestLogPart } from './request-log.ts';

/** What the traffic thread needs to rebuild the run's traffic on its own. */
export interface ThreadInput {
  scenarioFile: string;
  backend: FaultBackend | undefined;
  /** Origin of the target (already through the loopback gate). */
  target: string;
  /** Write requests.ndjson here (see request-log.ts; with several threads, each writes a part, joined here). */
  requestLogPath: string | undefined;
  /** This thread's round-robin share of the schedule (`--workers`); absent: the whole schedule. */
  partition?: Partition;
}

/** Messages from the thread. */
export type ThreadMessage =
  | { type: 'ready'; engine: string; model: 'open' | 'closed' }
  | { type: 'started'; at: number }
  | { type: 'window'; window: TrafficWindow }
  | { type: 'progress'; progress: TrafficProgress }
  | { type: 'done'; summary: EngineSummary; logError: string | undefined }
  | { type: 'error'; error: { code: FiredrillErrorCode; message: string; hint: string | undefined } };

/**
 * One step's traffic as data (step-driven mode, a capacity search), in the scenario's own model: rate stages
 * (open; run with the scenario's payloads, arrivals, timeout and in-flight cap) or concurrency stages
 * (closed; with its payloads and timeout).
 */
export type StepTraffic =
  | { model: 'open'; stages: TrafficStage[] }
  | { model: 'closed'; stages: ConcurrencyStage[] };

/**
 * Messages to the thread. `start` runs the scenario's traffic, or, when it carries a `step`, that step's
 * stages in place of the scenario's; with `startAt` (epoch ms), the schedule's offset 0 falls due then (see
 * TrafficRunOptions.startAt). `abort` stops the run in progress; the thread stays up for the next `start`.
 */
export type ToThread = { type: 'start'; step?: StepTraffic; startAt?: number } | { type: 'abort' };

export interface TrafficThread {
  readonly engine: string;
  readonly model: 'open' | 'closed';
  /**
   * Starts the traffic now; resolves with the engine's summary. `onWindow` and `onProgress` run on this
   * (the main) thread, in order. Aborting `signal` stops the sends as the engine's own abort does. With
   * `step`, runs its (serializable) stages instead of the scenario's: one thread serves many steps; the
   * step's model must be the scenario's. Never called while a run is in progress.
   */
  run(callbacks: {
    signal: AbortSignal;
    step?: StepTraffic | undefined;
    /** When the schedule's offset 0 falls due (epoch ms); absent: as soon as the thread's engine is ready. */
    startAt?: number | undefined;
    /** Once, when the schedule begins on the thread (epoch ms): the moment its offset 0 fell due. */
    onStarted?: ((startedAt: number) => void) | undefined;
    onWindow: (window: TrafficWindow) => void;
    onProgress: (progress: TrafficProgress) => void;
  }): Promise<{ summary: EngineSummary; logError: string | undefined }>;
  /** Ends the thread (idempotent); a run in progress rejects. */
  close(): Promise<void>;
}

/**
 * Turns V8's memory reducer off for the isolates created from now on: the traffic thread and its waker. The
 * reducer runs full garbage collections when an isolate's allocation rate falls (at game-day rates it does)
 * and each stops that thread for 3–10 ms: measured at 40 req/s, 4–6 of 800 sends went out late by up to
 * 8 ms with it, 0–3 by at most 1.5 ms without. The flag is process-wide; firedrill's own process exists for
 * the run, and its heaps then keep their high-water mark until it exits.
 */
function withoutMemoryReducer(): void {
  setFlagsFromString('--no-memory-reducer');
}

/** Longest a thread may take to load the scenario and build its engine. */
const READY_TIMEOUT_MS = 30_000;

/**
 * Runs firedrill's engine for a scenario on a thread of its own, prepared before the run starts (loading the
 * scenario and building payloads take time that must not shift the schedule). Resolves once the thread is
 * ready; a scenario the thread cannot load is the error it reports, as a FiredrillError.
 */
export async function startTrafficThread(input: ThreadInput): Promise<TrafficThread> {
  withoutMemoryReducer();
  const worker = new Worker(new URL('./traffic-worker.mjs', import.meta.url), { workerData: input });
  let listener: ((message: ThreadMessage) => void) | undefined;
  let exited: ((error: Error) => void) | undefined;
  worker.on('message', (message: ThreadMessage) => listener?.(message));
  const onExit = (code: number) =>
    exited?.(
      new FiredrillError('FD_INTERNAL', `the traffic thread exited (code ${code}) before it finished`),
    );
  worker.on('exit', onExit);
  worker.on('error', (error) =>
    exited?.(new FiredrillError('FD_INTERNAL', `traffic thread: ${error.message}`)),
  );

  const fromThread = (error: Extract<ThreadMessage, { type: 'error' }>['error']) =>
    new FiredrillError(error.code, error.message, error.hint === undefined ? {} : { hint: error.hint });

  /**
   * One conversation with the thread: every message goes to `take` until it returns a value (resolved) or
   * throws; an `error` message or the thread's exit rejects. `cleanup` runs once, whichever way it ends.
   */
  const converse = <T>(take: (message: ThreadMessage) => T | undefined, cleanup: () => void) =>
    new Promise<T>((resolve, reject) => {
      const end = () => {
        listener = undefined;
        exited = undefined;
        cleanup();
      };
      exited = (error) => {
        end();
        reject(error);
      };
      listener = (message) => {
        try {
          if (message.type === 'error') throw fromThread(message.error);
          const value = take(message);
          if (value === undefined) return;
          end();
          resolve(value);
        } catch (error) {
          end();
          reject(error);
        }
      };
    });

  const timer = setTimeout(
    () =>
      exited?.(
        new FiredrillError('FD_INTERNAL', `the traffic thread was not ready in ${READY_TIMEOUT_MS} ms`),
      ),
    READY_TIMEOUT_MS,
  );
  const ready = await converse(
    (message) => (message.type === 'ready' ? message : undefined),
    () => clearTimeout(timer),
  ).catch(async (error: unknown) => {
    await worker.terminate();
    throw error;
  });

  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    worker.off('exit', onExit);
    await worker.terminate();
  };

  return {
    engine: ready.engine,
    model: ready.model,
    close,
    run: ({ signal, step, startAt, onStarted, onWindow, onProgress }) => {
      const onAbort = () => worker.postMessage({ type: 'abort' } satisfies ToThread);
      const done = converse(
        (message) => {
          try {
            if (message.type === 'started') onStarted?.(message.at);
            else if (message.type === 'window') onWindow(message.window);
            else if (message.type === 'progress') onProgress(message.progress);
          } catch (error) {
            // A sink failure (journal write) ends the run as the engine's own sink failure does.
            onAbort();
            throw error;
          }
          return message.type === 'done'
            ? { summary: message.summary, logError: message.logError }
            : undefined;
        },
        () => signal.removeEventListener('abort', onAbort),
      );
      signal.addEventListener('abort', onAbort, { once: true });
      worker.postMessage({
        type: 'start',
        ...(step === undefined ? {} : { step }),
        ...(startAt === undefined ? {} : { startAt }),
      } satisfies ToThread);
      if (signal.aborted) onAbort();
      return done;
    },
  };
}

/**
 * How long after a `--workers` run is asked to start its threads' schedules begin, all at that one moment
 * (ms): room for each thread to build its engine and start its waker thread (150–360 ms measured on a
 * 2-core host). A thread that needs longer sends its first requests late, and counts them late.
 */
export const WORKERS_START_LEAD_MS = 500;

/**
 * `--workers N`: N traffic threads, each sending its round-robin share of the one schedule (see
 * traffic/workers.ts) from one agreed start, presented as one TrafficThread: the windows of a second (the
 * same second on every thread) are merged exactly once every thread delivered it, the summaries into one (one
 * late and dropped count), progress summed. One thread (the default) is `startTrafficThread` unchanged. A
 * failing thread aborts the others.
 */
export async function startTrafficThreads(input: ThreadInput, workers: number): Promise<TrafficThread> {
  if (workers === 1) return startTrafficThread(input);
  const logPath = input.requestLogPath;
  const logParts =
    logPath === undefined
      ? []
      : Array.from({ length: workers }, (_, index) => requestLogPart(logPath, index));
  const started = await Promise.allSettled(
    Array.from({ length: workers }, (_, index) =>
      startTrafficThread({ ...input, requestLogPath: logParts[index], partition: { index, of: workers } }),
    ),
  );
  const threads = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    await Promise.all(threads.map((t) => t.close()));
    throw failed.reason;
  }
  const first = threads[0] as TrafficThread;
  if (first.model !== 'open') {
    await Promise.all(threads.map((t) => t.close()));
    throw new FiredrillError('FD_USAGE', `--workers ${workers}: the scenario's traffic is closed-model`, {
      hint: '--workers splits an open-model schedule across threads; a closed model is sized by its vus',
    });
  }
  return {
    engine: first.engine,
    model: first.model,
    close: async () => {
      await Promise.all(threads.map((t) => t.close()));
    },
    run: async ({ signal, step, startAt, onStarted, onWindow, onProgress }) => {
      const all = new AbortController();
      // Every thread's share counts from one moment, so second k of each thread is the same second.
      const sharedStartAt = startAt ?? Date.now() + WORKERS_START_LEAD_MS;
      let started = false;
      const onThreadStarted = (at: number) => {
        if (started) return;
        started = true;
        onStarted?.(at);
      };
      const onAbort = () => all.abort();
      signal.addEventListener('abort', onAbort, { once: true });
      if (signal.aborted) all.abort();
      const merged: TrafficWindow[] = [];
      const merger = new WindowMerger(workers, (window) => {
        merged.push(window);
        onWindow(window);
      });
      const latest: Array<TrafficProgress | undefined> = new Array(workers).fill(undefined);
      try {
        const settled = await Promise.allSettled(
          threads.map((thread, index) =>
            thread
              .run({
                signal: all.signal,
                ...(step === undefined ? {} : { step }),
                startAt: sharedStartAt,
                onStarted: onThreadStarted,
                onWindow: (window) => merger.add(window),
                onProgress: (progress) => {
                  latest[index] = progress;
                  // One line per round of reports: when the first thread reports, with every thread's latest.
                  if (index === 0) onProgress(mergeProgress(latest.filter((p) => p !== undefined)));
                },
              })
              .catch((error: unknown) => {
                all.abort();
                throw error;
              }),
          ),
        );
        // Every thread has closed its part of the request log by now, whichever way it ended: join them even
        // when one failed, so what was logged is kept.
        const joinError = logPath === undefined ? undefined : await joinRequestLogs(logPath, logParts);
        const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
        if (failed) throw failed.reason;
        const results = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
        merger.flush();
        const logErrors = results.flatMap((r) => (r.logError ? [r.logError] : []));
        if (joinError) logErrors.push(`joining the threads' request logs: ${joinError.message}`);
        return {
          summary: mergeSummaries(
            results.map((r) => r.summary),
            merged,
          ),
          logError: logErrors.length > 0 ? logErrors.join('; ') : undefined,
        };
      } finally {
        signal.removeEventListener('abort', onAbort);
      }
    },
  };
}
