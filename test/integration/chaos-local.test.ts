import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { proxyApi } from '../../chaos/feature-store/client.ts';
import { injectLocal } from '../../chaos/local/index.ts';
import { pidAlive, supervisorApi } from '../../chaos/local/supervisor.ts';
import { dcgmField } from '../../chaos/model-server/http-gpu.ts';
import { readStatuses } from '../../chaos/stress/local.ts';
import type { RecoveryRecord } from '../../chaos/types.ts';
import { faultSchema } from '../../src/scenario/faults.ts';
import type { Fault } from '../../src/scenario/schema.ts';
import { type EmbeddedStack, stackEndpoints } from '../../src/stack/index.ts';
import { assertClean, context, infer, metric, startStack, targetsFor, until } from './chaos-helpers.ts';

/**
 * Every local injector against the real embedded stack (supervised model server and Redis, the TCP fault
 * proxy, the DCGM exporter), each showing: baseline, inject + landed, the effect observed from outside,
 * and a revert that leaves nothing behind.
 */
let stack: EmbeddedStack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

const fault = (input: Record<string, unknown>) =>
  faultSchema.parse({ id: 'f1', at: '0s', duration: '10s', ...input }) as Fault;

/** Injects with a fresh recovery list; checks the records carry no token. */
async function inject(input: Record<string, unknown>) {
  const records: RecoveryRecord[] = [];
  const handle = await injectLocal(fault(input), targetsFor(stack), context(records));
  expect(records).toHaveLength(1);
  const journaled = JSON.stringify(records);
  expect(journaled).not.toContain(stack.adminToken);
  for (const c of Object.values(stack.supervisors!)) expect(journaled).not.toContain(c.token);
  expect(journaled).not.toContain(stack.featureStoreProxy!.control.token);
  return { handle, records };
}

async function lookupErrors() {
  return metric(stack, 'feature_store_lookup_errors_total');
}

describe('the ports runs listen on', () => {
  it('are held by the stack between runs (503 from it, never a port another process could take)', async () => {
    expect(stack.listeners?.webhook.port).toBe(stack.webhookPort);
    expect(stack.listeners?.selfMetrics.port).toBe(stack.selfMetricsPort);
    const webhook = await fetch(stack.webhookUrl, { method: 'POST', body: '{}' });
    expect(webhook.status).toBe(503);
    expect(await webhook.text()).toMatch(/no firedrill run is listening/);
    expect((await fetch(`http://127.0.0.1:${stack.selfMetricsPort}/metrics`)).status).toBe(503);
    expect(Object.keys(stackEndpoints(stack))).not.toContain('listeners');
  });
});

describe('local injectors on the embedded stack', () => {
  it('pod-kill model-server: old pid gone, requests fail, the supervisor restarts it', async () => {
    const control = stack.supervisors!['model-server'];
    const before = await supervisorApi.status(control);
    expect(await infer(stack)).toBe(200);
    const { handle, records } = await inject({
      kind: 'pod-kill',
      target: 'model-server',
      restartAfter: '1500ms',
    });
    expect(records[0]!.data).toMatchObject({ component: 'model-server', controlUrl: control.url });
    const landed = await handle.landed();
    expect(landed).toMatchObject({ landed: true });
    expect(pidAlive(before.pid!)).toBe(false);
    expect(await infer(stack)).toBe(0); // connection refused while down
    await handle.revert();
    const after = await supervisorApi.status(control);
    expect(after.pid).not.toBe(before.pid);
    expect(after.restarts).toBe(before.restarts + 1);
    expect(await assertClean(stack)).toEqual([]);
  });

  it('pod-failure feature-store: Redis held down, lookups fail, release brings it back with its data', async () => {
    expect(await infer(stack)).toBe(200);
    const errorsBefore = await lookupErrors();
    const { handle } = await inject({ kind: 'pod-failure', target: 'feature-store' });
    expect(await handle.landed()).toMatchObject({ landed: true });
    await delay(1200); // longer than the restart back-off: a hold is not a crash
    expect(await infer(stack)).toBe(503);
    expect(await lookupErrors()).toBeGreaterThan(errorsBefore);
    expect((await supervisorApi.status(stack.supervisors!['feature-store'])).running).toBe(false);
    await handle.revert();
    // The store's data survived (append-only file): the entity is found, not served with defaults.
    const fallbacks = await metric(stack, 'feature_store_fallbacks_total', { reason: 'entity_unknown' });
    await until('served again', async () => (await infer(stack)) === 200);
    expect(await metric(stack, 'feature_store_fallbacks_total', { reason: 'entity_unknown' })).toBe(
      fallbacks,
    );
    expect(await assertClean(stack)).toEqual([]);
  });

  it.each([
    { mode: 'blackhole' },
    { mode: 'reset' },
    { mode: 'latency', latency: '200ms', jitter: '20ms' },
    { mode: 'half-open' },
  ])(
    'feature-store-outage $mode: the probe sees it, the model server counts lookup errors, revert restores',
    async (params) => {
      expect(await infer(stack)).toBe(200);
      const errorsBefore = await lookupErrors();
      const { handle, records } = await inject({ kind: 'feature-store-outage', ...params });
      expect(records[0]!.data).toMatchObject({ controlUrl: stack.featureStoreProxy!.control.url });
      const landed = await handle.landed();
      expect(landed).toMatchObject({ landed: true });
      for (let i = 0; i < 3; i += 1) expect(await infer(stack)).toBe(503);
      expect(await lookupErrors()).toBeGreaterThan(errorsBefore);
      await handle.revert();
      expect((await proxyApi.status(stack.featureStoreProxy!.control)).mode).toBe('pass');
      await until('served again', async () => (await infer(stack)) === 200);
      expect(await assertClean(stack)).toEqual([]);
    },
  );

  it('http-fault abort on /v2: probes answer the status; other paths are untouched', async () => {
    const { handle } = await inject({
      kind: 'http-fault',
      action: 'abort',
      status: 503,
      path: '/v2/models',
      share: 1,
    });
    expect(await handle.landed()).toMatchObject({ landed: true });
    expect(await infer(stack)).toBe(503);
    const v1 = await fetch(`${stack.target}/v1/models/penguins:predict`, {
      method: 'POST',
      body: JSON.stringify({ instances: [[39.1, 18.7, 181, 3750, 1]] }),
    });
    expect(v1.status).toBe(200);
    await handle.revert();
    expect(await assertClean(stack)).toEqual([]);
  });

  it('http-fault delay of half the requests', async () => {
    const { handle } = await inject({ kind: 'http-fault', action: 'delay', delay: '300ms', share: 0.5 });
    expect(await handle.landed()).toMatchObject({ landed: true });
    const times: number[] = [];
    for (let i = 0; i < 4; i += 1) {
      const started = performance.now();
      expect(await infer(stack)).toBe(200);
      times.push(performance.now() - started);
    }
    expect(times.filter((t) => t >= 300)).toHaveLength(2);
    await handle.revert();
    expect(await assertClean(stack)).toEqual([]);
  });

  it('gpu-throttle power-cap: the DCGM exporter shows the power-cap reason bit; revert clears it', async () => {
    const { handle } = await inject({ kind: 'gpu-throttle', mode: 'power-cap', depth: 0.5 });
    const landed = await handle.landed();
    expect(landed).toMatchObject({ landed: true });
    expect(landed.landed && landed.evidence).toMatch(/0x4/);
    expect((await dcgmField(stack.gpuExporter, 'DCGM_FI_DEV_CLOCKS_EVENT_REASONS'))! & 0x4).toBe(0x4);
    await handle.revert();
    await until('reason bit cleared within a collect interval', async () => {
      const bits = await dcgmField(stack.gpuExporter, 'DCGM_FI_DEV_CLOCKS_EVENT_REASONS');
      return bits !== null && (bits & 0x4) === 0;
    });
    expect(await assertClean(stack)).toEqual([]);
  });

  it('cpu-stress: workers burn CPU; revert stops them', async () => {
    const { handle, records } = await inject({ kind: 'cpu-stress', workers: 2, load: 80 });
    const landed = await handle.landed();
    expect(landed).toMatchObject({ landed: true });
    const statuses = readStatuses(String(records[0]!.data.statusDir));
    expect(statuses).toHaveLength(2);
    await handle.revert();
    for (const s of statuses) expect(pidAlive(s.pid)).toBe(false);
    expect(await assertClean(stack)).toEqual([]);
  });

  it('memory-stress: workers hold the size in RSS; revert frees it', async () => {
    const { handle, records } = await inject({ kind: 'memory-stress', size: '64MiB', workers: 1 });
    const landed = await handle.landed();
    expect(landed).toMatchObject({ landed: true });
    const [status] = readStatuses(String(records[0]!.data.statusDir));
    expect(status!.rssBytes).toBeGreaterThanOrEqual(64 * 1024 * 1024);
    await handle.revert();
    expect(pidAlive(status!.pid)).toBe(false);
    expect(await assertClean(stack)).toEqual([]);
  });
});
