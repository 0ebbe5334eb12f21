import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readRunJson, runCli, writeScenario } from './helpers.ts';

/**
 * The chaos and drift sample game days, end to end on the embedded stack, as a user runs them: each
 * exits 0 with its faults landed and reverted and every expectation passed. (`drift-sensitivity.ts`
 * takes ~5 minutes and is run by hand; its sweep logic is unit-tested.)
 */
describe('sample game days', () => {
  it.each([
    ['scenarios/pod-kill.ts'],
    ['scenarios/feature-store-outage.ts'],
    ['scenarios/gpu-throttle.ts'],
    ['scenarios/feature-drift.ts'],
  ])('%s passes on the embedded stack', async (scenario) => {
    const { dir } = await writeScenario({ name: 'unused' });
    const out = join(dir, 'reports');
    const result = await runCli(['run', scenario, '--out', out, '--quiet'], { timeoutMs: 170_000 });
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    const run = await readRunJson(out);
    expect(run.verdict).toBe('passed');
    for (const e of run.expectations) expect(e.verdict, `${e.id}: ${e.detail}`).toBe('passed');
    for (const fault of run.faults) {
      expect(fault.landedAt, `${fault.id} landed`).not.toBeNull();
      expect(fault.revertedAt, `${fault.id} reverted`).not.toBeNull();
    }
    for (const step of run.drift) {
      for (const feature of step.features) expect(feature.agree, feature.detail).toBe(true);
    }
  });
});
