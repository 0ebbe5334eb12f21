import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClosedEngine } from './closed-engine.ts';
import { createOpenEngine } from './open-engine.ts';
import { OpenAiStreamTracker } from './sse.ts';
import type { TrafficWindow } from './types.ts';
import { createResponseValidator } from './validate.ts';

const chunk = (choices: unknown, extra = '') =>
  `data: {"id":"c1","object":"chat.completion.chunk","choices":${JSON.stringify(choices)}${extra}}`;
const STREAM = [
  ': ping',
  chunk([{ index: 0, delta: { role: 'assistant', content: 'Hé' }, finish_reason: null }]),
  '',
  chunk([{ index: 0, delta: { content: ' you' }, finish_reason: null }]),
  '',
  chunk([{ index: 0, delta: {}, finish_reason: 'stop' }]),
  '',
  chunk(null, ',"usage":{"prompt_tokens":5,"completion_tokens":2,"total_tokens":7}'),
  '',
  'data: [DONE]',
  '',
  '',
].join('\r\n');

describe('OpenAiStreamTracker', () => {
  const bytes = Buffer.from(STREAM, 'utf8');
  it.each(Array.from({ length: bytes.length + 1 }, (_, i) => i))('split at byte %i', (at) => {
    const tracker = new OpenAiStreamTracker();
    tracker.push(bytes.subarray(0, at), 1);
    tracker.push(bytes.subarray(at), 2);
    tracker.end(3);
    expect(tracker.error).toBeUndefined();
    expect(tracker.done).toBe(true);
    expect(tracker.contentChunks).toBe(2);
    expect(tracker.outputTokens).toBe(2);
    // The first event is dispatched at its blank line (its CR already ends it).
    const dispatchedBy = Buffer.byteLength(STREAM.slice(0, STREAM.indexOf('\r\n\r\n') + 3));
    expect(tracker.firstChunkAt).toBe(at >= dispatchedBy ? 1 : 2);
  });
  it('reports a malformed chunk and a missing [DONE]', () => {
    const bad = new OpenAiStreamTracker();
    bad.push(Buffer.from('data: {oops\n\n'), 1);
    bad.end(2);
    expect(bad.error).toContain('malformed');
    const cut = new OpenAiStreamTracker();
    cut.push(Buffer.from(`${chunk([{ index: 0, delta: { content: 'x' } }])}\n\n`), 1);
    cut.end(2);
    expect(cut.error).toContain('[DONE]');
  });
});

// A local server: /sse streams 5 tokens 20 ms apart (TTFT ≈ 20 ms); /v2 answers right or wrong; /slow counts concurrency.
let server: Server;
let target: string;
let inFlight = 0;
let maxInFlight = 0;
beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.url === '/sse') {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        let i = 0;
        const timer = setInterval(() => {
          i += 1;
          if (i <= 5) res.write(`${chunk([{ index: 0, delta: { content: `t${i}` } }])}\n\n`);
          else {
            clearInterval(timer);
            res.end(`${chunk([], ',"usage":{"completion_tokens":5}')}\n\ndata: [DONE]\n\n`);
          }
        }, 20);
        return;
      }
      if (req.url?.startsWith('/v2')) {
        const wrong = req.url.endsWith('wrong');
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            outputs: [{ name: 'y', datatype: 'FP32', shape: [1, 2], data: wrong ? [0.5] : [0.5, 0.5] }],
          }),
        );
        return;
      }
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      setTimeout(() => {
        inFlight -= 1;
        res.end('{}');
      }, 10);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  target = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const base = () => ({ signal: new AbortController().signal, now: Date.now, timeoutMs: 2000 });

describe('engines with streaming and validation', () => {
  it('open engine measures TTFT ≈ 1/token-rate, ITL and tokens on a stream', async () => {
    const windows: TrafficWindow[] = [];
    const tokens: Array<number | undefined> = [];
    const summary = await createOpenEngine().run({
      ...base(),
      target,
      stages: [{ kind: 'constant', rate: 20, durationMs: 1000 }],
      maxInFlight: 50,
      request: () => ({ method: 'POST', path: '/sse', headers: {}, body: '{}', stream: 'openai-sse' }),
      onWindow: (w) => windows.push(w),
      onRequest: (r) => tokens.push(r.outputTokens),
    });
    expect(tokens).toEqual(Array(20).fill(5)); // per request: 5 tokens each, as the summary's 100 / 20
    expect(summary.streaming?.streams).toBe(20);
    expect(summary.streaming?.outputTokens).toBe(100);
    expect(summary.streaming!.ttftMs.p50).toBeGreaterThan(18);
    expect(summary.streaming!.ttftMs.p50).toBeLessThan(40);
    expect(summary.streaming!.itlMs.p50).toBeGreaterThan(15);
    expect(summary.streaming!.itlMs.p50).toBeLessThan(30);
    expect(windows[0]?.streaming?.ttftHistogram).toMatch(/^[A-Za-z0-9+/=]+$/);
  });

  it('counts wrong answers apart from HTTP errors', async () => {
    const validate = createResponseValidator({
      protocol: 'kserve-v2',
      outputs: [{ name: 'y', shape: [null, 2] }],
    });
    const summary = await createOpenEngine().run({
      ...base(),
      target,
      stages: [{ kind: 'constant', rate: 40, durationMs: 500 }],
      maxInFlight: 50,
      validate,
      request: (seq) => ({ method: 'POST', path: seq % 2 ? '/v2/wrong' : '/v2/right', headers: {} }),
      onWindow: () => {},
    });
    expect(summary.wrongAnswers).toBe(10);
    expect(summary.errors).toBe(0);
    expect(summary.completed).toBe(20);
  });

  it('closed engine never exceeds N users in flight and says closed', async () => {
    maxInFlight = 0;
    const windows: TrafficWindow[] = [];
    const summary = await createClosedEngine().run({
      ...base(),
      target,
      stages: [{ kind: 'concurrency', vus: 4, durationMs: 1000 }],
      request: () => ({ method: 'GET', path: '/slow', headers: {} }),
      onWindow: (w) => windows.push(w),
    });
    expect(summary.model).toBe('closed');
    expect(maxInFlight).toBe(4);
    // Each user sends again as soon as its answer is in: ~4 × 1000/11 ms ≈ 360 on a quiet host, 134 seen on a
    // loaded one. Over 40 (ten round trips per user in the second) still fails an engine that paces its users
    // (one send per 100 ms each); concurrency is maxInFlight's check, throughput the benchmarks'.
    expect(summary.sent).toBeGreaterThan(40);
    expect(summary.dropped + summary.late).toBe(0);
    expect(windows.map((w) => w.second)).toEqual([0]);
    expect(windows[0]?.ok).toBe(summary.sent);
  });

  it('closed engine with startAt: no user sends before it, and the run and its first window count from it', async () => {
    const startAt = Date.now() + 300;
    const starts: number[] = [];
    const windows: TrafficWindow[] = [];
    let firstRequestAt = Number.POSITIVE_INFINITY;
    const summary = await createClosedEngine().run({
      ...base(),
      target,
      startAt,
      onStart: (at) => starts.push(at),
      stages: [{ kind: 'concurrency', vus: 2, durationMs: 500 }],
      request: () => {
        firstRequestAt = Math.min(firstRequestAt, Date.now());
        return { method: 'GET', path: '/slow', headers: {} };
      },
      onWindow: (w) => windows.push(w),
    });
    expect(starts).toEqual([startAt]);
    expect(firstRequestAt).toBeGreaterThanOrEqual(startAt);
    expect(windows.map((w) => w.startAt)).toEqual([startAt]);
    expect(summary.sent).toBeGreaterThan(10);
  });

  it('closed engine counts wrong answers as the open engine does: apart from errors, in every window', async () => {
    const validate = createResponseValidator({
      protocol: 'kserve-v2',
      outputs: [{ name: 'y', shape: [null, 2] }],
    });
    const windows: TrafficWindow[] = [];
    const summary = await createClosedEngine().run({
      ...base(),
      target,
      stages: [{ kind: 'concurrency', vus: 2, durationMs: 300 }],
      validate,
      request: (seq) => ({ method: 'POST', path: seq % 2 ? '/v2/wrong' : '/v2/right', headers: {} }),
      onWindow: (w) => windows.push(w),
    });
    expect(summary.sent).toBeGreaterThan(20);
    // Requests 0, 1, 2, … alternate right and wrong: the odd ones are wrong.
    expect(summary.wrongAnswers).toBe(Math.floor(summary.sent / 2));
    expect(summary.errors).toBe(0);
    expect(summary.completed).toBe(summary.sent);
    expect(windows.reduce((sum, w) => sum + (w.wrongAnswers ?? -1), 0)).toBe(summary.wrongAnswers);
    expect(windows.reduce((sum, w) => sum + w.ok, 0)).toBe(summary.sent - summary.wrongAnswers!);
  });

  it('closed engine reports progress about once a second: users active and requests per second', async () => {
    const reports: Array<{
      offeredRate: number;
      achievedRate: number;
      inFlight: number;
      p99Ms: number | null;
    }> = [];
    await createClosedEngine().run({
      ...base(),
      target,
      stages: [{ kind: 'concurrency', vus: 3, durationMs: 1300 }],
      request: () => ({ method: 'GET', path: '/slow', headers: {} }),
      onWindow: () => {},
      onProgress: (p) => reports.push(p),
    });
    expect(reports).toHaveLength(1);
    const [report] = reports;
    expect(report!.inFlight).toBe(3);
    // 3 users × one 10 ms request each at a time: well over 100 started and ended per second.
    expect(report!.offeredRate).toBeGreaterThan(100);
    expect(report!.achievedRate).toBeGreaterThan(100);
    expect(report!.p99Ms).toBeGreaterThanOrEqual(10);
  });
});
