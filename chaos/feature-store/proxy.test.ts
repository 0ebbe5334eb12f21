import { connect, createServer, type Server, type Socket } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { controlCall } from '../local/control-http.ts';
import { proxyApi, setAttachedFault } from './client.ts';
import { type FaultProxy, parseProxyFault, startFaultProxy } from './proxy.ts';

let echo: Server;
let echoPort = 0;
beforeAll(async () => {
  echo = createServer((s) => {
    s.on('error', () => {});
    s.pipe(s);
  });
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', () => r()));
  echoPort = (echo.address() as { port: number }).port;
});
afterAll(() => new Promise<void>((r) => echo.close(() => r())));

let proxy: FaultProxy;
let control: { url: string; token: string };
let random = () => 0.99;
afterEach(async () => {
  await proxy?.close();
  random = () => 0.99;
});

async function startProxy() {
  proxy = await startFaultProxy({
    listenHost: '127.0.0.1',
    listenPort: 0,
    upstreamHost: '127.0.0.1',
    upstreamPort: echoPort,
    controlHost: '127.0.0.1',
    controlPort: 0,
    token: 'tok',
    random: () => random(),
  });
  control = { url: proxy.controlUrl, token: 'tok' };
}

/** A client connection with a buffer of what came back and how it ended. */
async function client(): Promise<{ socket: Socket; received: () => string; ended: Promise<string> }> {
  const socket = connect({ host: '127.0.0.1', port: proxy.listenPort });
  let data = '';
  socket.on('data', (d) => (data += d.toString()));
  const ended = new Promise<string>((resolve) => {
    socket.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
    socket.once('close', () => resolve('closed'));
  });
  await new Promise<void>((r, j) => {
    socket.once('connect', () => r());
    socket.once('error', j);
  });
  return { socket, received: () => data, ended };
}

async function roundTrip(text: string, timeoutMs = 3000): Promise<number> {
  const c = await client();
  const started = performance.now();
  c.socket.write(text);
  const deadline = Date.now() + timeoutMs;
  while (c.received() !== text && Date.now() < deadline) await delay(5);
  c.socket.destroy();
  if (c.received() !== text) throw new Error(`no echo in ${timeoutMs} ms (got "${c.received()}")`);
  return performance.now() - started;
}

describe('parseProxyFault', () => {
  it.each([
    [{ mode: 'latency', ttlMs: 10 }, 'latencyMs is required'],
    [{ mode: 'loss', ttlMs: 10, loss: 2 }, 'loss must be a number 0..1'],
    [{ mode: 'bandwidth', ttlMs: 10 }, 'bytesPerSecond is required'],
    [{ mode: 'blackhole' }, 'ttlMs is required'],
    [{ mode: 'flood', ttlMs: 10 }, 'mode must be one of'],
  ])('%j → %s', (body, message) => {
    const r = parseProxyFault(body);
    expect(r.ok ? '' : r.error).toContain(message);
  });
});

describe('TCP fault proxy', () => {
  it('passes bytes through, and needs the token', async () => {
    await startProxy();
    expect(await roundTrip('hello')).toBeLessThan(200);
    await expect(controlCall({ ...control, token: 'x' }, 'GET', '/status')).rejects.toThrow(/401/);
  });

  it('blackhole holds bytes and delivers them, in order, after the revert', async () => {
    await startProxy();
    const c = await client();
    await proxyApi.set(control, { mode: 'blackhole', ttlMs: 10_000 });
    c.socket.write('one,');
    c.socket.write('two');
    await delay(300);
    expect(c.received()).toBe('');
    expect((await proxyApi.clear(control)).mode).toBe('pass');
    await delay(100);
    expect(c.received()).toBe('one,two');
    c.socket.destroy();
  });

  it('reset resets open connections and new ones', async () => {
    await startProxy();
    const open = await client();
    await proxyApi.set(control, { mode: 'reset', ttlMs: 10_000 });
    expect(await open.ended).toBe('ECONNRESET');
    const fresh = connect({ host: '127.0.0.1', port: proxy.listenPort });
    const outcome = await new Promise<string>((r) => {
      fresh.once('error', (e: NodeJS.ErrnoException) => r(e.code ?? 'error'));
      fresh.once('close', () => r('closed'));
    });
    expect(['ECONNRESET', 'closed']).toContain(outcome);
    expect(proxy.status().stats.resets).toBeGreaterThanOrEqual(2);
    await proxyApi.clear(control);
    expect(await roundTrip('back')).toBeLessThan(200);
  });

  it('latency delays each chunk by latency ± jitter, both ways', async () => {
    await startProxy();
    await proxyApi.set(control, { mode: 'latency', latencyMs: 150, jitterMs: 20, ttlMs: 10_000 });
    const ms = await roundTrip('slow');
    expect(ms).toBeGreaterThanOrEqual(2 * 130 - 5);
    expect(ms).toBeLessThan(1000);
  });

  it('loss delays a lost chunk by a retransmission timeout, never drops it', async () => {
    await startProxy();
    random = () => 0; // every chunk and every SYN lost
    await proxyApi.set(control, { mode: 'loss', loss: 0.5, ttlMs: 10_000 });
    const ms = await roundTrip('lossy');
    // SYN retransmit (1 s) + one RTO each way (200 ms)
    expect(ms).toBeGreaterThanOrEqual(1000 + 2 * 200 - 10);
    expect(proxy.status().stats.retransmits).toBeGreaterThanOrEqual(3);
  });

  it('bandwidth limits bytes per second', async () => {
    await startProxy();
    await proxyApi.set(control, { mode: 'bandwidth', bytesPerSecond: 10_000, ttlMs: 10_000 });
    const ms = await roundTrip('x'.repeat(4000), 5000);
    // 4000 bytes each way at 10 000 B/s: ≥ 0.4 s one way (the two directions overlap)
    expect(ms).toBeGreaterThanOrEqual(380);
  });

  it('half-open swallows bytes, then resets those connections on revert', async () => {
    await startProxy();
    const c = await client();
    await proxyApi.set(control, { mode: 'half-open', ttlMs: 10_000 });
    c.socket.write('anyone?');
    await delay(200);
    expect(c.received()).toBe('');
    await proxyApi.clear(control);
    expect(await c.ended).toBe('ECONNRESET');
    expect(await roundTrip('fresh')).toBeLessThan(200);
  });

  it('a fault reverts by itself at its TTL', async () => {
    await startProxy();
    await proxyApi.set(control, { mode: 'blackhole', ttlMs: 300 });
    expect(proxy.status().mode).toBe('blackhole');
    await delay(450);
    expect(proxy.status()).toMatchObject({ mode: 'pass', fault: null });
  });

  it('an attached fault reverts when the control connection drops', async () => {
    await startProxy();
    const attached = await setAttachedFault(control, { mode: 'blackhole', ttlMs: 60_000 });
    expect(attached.status.fault?.attached).toBe(true);
    await delay(1200); // a heartbeat passes; still held
    expect(proxy.status().mode).toBe('blackhole');
    attached.detach();
    await delay(200);
    expect(proxy.status().mode).toBe('pass');
  });
});
