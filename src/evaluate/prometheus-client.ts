import type { Agent } from 'undici';
import { parse as parseYaml } from 'yaml';
import { FiredrillError } from '../core/errors.ts';
import { callEnvelope, createAgent, type HttpOptions, readyProbe, trimBase } from './http.ts';

/** `/api/v1/alerts` element. */
export interface ApiAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: 'pending' | 'firing' | 'inactive';
  /** RFC3339; absent on some compatible backends for inactive alerts. */
  activeAt?: string;
  keepFiringSince?: string;
  value: string;
}

export interface ApiAlertingRule {
  type: 'alerting';
  name: string;
  query: string;
  /** `for`, seconds. */
  duration: number;
  /** `keep_firing_for`, seconds (absent before 2.42). */
  keepFiringFor?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  state?: string;
  health?: string;
  lastError?: string;
  alerts?: ApiAlert[];
}

export interface ApiRecordingRule {
  type: 'recording';
  name: string;
  query: string;
  labels?: Record<string, string>;
  health?: string;
  lastError?: string;
}

export interface ApiRuleGroup {
  name: string;
  file: string;
  /** Effective evaluation interval, seconds. */
  interval: number;
  rules: Array<ApiAlertingRule | ApiRecordingRule>;
}

/** The parts of the loaded Prometheus configuration firedrill reads (the rest is kept as parsed). */
export interface PrometheusConfigDoc {
  global?: { scrape_interval?: string; evaluation_interval?: string; [key: string]: unknown };
  scrape_configs?: Array<{ job_name?: string; scrape_interval?: string; [key: string]: unknown }>;
  rule_files?: string[];
  [key: string]: unknown;
}

export type MetricLabels = Record<string, string>;
export type SampleValue = [number, string];
export type QueryResult =
  | { resultType: 'vector'; result: Array<{ metric: MetricLabels; value: SampleValue }> }
  | { resultType: 'matrix'; result: Array<{ metric: MetricLabels; values: SampleValue[] }> }
  | { resultType: 'scalar'; result: SampleValue }
  | { resultType: 'string'; result: SampleValue };

/** One series of a range query, times in epoch ms (converted from Prometheus' float seconds). */
export interface RangeSeries {
  metric: MetricLabels;
  /** [epoch ms, value as Prometheus wrote it ("1", "NaN", "+Inf")]. */
  points: Array<[number, string]>;
}

export interface PrometheusClientOptions {
  /** Base URL like http://127.0.0.1:9090 (any Prometheus-API-compatible backend). */
  url: string;
  /** Sent as `Authorization: Bearer …`; never logged or put into errors. */
  bearerToken?: string;
  /** Per-call timeout, ms (default 2000). */
  timeoutMs?: number;
}

export interface PrometheusClient {
  readonly url: string;
  alerts(signal?: AbortSignal): Promise<ApiAlert[]>;
  rules(): Promise<ApiRuleGroup[]>;
  /** Names of the loaded alerting rules, sorted and unique (for "did you mean" hints). */
  alertRuleNames(): Promise<string[]>;
  /** The loaded configuration, parsed from `/api/v1/status/config`. */
  config(): Promise<PrometheusConfigDoc>;
  /** Instant query at `time` (epoch ms; default: the server's now). */
  query(promql: string, time?: number): Promise<QueryResult>;
  /**
   * Range query on `/api/v1/query_range`: the expression evaluated at startMs, startMs + stepMs, … ≤ endMs
   * (epoch ms); each series' points as [epoch ms, value]. Throws FD_BACKEND_UNREACHABLE on any failure.
   */
  queryRange(promql: string, startMs: number, endMs: number, stepMs: number): Promise<RangeSeries[]>;
  /** True when `/-/ready` answers 200; false on any other answer or when unreachable. */
  ready(): Promise<boolean>;
  /** Closes the client's own connection pool. */
  close(): Promise<void>;
}

export function createPrometheusClient(options: PrometheusClientOptions): PrometheusClient {
  const agent: Agent = createAgent();
  const http: HttpOptions = {
    backend: 'Prometheus',
    baseUrl: trimBase(options.url),
    agent,
    timeoutMs: options.timeoutMs ?? 2_000,
    bearerToken: options.bearerToken,
  };
  const rules = async () => {
    const data = await callEnvelope<{ groups?: ApiRuleGroup[] }>(http, '/api/v1/rules');
    return data?.groups ?? [];
  };
  return {
    url: http.baseUrl,
    async alerts(signal) {
      const data = await callEnvelope<{ alerts?: ApiAlert[] }>(
        http,
        '/api/v1/alerts',
        signal ? { signal } : {},
      );
      return data?.alerts ?? [];
    },
    rules,
    async alertRuleNames() {
      const groups = await rules();
      const names = groups.flatMap((group) =>
        group.rules.filter((rule) => rule.type === 'alerting').map((rule) => rule.name),
      );
      return [...new Set(names)].sort();
    },
    async config() {
      const data = await callEnvelope<{ yaml?: string }>(http, '/api/v1/status/config');
      try {
        const parsed: unknown = parseYaml(data?.yaml ?? '');
        return (parsed && typeof parsed === 'object' ? parsed : {}) as PrometheusConfigDoc;
      } catch (error) {
        throw new FiredrillError(
          'FD_BACKEND_UNREACHABLE',
          `Prometheus at ${http.baseUrl} returned a config that is not YAML`,
          {
            hint: 'is this a Prometheus-compatible backend that serves /api/v1/status/config?',
            cause: error,
          },
        );
      }
    },
    async query(promql, time) {
      const form: Record<string, string> = { query: promql };
      if (time !== undefined) form.time = (time / 1000).toFixed(3);
      return callEnvelope<QueryResult>(http, '/api/v1/query', { method: 'POST', form });
    },
    async queryRange(promql, startMs, endMs, stepMs) {
      const form = {
        query: promql,
        start: (startMs / 1000).toFixed(3),
        end: (endMs / 1000).toFixed(3),
        step: (stepMs / 1000).toFixed(3),
      };
      const data = await callEnvelope<QueryResult>(http, '/api/v1/query_range', { method: 'POST', form });
      if (data?.resultType !== 'matrix') {
        throw new FiredrillError(
          'FD_BACKEND_UNREACHABLE',
          `Prometheus at ${http.baseUrl}/api/v1/query_range answered a ${data?.resultType ?? 'missing'} result, not a matrix`,
          { hint: 'is this a Prometheus-compatible backend that serves range queries?' },
        );
      }
      return data.result.map((series) => ({
        metric: series.metric,
        points: series.values.map(([t, value]): [number, string] => [Math.round(t * 1000), value]),
      }));
    },
    ready: () => readyProbe(http),
    close: () => agent.close(),
  };
}
