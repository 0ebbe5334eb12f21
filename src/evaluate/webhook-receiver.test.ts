import { afterEach, describe, expect, it } from 'vitest';
import type { Notification } from './types.ts';
import { parseWebhook, startWebhookReceiver, type WebhookReceiver } from './webhook-receiver.ts';

const v4Body = {
  version: '4',
  groupKey: '{}:{alertname="Lat"}',
  truncatedAlerts: 0,
  status: 'firing',
  receiver: 'firedrill',
  groupLabels: { alertname: 'Lat' },
  commonLabels: { alertname: 'Lat', severity: 'page' },
  commonAnnotations: {},
  externalURL: 'http://127.0.0.1:9093',
  alerts: [
    {
      status: 'firing',
      labels: { alertname: 'Lat', model: 'iris', severity: 'page' },
      annotations: { summary: 'slow' },
      startsAt: '2024-05-01T10:00:02.7Z',
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: 'http://127.0.0.1:9090/graph',
      fingerprint: 'abc',
    },
    {
      status: 'resolved',
      labels: { alertname: 'Lat', model: 'resnet', severity: 'page' },
      annotations: {},
      startsAt: '2024-05-01T09:59:00Z',
      endsAt: '2024-05-01T10:00:01.5Z',
      generatorURL: '',
      fingerprint: 'def',
    },
  ],
};

describe('startWebhookReceiver', () => {
  let receiver: WebhookReceiver | undefined;
  afterEach(async () => {
    await receiver?.close();
    receiver = undefined;
  });

  it('turns a real v4 POST into one notification per alert, timed at arrival', async () => {
    const got: Notification[] = [];
    receiver = await startWebhookReceiver({
      host: '127.0.0.1',
      port: 0,
      now: () => 42,
      onNotification: (n) => got.push(n),
    });
    expect(receiver.url).toBe(`http://127.0.0.1:${receiver.port}/alertmanager`);
    const response = await fetch(receiver.url, {
      method: 'POST',
      body: JSON.stringify(v4Body),
      headers: { 'content-type': 'application/json' },
    });
    expect(response.status).toBe(200);
    expect(got).toEqual([
      {
        name: 'Lat',
        labels: { model: 'iris', severity: 'page' },
        status: 'firing',
        receivedAt: 42,
        startsAt: Date.parse('2024-05-01T10:00:02.7Z'),
        endsAt: null,
        receiver: 'firedrill',
      },
      {
        name: 'Lat',
        labels: { model: 'resnet', severity: 'page' },
        status: 'resolved',
        receivedAt: 42,
        startsAt: Date.parse('2024-05-01T09:59:00Z'),
        endsAt: Date.parse('2024-05-01T10:00:01.5Z'),
        receiver: 'firedrill',
      },
    ]);
  });

  it('answers 400 to bad JSON and to JSON that is not a webhook payload, and 405 to GET', async () => {
    const got: Notification[] = [];
    receiver = await startWebhookReceiver({ port: 0, now: Date.now, onNotification: (n) => got.push(n) });
    const bad = await fetch(receiver.url, { method: 'POST', body: '{"alerts": [' });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toMatch(/not JSON/);
    const notWebhook = await fetch(receiver.url, { method: 'POST', body: '{"hello": 1}' });
    expect(notWebhook.status).toBe(400);
    expect((await fetch(`http://127.0.0.1:${receiver.port}/anything`, { method: 'GET' })).status).toBe(405);
    expect(got).toEqual([]);
  });

  it('accepts any path', async () => {
    const got: Notification[] = [];
    receiver = await startWebhookReceiver({ port: 0, now: Date.now, onNotification: (n) => got.push(n) });
    const response = await fetch(`http://127.0.0.1:${receiver.port}/other/path`, {
      method: 'POST',
      body: JSON.stringify(v4Body),
    });
    expect(response.status).toBe(200);
    expect(got).toHaveLength(2);
  });

  it('fails clearly when the port is taken', async () => {
    receiver = await startWebhookReceiver({ port: 0, now: Date.now, onNotification: () => {} });
    await expect(
      startWebhookReceiver({ port: receiver.port, now: Date.now, onNotification: () => {} }),
    ).rejects.toMatchObject({
      code: 'FD_STACK_START',
      message: expect.stringMatching(/cannot listen .*EADDRINUSE/),
    });
  });
});

describe('parseWebhook', () => {
  it('falls back to receivedAt when startsAt is unreadable', () => {
    const parsed = parseWebhook(
      JSON.stringify({ receiver: 'r', alerts: [{ status: 'firing', labels: { alertname: 'X' } }] }),
      7,
    );
    expect(parsed).toEqual({
      ok: true,
      notifications: [
        { name: 'X', labels: {}, status: 'firing', receivedAt: 7, startsAt: 7, endsAt: null, receiver: 'r' },
      ],
    });
  });
});
