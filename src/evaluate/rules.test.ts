import { describe, expect, it } from 'vitest';
import type { ApiRuleGroup, PrometheusConfigDoc } from './prometheus-client.ts';
import {
  budgetStanding,
  computeFloor,
  computeFloors,
  loadRuleTimings,
  parsePromDuration,
  scrapeIntervalFromConfig,
  unknownAlertError,
} from './rules.ts';
import type { RuleTiming } from './types.ts';

describe('parsePromDuration', () => {
  it.each<[string, number | undefined]>([
    ['1s', 1000],
    ['15s', 15_000],
    ['1m', 60_000],
    ['1h30m', 5_400_000],
    ['500ms', 500],
    ['1m30s500ms', 90_500],
    ['2d', 172_800_000],
    ['1w', 604_800_000],
    ['1y', 31_536_000_000],
    ['0s', 0],
    ['0', 0],
    [' 10s ', 10_000],
    ['', undefined],
    ['1.5s', undefined],
    ['30', undefined],
    ['s', undefined],
    ['1s1m', undefined],
    ['10x', undefined],
  ])('%j → %j', (text, ms) => {
    expect(parsePromDuration(text)).toBe(ms);
  });
});

describe('scrapeIntervalFromConfig', () => {
  it.each<[string, PrometheusConfigDoc, number]>([
    [
      'largest job interval',
      {
        global: { scrape_interval: '1s' },
        scrape_configs: [
          { job_name: 'a', scrape_interval: '1s' },
          { job_name: 'b', scrape_interval: '15s' },
        ],
      },
      15_000,
    ],
    [
      'job without its own inherits global',
      {
        global: { scrape_interval: '5s' },
        scrape_configs: [{ job_name: 'a' }, { job_name: 'b', scrape_interval: '2s' }],
      },
      5000,
    ],
    ['no jobs: global', { global: { scrape_interval: '10s' } }, 10_000],
    ['nothing: Prometheus default 1m', {}, 60_000],
  ])('%s', (_name, config, ms) => {
    expect(scrapeIntervalFromConfig(config)).toBe(ms);
  });
});

const timing = (partial: Partial<RuleTiming>): RuleTiming => ({
  alert: 'A',
  group: 'g',
  evaluationIntervalMs: 1000,
  forMs: 0,
  keepFiringForMs: 0,
  scrapeIntervalMs: 1000,
  query: 'up == 0',
  ...partial,
});

describe('computeFloor', () => {
  it.each<[string, Partial<RuleTiming>, number, 'firing' | 'notified', number, number, string]>([
    ['for 3s, eval 1s', { forMs: 3000 }, 0, 'firing', 3000, 2000, 'scrape 1s, eval 1s, for 3s'],
    ['for 0', { forMs: 0 }, 0, 'firing', 0, 2000, 'scrape 1s, eval 1s, for 0ms'],
    [
      'for 2.5s rounds up to whole evaluations',
      { forMs: 2500 },
      0,
      'firing',
      3000,
      2000,
      'scrape 1s, eval 1s, for 2.5s',
    ],
    [
      'notified adds group_wait',
      { forMs: 2000 },
      30_000,
      'notified',
      32_000,
      2000,
      'scrape 1s, eval 1s, for 2s, group_wait 30s',
    ],
    [
      'notified with group_wait 0',
      { forMs: 3000 },
      0,
      'notified',
      3000,
      2000,
      'scrape 1s, eval 1s, for 3s, group_wait 0ms',
    ],
    [
      'slow eval',
      { forMs: 60_000, evaluationIntervalMs: 30_000, scrapeIntervalMs: 15_000 },
      0,
      'firing',
      60_000,
      45_000,
      'scrape 15s, eval 30s, for 1m',
    ],
    [
      'for shorter than eval',
      { forMs: 10_000, evaluationIntervalMs: 30_000 },
      0,
      'firing',
      30_000,
      31_000,
      'scrape 1s, eval 30s, for 10s',
    ],
  ])('%s', (_name, partial, groupWaitMs, measure, floorMs, jitterMs, explanation) => {
    expect(computeFloor(timing(partial), groupWaitMs, measure)).toEqual({
      alert: 'A',
      floorMs,
      jitterMs,
      explanation,
      measure,
    });
  });

  it('computeFloors takes the lowest floor when one alert has several rules', () => {
    const floors = computeFloors(
      [
        timing({ forMs: 120_000 }),
        timing({ forMs: 2000, group: 'fast' }),
        timing({ alert: 'B', forMs: 5000 }),
      ],
      0,
      [
        { alert: 'A', measure: 'firing' },
        { alert: 'A', measure: 'firing' },
        { alert: 'B', measure: 'notified' },
        { alert: 'C', measure: 'firing' },
      ],
    );
    expect(floors.map((f) => [f.alert, f.measure, f.floorMs])).toEqual([
      ['A', 'firing', 2000],
      ['B', 'notified', 5000],
    ]);
  });
});

describe('loadRuleTimings', () => {
  const groups: ApiRuleGroup[] = [
    {
      name: 'serving',
      file: 'rules.yml',
      interval: 1,
      rules: [
        { type: 'recording', name: 'job:errors:rate5s', query: 'rate(errors[5s])' },
        { type: 'alerting', name: 'Lat', query: 'p99 > 0.5', duration: 2, keepFiringFor: 10 },
        { type: 'alerting', name: 'Err', query: 'ratio > 0.1', duration: 0 },
      ],
    },
    {
      name: 'slow',
      file: 'slow.yml',
      interval: 30,
      rules: [{ type: 'alerting', name: 'Lat', query: 'p99 > 2', duration: 300 }],
    },
  ];
  const config: PrometheusConfigDoc = {
    global: { scrape_interval: '1m' },
    scrape_configs: [
      { job_name: 'model', scrape_interval: '1s' },
      { job_name: 'redis', scrape_interval: '2s' },
    ],
  };
  const client = { rules: async () => groups, config: async () => config };

  it("'all': every alerting rule's timing, nothing missing; recording rules apart, with their interval", async () => {
    const { timings, missing, recordings } = await loadRuleTimings(client, 'all');
    expect(timings.map((t) => `${t.group}/${t.alert}`)).toEqual(['serving/Lat', 'serving/Err', 'slow/Lat']);
    expect(missing).toEqual([]);
    expect(recordings).toEqual([
      { name: 'job:errors:rate5s', query: 'rate(errors[5s])', evaluationIntervalMs: 1000 },
    ]);
  });

  it('reads eval interval, for, keep_firing_for and the scrape interval; reports missing names', async () => {
    const { timings, missing } = await loadRuleTimings(client, ['Lat', 'Err', 'Nope', 'job:errors:rate5s']);
    expect(missing).toEqual(['Nope', 'job:errors:rate5s']);
    expect(timings).toEqual([
      {
        alert: 'Lat',
        group: 'serving',
        evaluationIntervalMs: 1000,
        forMs: 2000,
        keepFiringForMs: 10_000,
        scrapeIntervalMs: 2000,
        query: 'p99 > 0.5',
      },
      {
        alert: 'Err',
        group: 'serving',
        evaluationIntervalMs: 1000,
        forMs: 0,
        keepFiringForMs: 0,
        scrapeIntervalMs: 2000,
        query: 'ratio > 0.1',
      },
      {
        alert: 'Lat',
        group: 'slow',
        evaluationIntervalMs: 30_000,
        forMs: 300_000,
        keepFiringForMs: 0,
        scrapeIntervalMs: 2000,
        query: 'p99 > 2',
      },
    ]);
  });

  it('uses a given scrape interval without reading the config', async () => {
    const noConfig = {
      rules: async () => groups,
      config: async () => Promise.reject(new Error('not served')),
    };
    const { timings } = await loadRuleTimings(noConfig, ['Err'], { scrapeIntervalMs: 15_000 });
    expect(timings[0]?.scrapeIntervalMs).toBe(15_000);
  });
});

describe('unknownAlertError', () => {
  const loaded = ['FeatureStoreDown', 'ModelErrorRatioHigh', 'ModelLatencyP99High'];
  it('names each missing alert with the loaded rule it was likely meant to be', () => {
    const error = unknownAlertError(['ModelErrorRateHgih', 'DiskFull'], loaded, 'http://127.0.0.1:9090');
    expect(error.code).toBe('FD_UNKNOWN_ALERT');
    expect(error.exitCode).toBe(2);
    expect(error.message).toBe(
      'the scenario expects alerts "ModelErrorRateHgih" (did you mean "ModelErrorRatioHigh"?), "DiskFull" that Prometheus at http://127.0.0.1:9090 has no rule for',
    );
    expect(error.hint).toBe(
      'loaded alerting rules: FeatureStoreDown, ModelErrorRatioHigh, ModelLatencyP99High',
    );
  });
  it('says "none" when no rule is loaded', () => {
    expect(unknownAlertError(['X'], [], 'http://p').hint).toBe('loaded alerting rules: none');
  });
});

describe('budgetStanding', () => {
  const floor = { alert: 'A', floorMs: 5000, jitterMs: 2000, explanation: '', measure: 'firing' as const };
  it.each([
    [4999, 'below-floor'],
    [5000, 'inside-jitter'],
    [6999, 'inside-jitter'],
    [7000, 'clear'],
  ] as const)('budget %i ms against floor 5000 + jitter 2000 → %s', (budgetMs, standing) => {
    expect(budgetStanding(budgetMs, floor)).toBe(standing);
  });
  it('is clear when the floor is unknown', () => {
    expect(budgetStanding(1, undefined)).toBe('clear');
  });
});
