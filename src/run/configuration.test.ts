import { describe, expect, it } from 'vitest';
import type { Configurator, ConfiguratorSpec, Settings } from '../configure/index.ts';
import type { JournalEvent } from '../journal/index.ts';
import { applyConfiguration, pendingConfigurations } from './configuration.ts';

const spec: ConfiguratorSpec = { kind: 'triton', url: 'http://127.0.0.1:8000', model: 'm' };

/** A server with settings in memory; `failConfirm` makes confirm throw; records each call in order. */
function server(options: { failConfirm?: boolean; failRestore?: boolean } = {}) {
  const state: Record<string, number | string | boolean> = { maxBatchSize: 1, maxQueueDelayMs: 0 };
  const calls: string[] = [];
  const configurator: Configurator = {
    kind: 'test',
    target: 'test server',
    async read(names) {
      calls.push(`read ${names.join(',')}`);
      return Object.fromEntries(names.map((n) => [n, state[n]!]));
    },
    async apply(settings: Settings) {
      calls.push(`apply ${JSON.stringify(settings)}`);
      Object.assign(state, settings);
    },
    async confirm() {
      calls.push('confirm');
      if (options.failConfirm) throw new Error('never ready');
    },
    async restore(original) {
      calls.push(`restore ${JSON.stringify(original)}`);
      if (options.failRestore) throw new Error('API gone');
      Object.assign(state, original);
    },
  };
  return { state, calls, configurator };
}

function journal() {
  const events: JournalEvent[] = [];
  return { events, append: (e: JournalEvent) => events.push(e) };
}

describe('applyConfiguration', () => {
  it('journals the original before applying, and restore puts it back once', async () => {
    const { state, calls, configurator } = server();
    const j = journal();
    // The journal must hold the original when apply runs (write-ahead).
    const seenAtApply: string[] = [];
    const apply = configurator.apply.bind(configurator);
    configurator.apply = async (s) => {
      seenAtApply.push(...j.events.map((e) => e.type));
      await apply(s);
    };
    const applied = await applyConfiguration(configurator, { maxBatchSize: 8 }, j, {
      id: 'c1',
      spec,
      confirmTimeoutMs: 1000,
      now: () => 7,
    });
    expect(seenAtApply).toEqual(['configuration-applying']);
    expect(j.events[0]).toEqual({
      type: 'configuration-applying',
      at: 7,
      id: 'c1',
      target: 'test server',
      spec,
      original: { maxBatchSize: 1 },
      settings: { maxBatchSize: 8 },
    });
    expect(state.maxBatchSize).toBe(8);
    expect(pendingConfigurations(j.events).map((p) => p.id)).toEqual(['c1']);
    await applied.restore();
    await applied.restore();
    expect(state.maxBatchSize).toBe(1);
    expect(calls.filter((c) => c.startsWith('restore'))).toEqual(['restore {"maxBatchSize":1}']);
    expect(j.events.map((e) => e.type)).toEqual([
      'configuration-applying',
      'configuration-applied',
      'configuration-restoring',
      'configuration-restored',
    ]);
    expect(pendingConfigurations(j.events)).toEqual([]);
  });

  it('restores the original when the configuration never takes effect, then throws', async () => {
    const { state, configurator } = server({ failConfirm: true });
    const j = journal();
    await expect(
      applyConfiguration(configurator, { maxBatchSize: 8 }, j, { id: 'c1', spec, confirmTimeoutMs: 10 }),
    ).rejects.toThrow('never ready');
    expect(state.maxBatchSize).toBe(1);
    expect(j.events.map((e) => e.type)).toEqual([
      'configuration-applying',
      'configuration-apply-failed',
      'configuration-restoring',
      'configuration-restored',
    ]);
  });

  it('a failed restore is FD_REVERT_FAILED naming the original, journaled, and stays pending', async () => {
    const { configurator } = server({ failRestore: true });
    const j = journal();
    const applied = await applyConfiguration(configurator, { maxBatchSize: 8 }, j, {
      id: 'c1',
      spec,
      confirmTimeoutMs: 10,
    });
    await expect(applied.restore()).rejects.toMatchObject({
      code: 'FD_REVERT_FAILED',
      hint: expect.stringContaining('{"maxBatchSize":1}'),
    });
    expect(j.events.at(-1)).toMatchObject({ type: 'configuration-restore-failed', error: 'API gone' });
    expect(pendingConfigurations(j.events).map((p) => p.original)).toEqual([{ maxBatchSize: 1 }]);
  });
});

describe('pendingConfigurations', () => {
  const applying = (id: string, original: Settings, settings: Settings): JournalEvent => ({
    type: 'configuration-applying',
    at: 1,
    id,
    target: 't',
    spec,
    original,
    settings,
  });
  it('keeps the first original of an id applied twice, and forgets what was restored or recovered', () => {
    const events: JournalEvent[] = [
      applying('a', { maxBatchSize: 1 }, { maxBatchSize: 8 }),
      applying('a', { maxBatchSize: 8 }, { maxBatchSize: 16 }),
      applying('b', { maxBatchSize: 2 }, { maxBatchSize: 4 }),
      { type: 'configuration-recovered', at: 2, id: 'b', detail: '' },
      applying('c', { maxBatchSize: 3 }, { maxBatchSize: 4 }),
      { type: 'configuration-restored', at: 2, id: 'c' },
    ];
    const pending = pendingConfigurations(events);
    expect(pending.map((p) => [p.id, p.original, p.settings])).toEqual([
      ['a', { maxBatchSize: 1 }, { maxBatchSize: 16 }],
    ]);
  });
});
