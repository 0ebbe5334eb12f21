import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isFiredrillError } from '../core/errors.ts';
import type { TrafficWindow } from '../traffic/index.ts';
import { startTrafficThread, startTrafficThreads } from './traffic-thread.ts';

let server: Server;
let target: string;
let received = 0;
/** Epoch ms of the first request the server received since it was last cleared. */
let firstReceivedAt = Number.POSITIVE_INFINITY;
let dir: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    received += 1;
    firstReceivedAt = Math.min(firstReceivedAt, Date.now());
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          model_name: 'penguins',
          id: 'x',
          outputs: [{ name: 'probabilities', shape: [1, 3], datatype: 'FP32', data: [0.1, 0.2, 0.7] }],
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  target = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  dir = await mkdtemp(join(tmpdir(), 'firedrill-thread-'));
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** The thread input for a scenario file against the test server (no request log unless given). */
function inputFor(scenarioFile: string, requestLogPath?: string) {
  return { scenarioFile, backend: undefined, target, requestLogPath };
}

async function scenarioFile(name: string, rate: number, duration: string): Promise<string> {
  const file = join(dir, `${name}.ts`);
  const scenario = {
    name,
    description: 'traffic thread test',
    target: { protocol: 'kserve-v2', model: 'penguins' },
    traffic: { stages: [{ kind: 'constant', rate, duration }], timeout: '2s' },
    faults: [],
    expect: [{ kind: 'threshold', phase: 'run', metric: 'error-ratio', op: '<', value: 0.01 }],
  };
  await writeFile(file, `export default ${JSON.stringify(scenario)};\n`);
  return file;
}

describe('traffic thread', () => {
  it('loads the scenario on its own thread, runs it on start, and streams windows back in order', async () => {
    const file = await scenarioFile('thread-ok', 50, '2s');
    const requestLogPath = join(dir, 'requests.ndjson');
    const thread = await startTrafficThread(inputFor(file, requestLogPath));
    try {
      expect(thread).toMatchObject({ engine: 'firedrill-open', model: 'open' });
      received = 0;
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(received).toBe(0); // ready is not started: nothing is sent before run()
      const windows: TrafficWindow[] = [];
      const starts: number[] = [];
      const asked = Date.now();
      const { summary, logError } = await thread.run({
        signal: new AbortController().signal,
        onStarted: (at) => starts.push(at),
        onWindow: (w) => windows.push(w),
        onProgress: () => {},
      });
      expect(logError).toBeUndefined();
      // Once, when the schedule began: the first window starts exactly then (the run's clock is this one).
      expect(starts).toHaveLength(1);
      expect(starts[0]).toBeGreaterThanOrEqual(asked);
      expect(windows[0]?.startAt).toBe(starts[0]);
      expect(summary).toMatchObject({ engine: 'firedrill-open', sent: 100, completed: 100, errors: 0 });
      expect(received).toBe(100);
      expect(windows.map((w) => w.second)).toEqual([0, 1]);
      expect(windows.map((w) => w.ok)).toEqual([50, 50]);
      const lines = (await readFile(requestLogPath, 'utf8')).trim().split('\n');
      expect(lines).toHaveLength(100);
      expect(JSON.parse(lines[0] as string)).toMatchObject({ outcome: 'ok', status: 200 });
    } finally {
      await thread.close();
    }
  });

  it('step-driven: one thread runs step after step, each with the stages it is given, even after an aborted one', async () => {
    const file = await scenarioFile('thread-steps', 50, '30s');
    const thread = await startTrafficThread(inputFor(file));
    try {
      const step = async (rate: number, abortAfterMs?: number) => {
        const controller = new AbortController();
        if (abortAfterMs !== undefined) setTimeout(() => controller.abort(), abortAfterMs);
        const windows: TrafficWindow[] = [];
        const { summary } = await thread.run({
          signal: controller.signal,
          step: { model: 'open', stages: [{ kind: 'constant', rate, durationMs: 1000 }] },
          onWindow: (w) => windows.push(w),
          onProgress: () => {},
        });
        return { summary, windows };
      };
      const first = await step(20);
      expect(first.summary.sent).toBe(20);
      expect(first.windows.map((w) => w.intended)).toEqual([20]);
      const aborted = await step(40, 200);
      expect(aborted.summary.sent).toBeLessThan(40);
      // The abort ended that step only: the next one runs in full, at its own rate.
      const third = await step(30);
      expect(third.summary.sent).toBe(30);
      expect(third.windows.map((w) => w.ok)).toEqual([30]);
    } finally {
      await thread.close();
    }
  });

  it('step-driven, closed model: runs each step with the users it is given, and refuses a rate step', async () => {
    const file = join(dir, 'thread-closed.ts');
    await writeFile(
      file,
      `export default ${JSON.stringify({
        name: 'thread-closed',
        description: 'closed traffic thread test',
        target: { protocol: 'kserve-v2', model: 'penguins' },
        traffic: {
          model: 'closed',
          stages: [{ kind: 'concurrency', vus: 1, duration: '30s' }],
          timeout: '2s',
        },
        expect: [{ kind: 'threshold', phase: 'run', metric: 'error-ratio', op: '<', value: 0.01 }],
      })};\n`,
    );
    const thread = await startTrafficThread(inputFor(file));
    try {
      expect(thread.model).toBe('closed');
      const windows: TrafficWindow[] = [];
      const { summary } = await thread.run({
        signal: new AbortController().signal,
        step: { model: 'closed', stages: [{ kind: 'concurrency', vus: 3, durationMs: 1000 }] },
        onWindow: (w) => windows.push(w),
        onProgress: () => {},
      });
      // The step's one second (not the scenario's 30 s): every send answered, none late.
      expect(summary).toMatchObject({ model: 'closed', errors: 0, late: 0 });
      expect(summary.sent).toBeGreaterThan(3);
      expect(windows).toHaveLength(1);
      expect(windows[0]!.ok).toBe(summary.sent);
      const refused = await thread
        .run({
          signal: new AbortController().signal,
          step: { model: 'open', stages: [{ kind: 'constant', rate: 10, durationMs: 1000 }] },
          onWindow: () => {},
          onProgress: () => {},
        })
        .catch((e: unknown) => e);
      expect(isFiredrillError(refused)).toBe(true);
      expect((refused as Error).message).toContain(
        "open-model step cannot run on this scenario's closed-model",
      );
    } finally {
      await thread.close();
    }
  });

  it('stops sending soon after an abort and still returns the summary', async () => {
    const file = await scenarioFile('thread-abort', 100, '30s');
    const thread = await startTrafficThread(inputFor(file));
    try {
      const controller = new AbortController();
      let abortedAt = 0;
      // 500 ms into the schedule (the thread's start-up varies with the host's load): about 50 sent by then.
      const { summary } = await thread.run({
        signal: controller.signal,
        onStarted: () =>
          setTimeout(() => {
            abortedAt = Date.now();
            controller.abort();
          }, 500),
        onWindow: () => {},
        onProgress: () => {},
      });
      expect(abortedAt).toBeGreaterThan(0);
      expect(Date.now() - abortedAt).toBeLessThan(2000); // the schedule held 29.5 s more
      expect(summary.sent).toBeGreaterThan(20);
      expect(summary.sent).toBeLessThan(200);
    } finally {
      await thread.close();
    }
  });

  it('--workers 2: two threads send the one schedule between them, one set of windows, one summary', async () => {
    const file = await scenarioFile('thread-workers', 60, '2s');
    const requestLog = join(dir, 'workers-requests.ndjson');
    const threads = await startTrafficThreads(inputFor(file, requestLog), 2);
    try {
      received = 0;
      const windows: TrafficWindow[] = [];
      const starts: number[] = [];
      const { summary } = await threads.run({
        signal: new AbortController().signal,
        onStarted: (at) => starts.push(at),
        onWindow: (w) => windows.push(w),
        onProgress: () => {},
      });
      expect(received).toBe(120);
      expect(starts).toHaveLength(1); // the threads' one agreed start, once
      expect(summary).toMatchObject({ sent: 120, completed: 120, errors: 0, dropped: 0 });
      expect(summary.latencyMs.count).toBe(120);
      // Merged per second, in order: each window holds both threads' halves.
      expect(windows.map((w) => [w.second, w.intended, w.ok])).toEqual([
        [0, 60, 60],
        [1, 60, 60],
      ]);
      // One request log: both threads' parts joined, every request of the schedule once, the parts gone.
      const records = (await readFile(requestLog, 'utf8'))
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { seq: number; outcome: string });
      expect(records.map((r) => r.seq).sort((a, b) => a - b)).toEqual(
        Array.from({ length: 120 }, (_, i) => i),
      );
      expect(records.every((r) => r.outcome === 'ok')).toBe(true);
      expect((await readdir(dir)).filter((name) => name.startsWith('workers-requests.ndjson.'))).toEqual([]);
    } finally {
      await threads.close();
    }
  });

  it('--workers 2: every thread starts its share at one agreed moment, the same second on each thread', async () => {
    const file = await scenarioFile('thread-workers-aligned', 40, '1s');
    const threads = await startTrafficThreads(inputFor(file), 2);
    try {
      received = 0;
      firstReceivedAt = Number.POSITIVE_INFINITY;
      // Later than either thread needs to get ready (about 300 ms): a thread that started on its own would
      // send before it.
      const startAt = Date.now() + 800;
      const starts: number[] = [];
      const windows: TrafficWindow[] = [];
      const { summary } = await threads.run({
        signal: new AbortController().signal,
        startAt,
        onStarted: (at) => starts.push(at),
        onWindow: (w) => windows.push(w),
        onProgress: () => {},
      });
      expect(starts).toEqual([startAt]);
      expect(firstReceivedAt).toBeGreaterThanOrEqual(startAt);
      expect(windows.map((w) => [w.startAt, w.intended])).toEqual([[startAt, 40]]);
      expect(summary).toMatchObject({ sent: 40, completed: 40 });
    } finally {
      await threads.close();
    }
  });

  it('--workers 2, step-driven (capacity --workers): the threads share each step they are given', async () => {
    const file = await scenarioFile('thread-workers-steps', 50, '30s');
    const threads = await startTrafficThreads(inputFor(file), 2);
    try {
      for (const rate of [40, 90]) {
        received = 0;
        const windows: TrafficWindow[] = [];
        const { summary } = await threads.run({
          signal: new AbortController().signal,
          step: { model: 'open', stages: [{ kind: 'constant', rate, durationMs: 1000 }] },
          onWindow: (w) => windows.push(w),
          onProgress: () => {},
        });
        // The step's schedule once between them (not once per thread), merged into one window.
        expect(received).toBe(rate);
        expect(summary).toMatchObject({ sent: rate, completed: rate, errors: 0 });
        expect(windows.map((w) => [w.second, w.intended, w.ok])).toEqual([[0, rate, rate]]);
      }
    } finally {
      await threads.close();
    }
  });

  it('reports a scenario the thread cannot load as a FiredrillError, not a crash', async () => {
    const error = await startTrafficThread(inputFor(join(dir, 'missing.ts'))).catch((e: unknown) => e);
    expect(isFiredrillError(error)).toBe(true);
    expect((error as Error).message).toContain('scenario file not found');
  });
});
