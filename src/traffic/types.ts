/**
 * Traffic engine contract. An engine runs a plan's stages against a target, on an absolute schedule
 * (open model), and streams one window per second of intended start time to a sink.
 * Latency is measured from each request's INTENDED start (coordinated-omission free), in microseconds
 * inside histograms and milliseconds in summaries.
 */

import type { ArrivalProcess } from './arrivals.ts';

/**
 * Outcome of one request. `timeout` is counted as a failure with latency = timeout. `wrong-answer` is a
 * 2xx response that failed response validation (or a malformed stream): counted apart from HTTP errors.
 */
export type RequestOutcome = 'ok' | 'http-error' | 'network-error' | 'timeout' | 'wrong-answer';

/**
 * Checks one successful (2xx) response body; returns undefined when it is right, else why it is wrong
 * (one short phrase). Called on the event loop: keep it cheap, never block.
 */
export type ResponseValidator = (body: string) => string | undefined;

/** Streaming statistics of the streamed requests of a window (present only when some were streamed). */
export interface StreamingWindowStats {
  /** Time to first token from intended start, µs, base64 HDR. */
  ttftHistogram: string;
  /** Inter-token latency (gap between successive content chunks), µs, base64 HDR. */
  itlHistogram: string;
  /** Time per output token after the first, (E2E − TTFT)/(tokens − 1), µs, base64 HDR. */
  tpotHistogram: string;
  /** Output tokens (usage.completion_tokens when sent, else content chunks) of the window's streamed requests. */
  outputTokens: number;
  /** Streamed requests that finished ok in the window. */
  streams: number;
}

export interface StreamingSummary {
  ttftMs: LatencySummaryMs;
  itlMs: LatencySummaryMs;
  tpotMs: LatencySummaryMs;
  outputTokens: number;
  /** Output tokens per second over the run's sending span. */
  outputTokensPerSecond: number;
  streams: number;
}

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
  /**
   * Largest lateness of a send in this window, ms (open engine; absent = 0). A send's latency counts from its
   * intended time, so no request's latency holds more than this of the generator's own delay.
   */
  maxLateMs?: number;
  /** Sends the engine never made (should stay 0 in the open model; counted, never hidden). */
  dropped: number;
  /** HDR histograms of latency from intended start, microseconds, base64 of the compressed encoding. */
  okHistogram: string;
  errorHistogram: string;
  /** Status code → count. */
  statusCodes: Record<string, number>;
  /** 2xx responses that failed validation (not in `ok`, nor in the HTTP errors); absent = 0. Latency in errorHistogram. */
  wrongAnswers?: number;
  /** Present when some requests of the window were streamed (`stream: 'openai-sse'`). */
  streaming?: StreamingWindowStats;
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
  /** 2xx responses that failed validation; not in `errors`; `completed` includes them. */
  wrongAnswers?: number;
  /** Present when some requests were streamed. */
  streaming?: StreamingSummary;
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
  /** The response is an OpenAI-compatible SSE stream: measure TTFT, inter-token latency and tokens. */
  stream?: 'openai-sse';
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
  /**
   * Called once, when the schedule begins (its offset 0), with that moment on `now`'s clock: the run times
   * its faults and phases from it. Not called when the run is aborted before it begins.
   */
  onStart?: (startedAt: number) => void;
  /**
   * When the schedule's offset 0 falls due, on `now`'s clock (epoch ms): several traffic threads (`--workers`)
   * given one `startAt` send their shares on one clock, and their windows of a second cover the same second.
   * Absent: as soon as the engine is ready. An engine ready only after `startAt` still counts from it, so the
   * sends its start-up delayed are late, and counted so.
   */
  startAt?: number;
  /** How arrivals are spaced within the stages' rates (default uniform). See arrivals.ts. */
  arrival?: ArrivalProcess;
  /** Validates each 2xx body; a failure counts as `wrong-answer`. Absent: bodies are discarded unread. */
  validate?: ResponseValidator;
  /** Called once per finished request with its timestamps (for a per-request log). Keep it cheap. */
  onRequest?: (record: RequestRecord) => void;
  /**
   * This thread's share of the schedule when several threads generate it (`--workers`, see workers.ts):
   * arrivals index, index + of, … of the whole sequence, under their sequence numbers in the whole. Open
   * engine only. Default: the whole schedule.
   */
  partition?: Partition;
}

/** A traffic thread's round-robin share of the arrival sequence (see workers.ts). */
export interface Partition {
  /** This thread's share, 0-based. */
  index: number;
  /** Number of threads. */
  of: number;
}

/**
 * One finished request. Times are epoch ms (sub-ms precision, from the monotonic clock anchored at traffic
 * start). `sentAt` is when the request was handed to the socket; `firstByteAt`/`endAt` are null when none came.
 */
export interface RequestRecord {
  seq: number;
  intendedAt: number;
  sentAt: number | null;
  firstByteAt: number | null;
  endAt: number;
  outcome: RequestOutcome;
  /** HTTP status, 0 when no response head arrived. */
  status: number;
  /** Streamed requests only: output tokens (usage.completion_tokens when sent, else content chunks). */
  outputTokens?: number;
}

/** A closed-model stage: `vus` virtual users, each looping request → response. */
export type ConcurrencyStage =
  | { kind: 'concurrency'; vus: number; durationMs: number }
  | { kind: 'concurrency-ramp'; from: number; to: number; durationMs: number };

/** Options of a closed-model run: as the open model's, with concurrency stages instead of rates. */
export interface ClosedRunOptions extends Omit<TrafficRunOptions, 'stages' | 'arrival' | 'maxInFlight'> {
  stages: readonly ConcurrencyStage[];
}

export interface ClosedTrafficEngine {
  readonly name: string;
  readonly model: 'closed';
  run(options: ClosedRunOptions): Promise<EngineSummary>;
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
  /** Requests that ended with an answer or a failure: ok + errors + wrong answers. */
  completed: number;
  /** errors / completed, 0 when nothing completed. */
  errorRatio: number;
  /**
   * 2xx responses that failed validation (see TrafficWindow.wrongAnswers). null when no window of the phase
   * checked responses (no `traffic.validate`, no streamed request, or an engine that does not validate, k6).
   */
  wrongAnswers: number | null;
  /** wrongAnswers / completed (0..1), 0 when nothing completed; null when responses were not checked. */
  wrongAnswerRatio: number | null;
  /** Completed per second of covered span. */
  throughput: number;
  late: number;
  /** Largest lateness of a send in the phase, ms (0 when no window reported one). */
  maxLateMs: number;
  dropped: number;
  /** Latency of successful requests from intended start, ms. */
  latencyMs: LatencySummaryMs;
  /** Present when some requests of the phase were streamed: TTFT, ITL, TPOT merged over its windows. */
  streaming?: StreamingSummary;
}
