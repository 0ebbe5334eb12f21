import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { validateChaosObject } from '../../chaos/kubernetes/index.ts';
import { runCli } from './helpers.ts';

/** `firedrill run --backend kubernetes --dry-run` prints valid Chaos Mesh YAML and applies nothing. */
describe('run --backend kubernetes --dry-run', () => {
  it.each([
    ['scenarios/pod-kill.ts', 'PodChaos'],
    ['scenarios/feature-store-outage.ts', 'NetworkChaos'],
    ['scenarios/gpu-throttle.ts', 'Job'],
  ])('%s prints %s objects that validate against the real CRDs', async (scenario, kind) => {
    const result = await runCli(
      ['run', scenario, '--backend', 'kubernetes', '--dry-run', '--allow-namespace', 'ml-serving'],
      {
        timeoutMs: 30_000,
      },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('nothing is sent and nothing is applied');
    const yaml = result.stdout.slice(result.stdout.indexOf('# Chaos Mesh objects'));
    const objects = parseAllDocuments(yaml)
      .map((d) => d.toJS())
      .filter(Boolean);
    expect(objects.map((o) => o.kind)).toContain(kind);
    for (const object of objects) {
      expect(object.metadata.labels['app.kubernetes.io/managed-by']).toBe('firedrill');
      expect(object.metadata.namespace).toBe('ml-serving');
      expect(validateChaosObject(object)).toEqual([]);
      if (object.kind !== 'Job') expect(object.spec.duration).toMatch(/^\d+(ms|s|m)/);
      else expect(object.spec.activeDeadlineSeconds).toBeGreaterThan(20);
    }
  });

  it('warns that a real run would refuse a namespace that is not allowed, and still shows the objects', async () => {
    const result = await runCli(['run', 'scenarios/pod-kill.ts', '--backend', 'kubernetes', '--dry-run'], {
      timeoutMs: 30_000,
    });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('namespace "ml-serving" is not on the allowlist');
    expect(result.stdout).toContain('kind: PodChaos');
  });
});

describe('output to a reader that went away', () => {
  it('drops what it cannot write instead of crashing (`firedrill validate … | head`)', async () => {
    const result = await runCli(['validate', 'scenarios/latency-spike.ts'], {
      timeoutMs: 30_000,
      onSpawn: (child) => child.stdout?.destroy(), // the pipe's reader is gone before firedrill writes
    });
    expect(result.stderr).not.toContain('EPIPE');
    expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(result.code).toBe(0);
  });
});
