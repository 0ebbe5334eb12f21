import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';

/**
 * Sub-millisecond wake-ups for the open engine's scheduler.
 *
 * Node timers are millisecond-grained: a `setTimeout(fn, 1)` fires 1–2 ms later, so a send due in 0.3 ms would
 * go out up to 2 ms late; polling with `setImmediate` instead keeps a core busy. This waker parks one worker
 * thread in `Atomics.wait` with a fractional-millisecond timeout (a futex: it wakes within tens of µs) and has it
 * post one message to the main thread when the armed time comes. The main thread only sleeps in its event loop,
 * so responses keep being handled while it waits.
 *
 * Contract: `arm(dueMs)` (dueMs on the main thread's `performance.now()` clock) replaces any earlier arming;
 * `onWake` runs on the main thread at or after dueMs unless `disarm()` or another `arm()` came first (a stale
 * wake-up may still arrive: the callback must check the time itself). `close()` ends the thread. The waker does
 * not keep the process alive; callers hold their own timer while they wait. `ready` resolves once the thread
 * runs (a thread start costs tens of ms of CPU: start the schedule after it), or after 1 s regardless.
 */
export class PreciseWaker {
  private readonly worker: Worker;
  /** [0] generation (bumped on every arm/disarm), [1] stop flag. */
  private readonly state: Int32Array;
  /** [0] armed due time in main-thread performance.now() ms; +Infinity when disarmed. */
  private readonly due: Float64Array;
  private closed = false;
  readonly ready: Promise<void>;

  constructor(onWake: () => void) {
    const shared = new SharedArrayBuffer(16);
    this.state = new Int32Array(shared, 0, 2);
    this.due = new Float64Array(shared, 8, 1);
    this.due[0] = Number.POSITIVE_INFINITY;
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { shared, mainTimeOrigin: performance.timeOrigin },
      // The thread needs almost nothing: keep its heap small.
      resourceLimits: { maxOldGenerationSizeMb: 8, maxYoungGenerationSizeMb: 1 },
    });
    this.worker.unref();
    let markReady: () => void = () => {};
    this.ready = new Promise((resolve) => {
      markReady = resolve;
    });
    const fallback = setTimeout(markReady, 1000);
    fallback.unref();
    this.worker.on('message', (kind: number) => {
      if (kind === 1) {
        clearTimeout(fallback);
        markReady();
      } else if (!this.closed) onWake();
    });
    this.worker.on('error', () => {}); // only on close races; the caller's backup timer covers a lost wake-up
  }

  arm(dueMs: number): void {
    if (this.closed) return;
    this.due[0] = dueMs;
    Atomics.add(this.state, 0, 1);
    Atomics.notify(this.state, 0);
  }

  /** Cancels the armed wake-up (the thread notices at the old due time, without waking the main thread). */
  disarm(): void {
    if (this.closed || this.due[0] === Number.POSITIVE_INFINITY) return;
    this.due[0] = Number.POSITIVE_INFINITY;
    Atomics.add(this.state, 0, 1);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    Atomics.store(this.state, 1, 1);
    Atomics.add(this.state, 0, 1);
    Atomics.notify(this.state, 0);
    void this.worker.terminate();
  }
}

/** The worker: waits for the armed time (or a new arming), posts one message per arming that comes due. */
const WORKER_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
const { performance } = require('node:perf_hooks');
const state = new Int32Array(workerData.shared, 0, 2);
const due = new Float64Array(workerData.shared, 8, 1);
// The main thread's performance.now() = this thread's + (this origin - main origin).
const shift = performance.timeOrigin - workerData.mainTimeOrigin;
parentPort.postMessage(1); // ready
for (;;) {
  const generation = Atomics.load(state, 0);
  if (Atomics.load(state, 1) === 1) break;
  const at = due[0];
  if (at === Infinity) {
    Atomics.wait(state, 0, generation);
    continue;
  }
  const wait = at - (performance.now() + shift);
  if (wait > 0 && Atomics.wait(state, 0, generation, wait) !== 'timed-out') continue;
  if (Atomics.load(state, 0) !== generation) continue;
  parentPort.postMessage(0);
  Atomics.wait(state, 0, generation); // until the main thread arms (or disarms) again
}
`;
