import type { Agent } from 'undici';
import { parse as parseYaml } from 'yaml';
import { FiredrillError } from '../core/errors.ts';
import { callJson, createAgent, type HttpOptions, readyProbe, trimBase } from './http.ts';
import { parsePromDuration } from './rules.ts';

/** Alertmanager's route defaults when the configuration leaves them out. */
export const DEFAULT_GROUP_WAIT_MS = 30_000;
export const DEFAULT_GROUP_INTERVAL_MS = 300_000;
export const DEFAULT_REPEAT_INTERVAL_MS = 4 * 3_600_000;

export interface AlertmanagerStatus {
  version: string | null;
  /** The root route's timings (inherited by child routes that do not override them). */
  groupWaitMs: number;
  groupIntervalMs: number;
  repeatIntervalMs: number;
  /** The smallest group_wait on any route: the safe lower bound when the matching route is unknown. */
  minGroupWaitMs: number;
  /** The loaded configuration as YAML text. */
  original: string;
}

export interface AlertmanagerClientOptions {
  url: string;
  bearerToken?: string;
  timeoutMs?: number;
}

export interface AlertmanagerClient {
  readonly url: string;
  status(): Promise<AlertmanagerStatus>;
  ready(): Promise<boolean>;
  close(): Promise<void>;
}

interface RouteDoc {
  group_wait?: string;
  group_interval?: string;
  repeat_interval?: string;
  routes?: RouteDoc[];
}

export function createAlertmanagerClient(options: AlertmanagerClientOptions): AlertmanagerClient {
  const agent: Agent = createAgent();
  const http: HttpOptions = {
    backend: 'Alertmanager',
    baseUrl: trimBase(options.url),
    agent,
    timeoutMs: options.timeoutMs ?? 2_000,
    bearerToken: options.bearerToken,
  };
  return {
    url: http.baseUrl,
    async status() {
      const body = await callJson<{ config?: { original?: string }; versionInfo?: { version?: string } }>(
        http,
        '/api/v2/status',
      );
      const original = body?.config?.original ?? '';
      try {
        return { ...routeTimings(original), version: body?.versionInfo?.version ?? null, original };
      } catch (error) {
        throw new FiredrillError(
          'FD_BACKEND_UNREACHABLE',
          `Alertmanager at ${http.baseUrl} returned a config that is not YAML`,
          {
            hint: 'is this an Alertmanager v0.16+ serving /api/v2/status?',
            cause: error,
          },
        );
      }
    },
    ready: () => readyProbe(http),
    close: () => agent.close(),
  };
}

/** Pure: route timings from an Alertmanager configuration (YAML text), with Alertmanager's defaults. */
export function routeTimings(configYaml: string): Omit<AlertmanagerStatus, 'version' | 'original'> {
  const doc = (parseYaml(configYaml) ?? {}) as { route?: RouteDoc };
  const root = doc.route ?? {};
  const ms = (text: string | undefined, fallback: number) =>
    text === undefined ? fallback : (parsePromDuration(text) ?? fallback);
  const groupWaitMs = ms(root.group_wait, DEFAULT_GROUP_WAIT_MS);
  let minGroupWaitMs = groupWaitMs;
  const walk = (route: RouteDoc, inherited: number) => {
    const own = ms(route.group_wait, inherited);
    minGroupWaitMs = Math.min(minGroupWaitMs, own);
    for (const child of route.routes ?? []) walk(child, own);
  };
  walk(root, DEFAULT_GROUP_WAIT_MS);
  return {
    groupWaitMs,
    groupIntervalMs: ms(root.group_interval, DEFAULT_GROUP_INTERVAL_MS),
    repeatIntervalMs: ms(root.repeat_interval, DEFAULT_REPEAT_INTERVAL_MS),
    minGroupWaitMs,
  };
}
