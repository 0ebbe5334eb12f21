import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { prepare } from './prepare.ts';

const base = {
  name: 'prepare-test',
  description: 'prepare stage test',
  target: { model: 'penguins' },
  traffic: { stages: [{ kind: 'constant', rate: 40, duration: '60s' }] },
  faults: [
    {
      id: 'kill',
      kind: 'pod-kill',
      target: 'model-server',
      at: '10s',
      duration: '20s',
      selector: { namespace: 'ml-serving', labelSelectors: { app: 'penguins' } },
    },
  ],
  expect: [{ kind: 'alert-fires', alert: 'ModelServerDown', after: 'kill', within: '15s' }],
};

async function scenarioFile(scenario: Record<string, unknown>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'firedrill-prepare-'));
  const file = join(dir, `${scenario.name as string}.ts`);
  await writeFile(file, `export default ${JSON.stringify(scenario)};\n`);
  return file;
}

describe('prepare', () => {
  it('loads, validates and plans; --backend applies before the plan', async () => {
    const file = await scenarioFile(base);
    const plain = await prepare(file);
    expect(plain.file).toBe(file);
    expect(plain.scenario.name).toBe('prepare-test');
    expect(plain.plan.faults.map((f) => [f.fault.id, f.fault.backend, f.startMs, f.endMs])).toEqual([
      ['kill', 'local', 10_000, 30_000],
    ]);
    const kubernetes = await prepare(file, { backend: 'kubernetes' });
    expect(kubernetes.plan.faults[0]?.fault.backend).toBe('kubernetes');
  });

  // `dry-run --backend` used to skip these: every command now refuses the same scenarios.
  it.each([[{}], [{ backend: 'kubernetes' as const }]])(
    'refuses payload cross-field issues with the file and path, overrides %j',
    async (overrides) => {
      const file = await scenarioFile({
        ...base,
        name: 'bad-payload',
        payload: {
          drift: [{ kind: 'missing', feature: 'bill_depth_mm', rate: 0.1, at: '10s', duration: '400s' }],
        },
      });
      await expect(prepare(file, overrides)).rejects.toMatchObject({
        code: 'FD_SCENARIO_INVALID',
        message: expect.stringContaining(
          `${file}: payload.drift[0].duration: the drift ends at 410s, after the traffic stops at 60s`,
        ),
      });
    },
  );
});
