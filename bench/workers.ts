// `--workers`: does a second traffic thread offer twice the rate with no more late sends?
// Usage: node --no-memory-reducer --import tsx bench/workers.ts [rate=1000] [seconds=5] [reps=3] [targetCpu=]
// Runs firedrill's traffic threads as `firedrill run` does (startTrafficThreads on a scenario file), alternating
// 1 thread at `rate` and 2 threads at 2 × `rate`, `reps` times each, against bench/target.mjs in its own process
// (pinned to `targetCpu` when given, e.g. `taskset -c 0-1 node … bench/workers.ts 1000 5 3 2` keeps the
// generator on CPUs 0-1 and the target on CPU 2). Prints one JSON line per run and the medians; writes
// reports/bench/workers.json. Loopback only; every run is bounded in time.
// What it can show depends on free cores: two traffic threads need two cores besides the target's.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { startTrafficThreads } from '../src/run/traffic-thread.ts';

const [rate = 1000, seconds = 5, reps = 3] = process.argv.slice(2, 5).map(Number);
const targetCpu = process.argv[5];

const server = spawn(
  targetCpu ? 'taskset' : process.execPath,
  targetCpu ? ['-c', targetCpu, process.execPath, 'bench/target.mjs', '0'] : ['bench/target.mjs', '0'],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
const port = await new Promise<number>((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error('target did not start in 10 s')), 10_000);
  server.stdout?.on('data', (chunk) => {
    const m = /listening (\d+)/.exec(String(chunk));
    if (m) {
      clearTimeout(timer);
      resolve(Number(m[1]));
    }
  });
});
const target = `http://127.0.0.1:${port}`;
const dir = mkdtempSync(join(os.tmpdir(), 'firedrill-bench-workers-'));

function scenario(r: number): string {
  const file = join(dir, `workers-${r}.ts`);
  const s = {
    name: `workers-${r}`,
    description: 'bench: --workers',
    target: { protocol: 'kserve-v2', model: 'm' },
    traffic: {
      stages: [{ kind: 'constant', rate: r, duration: `${seconds}s` }],
      timeout: '250ms',
      maxInFlight: Math.ceil(r * 0.25) + 64,
    },
    faults: [],
    expect: [{ kind: 'threshold', phase: 'run', metric: 'error-ratio', op: '<', value: 0.01 }],
  };
  writeFileSync(file, `export default ${JSON.stringify(s)};\n`);
  return file;
}

async function once(workers: number, r: number) {
  const threads = await startTrafficThreads(
    { scenarioFile: scenario(r), backend: undefined, target, requestLogPath: undefined },
    workers,
  );
  try {
    const { summary } = await threads.run({
      signal: AbortSignal.timeout(seconds * 1000 + 30_000),
      onWindow: () => {},
      onProgress: () => {},
    });
    return {
      workers,
      offered: r,
      achievedRate: summary.completed / seconds,
      sent: summary.sent,
      late: summary.late,
      lateRatio: summary.sent > 0 ? summary.late / summary.sent : 0,
      dropped: summary.dropped,
      errors: summary.errors,
      p99Ms: summary.latencyMs.p99,
      saturated: summary.saturated,
    };
  } finally {
    await threads.close();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const runs: Array<Awaited<ReturnType<typeof once>>> = [];
try {
  await once(1, Math.min(rate, 500)); // warm-up, not measured
  for (let i = 0; i < reps; i += 1) {
    for (const [workers, r] of [
      [1, rate],
      [2, 2 * rate],
    ] as const) {
      const result = await once(workers, r);
      runs.push(result);
      process.stdout.write(`${JSON.stringify(result)}\n`);
    }
  }
} finally {
  server.kill('SIGTERM');
}
const summary = (workers: number) => {
  const mine = runs.filter((r) => r.workers === workers);
  return {
    workers,
    offered: mine[0]?.offered ?? 0,
    achievedRate: median(mine.map((r) => r.achievedRate)),
    lateRatio: median(mine.map((r) => r.lateRatio)),
    dropped: median(mine.map((r) => r.dropped)),
    p99Ms: median(mine.map((r) => r.p99Ms)),
  };
};
const result = {
  date: new Date().toISOString(),
  cpus: os.cpus().length,
  loadAverage: os.loadavg(),
  rate,
  seconds,
  reps,
  one: summary(1),
  two: summary(2),
};
mkdirSync('reports/bench', { recursive: true });
writeFileSync('reports/bench/workers.json', `${JSON.stringify({ ...result, runs }, null, 2)}\n`);
process.stdout.write(`${JSON.stringify(result)}\n`);
