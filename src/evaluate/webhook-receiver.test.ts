import { request } from 'node:http';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { holdListener } from '../core/held-listener.ts';
import type { Notification, RejectedNotification } from './types.ts';
import {
  parseWebhook,
  REJECTIONS_KEPT,
  startWebhookReceiver,
  type WebhookReceiver,
} from './webhook-receiver.ts';

// Every import of node:crypto in this file's module graph gets a timingSafeEqual that records its calls (and
// still compares): the constant-time test below reads them.
const timingSafeEqualCalls = vi.hoisted(() => [] as Array<[Buffer, Buffer]>);
vi.mock('node:crypto', async (importOriginal) => {
  const original = await importOriginal<typeof import('node:crypto')>();
  return {
    ...original,
    timingSafeEqual: (a: Buffer, b: Buffer) => {
      timingSafeEqualCalls.push([a, b]);
      return original.timingSafeEqual(a, b);
    },
  };
});

const secret = 'c0ffee-run-secret-5f3a';
const auth = { authorization: `Bearer ${secret}` };
const noRejections = (r: RejectedNotification) => {
  throw new Error(`unexpected rejection ${JSON.stringify(r)}`);
};

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
      secret,
      onNotification: (n) => got.push(n),
      onRejected: noRejections,
    });
    expect(receiver.url).toBe(`http://127.0.0.1:${receiver.port}/alertmanager`);
    const response = await fetch(receiver.url, {
      method: 'POST',
      body: JSON.stringify(v4Body),
      headers: { 'content-type': 'application/json', ...auth },
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
    expect(receiver.tally()).toEqual({ accepted: 2, rejected: 0, rejections: [] });
  });

  it("borrows a stack's held port: each run gets only what arrived while it held it, 503 in between", async () => {
    const listener = await holdListener('127.0.0.1', 0, 'no run listening');
    try {
      const post = () =>
        fetch(`http://127.0.0.1:${listener.port}/alertmanager`, {
          method: 'POST',
          body: JSON.stringify(v4Body),
          headers: { 'content-type': 'application/json', ...auth },
        }).then((r) => r.status);
      const first: Notification[] = [];
      const run1 = await startWebhookReceiver({
        listener,
        now: () => 1,
        secret,
        onNotification: (n) => first.push(n),
        onRejected: noRejections,
      });
      expect(run1.url).toBe(`http://127.0.0.1:${listener.port}/alertmanager`);
      expect(await post()).toBe(200);
      await run1.close();
      expect(await post()).toBe(503);

      const second: Notification[] = [];
      const run2 = await startWebhookReceiver({
        listener,
        now: () => 2,
        secret,
        onNotification: (n) => second.push(n),
        onRejected: noRejections,
      });
      expect(run2.port).toBe(run1.port);
      expect(await post()).toBe(200);
      await run2.close();
      expect(first.map((n) => n.receivedAt)).toEqual([1, 1]);
      expect(second.map((n) => n.receivedAt)).toEqual([2, 2]);
      expect(run2.tally()).toEqual({ accepted: 2, rejected: 0, rejections: [] });
    } finally {
      await listener.close();
    }
  });

  it('does not deliver a body that was still arriving when its run gave the held port back', async () => {
    const listener = await holdListener('127.0.0.1', 0, 'no run listening');
    try {
      const got: Notification[] = [];
      const run = await startWebhookReceiver({
        listener,
        now: () => 1,
        secret,
        onNotification: (n) => got.push(n),
        onRejected: noRejections,
      });
      const body = JSON.stringify(v4Body);
      const status = new Promise<number>((resolve, reject) => {
        const req = request(
          { host: '127.0.0.1', port: listener.port, path: '/alertmanager', method: 'POST', headers: auth },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on('error', reject);
        req.write(body.slice(0, 10), () => {
          // The run ends while the body is half sent; then the rest arrives.
          setTimeout(() => {
            void run.close().then(() => req.end(body.slice(10)));
          }, 50);
        });
      });
      expect(await status).toBe(503);
      expect(got).toEqual([]);
    } finally {
      await listener.close();
    }
  });

  it.each([
    ['no Authorization header', {}, 'missing-secret'],
    ['an empty Authorization header', { authorization: '' }, 'missing-secret'],
    ['a wrong bearer token', { authorization: 'Bearer not-the-secret' }, 'wrong-secret'],
    [
      'the secret with one character changed',
      { authorization: `Bearer ${secret.slice(0, -1)}b` },
      'wrong-secret',
    ],
    ['a prefix of the secret', { authorization: `Bearer ${secret.slice(0, 8)}` }, 'wrong-secret'],
    ['the secret followed by more', { authorization: `Bearer ${secret}x` }, 'wrong-secret'],
    ['the secret as Basic credentials', { authorization: `Basic ${secret}` }, 'wrong-secret'],
    ['the secret without a scheme', { authorization: secret }, 'wrong-secret'],
  ] as const)(
    'refuses a POST with %s: 401, nothing delivered, counted with address and reason',
    async (_what, headers, reason) => {
      const got: Notification[] = [];
      const rejected: RejectedNotification[] = [];
      receiver = await startWebhookReceiver({
        port: 0,
        now: () => 77,
        secret,
        onNotification: (n) => got.push(n),
        onRejected: (r) => rejected.push(r),
      });
      const response = await fetch(receiver.url, {
        method: 'POST',
        body: JSON.stringify(v4Body),
        headers: { 'content-type': 'application/json', ...headers },
      });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(await response.text()).not.toContain(secret);
      expect(got).toEqual([]);
      expect(rejected).toEqual([{ at: 77, remoteAddress: '127.0.0.1', reason }]);
      expect(receiver.tally()).toEqual({ accepted: 0, rejected: 1, rejections: rejected });
    },
  );

  it('keeps accepting the real sender while refusing forgeries, and reports only the first refusals one by one', async () => {
    const got: Notification[] = [];
    const rejected: RejectedNotification[] = [];
    receiver = await startWebhookReceiver({
      port: 0,
      now: Date.now,
      secret,
      onNotification: (n) => got.push(n),
      onRejected: (r) => rejected.push(r),
    });
    const url = receiver.url;
    const post = (headers: Record<string, string>) =>
      fetch(url, { method: 'POST', body: JSON.stringify(v4Body), headers }).then(async (r) => {
        await r.arrayBuffer();
        return r.status;
      });
    const statuses: number[] = [];
    for (let i = 0; i < REJECTIONS_KEPT + 5; i++) statuses.push(await post({}));
    statuses.push(await post(auth));
    expect(statuses.filter((s) => s === 401)).toHaveLength(REJECTIONS_KEPT + 5);
    expect(statuses.at(-1)).toBe(200);
    expect(got).toHaveLength(2);
    expect(rejected).toHaveLength(REJECTIONS_KEPT);
    const tally = receiver.tally();
    expect(tally.accepted).toBe(2);
    expect(tally.rejected).toBe(REJECTIONS_KEPT + 5);
    expect(tally.rejections).toHaveLength(REJECTIONS_KEPT);
  });

  it('refuses to start without a secret', async () => {
    await expect(
      startWebhookReceiver({
        port: 0,
        now: Date.now,
        secret: '',
        onNotification: () => {},
        onRejected: () => {},
      }),
    ).rejects.toThrow(/non-empty secret/);
  });

  it('compares the secret in constant time (node:crypto timingSafeEqual over equal-length digests)', async () => {
    // The timing itself is not measurable in a unit test; this pins the mechanism: every comparison goes
    // through timingSafeEqual with two SHA-256 digests, whatever the length of what was sent.
    timingSafeEqualCalls.length = 0;
    receiver = await startWebhookReceiver({
      port: 0,
      now: Date.now,
      secret,
      onNotification: () => {},
      onRejected: () => {},
    });
    for (const authorization of ['Bearer x', `Bearer ${secret}`, `Bearer ${'y'.repeat(500)}`]) {
      await (
        await fetch(receiver.url, {
          method: 'POST',
          body: JSON.stringify(v4Body),
          headers: { authorization },
        })
      ).text();
    }
    expect(timingSafeEqualCalls).toHaveLength(3);
    for (const [a, b] of timingSafeEqualCalls) {
      expect(a.length).toBe(32);
      expect(b.length).toBe(32);
    }
  });

  it('answers 400 to bad JSON and to JSON that is not a webhook payload, and 405 to GET', async () => {
    const got: Notification[] = [];
    receiver = await startWebhookReceiver({
      port: 0,
      now: Date.now,
      secret,
      onNotification: (n) => got.push(n),
      onRejected: noRejections,
    });
    const bad = await fetch(receiver.url, { method: 'POST', body: '{"alerts": [', headers: auth });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toMatch(/not JSON/);
    const notWebhook = await fetch(receiver.url, { method: 'POST', body: '{"hello": 1}', headers: auth });
    expect(notWebhook.status).toBe(400);
    expect((await fetch(`http://127.0.0.1:${receiver.port}/anything`, { method: 'GET' })).status).toBe(405);
    expect(got).toEqual([]);
  });

  it('accepts any path', async () => {
    const got: Notification[] = [];
    receiver = await startWebhookReceiver({
      port: 0,
      now: Date.now,
      secret,
      onNotification: (n) => got.push(n),
      onRejected: noRejections,
    });
    const response = await fetch(`http://127.0.0.1:${receiver.port}/other/path`, {
      method: 'POST',
      body: JSON.stringify(v4Body),
      headers: auth,
    });
    expect(response.status).toBe(200);
    expect(got).toHaveLength(2);
  });

  it('fails clearly when the port is taken', async () => {
    const quiet = { now: Date.now, secret, onNotification: () => {}, onRejected: () => {} };
    receiver = await startWebhookReceiver({ port: 0, ...quiet });
    await expect(startWebhookReceiver({ port: receiver.port, ...quiet })).rejects.toMatchObject({
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
