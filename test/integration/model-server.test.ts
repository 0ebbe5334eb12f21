/**
 * The fixture model server against a real redis-server: readiness, inference, admin faults and their TTLs,
 * and a feature-store outage. Everything on loopback; every loop is bounded.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from 'redis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadReferenceRows, numericOf, type PenguinRow } from '../../fixtures/model-server/reference.ts';
import { createModelServer, type ModelServer } from '../../fixtures/model-server/server.ts';
import { canConnect, freePort, until } from './helpers.ts';

const TOKEN = 'integration-admin-token';
const REDIS_BIN = process.env.FIREDRILL_REDIS_SERVER || 'redis-server';

let redisPort = 0;
let redisDir = '';
let redis: ChildProcess | undefined;
let server: ModelServer;
let rows: PenguinRow[];

async function startRedis(): Promise<void> {
  redis = spawn(
    REDIS_BIN,
    [
      '--port',
      String(redisPort),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      redisDir,
    ],
    { stdio: 'ignore' },
  );
  await until('redis-server accepting connections', 5000, async () =>
    (await canConnect(redisPort)) ? true : undefined,
  );
}

async function stopRedis(): Promise<void> {
  const child = redis;
  redis = undefined;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}

function inferRequest(ids: readonly (number | string)[], measurements: readonly number[][]) {
  return {
    inputs: [
      { name: 'features', datatype: 'FP32', shape: [measurements.length, 4], data: measurements.flat() },
      { name: 'entity_id', datatype: 'INT64', shape: [ids.length], data: ids },
    ],
  };
}

async function infer(body: unknown) {
  const started = performance.now();
  const res = await fetch(`${server.url}/v2/models/penguins/infer`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as Record<string, unknown>;
  return { status: res.status, json, ms: performance.now() - started };
}

const ONE = () => inferRequest([rows[0]!.id], [numericOf(rows[0]!)]);

function admin(method: string, path: string, body?: unknown, token = TOKEN) {
  return fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

/** Value of one exposed series, read over HTTP as Prometheus would. */
async function scrape(series: string): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  if (line === undefined) throw new Error(`series ${series} not exposed`);
  return Number(line.slice(series.length + 1));
}
const requestsWithCode = (code: number) =>
  scrape(`model_requests_total{model="penguins",endpoint="infer",code="${code}",version="v1"}`);

beforeAll(async () => {
  rows = await loadReferenceRows();
  redisPort = await freePort();
  redisDir = await mkdtemp(join(tmpdir(), 'firedrill-redis-'));
  // The server starts before Redis on purpose: it must come up live but not ready, then seed and become ready.
  server = await createModelServer({
    adminToken: TOKEN,
    redisUrl: `redis://127.0.0.1:${redisPort}`,
    seedFeatureStore: true,
    featureStoreFallback: 'fail',
  });
});

afterAll(async () => {
  await server?.close();
  await stopRedis();
  if (redisDir) await rm(redisDir, { recursive: true, force: true });
});

describe('fixture model server with a real Redis', () => {
  // Each test starts fault-free, so one failure does not cascade into the next.
  beforeEach(async () => {
    expect((await admin('DELETE', '/admin/faults')).status).toBe(200);
  });

  it('is live at once, ready only after Redis answers and the reference entities are seeded', async () => {
    expect((await fetch(`${server.url}/v2/health/live`)).status).toBe(200);
    for (let i = 0; i < 4; i++) {
      const res = await fetch(`${server.url}/v2/health/ready`);
      expect(res.status).toBe(503);
      await new Promise((r) => setTimeout(r, 50));
    }
    await startRedis();
    await until('server ready', 10_000, async () =>
      (await fetch(`${server.url}/v2/health/ready`)).status === 200 ? true : undefined,
    );
    const client = createClient({ url: `redis://127.0.0.1:${redisPort}` });
    client.on('error', () => {});
    await client.connect();
    try {
      expect(await client.dbSize()).toBe(rows.length);
      const row = rows.find((r) => r.id === 221)!;
      expect(await client.hGetAll('penguin:221')).toEqual({ island: row.island, sex: row.sex });
    } finally {
      client.destroy();
    }
  });

  it('predicts the species of reference rows, with the declared output shapes', async () => {
    const picked = ['Adelie', 'Chinstrap', 'Gentoo'].flatMap((s) =>
      rows.filter((r) => r.species === s).slice(0, 2),
    );
    const { status, json } = await infer(
      inferRequest(
        picked.map((r) => r.id),
        picked.map(numericOf),
      ),
    );
    expect(status).toBe(200);
    const outputs = json.outputs as { name: string; datatype: string; shape: number[]; data: unknown[] }[];
    expect(outputs.map((o) => [o.name, o.datatype, o.shape])).toEqual([
      ['probabilities', 'FP32', [6, 3]],
      ['label', 'BYTES', [6]],
    ]);
    expect(outputs[1]!.data).toEqual(picked.map((r) => r.species));
    const p = outputs[0]!.data as number[];
    expect(p).toHaveLength(18);
    for (let r = 0; r < 6; r++) expect(p[3 * r]! + p[3 * r + 1]! + p[3 * r + 2]!).toBeCloseTo(1, 5);
    expect(json.model_name).toBe('penguins');
  });

  it('describes the model: inputs and outputs with datatype and shape', async () => {
    const meta = (await (await fetch(`${server.url}/v2/models/penguins`)).json()) as Record<string, unknown>;
    expect(meta.inputs).toEqual([
      { name: 'features', datatype: 'FP32', shape: [-1, 4] },
      { name: 'entity_id', datatype: 'INT64', shape: [-1] },
    ]);
    expect(meta.outputs).toEqual([
      { name: 'probabilities', datatype: 'FP32', shape: [-1, 3] },
      { name: 'label', datatype: 'BYTES', shape: [-1] },
    ]);
    expect((await fetch(`${server.url}/v2/models/penguins/ready`)).status).toBe(200);
    expect((await fetch(`${server.url}/v2/models/nope`)).status).toBe(404);
  });

  it('answers a malformed request with 400 naming the problem, and counts it', async () => {
    const before = await requestsWithCode(400);
    const body = inferRequest([1, 2], [[39.1, 18.7, 181, 3750]]);
    body.inputs[0]!.shape = [2, 4];
    const { status, json } = await infer(body);
    expect(status).toBe(400);
    expect(json.error).toBe('input features: data has 4 elements, shape [2,4] needs 8');
    expect(await requestsWithCode(400)).toBe(before + 1);
  });

  it('refuses the admin API without the right bearer token', async () => {
    expect((await fetch(`${server.url}/admin/faults`)).status).toBe(401);
    expect((await admin('GET', '/admin/faults', undefined, `${TOKEN}x`)).status).toBe(401);
    const put = await admin('PUT', '/admin/faults/errors', { ratio: 1, status: 500, ttlMs: 60_000 }, 'wrong');
    expect(put.status).toBe(401);
    expect(await (await admin('GET', '/admin/faults')).json()).toEqual({
      latency: null,
      errors: null,
      http: null,
      gpu: null,
    });
  });

  it('latency fault: adds the delay to each inference, lands in the histogram, and expires by its TTL', async () => {
    const baseline = (await infer(ONE())).ms;
    expect(baseline).toBeLessThan(200);
    const slowBefore =
      (await scrape('model_request_duration_seconds_count{model="penguins",endpoint="infer",version="v1"}')) -
      (await scrape(
        'model_request_duration_seconds_bucket{le="0.25",model="penguins",endpoint="infer",version="v1"}',
      ));

    const set = await admin('PUT', '/admin/faults/latency', { delayMs: 300, ttlMs: 1500 });
    expect(set.status).toBe(200);
    const state = (await set.json()) as { latency: { delayMs: number; expiresAt: string } };
    expect(state.latency.delayMs).toBe(300);
    expect(await scrape('model_injected_fault_active{fault="latency"}')).toBe(1);
    // Health and metrics are not delayed.
    const t0 = performance.now();
    await fetch(`${server.url}/v2/health/live`);
    expect(performance.now() - t0).toBeLessThan(150);

    const delayed = await infer(ONE());
    expect(delayed.status).toBe(200);
    expect(delayed.ms).toBeGreaterThanOrEqual(300);
    const slowAfter =
      (await scrape('model_request_duration_seconds_count{model="penguins",endpoint="infer",version="v1"}')) -
      (await scrape(
        'model_request_duration_seconds_bucket{le="0.25",model="penguins",endpoint="infer",version="v1"}',
      ));
    expect(slowAfter).toBe(slowBefore + 1);

    // No DELETE: the server clears the fault itself once the TTL has passed.
    await until('latency fault expired', 4000, async () => {
      const view = (await (await admin('GET', '/admin/faults')).json()) as { latency: unknown };
      return view.latency === null ? true : undefined;
    });
    expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(state.latency.expiresAt) - 5);
    expect(await scrape('model_injected_fault_active{fault="latency"}')).toBe(0);
    expect((await infer(ONE())).ms).toBeLessThan(200);
  });

  it('error fault: ratio 0.5 fails exactly every other request with 500 and counts them', async () => {
    const ok0 = await requestsWithCode(200);
    const err0 = await requestsWithCode(500);
    const set = await admin('PUT', '/admin/faults/errors', { ratio: 0.5, status: 500, ttlMs: 30_000 });
    expect(set.status).toBe(200);
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) statuses.push((await infer(ONE())).status);
    expect(statuses).toEqual(Array.from({ length: 20 }, (_, i) => (i % 2 === 1 ? 500 : 200)));
    expect(await requestsWithCode(500)).toBe(err0 + 10);
    expect(await requestsWithCode(200)).toBe(ok0 + 10);

    const cleared = await admin('DELETE', '/admin/faults/errors');
    expect(await cleared.json()).toEqual({ latency: null, errors: null, http: null, gpu: null });
    expect((await admin('DELETE', '/admin/faults/errors')).status).toBe(200); // idempotent
    for (let i = 0; i < 4; i++) expect((await infer(ONE())).status).toBe(200);
    expect(await scrape('model_injected_fault_active{fault="errors"}')).toBe(0);
  });

  it('feature store down: fail mode answers 503, counts the lookup error, and readiness drops', async () => {
    const errorsBefore =
      (await scrape('feature_store_lookup_errors_total{reason="error"}')) +
      (await scrape('feature_store_lookup_errors_total{reason="timeout"}'));
    const unavailableBefore = await requestsWithCode(503);
    await stopRedis();

    const { status, json } = await infer(ONE());
    expect(status).toBe(503);
    expect(String(json.error)).toMatch(/^feature store unavailable: /);
    const errorsAfter =
      (await scrape('feature_store_lookup_errors_total{reason="error"}')) +
      (await scrape('feature_store_lookup_errors_total{reason="timeout"}'));
    expect(errorsAfter).toBe(errorsBefore + 1);
    expect(await requestsWithCode(503)).toBe(unavailableBefore + 1);
    expect((await fetch(`${server.url}/v2/health/ready`)).status).toBe(503);
    expect((await fetch(`${server.url}/v2/health/live`)).status).toBe(200);
  });
});
