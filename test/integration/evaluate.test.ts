/**
 * The evaluator against a real Prometheus 2.42 and Alertmanager 0.25 on loopback: a tiny exporter serves a
 * gauge the test flips; a rule (`interval: 1s`, `for: 2s`) alerts on it; Alertmanager (group_wait 0s,
 * group_interval 1s) posts to firedrill's webhook receiver. Every wait polls until a deadline.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AlertObservation,
  type BlindPeriod,
  buildAlertRecords,
  computeFloor,
  createAlertmanagerClient,
  createPrometheusClient,
  type DetectionFloor,
  judge,
  latenessWarning,
  loadRuleTimings,
  type Notification,
  type PrometheusClient,
  readAlertsSeries,
  readPrometheusLateness,
  startAlertWatcher,
  startWebhookReceiver,
  type WebhookReceiver,
} from '../../src/evaluate/index.ts';
import { planScenario } from '../../src/scenario/plan.ts';
import { parseScenarioOrThrow } from '../../src/scenario/validate.ts';

const PROMETHEUS = process.env.FIREDRILL_PROMETHEUS_BIN ?? '/usr/bin/prometheus';
const ALERTMANAGER = process.env.FIREDRILL_ALERTMANAGER_BIN ?? '/usr/bin/prometheus-alertmanager';
const ALERT = 'FdGaugeHigh';
const QUIET = 'FdNeverFires';

async function until<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs}ms waiting for ${what}${lastError ? ` (last error: ${String(lastError)})` : ''}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

function start(bin: string, args: string[], logFile: string): ChildProcess {
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const chunks: Buffer[] = [];
  child.stdout?.on('data', (c: Buffer) => chunks.push(c));
  child.stderr?.on('data', (c: Buffer) => chunks.push(c));
  child.on('exit', () => void writeFile(logFile, Buffer.concat(chunks)).catch(() => {}));
  (child as ChildProcess & { log: () => string }).log = () => Buffer.concat(chunks).toString('utf8');
  return child;
}

async function stop(child: ChildProcess | undefined) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

const logOf = (child: ChildProcess | undefined) =>
  (child as (ChildProcess & { log?: () => string }) | undefined)?.log?.().slice(-3000) ?? '';

describe('evaluate against real Prometheus and Alertmanager', () => {
  let dir: string;
  let exporter: Server;
  let gauge = 0;
  let receiver: WebhookReceiver;
  let prometheusProc: ChildProcess | undefined;
  let alertmanagerProc: ChildProcess | undefined;
  let prom: PrometheusClient;
  let amUrl: string;
  const notifications: Notification[] = [];
  // Alertmanager sends it inline here (http_config.authorization.credentials); the embedded stack uses a file.
  const webhookSecret = 'evaluate-test-webhook-secret';
  const rejected: unknown[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'firedrill-evaluate-'));
    exporter = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      res.end(
        `# HELP fd_test_gauge A gauge the test flips.\n# TYPE fd_test_gauge gauge\nfd_test_gauge ${gauge}\n`,
      );
    });
    await new Promise<void>((resolve) => exporter.listen(0, '127.0.0.1', resolve));
    const exporterPort = (exporter.address() as AddressInfo).port;
    receiver = await startWebhookReceiver({
      host: '127.0.0.1',
      port: 0,
      now: Date.now,
      secret: webhookSecret,
      onNotification: (n) => notifications.push(n),
      onRejected: (r) => rejected.push(r),
    });

    const [promPort, amPort] = [await freePort(), await freePort()];
    amUrl = `http://127.0.0.1:${amPort}`;
    await writeFile(
      join(dir, 'alertmanager.yml'),
      [
        'route:',
        '  receiver: firedrill',
        '  group_by: [alertname]',
        '  group_wait: 0s',
        '  group_interval: 1s',
        '  repeat_interval: 1h',
        'receivers:',
        '  - name: firedrill',
        '    webhook_configs:',
        `      - url: ${receiver.url}`,
        '        send_resolved: true',
        `        http_config: { authorization: { type: Bearer, credentials: ${webhookSecret} } }`,
        '',
      ].join('\n'),
    );
    await writeFile(
      join(dir, 'rules.yml'),
      [
        'groups:',
        '  - name: firedrill-test',
        '    interval: 1s',
        '    rules:',
        `      - alert: ${ALERT}`,
        '        expr: fd_test_gauge > 0',
        '        for: 2s',
        '        labels: { severity: page }',
        `      - alert: ${QUIET}`,
        '        expr: fd_test_gauge > 100',
        '',
      ].join('\n'),
    );
    await writeFile(
      join(dir, 'prometheus.yml'),
      [
        'global: { scrape_interval: 1s, evaluation_interval: 1s }',
        `rule_files: [${join(dir, 'rules.yml')}]`,
        'alerting:',
        '  alertmanagers:',
        `    - static_configs: [{ targets: ["127.0.0.1:${amPort}"] }]`,
        'scrape_configs:',
        '  - job_name: exporter',
        '    scrape_interval: 1s',
        `    static_configs: [{ targets: ["127.0.0.1:${exporterPort}"] }]`,
        // Prometheus's own metrics: its missed rule evaluations (see the lateness test).
        '  - job_name: prometheus',
        '    scrape_interval: 1s',
        `    static_configs: [{ targets: ["127.0.0.1:${promPort}"] }]`,
        '',
      ].join('\n'),
    );
    alertmanagerProc = start(
      ALERTMANAGER,
      [
        `--config.file=${join(dir, 'alertmanager.yml')}`,
        `--storage.path=${join(dir, 'am-data')}`,
        `--web.listen-address=127.0.0.1:${amPort}`,
        '--cluster.listen-address=',
      ],
      join(dir, 'alertmanager.log'),
    );
    prometheusProc = start(
      PROMETHEUS,
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'prom-data')}`,
        `--web.listen-address=127.0.0.1:${promPort}`,
        '--web.enable-lifecycle',
      ],
      join(dir, 'prometheus.log'),
    );
    prom = createPrometheusClient({ url: `http://127.0.0.1:${promPort}` });
    const am = createAlertmanagerClient({ url: amUrl });
    try {
      await until('Prometheus ready', async () => ((await prom.ready()) ? true : undefined), 20_000);
      await until('Alertmanager ready', async () => ((await am.ready()) ? true : undefined), 20_000);
      // The exporter is scraped and the rule has been evaluated with the gauge at 0.
      await until(
        'the exporter scraped',
        async () => {
          const result = await prom.query('fd_test_gauge');
          return result.resultType === 'vector' && result.result.length === 1 ? true : undefined;
        },
        15_000,
      );
    } catch (error) {
      throw new Error(
        `${String(error)}\n--- prometheus log ---\n${logOf(prometheusProc)}\n--- alertmanager log ---\n${logOf(alertmanagerProc)}`,
      );
    } finally {
      await am.close();
    }
  });

  afterAll(async () => {
    await Promise.all([stop(prometheusProc), stop(alertmanagerProc)]);
    await prom?.close();
    await receiver?.close();
    exporter?.closeAllConnections();
    await new Promise((resolve) => (exporter ? exporter.close(resolve) : resolve(undefined)));
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('reads rule timings and route timings from the loaded configuration', async () => {
    const { timings, missing } = await loadRuleTimings(prom, [ALERT, QUIET, 'NoSuchAlert']);
    expect(missing).toEqual(['NoSuchAlert']);
    expect(timings.find((t) => t.alert === ALERT)).toMatchObject({
      group: 'firedrill-test',
      evaluationIntervalMs: 1000,
      forMs: 2000,
      keepFiringForMs: 0,
      scrapeIntervalMs: 1000,
      query: 'fd_test_gauge > 0',
    });
    const am = createAlertmanagerClient({ url: amUrl });
    try {
      expect(await am.status()).toMatchObject({ groupWaitMs: 0, groupIntervalMs: 1000, version: '0.25.0' });
    } finally {
      await am.close();
    }
  });

  it('watches, times, notifies and judges a real alert from flip to resolution', async () => {
    const observations: AlertObservation[] = [];
    const blind: BlindPeriod[] = [];
    const startedAt = Date.now();
    const watcher = startAlertWatcher({
      client: prom,
      intervalMs: 250,
      alertNames: [ALERT, QUIET],
      now: Date.now,
      onObservation: (o) => observations.push(o),
      onBlind: (b) => blind.push(b),
    });
    const seen = (state: AlertObservation['state'], after = 0) =>
      observations.find((o) => o.name === ALERT && o.state === state && o.since >= after);
    let flipAt = 0;
    let revertAt = 0;
    let series: AlertObservation[] = [];
    try {
      await new Promise((resolve) => setTimeout(resolve, 1500)); // a baseline with the gauge at 0
      flipAt = Date.now();
      gauge = 1;
      await until('the watcher to see firing', () => seen('firing'), 15_000);
      await until(
        'the firing webhook',
        () => notifications.find((n) => n.name === ALERT && n.status === 'firing'),
        10_000,
      );
      revertAt = Date.now();
      gauge = 0;
      await until('the watcher to see it go', () => seen('inactive', revertAt), 10_000);
      await until(
        'the resolved webhook',
        () => notifications.find((n) => n.name === ALERT && n.status === 'resolved'),
        10_000,
      );
      expect(rejected, "Alertmanager's notifications carry the secret").toEqual([]);
      // The series shows an end once more than two evaluations have passed without a sample.
      series = await until(
        'the ALERTS series to show the resolution',
        async () => {
          const found = await readAlertsSeries(prom, [ALERT, QUIET], startedAt - 60_000, Date.now(), {
            evaluationIntervalMs: 1000,
          });
          return found.some((o) => o.state === 'inactive' && o.since >= revertAt) ? found : undefined;
        },
        10_000,
      );
    } finally {
      gauge = 0;
      await watcher.stop();
    }
    const endedAt = Date.now();

    expect(blind).toEqual([]);
    // The watcher saw pending, then firing, then the disappearance.
    const apiStates = observations.filter((o) => o.name === ALERT).map((o) => o.state);
    expect(apiStates).toEqual(['pending', 'firing', 'inactive']);

    // Exact times from ALERTS: firing exactly `for` after pending; pending within one scrape + one evaluation of the flip.
    const pending = series.find((o) => o.state === 'pending');
    const firing = series.find((o) => o.state === 'firing');
    const ended = series.find((o) => o.state === 'inactive');
    expect(pending && firing && ended).toBeTruthy();
    const pendingAt = pending?.since as number;
    const firingAt = firing?.since as number;
    expect(firing?.labels).toEqual({
      instance: expect.stringMatching(/^127\.0\.0\.1:\d+$/),
      job: 'exporter',
      severity: 'page',
    });
    expect(firingAt - pendingAt).toBe(2000);
    expect(pendingAt - flipAt).toBeGreaterThan(0);
    expect(pendingAt - flipAt).toBeLessThanOrEqual(2000 + 100); // S + E, plus clock slack
    expect(Math.abs(firingAt - (flipAt + 2000 + (pendingAt - flipAt)))).toBeLessThan(1500);
    // Polling bounds the firing time from above.
    const apiFiring = seen('firing')?.since as number;
    expect(apiFiring).toBeGreaterThanOrEqual(firingAt);
    expect(apiFiring - firingAt).toBeLessThan(1500);
    // Alertmanager's startsAt is Prometheus' firing time.
    const firingNote = notifications.find((n) => n.name === ALERT && n.status === 'firing') as Notification;
    expect(firingNote.startsAt).toBe(firingAt);
    expect(firingNote.receivedAt).toBeGreaterThanOrEqual(firingAt);

    const records = buildAlertRecords([...observations, ...series], notifications);
    const record = records.find((r) => r.name === ALERT);
    expect(records.filter((r) => r.name === ALERT)).toHaveLength(1);
    expect(record).toMatchObject({
      pendingAt,
      firingAt,
      notifiedAt: firingNote.receivedAt,
      source: 'alerts-series',
    });
    expect(record?.resolvedAt).toBe(ended?.since);
    expect((record?.resolvedAt as number) - revertAt).toBeGreaterThan(0);
    expect((record?.resolvedAt as number) - revertAt).toBeLessThanOrEqual(2000 + 100);

    const { timings } = await loadRuleTimings(prom, [ALERT]);
    const timing = timings[0];
    if (!timing) throw new Error('no timing');
    const floors: DetectionFloor[] = [computeFloor(timing, 0, 'firing'), computeFloor(timing, 0, 'notified')];
    const scenario = parseScenarioOrThrow(
      {
        name: 'evaluate-integration',
        description: 'a flipped gauge',
        target: { model: 'none' },
        traffic: { stages: [{ kind: 'constant', rate: 1, duration: '60s' }] },
        faults: [{ id: 'flip', kind: 'error-burst', at: '1s', duration: '10s', ratio: 1 }],
        expect: [
          {
            id: 'generous',
            kind: 'alert-fires',
            alert: ALERT,
            labels: { severity: 'page' },
            after: 'flip',
            within: '10s',
          },
          {
            id: 'notified',
            kind: 'alert-fires',
            alert: ALERT,
            after: 'flip',
            within: '10s',
            measure: 'notified',
          },
          { id: 'at-the-floor', kind: 'alert-fires', alert: ALERT, after: 'flip', within: '2s' },
          { id: 'below-the-floor', kind: 'alert-fires', alert: ALERT, after: 'flip', within: '1s' },
          { id: 'resolves', kind: 'alert-resolves', alert: ALERT, after: 'flip', within: '10s' },
          { id: 'quiet', kind: 'alert-silent', alert: QUIET },
          { id: 'noisy', kind: 'alert-silent', alert: ALERT },
        ],
      },
      'evaluate.test.ts',
    );
    const results = judge({
      plan: planScenario(scenario),
      startedAt,
      endedAt,
      faults: [
        { id: 'flip', injectedAt: flipAt, landedAt: flipAt, notLandedReason: null, revertedAt: revertAt },
      ],
      alerts: records,
      floors,
      blind,
      phaseStats: {},
    });
    const byId = Object.fromEntries(results.map((r) => [r.id, r]));
    expect(byId.generous).toMatchObject({
      verdict: 'passed',
      measuredMs: firingAt - flipAt,
      floorMs: 2000,
      budgetMs: 10_000,
    });
    expect(byId.notified).toMatchObject({ verdict: 'passed', measuredMs: firingNote.receivedAt - flipAt });
    // Detection is always strictly later than the floor: the flip must first be scraped, then evaluated.
    expect(byId['at-the-floor']).toMatchObject({ verdict: 'failed', measuredMs: firingAt - flipAt });
    expect(byId['at-the-floor']?.detail).toMatch(/over the 2s budget/);
    expect(byId['below-the-floor']).toMatchObject({ verdict: 'failed', measuredMs: null });
    expect(byId['below-the-floor']?.detail).toMatch(
      /below the detection floor 2s \(scrape 1s, eval 1s, for 2s\)/,
    );
    expect(byId.resolves).toMatchObject({
      verdict: 'passed',
      measuredMs: (record?.resolvedAt as number) - revertAt,
    });
    expect(byId.quiet).toMatchObject({ verdict: 'passed' });
    expect(byId.noisy).toMatchObject({ verdict: 'failed' });

    // For the report of this helper's work: the measured detection chain.
    const summary = {
      pendingAfterFlipMs: pendingAt - flipAt,
      firingAfterFlipMs: firingAt - flipAt,
      polledFiringAfterFlipMs: apiFiring - flipAt,
      webhookAfterFlipMs: firingNote.receivedAt - flipAt,
      resolvedAfterRevertMs: (record?.resolvedAt as number) - revertAt,
      resolvedWebhookAfterRevertMs:
        (notifications.find((n) => n.name === ALERT && n.status === 'resolved')?.receivedAt as number) -
        revertAt,
    };
    console.log(`evaluate integration timings: ${JSON.stringify(summary)}`);
  });
  // Last: it pauses Prometheus, which would disturb any timing after it.
  it('sees Prometheus fall behind its schedule: a paused Prometheus skips scrapes and rule evaluations', async () => {
    const quietFrom = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 3000));
    // Kept its schedule so far: no target with a missed scrape (a loaded host may still skip one, so the
    // assertion is on the pause below, not on this).
    const before = await readPrometheusLateness(prom, quietFrom, Date.now());
    expect(before.missedEvaluations).not.toBeNull();

    const pausedFrom = Date.now();
    prometheusProc?.kill('SIGSTOP');
    await new Promise((resolve) => setTimeout(resolve, 4000));
    prometheusProc?.kill('SIGCONT');
    // Scrapes resume at once; wait for a few more, and for Prometheus's scrape of its own missed counter.
    await until('scrapes after the pause', async () => ((await prom.ready()) ? true : undefined), 10_000);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const lateness = await readPrometheusLateness(prom, pausedFrom - 3000, Date.now());
    console.log(`prometheus lateness after a 4 s pause: ${JSON.stringify(lateness)}`);
    const exporterLate = lateness.lateScrapes.find((t) => t.job === 'exporter');
    expect(exporterLate, JSON.stringify(lateness)).toBeDefined();
    expect(exporterLate?.intervalMs).toBeGreaterThanOrEqual(900);
    expect(exporterLate?.intervalMs).toBeLessThanOrEqual(1100);
    expect(exporterLate?.maxGapMs).toBeGreaterThanOrEqual(3500);
    expect(lateness.missedEvaluations).toBeGreaterThanOrEqual(2);
    expect(latenessWarning(lateness)).toMatch(
      /^Prometheus itself was late during the run: scrapes of 127\.0\.0\.1:\d+ \(job (exporter|prometheus)\) came up to [\d.]+s apart, every 1s as a rule; .*it skipped \d+ rule group evaluations\./,
    );
  }, 30_000);
});
