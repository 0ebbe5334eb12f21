import { sleep } from '../core/clock.ts';
import { formatError } from '../core/errors.ts';
import { alertLabels, instanceKey } from './labels.ts';
import type { PrometheusClient } from './prometheus-client.ts';
import type { AlertObservation, BlindPeriod } from './types.ts';

export interface AlertWatcherOptions {
  client: Pick<PrometheusClient, 'alerts'>;
  /** Poll period, ms (default 250). */
  intervalMs?: number;
  /** Only these alert names (default: every alert). */
  alertNames?: readonly string[];
  /** Called on every state change of an alert instance, in order. Never called concurrently; do not block. */
  onObservation: (observation: AlertObservation) => void;
  /** Called when Prometheus could not be read (or Alertmanager was not ready), once the span is over (next success, or stop). */
  onBlind: (period: BlindPeriod) => void;
  signal?: AbortSignal;
  /** Epoch-ms clock shared with the run. */
  now: () => number;
  /**
   * Alertmanager, whose readiness is checked every `alertmanagerEveryPolls` polls (default 4, i.e. about
   * once a second): while it does not answer ready, a blind period of backend `alertmanager` is open (the
   * judge then cannot tell a missed notification from one nobody could send).
   */
  alertmanager?: { ready(): Promise<boolean> };
  alertmanagerEveryPolls?: number;
}

export interface AlertWatcher {
  /** Stops polling, closes any open blind period and resolves when the last poll is done. */
  stop(): Promise<void>;
}

interface Seen {
  state: 'pending' | 'firing';
  activeAt: string | undefined;
  name: string;
  labels: Record<string, string>;
}

/**
 * Polls `/api/v1/alerts` and reports state changes per alert instance (name + sorted labels).
 * Pending observations carry `since = activeAt` (exact); firing ones carry the poll time at which the
 * instance was first seen firing, an upper bound (the exact time comes later from `readAlertsSeries`).
 * An instance that disappears is reported `inactive` at the poll time. Failed polls open a blind period
 * that lasts from the first failure to the next success.
 */
export function startAlertWatcher(options: AlertWatcherOptions): AlertWatcher {
  const intervalMs = options.intervalMs ?? 250;
  const names = options.alertNames ? new Set(options.alertNames) : undefined;
  const stopper = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stopper.signal]) : stopper.signal;
  const seen = new Map<string, Seen>();
  let blind: { fromAt: number; reason: string } | undefined;
  let alertmanagerBlind: { fromAt: number; reason: string } | undefined;
  let polls = 0;
  const alertmanagerEvery = options.alertmanagerEveryPolls ?? 4;
  const checkAlertmanager = async () => {
    if (!options.alertmanager) return;
    const startedAt = options.now();
    const ready = await options.alertmanager.ready().catch(() => false);
    if (signal.aborted) return;
    if (!ready && !alertmanagerBlind) {
      alertmanagerBlind = { fromAt: startedAt, reason: 'Alertmanager did not answer ready' };
    } else if (ready && alertmanagerBlind) {
      options.onBlind({ backend: 'alertmanager', ...alertmanagerBlind, toAt: options.now() });
      alertmanagerBlind = undefined;
    }
  };

  const emit = (observation: AlertObservation) => options.onObservation(observation);

  const poll = async () => {
    const startedAt = options.now();
    let alerts: Awaited<ReturnType<PrometheusClient['alerts']>>;
    try {
      alerts = await options.client.alerts(signal);
    } catch (error) {
      if (signal.aborted) return;
      if (!blind) blind = { fromAt: startedAt, reason: formatError(error) };
      return;
    }
    const at = options.now();
    if (blind) {
      options.onBlind({ backend: 'prometheus', fromAt: blind.fromAt, toAt: at, reason: blind.reason });
      blind = undefined;
    }
    const current = new Set<string>();
    for (const alert of alerts) {
      const name = alert.labels.alertname ?? '';
      if (names && !names.has(name)) continue;
      if (alert.state !== 'pending' && alert.state !== 'firing') continue;
      const labels = alertLabels(alert.labels);
      const key = instanceKey(name, labels);
      current.add(key);
      const before = seen.get(key);
      const activeAtMs = alert.activeAt ? Date.parse(alert.activeAt) : Number.NaN;
      if (before && before.activeAt !== alert.activeAt) {
        // A new episode between two polls: the old one ended unseen.
        emit({ name, labels, state: 'inactive', since: at, source: 'api' });
      } else if (before && before.state === alert.state) {
        continue;
      }
      seen.set(key, { state: alert.state, activeAt: alert.activeAt, name, labels });
      const since = alert.state === 'pending' && Number.isFinite(activeAtMs) ? activeAtMs : at;
      emit({ name, labels, state: alert.state, since, source: 'api' });
    }
    for (const [key, before] of seen) {
      if (current.has(key)) continue;
      seen.delete(key);
      emit({ name: before.name, labels: before.labels, state: 'inactive', since: at, source: 'api' });
    }
  };

  const loop = (async () => {
    while (!signal.aborted) {
      const started = options.now();
      await poll();
      if (polls++ % alertmanagerEvery === 0) await checkAlertmanager();
      try {
        await sleep(intervalMs - (options.now() - started), signal);
      } catch {
        break;
      }
    }
  })();

  return {
    async stop() {
      stopper.abort();
      await loop;
      if (blind) {
        options.onBlind({
          backend: 'prometheus',
          fromAt: blind.fromAt,
          toAt: options.now(),
          reason: blind.reason,
        });
        blind = undefined;
      }
      if (alertmanagerBlind) {
        options.onBlind({ backend: 'alertmanager', ...alertmanagerBlind, toAt: options.now() });
        alertmanagerBlind = undefined;
      }
    },
  };
}

export interface ReadAlertsSeriesOptions {
  /** The rule group's evaluation interval, ms; inferred from sample spacing when left out. */
  evaluationIntervalMs?: number;
}

/**
 * Exact pending/firing start times and ends from raw `ALERTS` samples between `fromAt` and `toAt`
 * (instant query of a range selector at `toAt`). Each state's run of samples gives an observation at its
 * first sample; a run that stops more than two evaluation intervals before the next one (or before `toAt`)
 * ends with `inactive` one evaluation after its last sample (the evaluation that no longer saw it).
 */
export async function readAlertsSeries(
  client: Pick<PrometheusClient, 'query'>,
  alertNames: readonly string[],
  fromAt: number,
  toAt: number,
  options: ReadAlertsSeriesOptions = {},
): Promise<AlertObservation[]> {
  if (alertNames.length === 0) return [];
  const rangeSeconds = Math.max(1, Math.ceil((toAt - fromAt) / 1000));
  const matcher = [...new Set(alertNames)].map(escapeRegex).join('|');
  const result = await client.query(`ALERTS{alertname=~"${matcher}"}[${rangeSeconds}s]`, toAt);
  if (result.resultType !== 'matrix') return [];

  // Group runs per instance: the same labels, both states.
  const byInstance = new Map<
    string,
    {
      name: string;
      labels: Record<string, string>;
      samples: Array<{ t: number; state: 'pending' | 'firing' }>;
    }
  >();
  let minSpacing = Number.POSITIVE_INFINITY;
  for (const series of result.result) {
    const state = series.metric.alertstate;
    if (state !== 'pending' && state !== 'firing') continue;
    const name = series.metric.alertname ?? '';
    const labels = alertLabels(series.metric);
    const key = instanceKey(name, labels);
    const entry = byInstance.get(key) ?? { name, labels, samples: [] };
    byInstance.set(key, entry);
    let previous: number | undefined;
    for (const [seconds] of series.values) {
      const t = Math.round(seconds * 1000);
      entry.samples.push({ t, state });
      if (previous !== undefined && t > previous) minSpacing = Math.min(minSpacing, t - previous);
      previous = t;
    }
  }
  const evalMs = options.evaluationIntervalMs ?? (Number.isFinite(minSpacing) ? minSpacing : 1000);
  const gapMs = 2 * evalMs;

  const observations: AlertObservation[] = [];
  for (const { name, labels, samples } of byInstance.values()) {
    samples.sort((a, b) => a.t - b.t);
    let run: { state: 'pending' | 'firing'; last: number } | undefined;
    for (const sample of samples) {
      const continues = run !== undefined && sample.t - run.last <= gapMs;
      if (run && !continues) {
        observations.push({
          name,
          labels: { ...labels },
          state: 'inactive',
          since: run.last + evalMs,
          source: 'alerts-series',
        });
        run = undefined;
      }
      if (!run || run.state !== sample.state) {
        observations.push({
          name,
          labels: { ...labels },
          state: sample.state,
          since: sample.t,
          source: 'alerts-series',
        });
      }
      run = { state: sample.state, last: sample.t };
    }
    if (run && toAt - run.last > gapMs) {
      observations.push({
        name,
        labels: { ...labels },
        state: 'inactive',
        since: run.last + evalMs,
        source: 'alerts-series',
      });
    }
  }
  return observations.sort((a, b) => a.since - b.since);
}

/** Escapes a literal for a regex matcher inside a double-quoted PromQL string. */
function escapeRegex(text: string): string {
  const regex = text.replace(/[\\.^$|?*+()[\]{}]/g, '\\$&');
  return regex.replace(/[\\"]/g, '\\$&');
}
