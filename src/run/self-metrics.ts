import type { RequestListener } from 'node:http';
import { Counter, Gauge, Registry } from 'prom-client';
import { type HeldListener, holdListener } from '../core/held-listener.ts';
import { decodeHistogram, summarizeHistogram, type TrafficWindow } from '../traffic/index.ts';

/**
 * firedrill's own state as Prometheus metrics, scraped (job `firedrill`) during a run so dashboards can
 * annotate faults and phases: `firedrill_fault_active{run_id,fault_id,kind}` is 1 while a fault is active,
 * `firedrill_phase{run_id,phase}` is 1 for the current phase, `firedrill_run_info{run_id,scenario}` is 1.
 *
 * Traffic, one update per completed one-second window (a window completes once every request intended in it
 * has ended, so these lag real time by up to the request timeout):
 * `firedrill_requests_total{run_id,outcome}` (ok, http_error, network_error, timeout, wrong_answer),
 * `firedrill_sends_late_total` / `firedrill_sends_dropped_total`, and the last window's latency from intended
 * start of its successful requests, `firedrill_window_latency_seconds{run_id,quantile}` (0.5, 0.9, 0.99, 1;
 * NaN when it had none), with `firedrill_window_start_seconds` (epoch s of that window).
 *
 * The endpoint is read-only: GET and HEAD `/metrics`; any other method gets 405 (nothing can be pushed in).
 */
export interface SelfMetrics {
  readonly url: string;
  setFault(faultId: string, kind: string, active: boolean): void;
  setPhase(phase: string): void;
  recordWindow(window: TrafficWindow): void;
  close(): Promise<void>;
}

/** `firedrill_requests_total` outcomes, and each one's count in a window. */
const OUTCOMES: ReadonlyArray<[string, (window: TrafficWindow) => number]> = [
  ['ok', (w) => w.ok],
  ['http_error', (w) => w.httpErrors],
  ['network_error', (w) => w.networkErrors],
  ['timeout', (w) => w.timeouts],
  ['wrong_answer', (w) => w.wrongAnswers ?? 0],
];

export async function startSelfMetrics(options: {
  host: string;
  port: number;
  /** A port the stack holds: the metrics borrow it (host and port are then its) instead of listening. */
  listener?: HeldListener | undefined;
  runId: string;
  scenario: string;
}): Promise<SelfMetrics> {
  const registry = new Registry();
  const faultActive = new Gauge({
    name: 'firedrill_fault_active',
    help: '1 while firedrill holds the fault injected, 0 after it was reverted.',
    labelNames: ['run_id', 'fault_id', 'kind'] as const,
    registers: [registry],
  });
  const phase = new Gauge({
    name: 'firedrill_phase',
    help: '1 for the game day phase firedrill is in (baseline, fault, recovery, observe).',
    labelNames: ['run_id', 'phase'] as const,
    registers: [registry],
  });
  const runInfo = new Gauge({
    name: 'firedrill_run_info',
    help: 'Always 1 while a firedrill run is in progress; labels name the run.',
    labelNames: ['run_id', 'scenario'] as const,
    registers: [registry],
  });
  runInfo.set({ run_id: options.runId, scenario: options.scenario }, 1);
  const requests = new Counter({
    name: 'firedrill_requests_total',
    help: 'Requests firedrill finished, by outcome (counted per completed one-second window of intended start).',
    labelNames: ['run_id', 'outcome'] as const,
    registers: [registry],
  });
  const late = new Counter({
    name: 'firedrill_sends_late_total',
    help: 'Sends that left more than 1 ms after their intended time.',
    labelNames: ['run_id'] as const,
    registers: [registry],
  });
  const dropped = new Counter({
    name: 'firedrill_sends_dropped_total',
    help: 'Sends the schedule called for and firedrill never made (queued at the end of the run).',
    labelNames: ['run_id'] as const,
    registers: [registry],
  });
  const windowLatency = new Gauge({
    name: 'firedrill_window_latency_seconds',
    help: "Latency from intended start of the last completed window's successful requests, by quantile.",
    labelNames: ['run_id', 'quantile'] as const,
    registers: [registry],
  });
  const windowStart = new Gauge({
    name: 'firedrill_window_start_seconds',
    help: 'Start (epoch seconds) of the window firedrill_window_latency_seconds describes.',
    labelNames: ['run_id'] as const,
    registers: [registry],
  });
  const run = { run_id: options.runId };
  for (const [outcome] of OUTCOMES) {
    requests.inc({ ...run, outcome }, 0); // every series exists from the start (rate() needs a first sample)
  }
  late.inc(run, 0);
  dropped.inc(run, 0);
  let currentPhase: string | undefined;

  // Read-only: GET and HEAD (HEAD gets the headers, no body); any other method is 405, whatever the path.
  const serve: RequestListener = (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      req.resume();
      res.writeHead(405, { 'content-type': 'text/plain', allow: 'GET, HEAD' });
      res.end('firedrill metrics are read-only: GET /metrics\n');
      return;
    }
    if (req.url === '/metrics') {
      registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': registry.contentType });
          res.end(text);
        },
        () => {
          res.writeHead(500);
          res.end();
        },
      );
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found\n');
  };
  const { url, close } = await listen(serve, options);
  return {
    url,
    setFault(faultId, kind, active) {
      faultActive.set({ run_id: options.runId, fault_id: faultId, kind }, active ? 1 : 0);
    },
    setPhase(name) {
      if (name === currentPhase) return;
      if (currentPhase !== undefined) phase.set({ run_id: options.runId, phase: currentPhase }, 0);
      phase.set({ run_id: options.runId, phase: name }, 1);
      currentPhase = name;
    },
    recordWindow(window) {
      for (const [outcome, count] of OUTCOMES) requests.inc({ ...run, outcome }, count(window));
      late.inc(run, window.late);
      dropped.inc(run, window.dropped);
      const histogram = decodeHistogram(window.okHistogram);
      const summary = summarizeHistogram(histogram);
      histogram.destroy();
      const quantiles: Array<[string, number]> = [
        ['0.5', summary.p50],
        ['0.9', summary.p90],
        ['0.99', summary.p99],
        ['1', summary.max],
      ];
      for (const [quantile, ms] of quantiles) {
        windowLatency.set({ ...run, quantile }, summary.count === 0 ? Number.NaN : ms / 1000);
      }
      windowStart.set(run, window.startAt / 1000);
    },
    close,
  };
}

/** Serves `serve` on the held listener, or on a port of its own at host:port for as long as it serves. */
async function listen(
  serve: RequestListener,
  options: { host: string; port: number; listener?: HeldListener | undefined },
): Promise<{ url: string; close: () => Promise<void> }> {
  const listener = options.listener ?? (await holdListener(options.host, options.port, 'closed'));
  const own = listener === options.listener ? undefined : listener;
  const giveBack = listener.lend(serve);
  return {
    url: `http://${listener.host}:${listener.port}/metrics`,
    close: async () => {
      giveBack();
      await own?.close();
    },
  };
}
