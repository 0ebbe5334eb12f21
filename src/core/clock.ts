import { performance } from 'node:perf_hooks';

/**
 * One clock for a whole run. `now()` is wall-clock epoch milliseconds derived from the monotonic
 * clock (so it never jumps backwards), which lets firedrill's times be compared with Prometheus and
 * Alertmanager timestamps. `monotonic()` is performance.now() in milliseconds, for scheduling.
 */
export interface Clock {
  /** Epoch milliseconds (fractional), monotonic within a run. */
  now(): number;
  /** performance.now() milliseconds. */
  monotonic(): number;
  /** Epoch milliseconds of a monotonic reading. */
  toEpoch(monotonicMs: number): number;
}

export function systemClock(): Clock {
  const originEpoch = Date.now();
  const originMono = performance.now();
  return {
    now: () => originEpoch + (performance.now() - originMono),
    monotonic: () => performance.now(),
    toEpoch: (mono) => originEpoch + (mono - originMono),
  };
}

/** Resolves after `ms`, or rejects with the signal's reason when aborted first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(
      () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      },
      Math.max(0, ms),
    );
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export function isoTime(epochMs: number): string {
  return new Date(epochMs).toISOString();
}
