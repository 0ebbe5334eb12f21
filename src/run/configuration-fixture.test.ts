import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { FeatureStore } from '../../fixtures/model-server/feature-store.ts';
import { createModelServer, type ModelServer } from '../../fixtures/model-server/server.ts';
import { configuratorFromSpec, fixtureConfigurator } from '../configure/index.ts';
import { silentLogger } from '../core/log.ts';
import { FileJournal } from '../journal/index.ts';
import { applyConfiguration } from './configuration.ts';
import { recoverRun } from './recover.ts';

const store: FeatureStore = {
  lookup: async (ids) => ids.map(() => ({ island: 'Biscoe', sex: 'female' })),
  ping: async () => true,
  seed: async () => {},
  close: async () => {},
};
const servers: ModelServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
  delete process.env.FIREDRILL_ADMIN_TOKEN;
});

async function batcherOf(admin: { url: string; token: string }) {
  const response = await fetch(`${admin.url}/batcher`, {
    headers: { authorization: `Bearer ${admin.token}` },
  });
  return (await response.json()) as Record<string, unknown>;
}

describe('a capacity search configuration of the fixture batcher (a real fixture server on loopback)', () => {
  it('is journaled with its original before it applies, and recover puts the original back from the journal alone', async () => {
    const server = await createModelServer({
      adminToken: 'token',
      featureStore: store,
      defaultMetrics: false,
    });
    servers.push(server);
    const admin = { url: `${server.url}/admin`, token: 'token' };
    const before = await batcherOf(admin);
    const dir = await mkdtemp(join(tmpdir(), 'fd-config-'));
    // The stack's control file holds the admin token; the journal only points at it.
    const controlFile = join(dir, 'control.json');
    await writeFile(
      controlFile,
      JSON.stringify({
        admin,
        supervisors: {},
        featureStoreProxy: { url: '', token: '' },
      }),
    );
    const journal = new FileJournal(join(dir, 'events.ndjson'));
    await applyConfiguration(fixtureConfigurator(admin), { maxBatchSize: 8, maxQueueDelayMs: 3 }, journal, {
      id: 'capacity-configuration',
      spec: { kind: 'fixture', url: admin.url, controlFile },
      confirmTimeoutMs: 2000,
    });
    expect(await batcherOf(admin)).toMatchObject({ maxBatchSize: 8, maxQueueDelayMs: 3 });
    const applying = journal.events.find((e) => e.type === 'configuration-applying');
    expect(applying).toMatchObject({
      original: { maxBatchSize: before.maxBatchSize, maxQueueDelayMs: before.maxQueueDelayMs },
    });
    expect(JSON.stringify(journal.events)).not.toContain('token');

    // The process died here (no restore ran): recover rebuilds the configurator from the spec.
    const report = await recoverRun(dir, silentLogger);
    expect(report.configurations).toEqual([
      expect.objectContaining({ id: 'capacity-configuration', outcome: 'recovered' }),
    ]);
    expect(await batcherOf(admin)).toMatchObject({
      maxBatchSize: before.maxBatchSize,
      maxQueueDelayMs: before.maxQueueDelayMs,
    });
  });

  it('a fixture spec without a token to find is refused with where the token would be', () => {
    expect(() => configuratorFromSpec({ kind: 'fixture', url: 'http://127.0.0.1:1/admin' })).toThrow(
      /no admin token for the fixture batcher at http:\/\/127\.0\.0\.1:1\/admin/,
    );
  });
});
