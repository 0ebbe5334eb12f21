/**
 * Capacity search data: the SLO, the criteria of a stable measurement, the search settings, and what each
 * step measured. A search varies one load (see `LoadUnit`); rates are requests per second (offered = the
 * schedule's, achieved = completed per second); latencies are ms from each request's INTENDED start (the
 * closed model's intended start is its send); ratios are 0..1.
 */

/**
 * What a capacity search varies. `rate`: the offered request rate, req/s, to 0.1 (open model).
 * `concurrency`: the number of virtual users, each looping request → response, a whole number (closed
 * model: LLM servers are sized in concurrent users); its throughput is what those users achieved.
 */
export type LoadUnit = 'rate' | 'concurrency';

export type Percentile = 'p50' | 'p90' | 'p99';

/** An SLO as data: a load passes when every limit given holds over a stable measurement. */
export interface Slo {
  /** Latency limits, ms from intended start (successful requests). */
  latencyMs: Partial<Record<Percentile, number>>;
  /** Most errors (HTTP, network, timeouts) / completed. */
  maxErrorRatio?: number | undefined;
  /** Most wrong answers (2xx failing validation) / completed. */
  maxWrongAnswerRatio?: number | undefined;
  /**
   * Goodput (DistServe/vLLM): the share of completed requests that were ok within `latencyMs` must be at
   * least `min`.
   */
  goodput?: { min: number; latencyMs: number } | undefined;
  /** Streamed payloads: p99 time to first token and time per output token, ms. */
  ttftP99Ms?: number | undefined;
  tpotP99Ms?: number | undefined;
}

/** perf_analyzer-style stability: the last `windows` windows agree within ±`tolerance` of their mean. */
export interface StabilityCriteria {
  /** Windows that must agree (default 3). */
  windows: number;
  /** At most this many measurement windows, then the step is `unstable` (default 8). */
  maxWindows: number;
  /** Relative tolerance of throughput and the stability percentile (default 0.1 = ±10 %). */
  tolerance: number;
  /** Latency differences up to this many ms count as agreeing, whatever the ratio (timer granularity; default 1). */
  latencyFloorMs: number;
  /** The percentile whose stability is checked (the strictest one the SLO names; default p99). */
  percentile: Percentile;
  /** Late sends / sent above this mark the step generator-limited (default 0.01; open model: the closed one sends none late). */
  maxLateRatio: number;
  /** p99 event-loop lag of the generator above this (ms) marks the step generator-limited (default 20). */
  maxLoopLagMs: number;
  /** Error ratio above which the server is overloaded and the climb ends (default 0.5). */
  overloadErrorRatio: number;
}

/** One measurement window of a step (one or more seconds of intended start times, merged). */
export interface WindowMeasure {
  /**
   * Offered and achieved (completed) rates, req/s. Offered: the schedule's rate (open model), or the rate at
   * which the users sent (closed model: it offers no rate of its own).
   */
  offered: number;
  achieved: number;
  sent: number;
  completed: number;
  late: number;
  /** Largest lateness of a send, ms: no request's latency holds more than this of the generator's delay. */
  maxLateMs: number;
  errors: number;
  timeouts: number;
  wrongAnswers: number;
  latencyMs: Record<Percentile, number>;
}

/** Everything measured over a step's judged windows (histograms merged, never percentiles averaged). */
export interface StepMeasure extends WindowMeasure {
  errorRatio: number;
  wrongAnswerRatio: number;
  lateRatio: number;
  /** Share of completed requests ok within the SLO's goodput latency; null when the SLO has no goodput. */
  goodput: number | null;
  maxLatencyMs: number;
  /** Streamed payloads only. */
  ttftP99Ms?: number | undefined;
  tpotP99Ms?: number | undefined;
  /** Output tokens per second (streamed payloads only). */
  outputTokensPerSecond?: number | undefined;
}

/**
 * How a step's measurement ended. `stable`: judged against the SLO. `unstable`: no agreement in
 * `maxWindows` windows (never passed). `diverging`: latency climbs window over window past the SLO (the
 * server's queue grows: a fail without waiting). `overload`: error ratio over the overload mark or
 * timeouts (ends the climb). `generator-limited`: the generator could not keep its schedule (never
 * reported as server capacity). `interrupted`: stopped before a decision.
 */
export type Stability =
  | 'stable'
  | 'unstable'
  | 'diverging'
  | 'overload'
  | 'generator-limited'
  | 'interrupted';

export type StepVerdict = 'pass' | 'fail' | 'limited' | 'interrupted';

export interface StepResult {
  /** The step's load in the search's unit: offered req/s, or virtual users. */
  load: number;
  stability: Stability;
  verdict: StepVerdict;
  /** Why it failed: each SLO limit broken (empty when it passed). */
  violations: string[];
  /** Over the judged windows (the last `windows` ones, or all measured when there was no agreement). */
  measure: StepMeasure | null;
  /** Every measurement window, in order (warm-up excluded). */
  windows: WindowMeasure[];
  /** Epoch ms of the step's start and end. */
  startedAt: number;
  endedAt: number;
}

export interface SearchSettings {
  /** What `start`, `max` and every probed load count. */
  unit: LoadUnit;
  /** First load of the bracket (req/s, or users). */
  start: number;
  /** Highest load ever offered (req/s, or users). */
  max: number;
  /**
   * Bisection stops when (lowest fail − highest pass) ≤ precision × highest pass (default 0.02), or when no
   * load of the unit's step (0.1 req/s, one user) lies between them.
   */
  precision: number;
  /** Probes of each final point (highest pass, lowest fail); the majority decides (ties fail). Default 1. */
  repeats: number;
  /** Most steps of one search (a bound besides the time budget). */
  maxSteps: number;
  /**
   * `bisect` (default): bracket ×2, then bisect. `linear`: a brute-force sweep from `start` up in steps of
   * `precision × max` (at least the unit's step) until the first failing load (to check a search against, as
   * the bench does).
   */
  strategy?: 'bisect' | 'linear' | undefined;
}

/**
 * Where a search ended. `found`: bracketed and bisected to the precision. `above-max`: even the max load
 * passed. `below-start`: the start load failed. `generator-limited`: the generator could not offer a load the
 * search needed. `budget`: the time or step budget ran out. `interrupted`: Ctrl-C.
 */
export type SearchStatus =
  | 'found'
  | 'above-max'
  | 'below-start'
  | 'generator-limited'
  | 'budget'
  | 'interrupted';

export interface SearchAnswer {
  status: SearchStatus;
  /** Highest passing load below the lowest failing one (the SLO capacity); null when none passed. */
  highestPass: number | null;
  /** Lowest failing load; null when none failed. */
  lowestFail: number | null;
}

/** A live view of the search (about once a second), for the progress line. */
export interface CapacityProgress {
  configuration: string;
  configurationIndex: number;
  configurations: number;
  fault: string | null;
  step: number;
  unit: LoadUnit;
  /** The step's load: offered req/s, or virtual users. */
  load: number;
  /** Completed per second, req/s. */
  achievedRate: number;
  p99Ms: number | null;
  highestPass: number | null;
  lowestFail: number | null;
}
