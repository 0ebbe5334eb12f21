import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { comparisonSchema } from '../../src/compare/model.ts';
import { suiteJsonSchema } from '../../src/suite/index.ts';
import { root, runCli } from './helpers.ts';

/**
 * Baselines end to end, frugally: a 12 s latency game day as a suite run twice (the baseline), then once more
 * with a copy of the fixture's rules where ModelLatencyP99High waits `for: 9s` instead of 3s, compared with
 * the baseline by `suite --baseline` (exit 10, compare.md names the slower alert); and `firedrill compare`
 * between the baseline's two runs of the same config (exit 0, no regression). Bad input (exit 2) is
 * unit-tested in src/compare.
 */
describe('compare with a baseline', () => {
  it('a slower rule regresses against the baseline; the same config twice does not', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fd-compare-'));
    await writeFile(
      join(dir, 'cmp-latency.ts'),
      `export default ${JSON.stringify({
        name: 'cmp-latency',
        description: 'a 10s latency spike that ModelLatencyP99High must page on',
        target: { protocol: 'kserve-v2', model: 'penguins' },
        traffic: { stages: [{ kind: 'constant', rate: 20, duration: '12s' }], timeout: '5s' },
        faults: [{ id: 'slow', kind: 'latency-spike', at: '1s', duration: '10s', delay: '400ms' }],
        expect: [{ kind: 'alert-fires', alert: 'ModelLatencyP99High', after: 'slow', within: '13s' }],
        recovery: '3s',
      })};\n`,
    );
    // The latency rule's window is 10s: the gate need not wait the default 30s between runs. On a busy machine
    // the slow requests queue up and some are rejected: the error-budget ticket's hour-long window then stays
    // up, as in the samples suite.
    await writeFile(
      join(dir, 'cmp.suite.ts'),
      `export default ${JSON.stringify({
        name: 'cmp',
        scenarios: ['cmp-latency.ts'],
        windowCap: '10s',
        gateTimeout: '40s',
        known: ['ModelErrorBudgetBurnTicket'],
      })};\n`,
    );
    const rules = join(dir, 'rules');
    await cp(join(root, 'fixtures/prometheus/rules'), rules, { recursive: true });
    const latency = await readFile(join(rules, 'latency.yml'), 'utf8');
    const slower = latency.replace(/(- alert: ModelLatencyP99High\n(?:.*\n)*?\s+for: )3s/, '$19s');
    expect(slower).not.toBe(latency);
    await writeFile(join(rules, 'latency.yml'), slower);

    const suiteDir = async (out: string) => {
      const { readdirSync } = await import('node:fs');
      return join(out, readdirSync(out).find((name) => name.startsWith('suite-'))!);
    };
    const started = Date.now();
    const baseOut = join(dir, 'base');
    const base = await runCli(
      ['suite', join(dir, 'cmp.suite.ts'), '--repeat', '2', '--out', baseOut, '--quiet'],
      {
        timeoutMs: 120_000,
      },
    );
    expect(base.code, `${base.stdout}\n${base.stderr}`).toBe(0);
    const baseDir = await suiteDir(baseOut);
    const baseSuite = suiteJsonSchema.parse(JSON.parse(await readFile(join(baseDir, 'suite.json'), 'utf8')));
    expect(baseSuite.runs.map((r) => r.verdict)).toEqual(['passed', 'passed']);

    // The baseline's two runs of one config are compared while the second suite runs (they are all it needs).
    const [first, second] = baseSuite.runs.map((r) => join(baseDir, r.runDir!));
    const newOut = join(dir, 'new');
    const [next, same] = await Promise.all([
      runCli(
        [
          'suite',
          join(dir, 'cmp.suite.ts'),
          '--rules',
          rules,
          '--baseline',
          baseDir,
          '--out',
          newOut,
          '--quiet',
        ],
        { timeoutMs: 90_000 },
      ),
      runCli(['compare', first!, second!, '--json', join(dir, 'same.json')], { timeoutMs: 60_000 }),
    ]);
    expect(next.code, `${next.stdout}\n${next.stderr}`).toBe(10);
    const newDir = await suiteDir(newOut);
    const newSuite = suiteJsonSchema.parse(JSON.parse(await readFile(join(newDir, 'suite.json'), 'utf8')));
    expect(newSuite.comparison).toMatchObject({ verdict: 'regressed', file: 'compare.json' });
    expect(newSuite.exitCode).toBe(10);
    const comparison = comparisonSchema.parse(
      JSON.parse(await readFile(join(newDir, 'compare.json'), 'utf8')),
    );
    const cell = comparison.cells.find((c) => c.faultId === 'slow' && c.alert === 'ModelLatencyP99High')!;
    expect(cell.status, cell.reasons.join('; ')).toBe('regression');
    expect(cell.baseline).toMatchObject({ expected: true, landed: 2, fired: 2 });
    // Fired later (by the 6s longer `for:`), or not at all before the run ended: either is the regression.
    if (cell.current.fired > 0) {
      expect(cell.time!.diffMs).toBeGreaterThan(cell.time!.allowanceMs);
      expect(cell.time!.method).toBe('single');
    }
    // Only the slowed rule regressed.
    const regressed = [...comparison.expectations, ...comparison.cells].filter(
      (c) => c.status === 'regression',
    );
    expect(regressed.every((c) => ('alert' in c ? c.alert : c.subject) === 'ModelLatencyP99High')).toBe(true);
    const md = await readFile(join(newDir, 'compare.md'), 'utf8');
    expect(md).toMatch(/^## firedrill compare: ❌ \d+ regressions?/);
    expect(md).toMatch(/\| cmp-latency \| matrix slow → ModelLatencyP99High \| fired 2\/2, [^|]+ \| /);
    const summary = await readFile(join(newDir, 'summary.md'), 'utf8');
    expect(summary).toContain('## Compared with the baseline ([compare.md](compare.md)');
    expect(summary).toContain('### firedrill compare: ❌');

    // The baseline's two runs of one config: no regression.
    expect(same.code, `${same.stdout}\n${same.stderr}`).toBe(0);
    expect(same.stdout).toMatch(/^## firedrill compare: ✅ no regression/);
    expect(same.stdout).toMatch(/\| · \| cmp-latency \| matrix slow → ModelLatencyP99High \| \d/);
    const sameJson = comparisonSchema.parse(JSON.parse(await readFile(join(dir, 'same.json'), 'utf8')));
    expect(sameJson.regressions).toBe(0);
    expect(sameJson.cells.find((c) => c.alert === 'ModelLatencyP99High')!.time).not.toBeNull();
    console.log(`compare e2e: ${((Date.now() - started) / 1000).toFixed(1)}s`);
  }, 180_000);
});
