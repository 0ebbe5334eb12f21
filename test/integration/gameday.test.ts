import { existsSync } from 'node:fs';
import { readFile, realpath, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readRunJson, runCli, shortScenario, writeScenario } from './helpers.ts';

/**
 * The spine, end to end, as a user runs it: the real CLI starts the embedded stack (real Prometheus,
 * Alertmanager, Redis, fixture model server), sends real load, injects a real fault, and judges real alerts.
 */
describe('firedrill run on the embedded stack', () => {
  it.each([['scenarios/latency-spike.ts'], ['scenarios/error-burst.ts']])(
    '%s passes in under 2 minutes with measured detection times, floors and budgets',
    async (scenario) => {
      const { dir } = await writeScenario({ name: 'unused' });
      const out = join(dir, 'reports');
      const result = await runCli(['run', scenario, '--out', out, '--quiet', '--request-log'], {
        timeoutMs: 170_000,
      });
      expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
      expect(result.ms).toBeLessThan(120_000);
      expect(result.stdout).toMatch(/verdict: passed \(exit 0\)/);

      const run = await readRunJson(out);
      expect(run.schemaVersion).toBe(1);
      expect(run.verdict).toBe('passed');
      expect(run.stack.embedded).toBe(true);
      const fires = run.expectations.filter((e: any) => e.kind === 'alert-fires');
      expect(fires.length).toBeGreaterThan(0);
      for (const e of fires) {
        expect(e.verdict).toBe('passed');
        expect(e.measuredMs).toBeGreaterThan(0);
        expect(e.measuredMs).toBeLessThanOrEqual(e.budgetMs);
        expect(e.floorMs).toBeGreaterThan(0);
        expect(e.measuredMs).toBeGreaterThanOrEqual(e.floorMs);
      }
      expect(run.expectations.some((e: any) => e.kind === 'alert-resolves' && e.verdict === 'passed')).toBe(
        true,
      );
      expect(run.expectations.some((e: any) => e.kind === 'alert-silent' && e.verdict === 'passed')).toBe(
        true,
      );
      expect(run.faults[0].landedAt).not.toBeNull();
      expect(run.faults[0].revertedAt).not.toBeNull();
      expect(run.traffic.model).toBe('open');
      expect(run.traffic.sent).toBeGreaterThan(2000);

      const latestDir = join(out, 'latest');
      for (const file of [
        'events.ndjson',
        'junit.xml',
        'summary.md',
        'prometheus.log',
        'alertmanager.log',
        'redis.log',
        'model-server.log',
      ]) {
        expect(existsSync(join(latestDir, file)), file).toBe(true);
      }
      const junit = await readFile(join(latestDir, 'junit.xml'), 'utf8');
      expect(junit.match(/<testcase /g)?.length).toBe(run.expectations.length);
      const events = (await readFile(join(latestDir, 'events.ndjson'), 'utf8'))
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      const types = events.map((e: any) => e.type);
      // Write-ahead: the injection is journaled before it is applied, the revert before it runs.
      expect(types.indexOf('fault-injecting')).toBeLessThan(types.indexOf('fault-injected'));
      expect(types.indexOf('fault-reverting')).toBeLessThan(types.indexOf('fault-reverted'));

      // --request-log: one line per request sent, timestamps in order, outcomes adding up to run.json's.
      const requests = (await readFile(join(latestDir, 'requests.ndjson'), 'utf8'))
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(requests).toHaveLength(run.traffic.sent);
      expect(new Set(requests.map((r: any) => r.seq)).size).toBe(requests.length);
      for (const r of requests) {
        expect(r.sentAt).toBeGreaterThanOrEqual(r.intendedAt);
        expect(r.endAt).toBeGreaterThanOrEqual(r.firstByteAt ?? r.sentAt);
      }
      expect(requests.filter((r: any) => r.outcome !== 'ok').length).toBe(run.traffic.errors);

      // Every report is a function of the journal: `firedrill report` rebuilds the same files from it alone.
      const runDir = await realpath(latestDir);
      const reports = ['run.json', 'junit.xml', 'summary.md'];
      const live = await Promise.all(reports.map((f) => readFile(join(runDir, f), 'utf8')));
      for (const f of reports) await rm(join(runDir, f));
      const rerendered = await runCli(['report', runDir], { timeoutMs: 30_000 });
      expect(rerendered.code, rerendered.stderr).toBe(0);
      expect(await Promise.all(reports.map((f) => readFile(join(runDir, f), 'utf8')))).toEqual(live);
    },
  );

  it('stops at preflight with exit 10 when a budget is below the detection floor, and says why in run.json', async () => {
    const { file, dir } = await writeScenario(
      shortScenario({
        name: 'impossible-budget',
        expect: [{ kind: 'alert-fires', alert: 'ModelLatencyP99High', after: 'slow', within: '1s' }],
      }),
    );
    const out = join(dir, 'reports');
    const result = await runCli(['run', file, '--out', out, '--quiet'], { timeoutMs: 90_000 });
    expect(result.code, result.stderr).toBe(10);
    const run = await readRunJson(out);
    expect(run.verdict).toBe('failed');
    const [expectation] = run.expectations;
    expect(expectation.verdict).toBe('failed');
    expect(expectation.budgetMs).toBe(1000);
    expect(expectation.floorMs).toBeGreaterThan(1000);
    expect(expectation.detail).toMatch(/below the detection floor/);
    expect(run.traffic?.sent ?? 0).toBe(0);
  });

  it('exits 2 naming an expected alert that has no rule, and run.json says why', async () => {
    const { file, dir } = await writeScenario(
      shortScenario({
        name: 'missing-alert',
        expect: [{ kind: 'alert-fires', alert: 'ModelLatencyTypo', after: 'slow', within: '15s' }],
      }),
    );
    const out = join(dir, 'reports');
    const result = await runCli(['run', file, '--out', out, '--quiet'], { timeoutMs: 90_000 });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('"ModelLatencyTypo"');
    const run = await readRunJson(out);
    expect(run.verdict).toBe('errored');
    expect(run.reason).toContain('ModelLatencyTypo');
  });

  it('rejects an invalid scenario with every problem and its path, exit 2, no stack trace', async () => {
    const { file } = await writeScenario(
      shortScenario({
        name: 'broken',
        faults: [{ id: 'slow', kind: 'latency-spike', at: 'soon', duration: '12s', delay: '400ms' }],
      }),
    );
    const result = await runCli(['validate', file], { timeoutMs: 30_000 });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${file}: faults[0].at: expected a fault start offset like "30s"`);
    expect(result.stderr).not.toMatch(/\bat .*\.ts:\d+:\d+/);
  });
});
