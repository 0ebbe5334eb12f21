import { describe, expect, it } from 'vitest';
import { buildAlertRecords } from './records.ts';
import type { AlertObservation, Notification } from './types.ts';

const L = { model: 'iris' };
const obs = (
  state: AlertObservation['state'],
  since: number,
  source: AlertObservation['source'],
  labels = L,
): AlertObservation => ({
  name: 'Lat',
  labels,
  state,
  since,
  source,
});
const note = (
  status: Notification['status'],
  receivedAt: number,
  startsAt: number,
  endsAt: number | null = null,
): Notification => ({
  name: 'Lat',
  labels: L,
  status,
  receivedAt,
  startsAt,
  endsAt,
  receiver: 'firedrill',
});

describe('buildAlertRecords', () => {
  it('builds one episode from series observations', () => {
    const records = buildAlertRecords(
      [
        obs('pending', 1000, 'alerts-series'),
        obs('firing', 3000, 'alerts-series'),
        obs('inactive', 9000, 'alerts-series'),
      ],
      [],
    );
    expect(records).toEqual([
      {
        name: 'Lat',
        labels: L,
        pendingAt: 1000,
        firingAt: 3000,
        notifiedAt: null,
        resolvedAt: 9000,
        endedAt: 9000,
        source: 'alerts-series',
      },
    ]);
  });

  it('keeps separate episodes when an instance fires, resolves and fires again', () => {
    const records = buildAlertRecords(
      [
        obs('pending', 1000, 'alerts-series'),
        obs('firing', 3000, 'alerts-series'),
        obs('inactive', 5000, 'alerts-series'),
        obs('pending', 20_000, 'alerts-series'),
        obs('firing', 22_000, 'alerts-series'),
      ],
      [note('firing', 3010, 3000), note('firing', 22_020, 22_000)],
    );
    expect(records.map((r) => [r.pendingAt, r.firingAt, r.notifiedAt, r.resolvedAt])).toEqual([
      [1000, 3000, 3010, 5000],
      [20_000, 22_000, 22_020, null],
    ]);
  });

  it('keeps instances apart by labels', () => {
    const records = buildAlertRecords(
      [obs('firing', 3000, 'alerts-series'), obs('firing', 4000, 'alerts-series', { model: 'b' })],
      [],
    );
    expect(records.map((r) => [r.labels.model, r.firingAt])).toEqual([
      ['iris', 3000],
      ['b', 4000],
    ]);
  });

  it('prefers ALERTS-series times over poll times for the same episode', () => {
    const records = buildAlertRecords(
      [
        obs('pending', 1000, 'api'),
        obs('firing', 3240, 'api'),
        obs('inactive', 9200, 'api'),
        obs('pending', 1000, 'alerts-series'),
        obs('firing', 3000, 'alerts-series'),
        obs('inactive', 9000, 'alerts-series'),
      ],
      [],
    );
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      pendingAt: 1000,
      firingAt: 3000,
      resolvedAt: 9000,
      source: 'alerts-series',
    });
  });

  it('fills what the series lacks from polling, and keeps poll-only episodes', () => {
    const records = buildAlertRecords(
      [
        // The series was read before the resolution was seen by polling.
        obs('pending', 1000, 'alerts-series'),
        obs('firing', 3000, 'alerts-series'),
        obs('pending', 1000, 'api'),
        obs('firing', 3200, 'api'),
        obs('inactive', 9200, 'api'),
        // An episode only polling saw.
        obs('firing', 30_250, 'api'),
      ],
      [],
    );
    expect(records.map((r) => [r.firingAt, r.resolvedAt, r.source])).toEqual([
      [3000, 9200, 'alerts-series'],
      [30_250, null, 'api'],
    ]);
  });

  it('takes notifiedAt from the first firing notification at or after firingAt', () => {
    const records = buildAlertRecords(
      [obs('pending', 1000, 'alerts-series'), obs('firing', 3000, 'alerts-series')],
      [note('firing', 3500, 3000), note('firing', 3015, 3000), note('firing', 63_000, 3000)],
    );
    expect(records[0]?.notifiedAt).toBe(3015);
  });

  it('corrects a poll-bounded firing time with Alertmanager startsAt, and the resolve time with endsAt', () => {
    const records = buildAlertRecords(
      [obs('pending', 1000, 'api'), obs('firing', 3240, 'api'), obs('inactive', 9250, 'api')],
      [note('firing', 3010, 3000), note('resolved', 9100, 3000, 9000)],
    );
    expect(records[0]).toMatchObject({
      pendingAt: 1000,
      firingAt: 3000,
      notifiedAt: 3010,
      resolvedAt: 9000,
      source: 'api',
    });
  });

  it('makes a record from notifications alone when nothing else saw the episode', () => {
    const records = buildAlertRecords([], [note('firing', 3010, 3000), note('resolved', 9100, 3000, 9000)]);
    expect(records).toEqual([
      {
        name: 'Lat',
        labels: L,
        pendingAt: null,
        firingAt: 3000,
        notifiedAt: 3010,
        resolvedAt: 9000,
        endedAt: 9000,
        source: 'notification',
      },
    ]);
  });

  it('records a pending spell that never fired, with its end', () => {
    const records = buildAlertRecords(
      [obs('pending', 1000, 'alerts-series'), obs('inactive', 2000, 'alerts-series')],
      [],
    );
    expect(records).toEqual([
      {
        name: 'Lat',
        labels: L,
        pendingAt: 1000,
        firingAt: null,
        notifiedAt: null,
        resolvedAt: null,
        endedAt: 2000,
        source: 'alerts-series',
      },
    ]);
  });

  it('does not attach a notification of one episode to another', () => {
    const records = buildAlertRecords(
      [
        obs('firing', 3000, 'alerts-series'),
        obs('inactive', 5000, 'alerts-series'),
        obs('firing', 20_000, 'alerts-series'),
      ],
      [note('firing', 20_030, 20_000)],
    );
    expect(records.map((r) => r.notifiedAt)).toEqual([null, 20_030]);
  });

  it('handles a for: 0 alert that goes straight to firing', () => {
    const records = buildAlertRecords(
      [obs('firing', 3000, 'alerts-series'), obs('inactive', 4000, 'alerts-series')],
      [],
    );
    expect(records[0]).toMatchObject({ pendingAt: null, firingAt: 3000, resolvedAt: 4000 });
  });
});

describe('buildAlertRecords with Prometheus external labels', () => {
  it('matches a notification that carries external labels to the instance seen in ALERTS', () => {
    const labels = { model: 'penguins', severity: 'page' };
    const observations: AlertObservation[] = [
      { name: 'ModelErrorRatioHigh', labels, state: 'pending', since: 1000, source: 'alerts-series' },
      { name: 'ModelErrorRatioHigh', labels, state: 'firing', since: 4000, source: 'alerts-series' },
      { name: 'ModelErrorRatioHigh', labels, state: 'inactive', since: 9000, source: 'alerts-series' },
    ];
    const notifications: Notification[] = [
      {
        name: 'ModelErrorRatioHigh',
        labels: { ...labels, environment: 'firedrill' },
        status: 'firing',
        receivedAt: 4010,
        startsAt: 4000,
        endsAt: null,
        receiver: 'firedrill-page',
      },
    ];
    const records = buildAlertRecords(observations, notifications);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ labels, firingAt: 4000, notifiedAt: 4010, resolvedAt: 9000 });
  });
});
