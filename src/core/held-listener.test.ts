import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type HeldListener, holdListener } from './held-listener.ts';

const held: HeldListener[] = [];
afterEach(async () => {
  for (const listener of held.splice(0)) await listener.close();
});

async function hold(port = 0): Promise<HeldListener> {
  const listener = await holdListener('127.0.0.1', port, 'nobody home');
  held.push(listener);
  return listener;
}

const get = async (listener: HeldListener) => {
  const response = await fetch(`http://127.0.0.1:${listener.port}/x`, { signal: AbortSignal.timeout(3000) });
  return { status: response.status, text: await response.text() };
};

describe('holdListener', () => {
  it('holds the port with a 503 while idle, serves each borrower in turn, and is idle again between them', async () => {
    const listener = await hold();
    expect(listener.port).toBeGreaterThan(0);
    expect(await get(listener)).toEqual({ status: 503, text: 'nobody home\n' });

    const giveBackA = listener.lend((_req, res) => res.end('run A'));
    expect(await get(listener)).toEqual({ status: 200, text: 'run A' });
    giveBackA();
    expect((await get(listener)).status).toBe(503);

    const giveBackB = listener.lend((_req, res) => res.end('run B'));
    expect(await get(listener)).toEqual({ status: 200, text: 'run B' });
    giveBackA(); // a stale giveBack does not take the port from the next borrower
    expect(await get(listener)).toEqual({ status: 200, text: 'run B' });
    giveBackB();
  });

  it('refuses a second borrower while the port is lent', async () => {
    const listener = await hold();
    const giveBack = listener.lend((_req, res) => res.end());
    expect(() => listener.lend((_req, res) => res.end())).toThrow(/already lent/);
    giveBack();
    expect(() => listener.lend((_req, res) => res.end())).not.toThrow();
  });

  it('keeps the port from other processes until closed, then frees it', async () => {
    const listener = await hold();
    const port = listener.port;
    const bind = () =>
      new Promise<void>((resolve, reject) => {
        const other = createServer();
        other.once('error', reject);
        other.listen(port, '127.0.0.1', () => other.close(() => resolve()));
      });
    await expect(bind()).rejects.toThrow(/EADDRINUSE/);
    await listener.close();
    held.splice(0);
    await expect(bind()).resolves.toBeUndefined();
  });

  it('rejects a port that is taken', async () => {
    const first = await hold();
    await expect(holdListener('127.0.0.1', first.port, 'x')).rejects.toThrow(/EADDRINUSE/);
  });
});
