/**
 * The GPU simulator's DCGM exporter and the drift monitor's gauges over real HTTP on loopback: a throttle shows
 * in the scraped clock-event reasons and SM clock within one collect interval, and both return once the
 * throttle is cleared or its TTL expires; shifted traffic moves the scraped PSI/KS gauges on the monitor's
 * own timer.
 */
import { get, createServer as httpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createDriftMonitor } from '../../fixtures/model-server/drift.ts';
import {
  CLOCK_EVENT_REASON,
  createGpuSimulator,
  type GpuSimulatorHandle,
} from '../../fixtures/model-server/gpu.ts';
import { loadReferenceRows, numericOf } from '../../fixtures/model-server/reference.ts';

const COLLECT_MS = 250;
/** Event-loop and scrape latency allowed on top of one collect interval. */
const SLACK_MS = 150;

function scrape(url: string): Promise<{ status: number; contentType: string; body: string }> {
  return new Promise((resolve, reject) => {
    get(url, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type']), body }),
      );
    }).on('error', reject);
  });
}

/** The value of `name{...}` in exposition text (one series per name here). */
function seriesValue(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

/** Polls the exporter until `ok` holds; returns the ms it took. Bounded by `deadlineMs`. */
async function untilScrape(url: string, deadlineMs: number, ok: (text: string) => boolean): Promise<number> {
  const started = Date.now();
  let last = '';
  while (Date.now() - started < deadlineMs) {
    last = (await scrape(url)).body;
    if (ok(last)) return Date.now() - started;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`condition not met within ${deadlineMs} ms; last scrape:\n${last}`);
}

const reasons = (text: string) => seriesValue(text, 'DCGM_FI_DEV_CLOCKS_EVENT_REASONS');
const smClock = (text: string) => seriesValue(text, 'DCGM_FI_DEV_SM_CLOCK');

describe('GPU simulator exporter over HTTP', () => {
  let gpu: GpuSimulatorHandle;
  let endpoint: { url: string; port: number; close(): Promise<void> };
  let work: NodeJS.Timeout;

  async function start() {
    gpu = createGpuSimulator({
      hostname: 'gpu-node-1',
      uuid: 'GPU-8a1f3c2e-0000-4000-8000-000000000001',
      collectIntervalMs: COLLECT_MS,
    });
    endpoint = await gpu.listen('127.0.0.1', 0);
    // The "batcher": 10 ms of compute every 20 ms, batches of 8 (about 50 % utilisation).
    work = setInterval(() => gpu.recordWork(10, 8), 20);
    await untilScrape(
      `${endpoint.url}/metrics`,
      5 * COLLECT_MS,
      (t) => reasons(t) === 0 && smClock(t) === 1980,
    );
  }
  afterEach(async () => {
    clearInterval(work);
    await endpoint?.close();
    gpu?.close();
  });

  it('serves /metrics on an ephemeral loopback port with the DCGM names and labels; 404 elsewhere', async () => {
    await start();
    expect(endpoint.port).toBeGreaterThan(0);
    expect(endpoint.url).toBe(`http://127.0.0.1:${endpoint.port}`);
    const res = await scrape(`${endpoint.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.contentType).toContain('text/plain');
    expect(res.body).toContain(
      '# HELP DCGM_FI_DEV_SM_CLOCK SM clock frequency (in MHz).\n# TYPE DCGM_FI_DEV_SM_CLOCK gauge\n',
    );
    expect(res.body).toContain(
      'DCGM_FI_DEV_SM_CLOCK{gpu="0",UUID="GPU-8a1f3c2e-0000-4000-8000-000000000001",device="nvidia0",modelName="NVIDIA H100 80GB HBM3",Hostname="gpu-node-1",DCGM_FI_DRIVER_VERSION="550.90.07"} 1980',
    );
    expect((await scrape(`${endpoint.url}/`)).status).toBe(404);
  });

  it('clock-lock: bits 0x2 and SM clock 990 within one collect interval; back after the TTL expires', async () => {
    await start();
    const ttlMs = 1200;
    const setAt = Date.now();
    gpu.setThrottle({ mode: 'clock-lock', depth: 0.5, ttlMs });
    const seen = await untilScrape(
      `${endpoint.url}/metrics`,
      ttlMs,
      (t) => reasons(t) === CLOCK_EVENT_REASON.clocksSetting && smClock(t) === 990,
    );
    expect(seen).toBeLessThanOrEqual(COLLECT_MS + SLACK_MS);
    expect(gpu.slowdown()).toBe(2);

    await untilScrape(`${endpoint.url}/metrics`, ttlMs + 2 * COLLECT_MS, (t) => reasons(t) === 0);
    const back = Date.now() - setAt;
    expect(back).toBeGreaterThanOrEqual(ttlMs); // not before the TTL
    expect(back).toBeLessThanOrEqual(ttlMs + COLLECT_MS + SLACK_MS); // within one interval after it
    expect(smClock((await scrape(`${endpoint.url}/metrics`)).body)).toBe(1980);
    expect(gpu.throttle()).toBeNull();
    expect(gpu.slowdown()).toBe(1);
  });

  it('power-cap: bit 0x4 and a lower clock, back within one interval of clearThrottle()', async () => {
    await start();
    gpu.setThrottle({ mode: 'power-cap', depth: 0.4, ttlMs: 60_000 });
    const seen = await untilScrape(
      `${endpoint.url}/metrics`,
      2000,
      (t) => reasons(t) === CLOCK_EVENT_REASON.swPowerCap && smClock(t) === 1188,
    );
    expect(seen).toBeLessThanOrEqual(COLLECT_MS + SLACK_MS);
    gpu.clearThrottle();
    const cleared = await untilScrape(
      `${endpoint.url}/metrics`,
      2000,
      (t) => reasons(t) === 0 && smClock(t) === 1980,
    );
    expect(cleared).toBeLessThanOrEqual(COLLECT_MS + SLACK_MS);
  });
});

describe('drift monitor gauges over HTTP', () => {
  let server: Server | undefined;
  let monitor: ReturnType<typeof createDriftMonitor> | undefined;
  afterAll(async () => {
    monitor?.close();
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  });

  it('PSI and KS p-value of a shifted feature move on the monitor timer, others stay put', async () => {
    const reference = await loadReferenceRows();
    const registry = new Registry();
    monitor = createDriftMonitor({ registry, model: 'penguins', reference, updateIntervalMs: 100 });
    server = httpServer((_req, res) => {
      registry
        .metrics()
        .then((text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text));
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
    const psiOf = (t: string, feature: string) => seriesValue(t, 'model_feature_drift_psi', { feature });

    const empty = (await scrape(url)).body;
    expect(psiOf(empty, 'flipper_length_mm')).toBe(0);
    expect(seriesValue(empty, 'model_feature_drift_ks_pvalue', { feature: 'flipper_length_mm' })).toBe(1);

    // Every reference row once, in order, flippers +30 mm (≈ 2.1σ): deterministic, no RNG needed.
    for (const row of reference) {
      const [bill_length_mm, bill_depth_mm, flipper_length_mm, body_mass_g] = numericOf(row);
      monitor.observe({
        bill_length_mm,
        bill_depth_mm,
        flipper_length_mm: flipper_length_mm + 30,
        body_mass_g,
      });
    }
    const text = await (async () => {
      await untilScrape(url, 2000, (t) => seriesValue(t, 'model_feature_drift_window_rows') === 333);
      return (await scrape(url)).body;
    })();
    expect(psiOf(text, 'flipper_length_mm')).toBeGreaterThan(0.25);
    expect(seriesValue(text, 'model_feature_drift_ks_pvalue', { feature: 'flipper_length_mm' })).toBeLessThan(
      0.01,
    );
    // The other features are the reference itself: PSI 0, D 0, p 1.
    for (const feature of ['bill_length_mm', 'bill_depth_mm', 'body_mass_g']) {
      expect(psiOf(text, feature)).toBe(0);
      expect(seriesValue(text, 'model_feature_drift_ks_pvalue', { feature })).toBe(1);
    }
  });
});
