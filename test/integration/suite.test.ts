import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { suiteJsonSchema } from '../../src/suite/index.ts';
import { root, runCli } from './helpers.ts';

const scenario = (body: Record<string, unknown>) => `export default ${JSON.stringify(body, null, 2)};\n`;

/**
 * One suite run over two short scenarios on one embedded stack, back to back: the latency alert of the first
 * must not leak into the second (the quiescence gate), a missed expectation makes the suite exit 10 and its
 * cell "missed", alerts nobody expected are "unexpected", and every loaded rule has its column.
 */
describe('firedrill suite', () => {
  it('runs two scenarios on one stack with a gate between them and draws the full detection matrix', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fd-suite-it-'));
    await writeFile(
      join(dir, 'a-latency.ts'),
      scenario({
        name: 'a-latency',
        description: 'a latency spike; ModelServerDown is (wrongly) expected too: a missed cell',
        target: { protocol: 'kserve-v2', model: 'penguins' },
        traffic: { stages: [{ kind: 'constant', rate: 30, duration: '18s' }], timeout: '5s' },
        faults: [{ id: 'slow', kind: 'latency-spike', at: '4s', duration: '8s', delay: '400ms' }],
        expect: [
          { kind: 'alert-fires', alert: 'ModelLatencyP99High', after: 'slow', within: '12s' },
          { kind: 'alert-fires', alert: 'ModelServerDown', after: 'slow', within: '12s' },
        ],
        recovery: '6s',
      }),
    );
    await writeFile(
      join(dir, 'b-errors.ts'),
      scenario({
        name: 'b-errors',
        description:
          'an error burst right after: the latency alert of a-latency must be gone before it starts',
        target: { protocol: 'kserve-v2', model: 'penguins' },
        traffic: { stages: [{ kind: 'constant', rate: 30, duration: '16s' }], timeout: '5s' },
        faults: [{ id: 'errors', kind: 'error-burst', at: '3s', duration: '7s', ratio: 0.5 }],
        expect: [
          { kind: 'alert-fires', alert: 'ModelErrorRatioHigh', after: 'errors', within: '12s' },
          { kind: 'alert-silent', alert: 'ModelLatencyP99High' },
        ],
        recovery: '6s',
      }),
    );
    const out = join(dir, 'reports');
    const result = await runCli(['suite', dir, '--out', out, '--quiet'], { timeoutMs: 200_000 });
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(10);
    const suiteDir = join(out, readdirSync(out).find((name) => name.startsWith('suite-'))!);
    const suite = suiteJsonSchema.parse(JSON.parse(await readFile(join(suiteDir, 'suite.json'), 'utf8')));

    expect(suite.verdict).toBe('failed');
    expect(suite.runs.map((r) => [r.scenario, r.verdict])).toEqual([
      ['a-latency', 'failed'],
      ['b-errors', 'passed'],
    ]);
    // The gate held b-errors back until a-latency's alert had resolved and its windows had passed.
    expect(suite.runs[1]!.gate.ok).toBe(true);
    expect(suite.runs[1]!.gate.waitedMs).toBeGreaterThan(0);

    // Every alert rule loaded from the fixture's rule files is a column.
    const ruleCount = readdirSync(join(root, 'fixtures/prometheus/rules'))
      .map((file) => readFileSync(join(root, 'fixtures/prometheus/rules', file), 'utf8'))
      .reduce((sum, text) => sum + (text.match(/^\s*- alert:/gm) ?? []).length, 0);
    expect(suite.matrix.alerts).toHaveLength(ruleCount);
    expect(suite.matrix.rows).toHaveLength(2);
    for (const row of suite.matrix.rows) expect(row.cells).toHaveLength(ruleCount);
    const cell = (faultId: string, alert: string) =>
      suite.matrix.rows.find((r) => r.faultId === faultId)!.cells.find((c) => c.alert === alert)!;
    expect(cell('slow', 'ModelLatencyP99High').class).toBe('expected');
    expect(cell('slow', 'ModelLatencyP99High').toFiring!.p50).toBeLessThan(12_000);
    expect(cell('slow', 'ModelServerDown').class).toBe('missed');
    expect(cell('errors', 'ModelErrorRatioHigh').class).toBe('expected');
    expect(cell('errors', 'ModelLatencyP99High').class).toBe('silent');
    const unexpected = suite.matrix.rows.flatMap((r) =>
      r.cells.filter((c) => c.class === 'unexpected').map((c) => c.alert),
    );
    expect(unexpected.length).toBeGreaterThan(0);
    // Coverage: the rules no fault here exercised, and no dead rule in the fixture.
    const fired = new Set(
      suite.matrix.rows.flatMap((r) => r.cells.filter((c) => c.fired > 0).map((c) => c.alert)),
    );
    expect(suite.matrix.coverage.neverFired).toEqual(
      suite.matrix.alerts.map((a) => a.name).filter((n) => !fired.has(n)),
    );
    expect(suite.matrix.coverage.neverFired.length).toBeGreaterThan(0);
    expect(suite.matrix.coverage.deadRules).toEqual([]);

    // junit: one testsuite per run, one testcase per expectation.
    const junit = await readFile(join(suiteDir, 'junit.xml'), 'utf8');
    expect(junit.match(/<testsuite /g)).toHaveLength(2);
    expect(junit.match(/<testcase /g)).toHaveLength(4);
    expect(junit).toMatch(/<failure message="ModelServerDown/);
    // summary.md: the matrix, one line per rule, and each run's folder linked.
    const summary = await readFile(join(suiteDir, 'summary.md'), 'utf8');
    expect(summary).toContain('## Detection matrix');
    expect(
      summary.split('\n').filter((line) => /^\| Model|^\| [A-Z]\w+ \(/.test(line)).length,
    ).toBeGreaterThanOrEqual(ruleCount);
    for (const run of suite.runs) expect(summary).toContain(`](${run.runDir}/summary.md)`);
    // The suite's stack is gone.
    await expect(fetch(`${suite.stack.prometheus}/-/ready`)).rejects.toThrow();
  });
});
