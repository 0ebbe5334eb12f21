import { performance } from 'node:perf_hooks';
import { createHistogram, recordMicros } from './histogram.ts';
import type { TrafficProgress } from './types.ts';

/**
 * What happened since the last progress report (about once a second): requests that fell due (open model) or
 * were started (closed), requests that finished, and the latency of the successful ones. `report()` turns it
 * into a TrafficProgress and starts the next interval. Destroy when the run ends.
 */
export class ProgressMeter {
  private at = performance.now();
  private started = 0;
  private ended = 0;
  private readonly okHistogram = createHistogram();

  /** Starts the first interval now (the run's start, not the meter's construction). */
  restart(): void {
    this.at = performance.now();
  }

  start(): void {
    this.started += 1;
  }

  end(): void {
    this.ended += 1;
  }

  /** Latency of a successful request, ms. */
  ok(latencyMs: number): void {
    recordMicros(this.okHistogram, latencyMs * 1000);
  }

  report(inFlight: number): TrafficProgress {
    const now = performance.now();
    const seconds = Math.max((now - this.at) / 1000, 1e-3);
    const progress: TrafficProgress = {
      offeredRate: this.started / seconds,
      achievedRate: this.ended / seconds,
      inFlight,
      p99Ms: this.okHistogram.totalCount === 0 ? null : this.okHistogram.getValueAtPercentile(99) / 1000,
    };
    this.at = now;
    this.started = 0;
    this.ended = 0;
    this.okHistogram.reset();
    return progress;
  }

  destroy(): void {
    this.okHistogram.destroy();
  }
}
