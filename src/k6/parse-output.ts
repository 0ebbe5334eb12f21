import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { FiredrillError } from '../core/errors.ts';
import {
  createHistogram,
  encodeHistogram,
  type Histogram,
  recordMicros,
  summarizeHistogram,
} from '../traffic/histogram.ts';
import type { EngineSummary, RequestOutcome, TrafficWindow } from '../traffic/types.ts';

/**
 * k6's `--out json` NDJSON → firedrill's per-second TrafficWindows and an EngineSummary.
 *
 * The stream has two kinds of lines: `{"type":"Metric","data":{"name","type","contains","thresholds",...}}`
 * (once per metric) and `{"type":"Point","metric":NAME,"data":{"time","value","tags"}}` (one per sample).
 * One `http_req_duration` point is one completed request: its value is the duration in ms, its tags carry
 * `status` ("0" when no response), `expected_response` and, on failures, `error_code` (1050 = timeout).
 * Its `time` is when the request ended, so the request's start is time − value; windows are by start time,
 * like firedrill's own engine (the arrival-rate executor starts iterations on schedule or drops them, so
 * the start is the intended time up to k6's scheduling jitter). `dropped_iterations` points (value = count)
 * are counted at their time. Every other metric is ignored.
 *
 * Several runners' files (k6-operator, parallelism N) go through ONE parser: their samples fall into the same
 * windows and histograms, so the merge is exact (histograms add; no percentile is ever averaged).
 */

export interface K6OutputOptions {
  /** Epoch ms of second 0 (the traffic's start). Default: the first sample's start, then shifted so the earliest window is second 0. */
  startAt?: number | undefined;
  /** The k6 executor that produced the output: arrival-rate executors are the open model. Default ramping-arrival-rate. */
  executor?: string | undefined;
  /** Skip lines that are not k6 JSON (e.g. `kubectl logs` mixing log lines in) and count them; default: throw. */
  lenient?: boolean | undefined;
}

export interface K6MetricInfo {
  name: string;
  type: string;
  contains: string;
  thresholds: string[];
}

export interface K6ParseResult {
  windows: TrafficWindow[];
  summary: EngineSummary;
  /** Metric definitions seen (name → type and thresholds). */
  metrics: Record<string, K6MetricInfo>;
  /** Sum of `http_reqs` point values: should equal summary.sent (a cross-check of the stream). */
  httpReqs: number;
  /** Lines skipped in lenient mode. */
  skippedLines: number;
}

export interface K6OutputParser {
  /** Feeds one line (without its newline). Never call concurrently. */
  push(line: string): void;
  /** Ends the stream and builds the windows; the parser is unusable afterwards. */
  finish(): K6ParseResult;
}

interface Bucket {
  sent: number;
  ok: number;
  httpErrors: number;
  networkErrors: number;
  timeouts: number;
  dropped: number;
  okHistogram: Histogram | undefined;
  errorHistogram: Histogram | undefined;
  statusCodes: Record<string, number>;
}

const TIME = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/;

/** RFC 3339 with up to nanosecond fractions (k6 writes 9 digits) → epoch ms with the fraction kept. */
export function parseK6Time(text: string): number | undefined {
  const match = TIME.exec(text);
  if (!match) return undefined;
  const whole = Date.parse(`${match[1]}${match[3]}`);
  if (Number.isNaN(whole)) return undefined;
  const fraction = match[2] ? Number(`0.${match[2]}`) * 1000 : 0;
  return whole + fraction;
}

/** The outcome of one k6 HTTP request from its sample tags (see the module comment). */
export function classifyK6Request(tags: Record<string, string>): RequestOutcome {
  const status = tags.status;
  if (status === undefined || status === '0') return tags.error_code === '1050' ? 'timeout' : 'network-error';
  if (tags.expected_response !== undefined) return tags.expected_response === 'true' ? 'ok' : 'http-error';
  const code = Number(status);
  return code >= 200 && code < 300 ? 'ok' : 'http-error';
}

function emptyBucket(): Bucket {
  return {
    sent: 0,
    ok: 0,
    httpErrors: 0,
    networkErrors: 0,
    timeouts: 0,
    dropped: 0,
    okHistogram: undefined,
    errorHistogram: undefined,
    statusCodes: {},
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function createK6OutputParser(options: K6OutputOptions = {}): K6OutputParser {
  const buckets = new Map<number, Bucket>();
  const metrics: Record<string, K6MetricInfo> = {};
  const okAll = createHistogram();
  let anchor = options.startAt;
  let httpReqs = 0;
  let skippedLines = 0;
  let lineNumber = 0;
  let finished = false;

  const bad = (why: string, line: string) => {
    if (options.lenient) {
      skippedLines += 1;
      return;
    }
    throw new FiredrillError(
      'FD_USAGE',
      `line ${lineNumber} is not k6 JSON output (${why}): ${line.slice(0, 120)}`,
      {
        hint: 'give the file k6 wrote with `--out json=FILE` (NDJSON); use the lenient mode for `kubectl logs` output',
      },
    );
  };

  const bucketAt = (ms: number): Bucket => {
    anchor ??= ms;
    const key = Math.floor((ms - anchor) / 1000);
    let bucket = buckets.get(key);
    if (!bucket) {
      bucket = emptyBucket();
      buckets.set(key, bucket);
    }
    return bucket;
  };

  const onRequest = (endMs: number, durationMs: number, tags: Record<string, string>) => {
    const bucket = bucketAt(endMs - durationMs);
    bucket.sent += 1;
    const outcome = classifyK6Request(tags);
    const status = tags.status;
    if (status !== undefined && status !== '0') {
      bucket.statusCodes[status] = (bucket.statusCodes[status] ?? 0) + 1;
    }
    const micros = durationMs * 1000;
    switch (outcome) {
      case 'ok':
        bucket.ok += 1;
        bucket.okHistogram ??= createHistogram();
        recordMicros(bucket.okHistogram, micros);
        recordMicros(okAll, micros);
        return;
      case 'http-error':
        bucket.httpErrors += 1;
        break;
      case 'network-error':
        bucket.networkErrors += 1;
        break;
      case 'timeout':
        bucket.timeouts += 1;
        break;
    }
    bucket.errorHistogram ??= createHistogram();
    recordMicros(bucket.errorHistogram, micros);
  };

  return {
    push(line: string): void {
      if (finished) throw new FiredrillError('FD_INTERNAL', 'k6 output parser used after finish()');
      lineNumber += 1;
      const text = line.trim();
      if (text === '') return;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        bad('not JSON', text);
        return;
      }
      if (!isRecord(value) || !isRecord(value.data)) {
        bad('no "data" object', text);
        return;
      }
      const data = value.data;
      if (value.type === 'Metric') {
        if (typeof data.name !== 'string') {
          bad('a Metric without a name', text);
          return;
        }
        metrics[data.name] = {
          name: data.name,
          type: String(data.type),
          contains: String(data.contains),
          thresholds: Array.isArray(data.thresholds) ? data.thresholds.map(String) : [],
        };
        return;
      }
      if (value.type !== 'Point') {
        bad(`unknown type ${JSON.stringify(value.type)}`, text);
        return;
      }
      const metric = value.metric;
      if (metric !== 'http_req_duration' && metric !== 'dropped_iterations' && metric !== 'http_reqs') return;
      const time = typeof data.time === 'string' ? parseK6Time(data.time) : undefined;
      if (time === undefined || typeof data.value !== 'number' || !Number.isFinite(data.value)) {
        bad('a Point without a valid time and value', text);
        return;
      }
      if (metric === 'http_reqs') {
        httpReqs += data.value;
        return;
      }
      if (metric === 'dropped_iterations') {
        bucketAt(time).dropped += data.value;
        return;
      }
      const tags: Record<string, string> = {};
      if (isRecord(data.tags)) {
        for (const [k, v] of Object.entries(data.tags)) if (typeof v === 'string') tags[k] = v;
      }
      onRequest(time, data.value, tags);
    },

    finish(): K6ParseResult {
      finished = true;
      const keys = [...buckets.keys()];
      const windows: TrafficWindow[] = [];
      if (keys.length > 0 && anchor !== undefined) {
        const first = options.startAt === undefined ? Math.min(...keys) : Math.min(0, ...keys);
        const last = Math.max(...keys);
        // One window per second, gaps included: a silent second is data (and throughput divides by windows).
        for (let key = first; key <= last; key += 1) {
          const b = buckets.get(key) ?? emptyBucket();
          windows.push({
            startAt: anchor + key * 1000,
            second: options.startAt === undefined ? key - first : key,
            intended: b.sent + b.dropped,
            sent: b.sent,
            ok: b.ok,
            httpErrors: b.httpErrors,
            networkErrors: b.networkErrors,
            timeouts: b.timeouts,
            late: 0,
            dropped: b.dropped,
            okHistogram: b.okHistogram ? encodeHistogram(b.okHistogram) : '',
            errorHistogram: b.errorHistogram ? encodeHistogram(b.errorHistogram) : '',
            statusCodes: b.statusCodes,
          });
          b.okHistogram?.destroy();
          b.errorHistogram?.destroy();
        }
      }
      let sent = 0;
      let errors = 0;
      let timeouts = 0;
      let dropped = 0;
      for (const w of windows) {
        sent += w.sent;
        errors += w.httpErrors + w.networkErrors + w.timeouts;
        timeouts += w.timeouts;
        dropped += w.dropped;
      }
      const executor = options.executor ?? 'ramping-arrival-rate';
      const latencyMs = summarizeHistogram(okAll);
      okAll.destroy();
      const summary: EngineSummary = {
        engine: 'k6',
        model: executor.endsWith('arrival-rate') ? 'open' : 'closed',
        sent,
        completed: sent,
        errors,
        timeouts,
        dropped,
        // k6 does not report how late an iteration started; it drops instead of queueing (see `dropped`).
        late: 0,
        maxLateMs: 0,
        // The k6 counterpart of "the generator could not keep up": more than 1% of due iterations dropped.
        saturated: sent + dropped > 0 && dropped / (sent + dropped) > 0.01,
        latencyMs,
      };
      return { windows, summary, metrics, httpReqs, skippedLines };
    },
  };
}

/** Parses one or more NDJSON files (several runners' outputs merge exactly), or lines from any async source, streaming. */
export async function parseK6Output(
  source: string | readonly string[] | AsyncIterable<string>,
  options: K6OutputOptions = {},
): Promise<K6ParseResult> {
  const parser = createK6OutputParser(options);
  const sources: Array<string | AsyncIterable<string>> =
    typeof source === 'string'
      ? [source]
      : Array.isArray(source)
        ? [...source]
        : [source as AsyncIterable<string>];
  for (const item of sources) {
    if (typeof item === 'string') {
      const stream = createReadStream(item, { encoding: 'utf8' });
      const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
      try {
        for await (const line of lines) parser.push(line);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
          throw new FiredrillError('FD_USAGE', `k6 output file not found: ${item}`, { cause: error });
        }
        throw error;
      } finally {
        lines.close();
        stream.destroy();
      }
    } else {
      for await (const line of item) parser.push(line);
    }
  }
  return parser.finish();
}

/** One threshold of k6's `--summary-export` file. */
export interface K6ThresholdResult {
  metric: string;
  expression: string;
  passed: boolean;
}

/**
 * Threshold results from k6's legacy `--summary-export` JSON: under `metrics.<name>.thresholds`, each
 * expression maps to whether it FAILED (`{"p(99)<500": false}` means it passed).
 */
export function parseK6SummaryExport(json: unknown): { thresholds: K6ThresholdResult[]; passed: boolean } {
  if (!isRecord(json) || !isRecord(json.metrics)) {
    throw new FiredrillError('FD_USAGE', 'not a k6 --summary-export file (no "metrics" object)');
  }
  const thresholds: K6ThresholdResult[] = [];
  for (const [metric, body] of Object.entries(json.metrics)) {
    if (!isRecord(body) || !isRecord(body.thresholds)) continue;
    for (const [expression, failed] of Object.entries(body.thresholds)) {
      thresholds.push({ metric, expression, passed: failed === false });
    }
  }
  return { thresholds, passed: thresholds.every((t) => t.passed) };
}
