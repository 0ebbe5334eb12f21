import { describe, expect, it } from 'vitest';
import { FiredrillError } from '../core/errors.ts';
import { readAlertsSeries, startAlertWatcher } from './alert-watcher.ts';
import type { ApiAlert, QueryResult } from './prometheus-client.ts';
import type { AlertObservation, BlindPeriod } from './types.ts';

async function until(condition: () => boolean, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met before the deadline');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const alert = (
  name: string,
  state: ApiAlert['state'],
  activeAt: string,
  labels: Record<string, string> = {},
): ApiAlert => ({
  labels: { alertname: name, ...labels },
  annotations: {},
  state,
  activeAt,
  value: '1e+00',
});

describe('startAlertWatcher', () => {
  it('reports state changes per instance, disappearances and blind periods', async () => {
    const a = '2024-01-01T00:00:01.000Z';
    const b1 = '2024-01-01T00:00:05.000Z';
    const b2 = '2024-01-01T00:00:09.000Z';
    const unreachable = new FiredrillError(
      'FD_BACKEND_UNREACHABLE',
      'Prometheus at http://x is unreachable: ECONNREFUSED',
    );
    const script: Array<ApiAlert[] | Error> = [
      [],
      [alert('A', 'pending', a, { model: 'iris' }), alert('Other', 'firing', a)],
      [alert('A', 'pending', a, { model: 'iris' })],
      [alert('A', 'firing', a, { model: 'iris' })],
      unreachable,
      unreachable,
      [alert('A', 'firing', a, { model: 'iris' }), alert('B', 'pending', b1)],
      [alert('B', 'pending', b1)],
      [alert('B', 'pending', b2)],
    ];
    let t = 0;
    let polls = 0;
    const client = {
      alerts: async () => {
        polls += 1;
        t = polls * 100;
        const next = script[polls - 1] ?? [];
        if (next instanceof Error) throw next;
        return next;
      },
    };
    const seen: AlertObservation[] = [];
    const blind: BlindPeriod[] = [];
    const watcher = startAlertWatcher({
      client,
      intervalMs: 1,
      alertNames: ['A', 'B'],
      now: () => t,
      onObservation: (o) => seen.push(o),
      onBlind: (b) => blind.push(b),
    });
    await until(() => polls >= 12);
    await watcher.stop();
    const pollsAtStop = polls;

    expect(seen.map((o) => [o.name, o.state, o.since])).toEqual([
      ['A', 'pending', Date.parse(a)],
      ['A', 'firing', 400],
      ['B', 'pending', Date.parse(b1)],
      ['A', 'inactive', 800],
      ['B', 'inactive', 900], // a new activeAt: the first spell ended unseen
      ['B', 'pending', Date.parse(b2)],
      ['B', 'inactive', 1000],
    ]);
    expect(seen[0]).toEqual({
      name: 'A',
      labels: { model: 'iris' },
      state: 'pending',
      since: Date.parse(a),
      source: 'api',
    });
    expect(blind).toEqual([
      { backend: 'prometheus', fromAt: 400, toAt: 700, reason: expect.stringMatching(/ECONNREFUSED/) },
    ]);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(polls).toBe(pollsAtStop);
  });

  it('opens an alertmanager blind period while Alertmanager is not ready, and closes it at stop', async () => {
    let t = 0;
    const readiness = [true, false, false, true, true, false];
    let checks = 0;
    const blind: BlindPeriod[] = [];
    const watcher = startAlertWatcher({
      client: { alerts: async () => [] },
      alertmanager: {
        ready: async () => {
          checks += 1;
          t = checks * 100;
          if (checks === 3) throw new Error('ECONNREFUSED');
          return readiness[checks - 1] ?? false;
        },
      },
      alertmanagerEveryPolls: 1,
      intervalMs: 1,
      now: () => t,
      onObservation: () => {},
      onBlind: (b) => blind.push(b),
    });
    await until(() => checks >= 7);
    await watcher.stop();
    expect(blind[0]).toEqual({
      backend: 'alertmanager',
      // From the start of the first failed check to the end of the next good one.
      fromAt: 100,
      toAt: 400,
      reason: 'Alertmanager did not answer ready',
    });
    // Not ready again from the sixth check on: still open at stop, closed then.
    expect(blind[1]).toMatchObject({ backend: 'alertmanager', fromAt: 500 });
    expect(blind).toHaveLength(2);
  });

  it('closes a blind period that is still open when stopped', async () => {
    let t = 0;
    let polls = 0;
    const blind: BlindPeriod[] = [];
    const watcher = startAlertWatcher({
      client: {
        alerts: async () => {
          polls += 1;
          t = polls * 100;
          throw new Error('connect ECONNREFUSED');
        },
      },
      intervalMs: 1,
      now: () => t,
      onObservation: () => {},
      onBlind: (b) => blind.push(b),
    });
    await until(() => polls >= 3);
    await watcher.stop();
    expect(blind).toHaveLength(1);
    expect(blind[0]).toMatchObject({ backend: 'prometheus', fromAt: 0, reason: 'connect ECONNREFUSED' });
    expect(blind[0]?.toAt).toBe(t);
  });

  it('stops when the run signal aborts', async () => {
    const controller = new AbortController();
    let polls = 0;
    const watcher = startAlertWatcher({
      client: {
        alerts: async () => {
          polls += 1;
          return [];
        },
      },
      intervalMs: 1,
      signal: controller.signal,
      now: Date.now,
      onObservation: () => {},
      onBlind: () => {},
    });
    await until(() => polls >= 2);
    controller.abort();
    await watcher.stop();
    const after = polls;
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(polls).toBe(after);
  });
});

describe('readAlertsSeries', () => {
  const s = (seconds: number[]) => seconds.map((sec) => [sec, '1'] as [number, string]);
  const matrix: QueryResult = {
    resultType: 'matrix',
    result: [
      {
        metric: { __name__: 'ALERTS', alertname: 'Lat', alertstate: 'pending', model: 'iris' },
        values: s([1001, 1002, 1018, 1019]),
      },
      {
        metric: { __name__: 'ALERTS', alertname: 'Lat', alertstate: 'firing', model: 'iris' },
        values: s([1003, 1004, 1005, 1006, 1020, 1021, 1022]),
      },
      {
        metric: { __name__: 'ALERTS', alertname: 'Err', alertstate: 'firing', severity: 'page' },
        values: s([1002.5, 1003.5]),
      },
    ],
  };

  it('turns raw samples into exact starts and ends per instance', async () => {
    const queries: Array<[string, number | undefined]> = [];
    const client = {
      query: async (q: string, time?: number) => {
        queries.push([q, time]);
        return matrix;
      },
    };
    const result = await readAlertsSeries(client, ['Lat', 'Err'], 1_000_000, 1_022_500, {
      evaluationIntervalMs: 1000,
    });
    expect(queries).toEqual([['ALERTS{alertname=~"Lat|Err"}[23s]', 1_022_500]]);
    expect(result.map((o) => [o.name, o.state, o.since])).toEqual([
      ['Lat', 'pending', 1_001_000],
      ['Err', 'firing', 1_002_500],
      ['Lat', 'firing', 1_003_000],
      ['Err', 'inactive', 1_004_500],
      ['Lat', 'inactive', 1_007_000],
      ['Lat', 'pending', 1_018_000],
      ['Lat', 'firing', 1_020_000],
    ]);
    expect(result[0]).toEqual({
      name: 'Lat',
      labels: { model: 'iris' },
      state: 'pending',
      since: 1_001_000,
      source: 'alerts-series',
    });
    expect(result[1]?.labels).toEqual({ severity: 'page' });
  });

  it('infers the evaluation interval from sample spacing', async () => {
    const result = await readAlertsSeries({ query: async () => matrix }, ['Lat'], 1_000_000, 1_040_000);
    expect(result.filter((o) => o.name === 'Lat').map((o) => [o.state, o.since])).toEqual([
      ['pending', 1_001_000],
      ['firing', 1_003_000],
      ['inactive', 1_007_000],
      ['pending', 1_018_000],
      ['firing', 1_020_000],
      ['inactive', 1_023_000],
    ]);
  });

  it('asks nothing for no names', async () => {
    const result = await readAlertsSeries(
      { query: async () => Promise.reject(new Error('should not be called')) },
      [],
      0,
      1,
    );
    expect(result).toEqual([]);
  });
});
