import { describe, expect, it } from 'vitest';
import type { QueryResult } from './prometheus-client.ts';
import { latenessWarning, lateScrapes, readPrometheusLateness } from './prometheus-lateness.ts';

const T = 1_800_000_000_000;
/** Scrape times every `every` ms from T, with the scrapes at the given indexes skipped. */
function scrapes(count: number, every: number, skipped: readonly number[] = []): number[] {
  return Array.from({ length: count }, (_, i) => T + i * every).filter((_, i) => !skipped.includes(i));
}
const target = (instance: string, times: number[]) => ({ labels: { job: 'model-server', instance }, times });

describe('lateScrapes', () => {
  it('leaves a target alone whose scrapes kept their interval, jitter included', () => {
    const jittery = scrapes(60, 1000).map((t, i) => t + (i % 3) * 300); // gaps 1.3 s, 1.3 s, 0.4 s
    expect(lateScrapes([target('a:1', scrapes(60, 1000)), target('b:1', jittery)])).toEqual([]);
  });

  it('names a target with a missed scrape: a gap of twice its usual interval', () => {
    expect(lateScrapes([target('a:1', scrapes(60, 1000, [30]))])).toEqual([
      { job: 'model-server', instance: 'a:1', intervalMs: 1000, maxGapMs: 2000 },
    ]);
  });

  it('takes each target at its own interval, and puts the latest first', () => {
    const slow = target('slow:1', scrapes(20, 5000, [10])); // 10 s gap against 5 s: late
    const fast = target('fast:1', scrapes(100, 1000, [40, 41, 42])); // 4 s gap against 1 s: later
    const fine = target('fine:1', scrapes(20, 5000)); // 5 s gaps at 5 s: fine, though longer than fast's 4 s
    expect(lateScrapes([slow, fine, fast]).map((t) => [t.instance, t.intervalMs, t.maxGapMs])).toEqual([
      ['slow:1', 5000, 10_000],
      ['fast:1', 1000, 4000],
    ]);
  });

  it('says nothing about a series too short to have a usual interval', () => {
    expect(lateScrapes([target('a:1', [T, T + 5000])])).toEqual([]);
  });
});

describe('latenessWarning', () => {
  it('is undefined when Prometheus kept its schedule, or nothing is known', () => {
    expect(latenessWarning({ lateScrapes: [], missedEvaluations: 0 })).toBeUndefined();
    expect(latenessWarning({ lateScrapes: [], missedEvaluations: null })).toBeUndefined();
  });

  it('names late targets, their gaps and intervals, and the evaluations skipped', () => {
    const warning = latenessWarning({
      lateScrapes: [{ job: 'model-server', instance: '127.0.0.1:8080', intervalMs: 1000, maxGapMs: 4200 }],
      missedEvaluations: 3,
    });
    expect(warning).toBe(
      "Prometheus itself was late during the run: scrapes of 127.0.0.1:8080 (job model-server) came up to 4.2s apart, every 1s as a rule; it skipped 3 rule group evaluations. Alerts fire that much later than their rules say, so the detection times (and their comparison with the predictions) include Prometheus's own delay, not only the rules'; give Prometheus more CPU, or rerun",
    );
  });

  it('shows at most three targets and counts the rest', () => {
    const many = Array.from({ length: 5 }, (_, i) => ({
      job: 'j',
      instance: `h:${i}`,
      intervalMs: 1000,
      maxGapMs: 3000,
    }));
    const warning = latenessWarning({ lateScrapes: many, missedEvaluations: 1 }) ?? '';
    expect(warning.match(/scrapes of h:/g)).toHaveLength(3);
    expect(warning).toContain('and of 2 more targets; it skipped 1 rule group evaluation.');
  });
});

describe('readPrometheusLateness', () => {
  it('asks for the raw up samples and the missed evaluations over the run, at its end', async () => {
    const asked: Array<[string, number | undefined]> = [];
    const client = {
      query: async (promql: string, time?: number): Promise<QueryResult> => {
        asked.push([promql, time]);
        if (promql.startsWith('up['))
          return {
            resultType: 'matrix',
            result: [
              {
                metric: { job: 'model-server', instance: 'a:1' },
                values: scrapes(30, 1000, [10, 11]).map((t) => [t / 1000, '1'] as [number, string]),
              },
            ],
          };
        return { resultType: 'vector', result: [{ metric: {}, value: [T / 1000, '2.2'] }] };
      },
    };
    const lateness = await readPrometheusLateness(client, T, T + 29_500);
    expect(asked).toEqual([
      ['up[30s]', T + 29_500],
      ['sum(increase(prometheus_rule_group_iterations_missed_total[30s]))', T + 29_500],
    ]);
    expect(lateness).toEqual({
      lateScrapes: [{ job: 'model-server', instance: 'a:1', intervalMs: 1000, maxGapMs: 3000 }],
      missedEvaluations: 2,
    });
  });

  it('leaves the missed evaluations unknown when Prometheus does not scrape itself', async () => {
    const client = {
      query: async (promql: string): Promise<QueryResult> =>
        promql.startsWith('up[')
          ? { resultType: 'matrix', result: [] }
          : { resultType: 'vector', result: [] },
    };
    expect(await readPrometheusLateness(client, T, T + 10_000)).toEqual({
      lateScrapes: [],
      missedEvaluations: null,
    });
  });
});
