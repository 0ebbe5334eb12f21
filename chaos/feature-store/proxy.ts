import { randomUUID } from 'node:crypto';
import type { Server as HttpServer, ServerResponse } from 'node:http';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { startControlServer } from '../local/control-http.ts';

/**
 * A TCP fault proxy: the embedded stack wires it between the model server and Redis from the start
 * (model server → proxy → Redis) and it passes bytes through unchanged until a fault is set. It runs as
 * its own process (`proxy-main.ts`) with a control API on loopback (bearer token):
 *
 *   GET    /status → ProxyStatus
 *   POST   /fault  {mode, ..., ttlMs, attach?} → sets the fault (replacing any other). With `attach: true`
 *          the response stays open: one JSON line at once, then a heartbeat line every second; when that
 *          connection drops (firedrill died or gave up) the proxy reverts the fault at once. Either way the
 *          fault reverts by itself after ttlMs, timed in this process.
 *   DELETE /fault  → revert (idempotent)
 *
 * What each mode means at the TCP level (TCP is a reliable byte stream, so "lost" bytes are never silently
 * removed from a live connection: that would corrupt the protocol on top, which a real network cannot do):
 * - blackhole: connections are accepted but nothing is forwarded either way; bytes wait (as they would in
 *   retransmission) and flow again, in order, when the fault is reverted. Clients see timeouts.
 * - reset: every open connection is reset (RST) and new ones are accepted and reset at once.
 * - latency: each chunk is held `latencyMs` ± `jitterMs` (uniform) before it is forwarded, order kept.
 * - loss: each chunk is "lost" with probability `loss` and delivered after a retransmission timeout
 *   (200 ms, doubling per consecutive loss on that direction, capped at 3.2 s, like Linux's RTO); a new
 *   connection's SYN is lost with the same probability and it connects 1 s later (the SYN retransmit).
 * - bandwidth: both directions limited to `bytesPerSecond` each (token bucket shared by all connections).
 * - half-open: the upstream peer vanished without a FIN: connections stay open and accept bytes, which
 *   are discarded, and nothing comes back; new connections are accepted likewise. On revert these
 *   connections are reset (the peer answers unknown segments with RST), so clients reconnect.
 */
export type ProxyFaultMode = 'blackhole' | 'reset' | 'latency' | 'loss' | 'bandwidth' | 'half-open';
export const proxyFaultModes: readonly ProxyFaultMode[] = [
  'blackhole',
  'reset',
  'latency',
  'loss',
  'bandwidth',
  'half-open',
];

export interface ProxyFaultSpec {
  mode: ProxyFaultMode;
  latencyMs?: number;
  jitterMs?: number;
  /** Share of chunks (and connection attempts) lost, 0..1. */
  loss?: number;
  bytesPerSecond?: number;
  ttlMs: number;
}

export interface ProxyStatus {
  mode: ProxyFaultMode | 'pass';
  fault: (ProxyFaultSpec & { id: string; expiresAt: string; attached: boolean }) | null;
  connections: number;
  stats: {
    accepted: number;
    resets: number;
    bytesUp: number;
    bytesDown: number;
    delayedChunks: number;
    retransmits: number;
    discardedBytes: number;
  };
}

export interface FaultProxyOptions {
  listenHost: string;
  listenPort: number;
  upstreamHost: string;
  upstreamPort: number;
  controlHost: string;
  controlPort: number;
  token: string;
  log?: (line: string) => void;
  /** For tests: the random source (loss, jitter). */
  random?: () => number;
}

export interface FaultProxy {
  readonly listenPort: number;
  readonly controlUrl: string;
  status(): ProxyStatus;
  close(): Promise<void>;
}

export const maxProxyTtlMs = 3_600_000;
const highWater = 4 * 1024 * 1024;
const lowWater = 1024 * 1024;

/** Validates a fault body; returns every problem. */
export function parseProxyFault(
  body: unknown,
): { ok: true; value: ProxyFaultSpec } | { ok: false; error: string } {
  const b = (body ?? {}) as Record<string, unknown>;
  const issues: string[] = [];
  const num = (key: string, min: number, max: number, integer = true) => {
    const v = b[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !(v >= min && v <= max) || (integer && !Number.isInteger(v)))
      issues.push(`${key} must be ${integer ? 'an integer' : 'a number'} ${min}..${max}`);
    return v as number;
  };
  const mode = b.mode as ProxyFaultMode;
  if (!proxyFaultModes.includes(mode)) issues.push(`mode must be one of ${proxyFaultModes.join(', ')}`);
  const ttlMs = num('ttlMs', 1, maxProxyTtlMs);
  if (ttlMs === undefined) issues.push('ttlMs is required');
  const latencyMs = num('latencyMs', 0, 600_000);
  const jitterMs = num('jitterMs', 0, 600_000);
  const loss = num('loss', 0, 1, false);
  const bytesPerSecond = num('bytesPerSecond', 1, 10 * 1024 ** 3);
  if (mode === 'latency' && latencyMs === undefined) issues.push('latencyMs is required for mode latency');
  if (mode === 'loss' && loss === undefined) issues.push('loss is required for mode loss');
  if (mode === 'bandwidth' && bytesPerSecond === undefined)
    issues.push('bytesPerSecond is required for mode bandwidth');
  if (issues.length > 0) return { ok: false, error: issues.join('; ') };
  return {
    ok: true,
    value: {
      mode,
      ttlMs: ttlMs!,
      ...(latencyMs !== undefined ? { latencyMs } : {}),
      ...(jitterMs !== undefined ? { jitterMs } : {}),
      ...(loss !== undefined ? { loss } : {}),
      ...(bytesPerSecond !== undefined ? { bytesPerSecond } : {}),
    },
  };
}

interface ActiveFault {
  spec: ProxyFaultSpec;
  id: string;
  expiresAt: number;
  timer: NodeJS.Timeout;
  attached: ServerResponse | null;
  heartbeat: NodeJS.Timeout | undefined;
}

interface Chunk {
  data: Buffer;
  notBefore: number;
}

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const log = options.log ?? (() => {});
  const random = options.random ?? Math.random;
  let fault: ActiveFault | null = null;
  const stats: ProxyStatus['stats'] = {
    accepted: 0,
    resets: 0,
    bytesUp: 0,
    bytesDown: 0,
    delayedChunks: 0,
    retransmits: 0,
    discardedBytes: 0,
  };
  const buckets = { up: { tokens: 0, at: 0 }, down: { tokens: 0, at: 0 } };
  const pairs = new Set<Pair>();

  /** One direction of one connection: a queue with per-chunk release times. */
  class Pipe {
    queue: Chunk[] = [];
    queuedBytes = 0;
    lastNotBefore = 0;
    lossStreak = 0;
    timer: NodeJS.Timeout | undefined;
    ended = false;
    constructor(
      readonly src: Socket,
      readonly dst: Socket,
      readonly dir: 'up' | 'down',
      readonly pair: Pair,
    ) {}

    push(data: Buffer): void {
      const mode = fault?.spec.mode;
      if (mode === 'half-open' || this.pair.doomed) {
        stats.discardedBytes += data.length;
        return;
      }
      const now = Date.now();
      let notBefore = now;
      if (mode === 'latency') {
        const spec = fault!.spec;
        const jitter = spec.jitterMs ? (random() * 2 - 1) * spec.jitterMs : 0;
        notBefore = now + Math.max(0, (spec.latencyMs ?? 0) + jitter);
        stats.delayedChunks += 1;
      } else if (mode === 'loss') {
        if (random() < (fault!.spec.loss ?? 0)) {
          this.lossStreak += 1;
          notBefore = now + Math.min(3200, 200 * 2 ** (this.lossStreak - 1));
          stats.retransmits += 1;
        } else {
          this.lossStreak = 0;
        }
      }
      notBefore = Math.max(notBefore, this.lastNotBefore);
      this.lastNotBefore = notBefore;
      this.queue.push({ data, notBefore });
      this.queuedBytes += data.length;
      if (this.queuedBytes > highWater) this.src.pause();
      this.pump();
    }

    pump(): void {
      clearTimeout(this.timer);
      this.timer = undefined;
      if (this.dst.destroyed) return;
      const mode = fault?.spec.mode;
      if (mode === 'blackhole') return;
      while (this.queue.length > 0) {
        const head = this.queue[0]!;
        const now = Date.now();
        if (head.notBefore > now) {
          this.timer = setTimeout(() => this.pump(), head.notBefore - now);
          return;
        }
        let data = head.data;
        if (mode === 'bandwidth') {
          const rate = fault!.spec.bytesPerSecond!;
          const bucket = buckets[this.dir];
          const burst = Math.max(1, Math.floor(rate / 20));
          bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) / 1000) * rate);
          bucket.at = now;
          if (bucket.tokens < 1) {
            this.timer = setTimeout(
              () => this.pump(),
              Math.max(1, Math.ceil(((1 - bucket.tokens) / rate) * 1000)),
            );
            return;
          }
          const n = Math.min(data.length, Math.floor(bucket.tokens));
          bucket.tokens -= n;
          if (n < data.length) {
            head.data = data.subarray(n);
            data = data.subarray(0, n);
          } else {
            this.queue.shift();
          }
        } else {
          this.queue.shift();
        }
        this.queuedBytes -= data.length;
        if (this.dir === 'up') stats.bytesUp += data.length;
        else stats.bytesDown += data.length;
        this.dst.write(data);
      }
      if (this.queuedBytes < lowWater && this.src.isPaused()) this.src.resume();
      if (this.ended && this.queue.length === 0) this.dst.end();
    }

    /** The fault changed: chunks waiting for a reverted latency/loss go at once. */
    release(): void {
      for (const chunk of this.queue) chunk.notBefore = 0;
      this.lastNotBefore = 0;
      this.lossStreak = 0;
      this.pump();
    }
  }

  class Pair {
    up: Pipe | null = null;
    down: Pipe | null = null;
    upstream: Socket | null = null;
    /** Lived through a half-open fault: reset at revert. */
    doomed = false;
    constructor(readonly client: Socket) {}

    reset(): void {
      stats.resets += 1;
      if (!this.client.destroyed) this.client.resetAndDestroy();
      this.upstream?.destroy();
      this.close();
    }

    close(): void {
      clearTimeout(this.up?.timer);
      clearTimeout(this.down?.timer);
      pairs.delete(this);
    }
  }

  const openUpstream = (pair: Pair) => {
    const { client } = pair;
    if (client.destroyed) return;
    const upstream = connect({ host: options.upstreamHost, port: options.upstreamPort });
    pair.upstream = upstream;
    const up = new Pipe(client, upstream, 'up', pair);
    const down = new Pipe(upstream, client, 'down', pair);
    pair.up = up;
    pair.down = down;
    for (const chunk of pending.get(pair) ?? []) up.push(chunk);
    pending.delete(pair);
    client.removeAllListeners('data');
    client.on('data', (d: Buffer) => up.push(d));
    upstream.on('data', (d: Buffer) => down.push(d));
    client.once('end', () => {
      up.ended = true;
      up.pump();
    });
    upstream.once('end', () => {
      down.ended = true;
      down.pump();
    });
    upstream.once('error', () => {
      if (!client.destroyed) client.destroy();
    });
    upstream.once('close', () => {
      if (down.queue.length === 0 && !client.destroyed) client.end();
      pair.close();
    });
    client.once('close', () => {
      upstream.destroy();
      pair.close();
    });
  };
  const pending = new Map<Pair, Buffer[]>();

  const listener: Server = createServer((client) => {
    stats.accepted += 1;
    client.on('error', () => {});
    const pair = new Pair(client);
    pairs.add(pair);
    const mode = fault?.spec.mode;
    if (mode === 'reset') {
      pair.reset();
      return;
    }
    if (mode === 'half-open') {
      pair.doomed = true;
      client.on('data', (d: Buffer) => {
        stats.discardedBytes += d.length;
      });
      client.once('close', () => pair.close());
      return;
    }
    // Until upstream is opened, keep what the client sends.
    pending.set(pair, []);
    client.on('data', (d: Buffer) => pending.get(pair)?.push(d));
    client.once('close', () => {
      pending.delete(pair);
      pair.close();
    });
    if (mode === 'loss' && random() < (fault!.spec.loss ?? 0)) {
      stats.retransmits += 1;
      setTimeout(() => openUpstream(pair), 1000);
    } else {
      openUpstream(pair);
    }
  });
  await new Promise<void>((resolve, reject) => {
    listener.once('error', reject);
    listener.listen(options.listenPort, options.listenHost, () => resolve());
  });
  const address = listener.address();
  const listenPort = typeof address === 'object' && address ? address.port : options.listenPort;

  const status = (): ProxyStatus => ({
    mode: fault?.spec.mode ?? 'pass',
    fault: fault
      ? {
          ...fault.spec,
          id: fault.id,
          expiresAt: new Date(fault.expiresAt).toISOString(),
          attached: fault.attached !== null,
        }
      : null,
    connections: pairs.size,
    stats: { ...stats },
  });

  const revert = (cause: string) => {
    const active = fault;
    if (!active) return;
    fault = null;
    clearTimeout(active.timer);
    clearInterval(active.heartbeat);
    if (active.attached && !active.attached.writableEnded) active.attached.end();
    for (const pair of [...pairs]) {
      if (pair.doomed) pair.reset();
      else {
        pair.up?.release();
        pair.down?.release();
      }
    }
    log(`fault ${active.spec.mode} reverted: ${cause}`);
  };

  const setFault = (spec: ProxyFaultSpec, attached: ServerResponse | null): ActiveFault => {
    revert('replaced');
    const active: ActiveFault = {
      spec,
      id: randomUUID(),
      expiresAt: Date.now() + spec.ttlMs,
      timer: setTimeout(() => revert('expired (TTL)'), spec.ttlMs),
      attached,
      heartbeat: undefined,
    };
    fault = active;
    const now = Date.now();
    buckets.up = { tokens: 0, at: now };
    buckets.down = { tokens: 0, at: now };
    for (const pair of [...pairs]) {
      if (spec.mode === 'reset') pair.reset();
      else if (spec.mode === 'half-open') {
        pair.doomed = true;
        for (const pipe of [pair.up, pair.down]) {
          if (!pipe) continue;
          stats.discardedBytes += pipe.queuedBytes;
          pipe.queue = [];
          pipe.queuedBytes = 0;
        }
      }
    }
    log(
      `fault ${spec.mode} set for ${spec.ttlMs} ms${attached ? ' (attached)' : ''}: ${JSON.stringify(spec)}`,
    );
    return active;
  };

  const control = await startControlServer(
    options.controlHost,
    options.controlPort,
    options.token,
    async (method, path, body, _req, res) => {
      if (path === '/status' && method === 'GET') return { status: 200, body: status() };
      if (path !== '/fault') return { status: 404, body: { error: `no control route ${path}` } };
      if (method === 'DELETE') {
        revert('cleared');
        return { status: 200, body: status() };
      }
      if (method !== 'POST') return { status: 405, body: { error: `${method} /fault not allowed` } };
      const parsed = parseProxyFault(body);
      if (!parsed.ok) return { status: 400, body: { error: parsed.error } };
      const attach = (body as { attach?: unknown }).attach === true;
      if (!attach) {
        setFault(parsed.value, null);
        return { status: 200, body: status() };
      }
      const active = setFault(parsed.value, res);
      res.writeHead(200, { 'content-type': 'application/x-ndjson', 'cache-control': 'no-store' });
      res.write(`${JSON.stringify(status())}\n`);
      active.heartbeat = setInterval(() => res.write(`${JSON.stringify({ heartbeat: Date.now() })}\n`), 1000);
      res.once('close', () => {
        clearInterval(active.heartbeat);
        if (fault === active) revert('the control connection closed');
      });
      return 'handled';
    },
  );

  return {
    listenPort,
    controlUrl: control.url,
    status,
    async close() {
      revert('proxy stopped');
      for (const pair of [...pairs]) {
        pair.client.destroy();
        pair.upstream?.destroy();
        pair.close();
      }
      await Promise.all([closeServer(listener), closeHttp(control.server)]);
    },
  };
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

function closeHttp(server: HttpServer): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
