import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { suiteJsonSchema } from '../../src/suite/index.ts';
import { explainedByStarvedHost, root, runCli, verdictOf } from './helpers.ts';
import { checkSuiteReport } from './html-check.ts';

/**
 * The chaos and drift sample game days, end to end on ONE embedded stack, as a user runs a catalogue: a suite
 * of pod-kill, feature-store-outage, gpu-throttle, bad-canary (rolled back), good-canary (kept) and feature-drift,
 * each passing with its faults landed and
 * reverted, plus a short latency scenario that (wrongly) also expects ModelServerDown: that cell is "missed"
 * and the suite exits 10. Each sample's own silent expectations prove the quiescence gate kept the previous
 * scenario's alerts out. (`drift-sensitivity.ts` takes ~5 minutes and is run by hand; its sweep logic is
 * unit-tested.)
 */
describe('sample game days as a suite on one stack', () => {
  it('passes every sample, marks the missed cell, and draws the full detection matrix', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fd-samples-'));
    await writeFile(
      join(dir, 'missed-latency.ts'),
      `export default ${JSON.stringify({
        name: 'missed-latency',
        description: 'a latency spike; ModelServerDown is (wrongly) expected too: a missed cell',
        target: { protocol: 'kserve-v2', model: 'penguins' },
        traffic: { stages: [{ kind: 'constant', rate: 30, duration: '16s' }], timeout: '5s' },
        faults: [{ id: 'slow', kind: 'latency-spike', at: '3s', duration: '8s', delay: '400ms' }],
        expect: [
          { kind: 'alert-fires', alert: 'ModelLatencyP99High', after: 'slow', within: '12s' },
          { kind: 'alert-fires', alert: 'ModelServerDown', after: 'slow', within: '12s' },
        ],
        recovery: '5s',
      })};\n`,
    );
    const samples = [
      'pod-kill',
      'feature-store-outage',
      'gpu-throttle',
      'bad-canary',
      'good-canary',
      'feature-drift',
    ];
    await writeFile(
      join(dir, 'samples.suite.ts'),
      `export default ${JSON.stringify({
        name: 'samples',
        // feature-drift last: its drift lasts to its end, and the PSI window keeps the drift alerts up after.
        scenarios: ['missed-latency.ts', ...samples.map((s) => join(root, 'scenarios', `${s}.ts`))],
        known: ['ModelErrorBudgetBurnTicket'],
      })};\n`,
    );
    const out = join(dir, 'reports');
    const result = await runCli(['suite', join(dir, 'samples.suite.ts'), '--out', out, '--quiet'], {
      timeoutMs: 720_000,
    });
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(10);
    const suiteDir = join(out, readdirSync(out).find((name) => name.startsWith('suite-'))!);
    const suite = suiteJsonSchema.parse(JSON.parse(await readFile(join(suiteDir, 'suite.json'), 'utf8')));
    expect(suite.runs.map((r) => r.scenario)).toEqual(['missed-latency', ...samples]);

    // Every sample passes as it does alone: faults landed and reverted, drift as expected. A verdict the run's
    // own evidence pins on a starved CI host (explainedByStarvedHost) is the only other one accepted.
    for (const entry of suite.runs.slice(1)) {
      const run = JSON.parse(await readFile(join(suiteDir, entry.runDir!, 'run.json'), 'utf8'));
      const notPassed = run.expectations.filter((e: any) => e.verdict !== 'passed');
      for (const e of notPassed) {
        expect(explainedByStarvedHost(e), `${entry.scenario} ${e.id}: ${e.verdict}: ${e.detail}`).toBe(true);
      }
      expect(run.verdict, `${entry.scenario}: ${entry.reason ?? ''}`).toBe(verdictOf(notPassed).verdict);
      for (const fault of run.faults) {
        expect(fault.landedAt, `${fault.id} landed`).not.toBeNull();
        expect(fault.revertedAt, `${fault.id} reverted`).not.toBeNull();
      }
      for (const step of run.drift) {
        for (const feature of step.features) expect(feature.agree, feature.detail).toBe(true);
      }
      expect(entry.gate.ok).toBe(true);
    }
    expect(suite.runs[0]!.verdict).toBe('failed');

    // Every alert rule loaded from the fixture's rule files is a column; every fault a row.
    const ruleCount = readdirSync(join(root, 'fixtures/prometheus/rules'))
      .map((file) => readFileSync(join(root, 'fixtures/prometheus/rules', file), 'utf8'))
      .reduce((sum, text) => sum + (text.match(/^\s*- alert:/gm) ?? []).length, 0);
    expect(suite.matrix.alerts).toHaveLength(ruleCount);
    for (const row of suite.matrix.rows) expect(row.cells).toHaveLength(ruleCount);
    const cell = (scenario: string, alert: string) =>
      suite.matrix.rows.find((r) => r.scenario === scenario)!.cells.find((c) => c.alert === alert)!;
    expect(cell('missed-latency', 'ModelLatencyP99High').class).toBe('expected');
    expect(cell('missed-latency', 'ModelServerDown').class).toBe('missed');
    expect(cell('pod-kill', 'ModelServerDown').class).toBe('expected');
    expect(cell('pod-kill', 'ModelServerDown').toFiring!.p50).toBeGreaterThan(0);
    expect(cell('bad-canary', 'ModelCanaryRolledBack').class).toBe('expected');
    expect(cell('good-canary', 'ModelCanaryRolledBack').class).toBe('silent');
    const unexpected = suite.matrix.rows.flatMap((r) => r.cells.filter((c) => c.class === 'unexpected'));
    expect(unexpected.length).toBeGreaterThan(0);
    // Coverage counts every run, not only fault windows: feature-drift's drift (a payload step, no fault)
    // exercised the PSI and KS tickets.
    const fired = new Set(
      suite.matrix.rows.flatMap((r) => r.cells.filter((c) => c.fired > 0).map((c) => c.alert)),
    );
    for (const alert of [...fired, 'FeatureDriftPSIHigh', 'FeatureDriftKSLow']) {
      expect(suite.matrix.coverage.neverFired).not.toContain(alert);
    }
    expect(suite.matrix.coverage.neverFired.length).toBeGreaterThan(0);
    expect(suite.matrix.coverage.deadRules).toEqual([]);

    // junit: one testsuite per run, one testcase per expectation; summary.md links every run.
    const junit = await readFile(join(suiteDir, 'junit.xml'), 'utf8');
    expect(junit.match(/<testsuite /g)).toHaveLength(suite.runs.length);
    const expectations = suite.runs.reduce(
      (n, r) => n + r.counts.passed + r.counts.failed + r.counts.inconclusive,
      0,
    );
    expect(junit.match(/<testcase /g)).toHaveLength(expectations);
    expect(junit).toMatch(/<failure message="ModelServerDown/);
    const summary = await readFile(join(suiteDir, 'summary.md'), 'utf8');
    expect(summary).toContain('## Detection matrix');
    expect(summary).toContain('## Impact to detection');
    for (const run of suite.runs) expect(summary).toContain(`](${run.runDir}/summary.md)`);
    // report.html in real Chromium from disk: the matrix grid (one cell per fault × rule, each linking to its
    // run's report.html), blind spots, coverage; no console error, no request; report.png beside it.
    await checkSuiteReport(suiteDir);
    // The suite's stack is gone.
    await expect(fetch(`${suite.stack.prometheus}/-/ready`)).rejects.toThrow();
    // Seven game days of 20–65 s back to back, with the gates between them: longer than the project's default.
  }, 750_000);
});
