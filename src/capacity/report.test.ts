import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isFiredrillError } from '../core/errors.ts';
import { renderCapacityHtml } from './html.ts';
import { capacityPoint, readCapacityJson, renderCapacityReports } from './read.ts';
import { formatCapacityTable, renderCapacitySummary, undecidedText } from './report.ts';
import { type CapacityJson, capacityJsonSchema, type SearchResultJson } from './schema.ts';
import { hasAnswer, shouldStopSweep, sweepExitCode } from './sweep.ts';
import type { SearchStatus } from './types.ts';

/** A step of a search as capacity.json holds it: `rate` req/s offered, p99 `p99` ms. */
function step(rate: number, verdict: 'pass' | 'fail' | 'limited', p99 = 20) {
  const m = {
    offered: rate,
    achieved: rate,
    sent: rate * 4,
    completed: rate * 4,
    late: verdict === 'limited' ? rate : 0,
    errors: 0,
    timeouts: 0,
    wrongAnswers: 0,
    latencyMs: { p50: p99 / 2, p90: p99 * 0.8, p99 },
  };
  return {
    rate,
    stability: verdict === 'limited' ? ('generator-limited' as const) : ('stable' as const),
    verdict,
    violations: verdict === 'fail' ? [`p99 ${p99}ms > 50ms`] : [],
    measure: {
      ...m,
      errorRatio: 0,
      wrongAnswerRatio: 0,
      lateRatio: m.late / m.sent,
      goodput: null,
      maxLatencyMs: p99,
    },
    windows: [m],
    startedAt: '2026-12-05T03:00:00.000Z',
    endedAt: '2026-12-05T03:00:05.000Z',
  };
}

function search(
  status: SearchStatus,
  steps: ReturnType<typeof step>[],
  highestPass: number | null,
  lowestFail: number | null = null,
): SearchResultJson {
  return {
    fault: null,
    answer: { status, highestPass, lowestFail },
    capacity: highestPass,
    knee: { point: null, beyond: 'none' },
    cost: null,
    alerts: [],
    steps,
    probeSeconds: steps.length * 5,
  };
}

function capacityJson(
  configurations: { label: string; healthy: SearchResultJson }[],
  recommendation: number | null,
  earlyExit = false,
): CapacityJson {
  return capacityJsonSchema.parse({
    schemaVersion: 1,
    unit: 'rate',
    id: '2026-12-05_03-00-00_unit',
    scenario: 'unit',
    target: 'http://127.0.0.1:1',
    startedAt: '2026-12-05T03:00:00.000Z',
    endedAt: '2026-12-05T03:01:00.000Z',
    status: 'completed',
    slo: { latencyMs: { p99: 50 }, maxErrorRatio: 0.01 },
    settings: {
      startRate: 50,
      maxRate: 2000,
      maxDurationMs: 600_000,
      precision: 0.02,
      repeats: 1,
      warmupMs: 1000,
      windowMs: 2000,
      stableWindows: 3,
      maxWindows: 8,
      tolerance: 0.1,
      percentile: 'p99',
      workers: 1,
    },
    pricing: null,
    configurator: 'fixture',
    configurations: configurations.map((c) => ({ ...c, settings: {} })),
    earlyExit,
    recommendation,
  } satisfies CapacityJson);
}

const allLimited = search('generator-limited', [step(50, 'limited', 80)], null);
const limitedAbovePass = search('generator-limited', [step(50, 'pass'), step(100, 'limited', 90)], 50);

describe('what a search without an answer says', () => {
  it('configurations the max duration left no time for are named, with what to do', () => {
    const result = {
      ...capacityJson([{ label: 'maxBatchSize=1', healthy: search('found', [step(50, 'pass')], 50) }], 0),
      notSearched: ['maxBatchSize=16 maxQueueDelayMs=2'],
    };
    const line =
      'not searched, the max duration ran out first (raise --max-duration): maxBatchSize=16 maxQueueDelayMs=2';
    expect(formatCapacityTable(result)).toContain(line);
    expect(renderCapacityHtml(result)).toContain('Not searched, the max duration ran out first');
    expect(formatCapacityTable(capacityJson([{ label: 'x', healthy: allLimited }], null))).not.toContain(
      'not searched',
    );
  });

  it('every step generator-limited: no answer, the generator blamed, never "no rate met the SLO"', () => {
    const result = capacityJson([{ label: 'as deployed', healthy: allLimited }], null);
    const text = formatCapacityTable(result);
    expect(text).toContain('SLO capacity: no answer: every step was generator-limited');
    expect(text).toContain('the generator could not keep its schedule');
    expect(text).toContain('rerun on a quieter machine');
    expect(text).not.toContain('no rate met the SLO');
    const html = renderCapacityHtml(result);
    expect(html).toContain('Search generator-limited: no answer: every step was generator-limited');
    expect(html).toContain('SLO capacity: no answer: every step was generator-limited');
    expect(html).not.toMatch(/no (rate|configuration) met the SLO/i);
  });

  it('a pass under a generator-limited step: a lower bound, naming the limited rate', () => {
    expect(undecidedText(limitedAbovePass)).toBe(
      'at least 50/s, not decided: the step at 100/s was generator-limited',
    );
  });

  it('budget and interrupted say so; answered searches need no words', () => {
    expect(undecidedText(search('budget', [step(50, 'pass')], 50))).toContain(
      'at least 50/s, not decided: the time budget',
    );
    expect(undecidedText(search('interrupted', [], null))).toBe(
      'no answer: the search was interrupted before it was decided',
    );
    for (const status of ['found', 'above-max', 'below-start'] as const) {
      expect(undecidedText(search(status, [step(50, 'fail', 90)], null, 50))).toBeUndefined();
    }
  });

  it('a start rate that failed everywhere is "no rate met the SLO"', () => {
    const failed = search('below-start', [step(50, 'fail', 90)], null, 50);
    const text = formatCapacityTable(
      capacityJson(
        [
          { label: 'a', healthy: failed },
          { label: 'b', healthy: failed },
        ],
        null,
      ),
    );
    expect(text).toContain('SLO capacity: no rate met the SLO');
  });

  it('mixed: each configuration says what is known of it', () => {
    const failed = search('below-start', [step(50, 'fail', 90)], null, 50);
    const text = formatCapacityTable(
      capacityJson(
        [
          { label: 'maxBatchSize=1', healthy: failed },
          { label: 'maxBatchSize=8', healthy: allLimited },
        ],
        null,
      ),
    );
    expect(text).toContain('SLO capacity: not decided:');
    expect(text).toContain('  maxBatchSize=1: no rate met the SLO (the start rate failed)');
    expect(text).toContain('  maxBatchSize=8: no answer: every step was generator-limited');
    // Why generator-limited says nothing about the server, and what to do: said once, not per configuration.
    expect(text.split('the generator could not keep its schedule')).toHaveLength(2);
  });

  it('beside a recommendation, a configuration without an answer is named, and in summary.md too', () => {
    const found = search('found', [step(50, 'pass'), step(100, 'fail', 90)], 50, 100);
    const result = capacityJson(
      [
        { label: 'maxBatchSize=1', healthy: found },
        { label: 'maxBatchSize=8', healthy: limitedAbovePass },
      ],
      0,
    );
    const text = formatCapacityTable(result);
    expect(text).toContain('SLO capacity: 50/s (p99 20ms) with maxBatchSize=1');
    expect(text).toContain(
      'maxBatchSize=8: at least 50/s, not decided: the step at 100/s was generator-limited',
    );
    const summary = renderCapacitySummary(result);
    expect(summary).toContain('## maxBatchSize=8\n\nSearch generator-limited: at least 50/s, not decided');
    expect(summary).not.toContain('## maxBatchSize=1\n\nSearch');
  });
});

describe('early exit and exit code leave searches without an answer out', () => {
  const rule = { window: 2, minGain: 0.05 };
  const p = (capacity: number | null, status: SearchStatus = 'found') => ({ capacity, status });

  it('generator-limited or budget-cut configurations are not "gained 0 %"', () => {
    // Two configurations without an answer after the best: a broken rule reads them as no gain and stops.
    expect(shouldStopSweep([p(100), p(200), p(null, 'generator-limited'), p(null, 'budget')], rule)).toBe(
      false,
    );
    // Their lower bounds count neither: 50 is below the best, yet it is not a measured "no gain".
    expect(shouldStopSweep([p(100), p(200), p(50, 'generator-limited'), p(201)], rule)).toBe(false);
    // Once two configurations WITH an answer gained under 5 %, the sweep stops, whatever lies between.
    expect(shouldStopSweep([p(100), p(200), p(null, 'generator-limited'), p(204), p(205)], rule)).toBe(true);
    // below-start is an answer: no rate met the SLO, no gain.
    expect(shouldStopSweep([p(100), p(200), p(null, 'below-start'), p(null, 'below-start')], rule)).toBe(
      true,
    );
  });

  it('only found, above-max and below-start are answers', () => {
    expect(
      (['found', 'above-max', 'below-start', 'generator-limited', 'budget', 'interrupted'] as const).map(
        hasAnswer,
      ),
    ).toEqual([true, true, true, false, false, false]);
  });

  it('exit 0 with a recommendation, 10 when every search answered none, 11 when one had no answer', () => {
    expect(sweepExitCode(1, ['generator-limited', 'found'])).toBe(0);
    expect(sweepExitCode(null, ['below-start', 'below-start'])).toBe(10);
    expect(sweepExitCode(null, ['below-start', 'generator-limited'])).toBe(11);
    expect(sweepExitCode(null, ['generator-limited'])).toBe(11);
    expect(sweepExitCode(null, [])).toBe(11);
  });
});

describe('firedrill report <capacity-dir>: capacity.json through its schema', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });
  async function folder(content: unknown): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'firedrill-capacity-'));
    dirs.push(dir);
    await writeFile(
      join(dir, 'capacity.json'),
      typeof content === 'string' ? content : JSON.stringify(content, null, 2),
    );
    return dir;
  }
  async function failure(path: string): Promise<{ code: string; message: string; hint: string }> {
    try {
      await readCapacityJson(path);
    } catch (error) {
      if (!isFiredrillError(error)) throw error;
      return { code: error.code, message: error.message, hint: error.hint ?? '' };
    }
    throw new Error(`${path} was read without an error`);
  }
  const found = search('found', [step(50, 'pass'), step(100, 'fail', 90)], 50, 100);
  const valid = capacityJson([{ label: 'maxBatchSize=1', healthy: found }], 0);

  it('rewrites summary.md and capacity.html from capacity.json alone', async () => {
    const dir = await folder(valid);
    await writeFile(join(dir, 'summary.md'), 'stale');
    const result = await renderCapacityReports(dir);
    expect(result).toEqual(valid);
    expect(await readFile(join(dir, 'summary.md'), 'utf8')).toBe(renderCapacitySummary(valid));
    expect(await readFile(join(dir, 'capacity.html'), 'utf8')).toBe(renderCapacityHtml(valid));
    // The file itself is accepted too (export --at-capacity takes either).
    expect((await readCapacityJson(join(dir, 'capacity.json'))).result).toEqual(valid);
  });

  it('a newer schemaVersion: exit 2 naming the file and the field', async () => {
    const dir = await folder({ ...valid, schemaVersion: 2, somethingNew: true });
    const e = await failure(dir);
    expect(e.code).toBe('FD_USAGE');
    expect(e.message).toBe(
      `${join(dir, 'capacity.json')}: schemaVersion: 2 is newer than this firedrill reads (1)`,
    );
  });

  it('a field that fails the schema: every one named with its path in the JSON', async () => {
    const broken = structuredClone(valid) as unknown as {
      configurations: { healthy: { capacity: unknown; steps: { verdict: unknown }[] } }[];
      recommendation: unknown;
    };
    broken.configurations[0]!.healthy.capacity = 'fifty';
    broken.configurations[0]!.healthy.steps[1]!.verdict = 'maybe';
    delete (broken as { recommendation?: unknown }).recommendation;
    const dir = await folder(broken);
    const e = await failure(dir);
    expect(e.code).toBe('FD_USAGE');
    const file = join(dir, 'capacity.json');
    expect(e.message).toContain(`${file} is not a capacity.json of schemaVersion 1:`);
    expect(e.message).toContain(`${file}: configurations[0].healthy.capacity: `);
    expect(e.message).toContain(`${file}: configurations[0].healthy.steps[1].verdict: `);
    expect(e.message).toContain(`${file}: recommendation: `);
  });

  it('not JSON, no capacity.json, no such folder: each names the path', async () => {
    const dir = await folder('{"schemaVersion": 1,');
    expect(await failure(dir)).toMatchObject({
      code: 'FD_USAGE',
      message: expect.stringContaining(`${join(dir, 'capacity.json')} is not JSON`),
    });
    const empty = join(dir, 'empty');
    await mkdir(empty);
    expect((await failure(empty)).message).toContain(`cannot read ${join(empty, 'capacity.json')}`);
    expect((await failure(join(dir, 'nowhere'))).message).toBe(
      `${join(dir, 'nowhere')}: no such file or folder`,
    );
  });
});

describe('capacityPoint: the answer export --at-capacity confirms', () => {
  const file = 'reports/capacity-x/capacity.json';
  const found = search('found', [step(50, 'pass'), step(100, 'fail', 90)], 50, 100);
  const higher = search('found', [step(50, 'pass'), step(80, 'pass'), step(100, 'fail', 90)], 80, 100);
  const result = capacityJson(
    [
      { label: 'maxBatchSize=1', healthy: found },
      { label: 'maxBatchSize=8', healthy: higher },
      { label: 'maxBatchSize=16', healthy: allLimited },
      { label: 'maxBatchSize=32', healthy: limitedAbovePass },
    ],
    1,
  );
  const messageOf = (action: () => unknown) => {
    try {
      action();
    } catch (error) {
      return isFiredrillError(error) ? `${error.code}: ${error.message} | ${error.hint}` : String(error);
    }
    return 'no error';
  };

  it('the recommended configuration by default, another by its 1-based number', () => {
    expect(capacityPoint({ file, result }, 'unit', undefined)).toEqual({
      configuration: 2,
      label: 'maxBatchSize=8',
      rate: 80,
      slo: result.slo,
      warnings: [],
    });
    expect(capacityPoint({ file, result }, 'unit', 1)).toMatchObject({ label: 'maxBatchSize=1', rate: 50 });
  });

  it('a lower bound only with a warning; no capacity, no such configuration, another scenario: refused', () => {
    const bound = capacityPoint({ file, result }, 'unit', 4);
    expect(bound.rate).toBe(50);
    expect(bound.warnings[0]).toContain('maxBatchSize=32: at least 50/s, not decided');
    expect(messageOf(() => capacityPoint({ file, result }, 'unit', 3))).toMatch(
      /^FD_USAGE: --configuration 3 \(maxBatchSize=16\) in reports\/capacity-x\/capacity.json has no SLO capacity: no answer: every step was generator-limited/,
    );
    expect(messageOf(() => capacityPoint({ file, result }, 'unit', 5))).toMatch(
      /^FD_USAGE: --configuration 5: reports\/capacity-x\/capacity.json has 4 configurations \| one of 1: maxBatchSize=1 \(50\/s, found\); 2: /,
    );
    expect(messageOf(() => capacityPoint({ file, result }, 'other', undefined))).toBe(
      `FD_USAGE: ${file} is the capacity of scenario "unit", not of "other" | export the scenario file that capacity search ran`,
    );
    const none = capacityJson([{ label: 'as deployed', healthy: allLimited }], null);
    expect(messageOf(() => capacityPoint({ file, result: none }, 'unit', undefined))).toMatch(
      /^FD_USAGE: .*no configuration was recommended .*\| pick one with --configuration N \(1: as deployed \(no capacity, generator-limited\)\)$/,
    );
  });
});
