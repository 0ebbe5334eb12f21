// One autocannon run (closed loop; with -R its per-connection budget resets every second, so it is bursty)
// against the bench target, in its own process; prints one JSON line. CPU = user + sys of this process during
// the measured run (after a short warm-up). Coordinated-omission correction is off unless `correct` is true:
// its correction uses a wrong (1 ms) expected interval, so it always records a 1 ms interval and mis-scales the correction.
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { contextSwitches, wakesPerRequest } from './proc.mjs';

const args = JSON.parse(process.argv[2] ?? '{}');
const base = {
  url: `${args.target}/v2/models/m/infer`,
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: '{"inputs":[{"name":"input-0","shape":[1,4],"datatype":"FP32","data":[0.1,0.2,0.3,0.4]}]}',
  connections: args.connections ?? 50,
  renderProgressBar: false,
  renderResultsTable: false,
  renderLatencyTable: false,
};
const rateOpts = (rate) => (rate ? { overallRate: rate, ignoreCoordinatedOmission: !args.correct } : {});

await autocannon({ ...base, duration: 0.5, ...rateOpts(Math.min(args.rate || 500, 500)) }); // warm-up
const switches0 = contextSwitches();
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const result = await autocannon({ ...base, duration: args.durationMs / 1000, ...rateOpts(args.rate) });
const wallMs = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
const cpuUs = cpu.user + cpu.system;
const completed = result.requests.total;
process.stdout.write(
  `${JSON.stringify({
    tool: args.correct ? 'autocannon-co' : 'autocannon',
    cpuUs,
    cpuUsPerRequest: completed > 0 ? cpuUs / completed : null,
    wakesPerRequest: wakesPerRequest(switches0, contextSwitches(), completed),
    wallMs,
    achievedRate: completed / (args.durationMs / 1000),
    completed,
    errors: result.errors + result.timeouts + result.non2xx,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    maxMs: result.latency.max,
  })}\n`,
);
