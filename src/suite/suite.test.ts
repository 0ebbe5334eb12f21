import { mkdir, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Comparison } from '../compare/model.ts';
import { FiredrillError } from '../core/errors.ts';
import { silentLogger } from '../core/log.ts';
import type { AlertRecord, ExpectationResult } from '../evaluate/index.ts';
import type { FaultOutcome } from '../report/index.ts';
import { parseScenario } from '../scenario/index.ts';
import { createHistogram, encodeHistogram, recordMicros, type TrafficWindow } from '../traffic/index.ts';
import { resolveSuiteInputs } from './load.ts';
import {
  buildDetectionMatrix,
  firstSloBreach,
  longestRangeMs,
  type MatrixRun,
  metricNamesOf,
} from './matrix.ts';
import {
  aggregateExitCode,
  buildSuiteJson,
  buildSuiteSummaryMarkdown,
  cellText,
  impactMarkdown,
  suiteJsonSchema,
} from './report.ts';
import { clientSlo, runSuite } from './run-suite.ts';
import { suiteSchema } from './schema.ts';

const T0 = 1_000_000;

function fault(id: string, injectedAt: number | null, landed = true): FaultOutcome {
  return {
    id,
    kind: 'latency-spike',
    backend: 'local',
    params: {},
    injectedAt,
    landedAt: landed && injectedAt !== null ? injectedAt + 50 : null,
    landedEvidence: null,
    notLandedReason: landed ? null : 'probe saw no change',
    revertedAt: injectedAt === null ? null : injectedAt + 10_000,
    revertError: null,
    cleanupHint: null,
  };
}

function episode(
  name: string,
  pendingAt: number,
  firingAt: number | null,
  notifiedAt: number | null = null,
): AlertRecord {
  return { name, labels: { alertname: name }, pendingAt, firingAt, notifiedAt, resolvedAt: null };
}

function result(id: string, verdict: ExpectationResult['verdict']): ExpectationResult {
  return {
    id,
    kind: 'alert-fires',
    subject: id,
    verdict,
    measuredMs: null,
    budgetMs: null,
    floorMs: null,
    detail: '',
  };
}

const rules = [
  {
    name: 'Latency',
    severity: 'page',
    query: 'histogram_quantile(0.99, sum by (le) (rate(model_latency_seconds_bucket[10s]))) > 0.25',
  },
  {
    name: 'Errors',
    severity: 'page',
    query: 'sum(rate(model_requests_total{code=~"5.."}[5s])) / sum(rate(model_requests_total[5s])) > 0.05',
  },
  { name: 'Info', severity: 'info', query: 'up{job="x"} == 0' },
  { name: 'Dead', severity: 'ticket', query: 'rate(model_typo_total[1m]) > 0' },
];

function run(overrides: Partial<MatrixRun>): MatrixRun {
  return {
    scenario: 's',
    repeat: 1,
    runDir: 'run-1',
    endedAt: T0 + 40_000,
    faults: [fault('f', T0)],
    alerts: [],
    expectations: [],
    expectedFirings: [],
    ...overrides,
  };
}

describe('buildDetectionMatrix', () => {
  it('classifies every fault × every loaded rule against the expectations', () => {
    const matrix = buildDetectionMatrix(
      [
        run({
          alerts: [
            episode('Latency', T0 + 1000, T0 + 3000, T0 + 3100),
            episode('Errors', T0 + 2000, T0 + 4000),
          ],
          expectations: [result('fires-latency', 'passed'), result('fires-info', 'failed')],
          expectedFirings: [
            { id: 'fires-latency', alert: 'Latency', faultId: 'f', withinMs: 15_000 },
            { id: 'fires-info', alert: 'Info', faultId: 'f', withinMs: 15_000 },
          ],
        }),
      ],
      rules,
      new Set(['model_latency_seconds_bucket', 'model_requests_total', 'up']),
    );
    const row = matrix.rows[0]!;
    const cell = (name: string) => row.cells.find((c) => c.alert === name)!;
    expect(matrix.alerts.map((a) => a.name)).toEqual(['Dead', 'Errors', 'Info', 'Latency']);
    expect(cell('Latency')).toMatchObject({ class: 'expected', fired: 1, runs: 1, budgetMs: 15_000 });
    expect(cell('Latency').toFiring).toEqual({ p50: 3000, p90: 3000, max: 3000 });
    expect(cell('Latency').toPending).toEqual({ p50: 1000, p90: 1000, max: 1000 });
    expect(cell('Latency').toNotified).toEqual({ p50: 3100, p90: 3100, max: 3100 });
    expect(cell('Errors').class).toBe('unexpected');
    expect(cell('Info').class).toBe('missed');
    expect(cell('Dead').class).toBe('silent');
    expect(row.blindSpot).toBe(false);
    expect(matrix.coverage.neverFired).toEqual(['Dead', 'Info']);
    expect(matrix.coverage.deadRules).toEqual([{ alert: 'Dead', missingMetrics: ['model_typo_total'] }]);
  });

  it('calls an expected alert late when it fired but failed its budget, and counts repeats', () => {
    const expectedFirings = [{ id: 'fires', alert: 'Latency', faultId: 'f', withinMs: 5000 }];
    const matrix = buildDetectionMatrix(
      [
        run({
          repeat: 1,
          runDir: 'r1',
          alerts: [episode('Latency', T0 + 1000, T0 + 3000)],
          expectations: [result('fires', 'passed')],
          expectedFirings,
        }),
        run({
          repeat: 2,
          runDir: 'r2',
          alerts: [episode('Latency', T0 + 1000, T0 + 9000)],
          expectations: [result('fires', 'failed')],
          expectedFirings,
        }),
        run({
          repeat: 3,
          runDir: 'r3',
          alerts: [],
          expectations: [result('fires', 'failed')],
          expectedFirings,
        }),
      ],
      rules,
    );
    const cell = matrix.rows[0]!.cells.find((c) => c.alert === 'Latency')!;
    expect(cell).toMatchObject({ class: 'late', runs: 3, fired: 2 });
    expect(cell.toFiring).toEqual({ p50: 3000, p90: 9000, max: 9000 });
    expect(cellText(cell, true)).toBe('⏰ 3s…9s 2/3');
    expect(matrix.rows[0]!.runDirs).toEqual(['r1', 'r2', 'r3']);
    expect(matrix.coverage.deadRules).toEqual([]);
  });

  it('ignores episodes that began before the injection or after the next fault, and flags blind spots', () => {
    const matrix = buildDetectionMatrix(
      [
        run({
          faults: [fault('a', T0), fault('b', T0 + 20_000)],
          alerts: [
            episode('Latency', T0 - 5000, T0 - 1000), // already pending before a: not a's doing
            episode('Errors', T0 + 21_000, T0 + 22_000), // after b began: b's
            episode('Info', T0 + 1000, T0 + 2000), // a's, but info does not page
          ],
        }),
      ],
      rules,
    );
    const [a, b] = matrix.rows;
    expect(a!.cells.find((c) => c.alert === 'Latency')!.class).toBe('silent');
    expect(a!.cells.find((c) => c.alert === 'Errors')!.class).toBe('silent');
    expect(a!.cells.find((c) => c.alert === 'Info')!.class).toBe('unexpected');
    expect(a!.blindSpot).toBe(true);
    expect(b!.cells.find((c) => c.alert === 'Errors')!.class).toBe('unexpected');
    expect(b!.blindSpot).toBe(false);
    expect(matrix.blindSpots).toEqual([{ scenario: 's', faultId: 'a', faultKind: 'latency-spike' }]);
  });

  it('says nothing about a fault that never landed', () => {
    const matrix = buildDetectionMatrix(
      [run({ faults: [fault('f', T0, false)], alerts: [episode('Errors', T0 + 1, T0 + 2)] })],
      rules,
    );
    expect(new Set(matrix.rows[0]!.cells.map((c) => c.class))).toEqual(new Set(['not-injected']));
    expect(matrix.rows[0]!.blindSpot).toBe(false);
  });
});

describe('metricNamesOf', () => {
  it.each([
    ['up{job="x"} == 0', ['up']],
    [
      'sum by (model, code) (rate(model_requests_total{code=~"5.."}[5m])) / ignoring(code) group_left sum(rate(b_total[5m]))',
      ['b_total', 'model_requests_total'],
    ],
    [
      'histogram_quantile(0.99, sum by (le) (rate(x_bucket[30s]))) > 0.25 and on(model) y offset 5m',
      ['x_bucket', 'y'],
    ],
    ['slo:error_ratio:rate5m > (14.4 * 0.001)', ['slo:error_ratio:rate5m']],
    ['{__name__="weird_metric", job="a"} > 1e3', ['weird_metric']],
    ['absent(model_requests_total{job="model-server"})', ['model_requests_total']],
  ])('%s → %j', (expr, names) => {
    expect(metricNamesOf(expr)).toEqual(names);
  });
});

describe('longestRangeMs', () => {
  it('reads range windows and subquery ranges, in any unit', () => {
    expect(longestRangeMs(['rate(a[5s])', 'max_over_time(b[1m:10s])', 'rate(c[1h12m])'])).toBe(4_320_000);
    expect(longestRangeMs(['up == 0'])).toBe(0);
  });
});

describe('aggregateExitCode', () => {
  it.each([
    [[0, 0], 0],
    [[0, 11], 11],
    [[11, 10, 0], 10],
    [[3, 10], 10],
    [[3, 11], 3],
    [[10, 130], 130],
    [[130, 12], 12],
    [[], 11],
  ])('%j → %i', (codes, code) => {
    expect(aggregateExitCode(codes)).toBe(code);
  });
});

describe('resolveSuiteInputs', () => {
  it('runs a folder’s scenario files in name order, skipping tests and suite files', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fd-suite-'));
    for (const name of ['b.ts', 'a.ts', 'c.test.ts', 'x.suite.ts', 'notes.md'])
      await writeFile(join(dir, name), '');
    const inputs = await resolveSuiteInputs([dir]);
    expect(inputs.scenarioFiles).toEqual([join(dir, 'a.ts'), join(dir, 'b.ts')]);
    expect(inputs.suite.repeat).toBe(1);
  });
  it('reads a suite file: paths relative to it, every invalid field with its path', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fd-suite-'));
    await mkdir(join(dir, 'scen'));
    await writeFile(join(dir, 'scen', 'a.ts'), '');
    await writeFile(
      join(dir, 'good.suite.ts'),
      "export default { name: 'gate', scenarios: ['scen/'], repeat: 3, known: ['Watchdog'] };\n",
    );
    const good = await resolveSuiteInputs([join(dir, 'good.suite.ts')]);
    expect(good.scenarioFiles).toEqual([join(dir, 'scen', 'a.ts')]);
    expect(good.suite).toMatchObject({
      name: 'gate',
      repeat: 3,
      known: ['Watchdog'],
      gateTimeout: 90_000,
      windowCap: 30_000,
    });
    await writeFile(
      join(dir, 'bad.suite.ts'),
      "export default { name: 'Bad Name', scenarios: [], repeat: 0, extra: 1 };\n",
    );
    const error = await resolveSuiteInputs([join(dir, 'bad.suite.ts')]).catch((e: unknown) => e as Error);
    expect(error).toMatchObject({ code: 'FD_SCENARIO_INVALID' });
    for (const path of [': name:', ': scenarios:', ': repeat:', 'unrecognized key', 'extra']) {
      expect((error as Error).message).toContain(path === 'unrecognized key' ? 'extra' : path);
    }
  });
  it('refuses missing paths, a file listed twice and a suite file mixed with others (exit 2)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fd-suite-'));
    await writeFile(join(dir, 'a.ts'), '');
    await expect(resolveSuiteInputs([join(dir, 'nope.ts')])).rejects.toMatchObject({ code: 'FD_USAGE' });
    await expect(resolveSuiteInputs([join(dir, 'a.ts'), dir])).rejects.toThrow(/listed twice/);
    await expect(resolveSuiteInputs([join(dir, 'a.ts'), 'x.suite.ts'])).rejects.toThrow(/runs alone/);
    await expect(resolveSuiteInputs([])).rejects.toMatchObject({ code: 'FD_USAGE' });
  });
});

describe('suite reports', () => {
  it('writes a suite.json that its schema reads back, and a matrix table with one row per rule', () => {
    const matrix = buildDetectionMatrix([run({ alerts: [episode('Errors', T0 + 1000, T0 + 2000)] })], rules);
    const outcome = {
      suiteId: 'suite-1',
      name: 'gate',
      suiteFile: null,
      startedAt: T0,
      endedAt: T0 + 60_000,
      verdict: 'passed' as const,
      exitCode: 0,
      stack: { prometheus: 'http://127.0.0.1:9090', alertmanager: '', target: '', embedded: true },
      repeat: 1,
      runs: [],
      matrix,
      warnings: [],
    };
    const json = buildSuiteJson(outcome);
    expect(suiteJsonSchema.parse(JSON.parse(JSON.stringify(json)))).toEqual(json);
    const markdown = buildSuiteSummaryMarkdown(outcome);
    const tableRows = markdown.split('\n').filter((line) => /^\| (Dead|Errors|Info|Latency)/.test(line));
    expect(tableRows).toHaveLength(4);
    expect(tableRows.find((line) => line.startsWith('| Errors'))).toContain('⚠️ 2s');
    expect(markdown).toContain('Never exercised by this suite (3 of 4): Dead, Info, Latency.');
    expect(json.comparison).toBeUndefined();
    expect(markdown).not.toContain('Compared with the baseline');

    // Compared with a baseline: the gist in suite.json, the comparison's markdown in summary.md.
    const compared = {
      ...outcome,
      exitCode: 10,
      verdict: 'failed' as const,
      comparison: {
        baselineDir: 'baselines/main',
        verdict: 'regressed' as const,
        regressions: 1,
        improvements: 0,
        markdown: '### firedrill compare: ❌ 1 regression\n',
        comparison: {} as Comparison, // only report.html reads it
      },
    };
    const comparedJson = suiteJsonSchema.parse(JSON.parse(JSON.stringify(buildSuiteJson(compared))));
    expect(comparedJson.comparison).toEqual({
      baselineDir: 'baselines/main',
      verdict: 'regressed',
      regressions: 1,
      improvements: 0,
      file: 'compare.json',
    });
    expect(buildSuiteSummaryMarkdown(compared)).toContain(
      '## Compared with the baseline ([compare.md](compare.md), [compare.json](compare.json))\n\n### firedrill compare: ❌ 1 regression\n',
    );
  });
});

describe('impact to detection', () => {
  function window(second: number, latencyMs: number, errors = 0): TrafficWindow {
    const ok = createHistogram();
    for (let i = 0; i < 50; i += 1) recordMicros(ok, latencyMs * 1000);
    const encoded = encodeHistogram(ok);
    ok.destroy();
    return {
      startAt: T0 + second * 1000,
      second,
      intended: 50 + errors,
      sent: 50 + errors,
      ok: 50,
      httpErrors: errors,
      networkErrors: 0,
      timeouts: 0,
      late: 0,
      dropped: 0,
      okHistogram: encoded,
      errorHistogram: encodeHistogram(createHistogram()),
      statusCodes: { '200': 50 },
    };
  }

  it('finds the first second that breaks the SLO after the injection, from each window’s own percentiles', () => {
    const windows = [
      window(0, 10),
      window(1, 400),
      window(2, 10),
      window(3, 10, 30),
      window(4, 500),
      window(5, 10),
    ];
    // Fault from +1.5 s: the window of +1 s overlaps it (users were hurt from the injection on).
    expect(firstSloBreach(windows, { fromAt: T0 + 1500, toAt: T0 + 6000 }, { p99Ms: 250 })).toBe(T0 + 1500);
    expect(firstSloBreach(windows, { fromAt: T0 + 2000, toAt: T0 + 6000 }, { p99Ms: 250 })).toBe(T0 + 4000);
    expect(firstSloBreach(windows, { fromAt: T0 + 2000, toAt: T0 + 6000 }, { errorRatio: 0.1 })).toBe(
      T0 + 3000,
    );
    expect(
      firstSloBreach(windows, { fromAt: T0 + 5000, toAt: T0 + 6000 }, { p99Ms: 250, errorRatio: 0.1 }),
    ).toBeNull();
  });

  it('puts each alert before or after the impact, per run', () => {
    const matrix = buildDetectionMatrix(
      [
        run({
          alerts: [episode('Latency', T0 + 1000, T0 + 5000), episode('Errors', T0 + 500, T0 + 1000)],
          impactAt: { f: T0 + 2000 },
        }),
      ],
      rules,
    );
    const row = matrix.rows[0]!;
    expect(row.toImpact).toEqual({ p50: 2000, p90: 2000, max: 2000 });
    expect(row.cells.find((c) => c.alert === 'Latency')!.afterImpact!.p50).toBe(3000);
    expect(row.cells.find((c) => c.alert === 'Errors')!.afterImpact!.p50).toBe(-1000);
    const lines = impactMarkdown(matrix);
    expect(lines[0]).toContain('SLO broken 2s after injection');
    expect(lines[0]).toContain('Errors (page) fired 1s before users noticed');
    expect(lines[0]).toContain('users were hurt for 3s before Latency (page)');
  });

  it('takes the SLO from the suite, else from the scenario’s strictest baseline/run thresholds', () => {
    const parsed = parseScenario({
      name: 's',
      description: 'd',
      target: { model: 'm' },
      traffic: { stages: [{ kind: 'constant', rate: 5, duration: '10s' }] },
      expect: [
        { kind: 'threshold', phase: 'baseline', metric: 'p99', op: '<', value: 150 },
        { kind: 'threshold', phase: 'run', metric: 'p99', op: '<', value: 300 },
        { kind: 'threshold', phase: 'fault', metric: 'p99', op: '<', value: 5 },
        { kind: 'threshold', phase: 'run', metric: 'error-ratio', op: '<', value: 0.01 },
      ],
    });
    if (!parsed.ok) throw new Error('scenario');
    const suite = suiteSchema.parse({ name: 'x', scenarios: ['a.ts'] });
    expect(clientSlo(suite, parsed.scenario)).toEqual({ p99Ms: 150, errorRatio: 0.01 });
    const withSlo = suiteSchema.parse({ name: 'x', scenarios: ['a.ts'], slo: { p99: '250ms' } });
    expect(clientSlo(withSlo, parsed.scenario)).toEqual({ p99Ms: 250, errorRatio: undefined });
  });
});

describe('suite baseline', () => {
  it('resolves the suite file’s baseline: relative to it, and checks it before anything starts', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fd-suite-baseline-'));
    await writeFile(
      join(dir, 'lat.ts'),
      `export default ${JSON.stringify({
        name: 'lat',
        description: 'a latency spike',
        target: { protocol: 'kserve-v2', model: 'penguins' },
        traffic: { stages: [{ kind: 'constant', rate: 5, duration: '5s' }] },
        faults: [{ id: 'slow', kind: 'latency-spike', at: '1s', duration: '2s', delay: '400ms' }],
        expect: [{ kind: 'alert-fires', alert: 'ModelLatencyP99High', after: 'slow', within: '10s' }],
      })};\n`,
    );
    await writeFile(
      join(dir, 'b.suite.ts'),
      `export default ${JSON.stringify({ name: 'b', scenarios: ['lat.ts'], baseline: '../baselines/main' })};\n`,
    );
    const reportsDir = join(dir, 'reports');
    const seen: string[] = [];
    const options = {
      args: [join(dir, 'b.suite.ts')],
      reportsDir,
      log: silentLogger,
      signal: new AbortController().signal,
      compareBaseline: async (baselineDir: string) => {
        seen.push(baselineDir);
        throw new FiredrillError(
          'FD_USAGE',
          `baseline ${baselineDir} is neither a run folder nor a suite folder`,
        );
      },
    };
    await expect(runSuite(options)).rejects.toThrow(/is neither a run folder/);
    expect(seen).toEqual([resolve(dir, '../baselines/main')]);
    // Nothing started: no suite folder was made.
    await expect(readdir(reportsDir)).rejects.toMatchObject({ code: 'ENOENT' });
    // --baseline overrides the file's.
    await expect(runSuite({ ...options, baseline: 'elsewhere' })).rejects.toThrow(
      /baseline elsewhere is neither/,
    );
    // A baseline without a way to compare is a programming error, said so.
    await expect(runSuite({ ...options, compareBaseline: undefined })).rejects.toMatchObject({
      code: 'FD_INTERNAL',
    });
  });
});
