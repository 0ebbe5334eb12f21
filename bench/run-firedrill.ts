// One firedrill open-engine run against the bench target, in its own process; prints one JSON line.
// Usage: node --no-memory-reducer --import tsx bench/run-firedrill.ts '{"target":"http://127.0.0.1:PORT","rate":3000,"durationMs":8000}'
// CPU is user + sys of this process during the measured run only (after a short warm-up run that pays undici's
// one-off WASM compile and the JIT warm-up), so the figure is per request, not per process start.
import { performance } from 'node:perf_hooks';
import { createOpenEngine, type TrafficRunOptions } from '../src/traffic/index.ts';
import { contextSwitches, wakesPerRequest } from './proc.mjs';

interface Args {
  target: string;
  rate: number;
  durationMs: number;
  maxInFlight?: number;
  timeoutMs?: number;
  /** Use the precise (worker-thread) waker for sends (default true, as the engine). */
  preciseWake?: boolean;
  /** Engine option wakeBatchMs (default: the engine's). */
  wakeBatchMs?: number;
  /** Engine option lowerHelperThreads (default true, as `firedrill run` ships it). */
  lowerHelperThreads?: boolean;
  /** Sample RSS every second (for the memory-growth run). */
  rss?: boolean;
}

const args = JSON.parse(process.argv[2] ?? '{}') as Args;
const body = '{"inputs":[{"name":"input-0","shape":[1,4],"datatype":"FP32","data":[0.1,0.2,0.3,0.4]}]}';
const headers = { 'content-type': 'application/json' };
const request: TrafficRunOptions['request'] = () => ({
  method: 'POST',
  path: '/v2/models/m/infer',
  headers,
  body,
});

async function once(rate: number, durationMs: number) {
  return createOpenEngine({
    preciseWake: args.preciseWake ?? true,
    ...(args.wakeBatchMs === undefined ? {} : { wakeBatchMs: args.wakeBatchMs }),
    lowerHelperThreads: args.lowerHelperThreads ?? true,
  }).run({
    target: args.target,
    stages: [{ kind: 'constant', rate, durationMs }],
    timeoutMs: args.timeoutMs ?? 10_000,
    maxInFlight: args.maxInFlight ?? 256,
    request,
    onWindow: () => {},
    signal: new AbortController().signal,
    now: Date.now,
  });
}

await once(Math.min(args.rate, 500), 500); // warm-up, not measured
const rss: number[] = [];
const sampler = args.rss ? setInterval(() => rss.push(process.memoryUsage.rss()), 1000) : undefined;
const switches0 = contextSwitches();
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const summary = await once(args.rate, args.durationMs);
const wallMs = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
clearInterval(sampler);
const cpuUs = cpu.user + cpu.system;
process.stdout.write(
  `${JSON.stringify({
    tool:
      args.preciseWake === false
        ? 'firedrill-coarse'
        : args.wakeBatchMs === 0
          ? 'firedrill-exact'
          : 'firedrill',
    cpuUs,
    cpuUsPerRequest: summary.completed > 0 ? cpuUs / summary.completed : null,
    wakesPerRequest: wakesPerRequest(switches0, contextSwitches(), summary.completed),
    wallMs,
    achievedRate: summary.completed / (args.durationMs / 1000),
    sent: summary.sent,
    completed: summary.completed,
    errors: summary.errors,
    dropped: summary.dropped,
    late: summary.late,
    lateRatio: summary.sent > 0 ? summary.late / summary.sent : 0,
    maxLateMs: summary.maxLateMs,
    saturated: summary.saturated,
    loopLagP99Ms: summary.loopLagP99Ms ?? null,
    p50Ms: summary.latencyMs.p50,
    p99Ms: summary.latencyMs.p99,
    maxMs: summary.latencyMs.max,
    rssBytes: rss,
  })}\n`,
);
