import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../core/log.ts';
import { parseScenario, type Scenario } from '../scenario/index.ts';
import { connectStack, faultsNeedingFixture } from './endpoints.ts';

const quiet = silentLogger;

function scenarioWith(extra: Record<string, unknown>): Scenario {
  const result = parseScenario({
    name: 'byo',
    description: 'a scenario against a server the user runs',
    target: { protocol: 'kserve-v2', model: 'm' },
    traffic: { model: 'open', stages: [{ kind: 'constant', rate: 5, duration: '20s' }] },
    expect: [{ kind: 'threshold', phase: 'run', metric: 'error-ratio', op: '<', value: 0.01 }],
    ...extra,
  });
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.scenario;
}

describe('faultsNeedingFixture', () => {
  it('lists every local fault that acts through the fixture, with the backends that can do it instead', () => {
    const scenario = scenarioWith({
      faults: [
        { id: 'slow', kind: 'latency-spike', at: '1s', duration: '2s', delay: '100ms' },
        { id: 'cpu', kind: 'cpu-stress', at: '1s', duration: '2s' },
        { id: 'kill', kind: 'pod-kill', at: '4s', duration: '2s' },
        { id: 'k8s', kind: 'pod-kill', at: '4s', duration: '2s', backend: 'docker' },
        { id: 'gpu', kind: 'gpu-throttle', at: '4s', duration: '2s', mode: 'contention', depth: 0.5 },
      ],
    });
    expect(faultsNeedingFixture(scenario.faults)).toEqual([
      { index: 0, id: 'slow', kind: 'latency-spike', alternative: expect.stringContaining('http-fault') },
      {
        index: 2,
        id: 'kill',
        kind: 'pod-kill',
        alternative: expect.stringContaining('"docker" or "kubernetes"'),
      },
      { index: 4, id: 'gpu', kind: 'gpu-throttle', alternative: expect.stringContaining('"kubernetes"') },
    ]);
  });
});

describe('connectStack with a target the user named', () => {
  const base = { allowHosts: [], runDir: '/nonexistent', log: quiet, scenarioFile: 'byo.ts' };

  it('refuses a named server without rules for it, before starting anything (exit 2)', async () => {
    const scenario = scenarioWith({
      target: { url: 'http://127.0.0.1:9', protocol: 'kserve-v2', model: 'm' },
    });
    await expect(connectStack({ ...base, scenario })).rejects.toMatchObject({
      code: 'FD_USAGE',
      message: expect.stringContaining('http://127.0.0.1:9 is your own model server (byo.ts: target.url)'),
      hint: expect.stringContaining('--rules'),
    });
  });

  it('refuses faults that need the fixture, naming each with its path', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fd-byo-'));
    await writeFile(join(dir, 'r.yml'), 'groups: []\n');
    const scenario = scenarioWith({
      rules: join(dir, 'r.yml'),
      faults: [{ id: 'slow', kind: 'latency-spike', at: '1s', duration: '2s', delay: '100ms' }],
    });
    await expect(connectStack({ ...base, scenario, target: 'http://127.0.0.1:9' })).rejects.toMatchObject({
      code: 'FD_USAGE',
      message: expect.stringContaining('byo.ts: faults[0] (slow, latency-spike on local)'),
    });
  });

  it('refuses --rules with --prometheus: that Prometheus loads its own rules', async () => {
    const scenario = scenarioWith({});
    await expect(
      connectStack({
        ...base,
        scenario,
        prometheus: 'http://127.0.0.1:9090',
        target: 'http://127.0.0.1:9',
        rules: 'r/',
      }),
    ).rejects.toMatchObject({
      code: 'FD_USAGE',
      message: expect.stringContaining('--rules applies to the embedded'),
    });
  });

  it('refuses a non-loopback target unless allowed (the safety gate comes first)', async () => {
    const scenario = scenarioWith({
      target: { url: 'http://10.1.2.3:8000', protocol: 'kserve-v2', model: 'm' },
    });
    await expect(connectStack({ ...base, scenario })).rejects.toMatchObject({
      code: 'FD_TARGET_NOT_ALLOWED',
    });
  });
});
