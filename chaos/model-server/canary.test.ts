import { afterEach, describe, expect, it } from 'vitest';
import type { FeatureStore } from '../../fixtures/model-server/feature-store.ts';
import { createModelServer, type ModelServer } from '../../fixtures/model-server/server.ts';
import { faultSchema } from '../../src/scenario/faults.ts';
import type { Fault } from '../../src/scenario/schema.ts';
import { recoverLocalRecord } from '../local/recover.ts';
import type { InjectContext, RecoveryRecord } from '../types.ts';
import { adminApi } from './admin-client.ts';
import { badCanaryInjector } from './canary.ts';
import { modelServerProbe } from './probe.ts';

const store: FeatureStore = {
  lookup: async (ids) => ids.map(() => ({ island: 'Biscoe', sex: 'female' })),
  ping: async () => true,
  seed: async () => {},
  close: async () => {},
};
const body = JSON.stringify({
  inputs: [
    { name: 'features', datatype: 'FP32', shape: [1, 4], data: [46.1, 13.2, 211, 4500] },
    { name: 'entity_id', datatype: 'INT64', shape: [1], data: [221] },
  ],
});

const servers: ModelServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function setup() {
  const server = await createModelServer({ adminToken: 'token', featureStore: store, defaultMetrics: false });
  servers.push(server);
  const admin = { url: `${server.url}/admin`, token: 'token' };
  const records: RecoveryRecord[] = [];
  const ctx: InjectContext = {
    runId: 'r1',
    recordRecovery: (r) => records.push(r),
    ttlMs: 60_000,
    signal: new AbortController().signal,
    now: Date.now,
  } as InjectContext;
  return { server, admin, records, ctx, probe: modelServerProbe(server.url, 'penguins', body) };
}

const fault = (extra: Record<string, unknown>) =>
  faultSchema.parse({
    id: 'c1',
    kind: 'bad-canary',
    at: '1s',
    duration: '10s',
    weight: 20,
    ...extra,
  }) as Extract<Fault, { kind: 'bad-canary' }>;

describe('bad-canary injector (local)', () => {
  it('baseline v1 only; inject starts v2 with its errors, landed sees v2 answer; revert leaves v1 at 100%', async () => {
    const { admin, records, ctx, probe } = await setup();
    expect((await adminApi.canary(admin)).canary).toBeNull();
    const handle = await badCanaryInjector(admin, probe).inject(fault({ errors: 1 }), ctx);
    expect(records).toEqual([expect.objectContaining({ kind: 'bad-canary', data: { adminUrl: admin.url } })]);
    const landed = await handle.landed();
    expect(landed).toMatchObject({
      landed: true,
      evidence: expect.stringMatching(/canary at 20%; v2 answered/),
    });
    // Effect: of the next 10 requests, 2 go to v2 and fail.
    const statuses = [];
    for (let i = 0; i < 10; i++) statuses.push((await probe.probe()).status);
    expect(statuses.filter((s) => s === 500)).toHaveLength(2);
    await handle.revert();
    await handle.revert();
    expect((await adminApi.canary(admin)).canary).toBeNull();
    const after = await probe.versionCount!('v2');
    for (let i = 0; i < 10; i++) expect((await probe.probe()).status).toBe(200);
    expect(await probe.versionCount!('v2')).toBe(after);
  });

  it('does not land when the weight was already changed (the controller aborted it)', async () => {
    const { server, admin, ctx, probe } = await setup();
    const handle = await badCanaryInjector(admin, probe).inject(fault({}), ctx);
    server.canary.setWeight(0);
    expect(await handle.landed()).toMatchObject({
      landed: false,
      reason: expect.stringMatching(/weight is 0%, not 20%/),
    });
    await handle.revert();
  });

  it('recover clears a canary left behind (idempotent)', async () => {
    const { admin, records, ctx, probe } = await setup();
    await badCanaryInjector(admin, probe).inject(fault({ latency: '50ms' }), ctx);
    expect((await adminApi.canary(admin)).canary).toMatchObject({ weight: 20, delayMs: 50 });
    const env = { FIREDRILL_ADMIN_TOKEN: 'token' };
    expect(await recoverLocalRecord(records[0]!, env)).toMatch(/restored v1 at 100%/);
    expect(await recoverLocalRecord(records[0]!, env)).toMatch(/restored v1 at 100%/);
    expect((await adminApi.canary(admin)).canary).toBeNull();
  });
});

describe('bad-canary schema', () => {
  it.each([
    [{ weight: 0 }, 'weight'],
    [{ weight: 120 }, 'weight'],
    [{ weight: 20, errors: 2 }, 'errors'],
    [{ weight: 20, version: 'v3' }, 'version'],
  ])('refuses %j at %s', (extra, path) => {
    const parsed = faultSchema.safeParse({
      id: 'c1',
      kind: 'bad-canary',
      at: '1s',
      duration: '10s',
      ...extra,
    });
    expect(parsed.success).toBe(false);
    if (!parsed.success) expect(parsed.error.issues[0]?.path).toEqual([path]);
  });
});
