import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildRunJson, type RunJson } from '../report/index.ts';
import { sampleOutcome } from '../report/testing.ts';
import { compareSides } from './compare.ts';
import { comparisonMarkdown } from './markdown.ts';
import { comparisonSchema } from './model.ts';
import { readSide, type Side } from './read.ts';
import { defaultTolerance } from './tolerance.ts';

/**
 * A run.json of `scenario` where fault f1 is injected at 12.3 s and ModelLatencyHigh (expected after f1)
 * fires `detectMs` later (null: never), judged passed when within 10 s.
 */
function run(scenario: string, detectMs: number | null, p99 = 300): RunJson {
  const json = buildRunJson(sampleOutcome());
  const injectedAt = Date.parse(json.faults[0]!.injectedAt!);
  const iso = (ms: number) => new Date(ms).toISOString();
  json.scenario = scenario;
  json.alerts = json.alerts.filter((a) => a.name !== 'ModelLatencyHigh');
  if (detectMs !== null) {
    json.alerts.push({
      name: 'ModelLatencyHigh',
      labels: { alertname: 'ModelLatencyHigh', severity: 'page' },
      pendingAt: iso(injectedAt + detectMs - 1000),
      firingAt: iso(injectedAt + detectMs),
      notifiedAt: null,
      resolvedAt: null,
      endedAt: null,
      source: 'alerts-series',
    });
  }
  const fires = json.expectations.find((e) => e.id === 'latency-alert-fires')!;
  Object.assign(fires, {
    alert: 'ModelLatencyHigh',
    faultId: 'f1',
    measuredMs: detectMs,
    verdict: detectMs !== null && detectMs <= 10_000 ? 'passed' : 'failed',
  });
  json.phases.fault!.latencyMs.p99 = p99;
  return json;
}

function side(kind: 'run' | 'suite', runs: RunJson[]): Side {
  return {
    dir: `reports/${kind}`,
    kind,
    name: kind === 'suite' ? 'gate' : runs[0]!.scenario,
    runs: runs.map((r, i) => ({ scenario: r.scenario, repeat: i + 1, runDir: `r${i}`, run: r })),
    alerts: [
      { name: 'ModelErrorRateHigh', severity: 'ticket', query: '' },
      { name: 'ModelLatencyHigh', severity: 'page', query: '' },
    ],
  };
}

const options = { tolerance: defaultTolerance };

describe('compareSides', () => {
  it('same config twice: no regression, every key paired', () => {
    const c = compareSides(
      side('suite', [run('s', 3000), run('s', 3400)]),
      side('suite', [run('s', 3300), run('s', 3100)]),
      options,
    );
    expect(c.verdict).toBe('unchanged');
    expect(c.regressions).toBe(0);
    expect(c.expectations.map((e) => e.id)).toEqual([
      'latency-alert-fires',
      'errors-stay-silent',
      'latency-alert-resolves',
    ]);
    const fires = c.expectations[0]!;
    expect(fires.baseline.timesMs).toEqual([3000, 3400]);
    expect(fires.current.timesMs).toEqual([3300, 3100]);
    expect(fires.time!.method).toBe('bootstrap');
    expect(fires.status).toBe('same');
    const cell = c.cells.find((x) => x.faultId === 'f1' && x.alert === 'ModelLatencyHigh')!;
    expect(cell.baseline).toMatchObject({
      expected: true,
      state: 'fired',
      landed: 2,
      fired: 2,
      toFiringMs: [3000, 3400],
    });
    expect(cell.status).toBe('same');
    // ModelErrorRateHigh fired (not expected) on both sides: shown, same.
    expect(c.cells.find((x) => x.alert === 'ModelErrorRateHigh')!.baseline.expected).toBe(false);
    expect(() => comparisonSchema.parse(c)).not.toThrow();
  });

  it('slower detection beyond the tolerance: the expectation and the cell regress, with the numbers', () => {
    const c = compareSides(
      side('suite', [run('s', 3000), run('s', 3400)]),
      side('suite', [run('s', 8000), run('s', 8600)]),
      options,
    );
    expect(c.verdict).toBe('regressed');
    expect(c.regressions).toBe(2);
    const fires = c.expectations[0]!;
    expect(fires.status).toBe('regression');
    expect(fires.time).toMatchObject({
      method: 'bootstrap',
      baseMedianMs: 3200,
      newMedianMs: 8300,
      diffMs: 5100,
    });
    expect(fires.time!.interval!.lowMs).toBeGreaterThan(fires.time!.allowanceMs);
    expect(fires.reasons[0]).toMatch(/^detection slower by 5\.1s \(95% interval .*\), allowed ±2s$/);
    const md = comparisonMarkdown(c);
    expect(md).toContain('## firedrill compare: ❌ 2 regressions');
    expect(md).toMatch(
      /### Regressions\n\n\| scenario \| what \| baseline \| new \| why \|\n\|---\|---\|---\|---\|---\|\n\| s \| expectation `latency-alert-fires`/,
    );
    expect(md).toContain('| s | matrix f1 → ModelLatencyHigh | fired 2/2, 3s…3.4s | fired 2/2, 8s…8.6s |');
  });

  it('a slower detection from runs whose Prometheus fell behind still regresses, and says so', () => {
    const lateRun = (detectMs: number) => ({
      ...run('s', detectMs),
      prometheusLateness: {
        late: true,
        lateScrapes: [{ job: 'model-server', instance: '127.0.0.1:8080', intervalMs: 1000, maxGapMs: 4000 }],
        missedEvaluations: 4,
      },
    });
    const c = compareSides(
      side('suite', [run('s', 3000), run('s', 3400)]),
      side('suite', [lateRun(8000), run('s', 8600)]),
      options,
    );
    expect(c.regressions).toBe(2);
    expect(c.expectations[0]!.reasons[0]).toMatch(
      /^detection slower by 5\.1s .*, allowed ±2s; Prometheus itself was late in 1 of 2 new runs$/,
    );
    const cell = c.cells.find((x) => x.faultId === 'f1' && x.alert === 'ModelLatencyHigh')!;
    expect(cell.reasons.at(-1)).toMatch(/; Prometheus itself was late in 1 of 2 new runs$/);
    expect(c.warnings).toContainEqual(
      expect.stringMatching(
        /^s: Prometheus itself was late in 1 of 2 new runs: their detection times include/,
      ),
    );
    // On schedule (late: false, or files without the reading): nothing said.
    const onTime = {
      ...run('s', 8000),
      prometheusLateness: { late: false, lateScrapes: [], missedEvaluations: 0 },
    };
    const quiet = compareSides(side('suite', [run('s', 3000)]), side('suite', [onTime]), options);
    expect(quiet.warnings.join('\n')).not.toContain('Prometheus');
    expect(quiet.expectations[0]!.reasons.join('\n')).not.toContain('Prometheus');
  });

  it('single runs: new − base > max(2s, base × 0.5)', () => {
    const slower = (next: number) =>
      compareSides(side('run', [run('s', 6000)]), side('run', [run('s', next)]), options);
    expect(slower(9000).regressions).toBe(0); // +3 s = allowance
    expect(slower(9001).regressions).toBe(2);
    expect(slower(9001).expectations[0]!.time!.method).toBe('single');
  });

  it('a slow stack’s jitter (from run.json floors) widens the allowance', () => {
    const slowStack = (detectMs: number) => {
      const json = run('s', detectMs);
      json.floors[0]!.jitterMs = 60_000; // 30 s scrape + 30 s evaluation
      return json;
    };
    const c = compareSides(side('run', [slowStack(3000)]), side('run', [slowStack(9500)]), options);
    expect(c.expectations[0]!.time).toMatchObject({ jitterMs: 60_000, allowanceMs: 60_000, change: 'same' });
    expect(c.regressions).toBe(0);
  });

  it('passed → failed and fired → silent are regressions; the reverse improvements', () => {
    const lost = compareSides(side('run', [run('s', 3000)]), side('run', [run('s', null)]), options);
    expect(lost.expectations[0]).toMatchObject({ status: 'regression', reasons: ['passed → failed'] });
    const cell = lost.cells.find((x) => x.alert === 'ModelLatencyHigh')!;
    expect(cell).toMatchObject({ status: 'regression', reasons: ['fired 1/1 → silent 0/1'], time: null });
    const regained = compareSides(side('run', [run('s', null)]), side('run', [run('s', 3000)]), options);
    expect(regained.verdict).toBe('improved');
    expect(regained.regressions).toBe(0);
    expect(regained.improvements).toBe(2);
  });

  it('client p99 per phase is shown as medians over runs, not judged', () => {
    const c = compareSides(
      side('suite', [run('s', 3000, 200), run('s', 3000, 400)]),
      side('suite', [run('s', 3000, 5000)]),
      options,
    );
    const fault = c.phases.find((p) => p.phase === 'fault')!;
    expect(fault.p99Ms).toEqual({ baseline: [200, 400], current: [5000], baseMedian: 300, newMedian: 5000 });
    expect(c.regressions).toBe(0);
    expect(comparisonMarkdown(c)).toContain('| s | fault | 300ms → 5s | 2% → 2% |');
  });

  it('scenarios in common are compared, the rest named; none in common is a usage error', () => {
    const c = compareSides(
      side('suite', [run('a', 3000), run('b', 3000)]),
      side('suite', [run('a', 3000), run('c', 3000)]),
      options,
    );
    expect(c.unmatched).toEqual({ baselineOnly: ['b'], currentOnly: ['c'] });
    expect(c.warnings).toContain('only the baseline ran b: not compared');
    expect(() => compareSides(side('run', [run('a', 1)]), side('run', [run('z', 1)]), options)).toThrow(
      /the baseline reports\/run ran a and the new reports\/run ran z: no scenario in common/,
    );
  });
});

describe('readSide', () => {
  it('reads a run folder, and refuses a folder that is neither with exit 2', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fd-compare-'));
    const runDir = join(dir, 'run-1');
    await mkdir(runDir);
    await writeFile(join(runDir, 'run.json'), JSON.stringify(run('s', 3000)));
    await writeFile(join(runDir, 'events.ndjson'), '');
    const read = await readSide(runDir, 'baseline');
    expect(read).toMatchObject({
      kind: 'run',
      name: 's',
      alerts: [{ name: 'ModelErrorRateHigh' }, { name: 'ModelLatencyHigh' }],
    });
    expect(read.runs[0]!.run.alerts.length).toBeGreaterThan(0);
    await expect(readSide(dir, 'new')).rejects.toMatchObject({
      code: 'FD_USAGE',
      message: `new ${dir} is neither a run folder (no run.json) nor a suite folder (no suite.json)`,
    });
    await expect(readSide(join(dir, 'nope'), 'baseline')).rejects.toMatchObject({ code: 'FD_USAGE' });
    await writeFile(join(dir, 'suite.json'), JSON.stringify({ schemaVersion: 1, name: 'x' }));
    await expect(readSide(dir, 'baseline')).rejects.toThrow(/suite\.json: suiteId: /);
  });
});
