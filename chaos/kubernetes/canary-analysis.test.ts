import { describe, expect, it } from 'vitest';
import { analysisMetricsOf, readCanaryAnalysis } from './canary-analysis.ts';

/** Reading an Argo analysis's settings: the pure part (spec.metrics[] as the API returns it). */
describe('analysisMetricsOf', () => {
  const template = (metrics: unknown[]) => ({ spec: { metrics } });

  it('reads interval, initialDelay (durations) and failureLimit, count (int or string), with Argo defaults', () => {
    expect(
      analysisMetricsOf(
        template([
          { name: 'errors', interval: '30s', failureLimit: '2', initialDelay: '1m' },
          { name: 'once', count: 1 },
        ]),
        'error-rate',
      ),
    ).toEqual([
      {
        template: 'error-rate',
        metric: 'errors',
        intervalMs: 30_000,
        failureLimit: 2,
        initialDelayMs: 60_000,
        count: null,
      },
      {
        template: 'error-rate',
        metric: 'once',
        intervalMs: null,
        failureLimit: 0,
        initialDelayMs: 0,
        count: 1,
      },
    ]);
  });

  it.each([
    [[{ name: 'm', interval: 'soon' }], 'AnalysisTemplate t, metric m: interval "soon" is not a duration'],
    [
      [{ name: 'm', interval: '10s', failureLimit: '{{args.limit}}' }],
      'AnalysisTemplate t, metric m: failureLimit "{{args.limit}}" is not a number (a template argument?)',
    ],
    [[], 'AnalysisTemplate t has no spec.metrics'],
  ])('says what cannot be used: %j', (metrics, why) => {
    expect(analysisMetricsOf(template(metrics), 't')).toBe(why);
  });
});

describe('readCanaryAnalysis', () => {
  it('a KServe InferenceService has no analysis of its own: unknown, without a request', async () => {
    const result = await readCanaryAnalysis(
      { kind: 'InferenceService', namespace: 'model-serving', name: 'penguin', versions: {} },
      {
        allowedNamespaces: ['model-serving'],
        client: {
          read: () => {
            throw new Error('no request expected');
          },
        } as never,
      },
    );
    expect(result).toEqual({ unknown: expect.stringMatching(/^KServe does not analyse a canary itself/) });
  });

  it('reads nothing in a namespace off the allowlist', async () => {
    const result = await readCanaryAnalysis(
      { kind: 'Rollout', namespace: 'payments', name: 'api', container: 'app', versions: {} },
      {
        allowedNamespaces: ['model-serving'],
        client: {
          read: () => {
            throw new Error('no request expected');
          },
        } as never,
      },
    );
    expect(result).toEqual({
      unknown: expect.stringMatching(/namespace "payments" is not on firedrill's allowlist/),
    });
  });
});
