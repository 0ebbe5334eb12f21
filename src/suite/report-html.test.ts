import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Comparison } from '../compare/model.ts';
import type { FaultOutcome } from '../report/index.ts';
import { buildDetectionMatrix, type MatrixRun } from './matrix.ts';
import { buildSuiteJson, type SuiteOutcome } from './report.ts';
import { renderSuiteHtml } from './report-html.ts';
import { renderSuiteReports } from './rerender.ts';

const T0 = 1_000_000;

function fault(id: string): FaultOutcome {
  return {
    id,
    kind: 'latency-spike',
    backend: 'local',
    params: {},
    injectedAt: T0,
    landedAt: T0 + 50,
    landedEvidence: null,
    notLandedReason: null,
    revertedAt: T0 + 10_000,
    revertError: null,
    cleanupHint: null,
  };
}

const evil = `<img src=x onerror=alert(1)>`;

function suite(scenario: string): SuiteOutcome {
  const runs: MatrixRun[] = [
    {
      scenario,
      repeat: 1,
      runDir: `2026-01-01_${scenario}`,
      endedAt: T0 + 40_000,
      faults: [fault('f1')],
      alerts: [
        {
          name: 'Latency',
          labels: {},
          pendingAt: T0 + 1000,
          firingAt: T0 + 3000,
          notifiedAt: null,
          resolvedAt: null,
        },
      ],
      expectations: [],
      expectedFirings: [{ id: 'e', alert: 'Latency', faultId: 'f1', withinMs: 10_000 }],
    },
    {
      scenario: 'quiet',
      repeat: 1,
      runDir: '2026-01-01_quiet',
      endedAt: T0 + 40_000,
      faults: [fault('f2')],
      alerts: [],
      expectations: [],
      expectedFirings: [{ id: 'e', alert: 'Errors', faultId: 'f2', withinMs: 10_000 }],
    },
  ];
  const rules = [
    { name: 'Latency', severity: 'page', query: 'latency > 1' },
    { name: 'Errors', severity: 'page', query: 'errors > 1' },
    { name: 'Dead', severity: 'ticket', query: 'rate(typo_total[1m]) > 0' },
  ];
  return {
    suiteId: 's1',
    name: 'gate',
    suiteFile: null,
    startedAt: T0,
    endedAt: T0 + 90_000,
    verdict: 'failed',
    exitCode: 10,
    stack: { prometheus: '', alertmanager: '', target: '', embedded: true },
    repeat: 1,
    runs: runs.map((r) => ({
      scenario: r.scenario,
      file: `${r.scenario}.ts`,
      repeat: 1,
      runDir: r.runDir,
      verdict: 'passed',
      exitCode: 0,
      counts: { passed: 1, failed: 0, inconclusive: 0 },
      gate: { waitedMs: 0, ok: true },
    })),
    matrix: buildDetectionMatrix(runs, rules, new Set(['latency', 'errors'])),
    warnings: [],
  };
}

function cells(html: string): Array<Record<string, string>> {
  return [...html.matchAll(/<td class="cell ([^"]*)"((?:\s[a-z-]+="[^"]*")*)>(.*?)<\/td>/g)].map((m) => {
    const map: Record<string, string> = { className: m[1]!, content: m[3]! };
    for (const a of m[2]!.matchAll(/\s([a-z-]+)="([^"]*)"/g)) map[a[1]!] = a[2]!;
    return map;
  });
}

describe('renderSuiteHtml', () => {
  it('draws one cell per fault × alert rule, classified, each linking to its run’s report.html', () => {
    const json = buildSuiteJson(suite('latency'));
    const html = renderSuiteHtml(json);
    const grid = cells(html);
    expect(grid).toHaveLength(2 * 3);
    const cell = (fault: string, alert: string) =>
      grid.find((c) => c['data-fault'] === fault && c['data-alert'] === alert)!;
    expect(cell('f1', 'Latency')).toMatchObject({ 'data-class': 'expected', className: 'cell-expected' });
    expect(cell('f1', 'Latency').content).toBe('<a href="2026-01-01_latency/report.html">✓ 3s</a>');
    expect(cell('f2', 'Errors')['data-class']).toBe('missed');
    expect(cell('f2', 'Errors').content).toContain('missed');
    expect(cell('f1', 'Dead')['data-class']).toBe('silent');
    // Blind spot: f2 landed and no page fired; coverage: Errors and Dead never fired, Dead is a dead rule.
    expect(json.matrix.blindSpots.map((b) => b.faultId)).toEqual(['f2']);
    expect(html).toMatch(/<div data-section="blind-spots"><ul><li data-fault="f2">/);
    expect([...html.matchAll(/data-never-fired="([^"]+)"/g)].map((m) => m[1])).toEqual(['Dead', 'Errors']);
    expect(html).toContain('<li data-dead-rule="Dead">');
    // Every run links to its timeline.
    expect(html).toContain('<a href="2026-01-01_quiet/report.html">timeline</a>');
  });

  it('puts the matrix in its own scroll box, each row led by a rule cell the page style makes sticky', () => {
    const html = renderSuiteHtml(buildSuiteJson(suite('latency')));
    expect(html).toContain('<div class="matrix-scroll" data-scroll="matrix">\n<table class="matrix"');
    const box = html.slice(
      html.indexOf('data-scroll="matrix"'),
      html.indexOf('</div>', html.indexOf('data-scroll="matrix"')),
    );
    expect(box).toContain('</table>');
    const rows = [...box.matchAll(/<tr data-alert="([^"]+)"><td class="([^"]*)"[^>]*>([^<]*)<\/td>/g)];
    expect(rows.map((m) => [m[1], m[2], m[3]])).toEqual([
      ['Dead', 'rule', 'Dead (ticket)'],
      ['Errors', 'rule', 'Errors (page)'],
      ['Latency', 'rule', 'Latency (page)'],
    ]);
    expect(html).toMatch(/\.matrix td\.rule \{ position: sticky; left: 0;[^}]*background: #fff;/);
    expect(html).toMatch(/\.matrix thead th \{ position: sticky; top: 0;/);
  });

  it('shows the comparison with the baseline: the regression, in the same tables as compare.md', () => {
    const sample = (verdict: 'passed' | 'failed', timesMs: number[]) => ({
      runs: 1,
      passed: verdict === 'passed' ? 1 : 0,
      failed: verdict === 'failed' ? 1 : 0,
      inconclusive: 0,
      verdict,
      timesMs,
    });
    const comparison: Comparison = {
      schemaVersion: 1,
      baseline: { dir: 'base', kind: 'suite', name: 'latency', runs: 1, scenarios: ['latency'] },
      current: { dir: 'new', kind: 'suite', name: 'latency', runs: 1, scenarios: ['latency'] },
      tolerance: { absMs: 2000, factor: 1.5 },
      bootstrap: { seed: 1, resamples: 2000, level: 0.95 },
      verdict: 'regressed',
      regressions: 1,
      improvements: 0,
      expectations: [
        {
          scenario: 'latency',
          id: 'fires-<Latency>',
          kind: 'alert-fires',
          subject: 'Latency',
          baseline: sample('passed', [4000]),
          current: sample('failed', [11000]),
          time: {
            method: 'single',
            baseMedianMs: 4000,
            newMedianMs: 11000,
            diffMs: 7000,
            interval: null,
            jitterMs: 2000,
            allowanceMs: 2000,
            change: 'regression',
          },
          status: 'regression',
          reasons: ['passed → failed', 'slower by 7s'],
        },
      ],
      cells: [],
      phases: [],
      unmatched: { baselineOnly: [], currentOnly: [] },
      warnings: [],
    };
    const json = buildSuiteJson(suite('latency'));
    expect(renderSuiteHtml(json)).not.toContain('id="comparison"');
    const html = renderSuiteHtml(json, comparison);
    expect(html).toContain('data-comparison-verdict="regressed">❌ 1 regression</span>');
    const regressions = html.slice(html.indexOf('data-comparison-table="Regressions"'));
    expect(regressions.slice(0, regressions.indexOf('</table>'))).toContain(
      '<td>passed → failed; slower by 7s</td>',
    );
    // The expectation id is escaped inside its code span.
    expect(html).toContain('<code>fires-&lt;Latency&gt;</code>');
    expect(html).not.toContain('<Latency>');
  });

  it('escapes scenario names in text, attributes and links', () => {
    const html = renderSuiteHtml(buildSuiteJson(suite(evil)));
    expect(html).not.toContain('<img');
    expect(html).toContain('data-scenario="&lt;img src=x onerror=alert(1)&gt;"');
    expect(html).toContain('href="2026-01-01_%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E/report.html"');
  });
});

describe('renderSuiteReports (firedrill report <suite-dir>)', () => {
  it('re-renders report.html from suite.json, and refuses a suite.json that is not one, naming file and field', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fd-suite-html-'));
    const json = buildSuiteJson(suite('latency'));
    // Gate-stopped runs have no folder to re-render: the page alone is rewritten.
    json.runs = json.runs.map((r) => ({ ...r, runDir: null }));
    await writeFile(join(dir, 'suite.json'), JSON.stringify(json));
    await renderSuiteReports(dir);
    expect(await readFile(join(dir, 'report.html'), 'utf8')).toBe(renderSuiteHtml(json));

    await writeFile(join(dir, 'suite.json'), JSON.stringify({ ...json, repeat: 'twice' }));
    await expect(renderSuiteReports(dir)).rejects.toMatchObject({
      code: 'FD_USAGE',
      message: expect.stringMatching(/suite\.json: repeat: /),
    });
  });
});
