/**
 * Traffic engine contract. An engine runs a plan's stages against a target, on an absolute schedule
 * (open model), and streams one window per second of intended start time to a sink.
 * Latency is measured from each request's INTENDED start (coordinated-omission free), in microseconds
 * inside histograms and milliseconds in summaries.
 */

/** Outcome of one request. `timeout` is counted as a failure with latency = timeout. */
export type RequestOutcome = 'ok' | 'http-error' | 'network-error' | 'timeout';

/** One second of intended start times: [startAt, startAt + 1000). */
export interface TrafficWindow {
  /** Epoch ms of the window's start. */
  startAt: number;
  /** Window index: seconds since traffic start. */
  second: number;
  /** Requests due in this window per the schedule. */
  intended: number;
  sent: number;
  ok: number;
  httpErrors: number;
  networkErrors: number;
  timeouts: number;
  /** Sends that left more than 1 ms after their intended time. */
  late: number;
  /** Sends the engine never made (should stay 0 in the open model; counted, never hidden). */
  dropped: number;
  /** HDR histograms of latency from intended start, microseconds, base64 of the compressed encoding. */
  okHistogram: string;
  errorHistogram: string;
  /** Status code → count. */
  statusCodes: Record<string, number>;
}

export interface LatencySummaryMs {
  p50: number;
  p90: number;
  p99: number;
  max: number;
  count: number;
}

export interface EngineSummary {
  engine: string;
  model: 'open' | 'closed';
  sent: number;
  completed: number;
  errors: number;
  timeouts: number;
  dropped: number;
  late: number;
  /** Largest lateness of any send, ms. */
  maxLateMs: number;
  /** True when > 1% of sends were over 1 ms late or the event loop lagged: latency figures then describe the generator, not the server. */
  saturated: boolean;
  latencyMs: LatencySummaryMs;
  /** p99 event-loop lag of the generator process during the run, ms (beyond the sampling interval), when measured. */
  loopLagP99Ms?: number;
}

/** A live view of a run, for a progress line (about once a second). */
export interface TrafficProgress {
  /** Requests that fell due per second since the previous report (the schedule's rate). */
  offeredRate: number;
  /** Requests that finished (any outcome) per second since the previous report. */
  achievedRate: number;
  inFlight: number;
  /** p99 latency from intended start of the successful requests that finished since the previous report; null when none did. */
  p99Ms: number | null;
}

/**
 * What to send: returns the request for sequence number `seq` (deterministic for a seed). `offsetMs` is the
 * request's INTENDED send time in ms from traffic start (not when it actually left), so payloads that change
 * on the timeline (drift) are the same however late the generator runs; engines pass it, callers that do not
 * know it get the payload of offset 0.
 */
export type RequestFactory = (
  seq: number,
  offsetMs?: number,
) => {
  method: 'POST' | 'GET';
  path: string;
  headers: Record<string, string>;
  body?: string;
};

export interface TrafficRunOptions {
  /** Base URL (origin) of the target. Must already have passed the loopback safety gate. */
  target: string;
  stages: ReadonlyArray<
    | { kind: 'constant'; rate: number; durationMs: number }
    | { kind: 'ramp'; from: number; to: number; durationMs: number }
  >;
  timeoutMs: number;
  maxInFlight: number;
  request: RequestFactory;
  /** Called once per completed window, in order of `second`. Never called concurrently. */
  onWindow: (window: TrafficWindow) => void;
  signal: AbortSignal;
  /** Epoch-ms clock shared with the run (see core/clock). */
  now: () => number;
  /** Called about once a second while the run sends, for a progress line. Never called concurrently; do not block here. */
  onProgress?: (progress: TrafficProgress) => void;
}

export interface TrafficEngine {
  readonly name: string;
  readonly model: 'open' | 'closed';
  run(options: TrafficRunOptions): Promise<EngineSummary>;
}

/** Aggregate over a set of windows (a phase): histograms merged, never percentiles averaged. */
export interface PhaseStats {
  /** Windows covered, and their total span in seconds (for throughput). */
  windows: number;
  seconds: number;
  sent: number;
  ok: number;
  /** http errors + network errors + timeouts. */
  errors: number;
  /** errors / (ok + errors), 0 when nothing completed. */
  errorRatio: number;
  /** Completed (ok + errors) per second of covered span. */
  throughput: number;
  late: number;
  dropped: number;
  /** Latency of successful requests from intended start, ms. */
  latencyMs: LatencySummaryMs;
}
