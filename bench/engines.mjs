#!/usr/bin/env zx
// Issue #6: firedrill's open engine against peers, same local target, same run, tools alternating, medians of
// `--reps` (default 3) runs. Writes reports/bench/engines.json and prints a table.
//   zx bench/engines.mjs [--long] [--quick] [--reps 3] [--only a,b,c,d,e]   (--only keeps the other sections of
//   an earlier reports/bench/engines.json; every section has its own date)
// (a) CPU µs/request at a fixed 3,000 req/s (+ wrk at max rate as the CPU floor)
// (b) firedrill achieved rate, late and dropped sends at 1k/2k/3k/5k req/s offered
// (c) p50/p99 error against a target that adds a fixed 20 ms
// (d) p99 under a 1 s stall mid-run vs the coordinated-omission-free truth computed from the schedule
// (e) firedrill RSS growth at 2,000 req/s (60 s; --long: 10 min)
//   zx bench/engines.mjs --soak   runs the soak bench instead (bench/soak.mjs: a 10-minute game day)
// The target runs in its own process on CPU 1, generators on CPU 0 (taskset). Loopback only; every run is
// bounded in time. CPU = user + sys of the generator process (in-process cpuUsage() for the Node tools around
// the measured run; waited-for child times from /proc for wrk).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { $, argv } from 'zx';

$.verbose = false;
$.nothrow = true;

if (argv.soak) {
  await import('./soak.mjs');
  process.exit(process.exitCode ?? 0);
}

const reps = Number(argv.reps ?? 3);
const scale = argv.quick ? 0.5 : 1;
const only = new Set(String(argv.only ?? 'a,b,c,d,e').split(','));
const hasK6 = (await $`command -v k6`).exitCode === 0;
const hasWrk = (await $`command -v wrk`).exitCode === 0;
const hasCyclictest = (await $`command -v cyclictest`).exitCode === 0;
const BODY = '{"inputs":[{"name":"input-0","shape":[1,4],"datatype":"FP32","data":[0.1,0.2,0.3,0.4]}]}';

// ---- target ------------------------------------------------------------------------------------------------
const server = spawn('taskset', ['-c', '1', process.execPath, 'bench/target.mjs', '0'], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
const port = await new Promise((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error('target did not start in 10 s')), 10_000);
  server.stdout.on('data', (chunk) => {
    const m = /listening (\d+)/.exec(String(chunk));
    if (m) {
      clearTimeout(timer);
      resolve(Number(m[1]));
    }
  });
});
const target = `http://127.0.0.1:${port}`;
const control = async (q = '') => (await fetch(`${target}/__ctl?${q}`)).json();
const serverStats = async () => (await fetch(`${target}/__stats`)).json();

// ---- tools ---------------------------------------------------------------------------------------------------
function lastJson(stdout, prefix = '') {
  const line = stdout
    .split('\n')
    .reverse()
    .find((l) => l.startsWith(`${prefix}{`));
  if (!line) throw new Error(`no JSON result in output:\n${stdout.slice(-2000)}`);
  return JSON.parse(line.slice(prefix.length));
}

const hardLimit = (ms) => `${Math.ceil(ms / 1000) + 60}s`;

async function firedrill(o) {
  const r =
    await $`timeout ${hardLimit(o.durationMs)} taskset -c 0 node --no-memory-reducer --import tsx bench/run-firedrill.ts ${JSON.stringify({ target, ...o })}`;
  if (r.exitCode !== 0) throw new Error(`firedrill run failed: ${r.stderr.slice(-2000)}`);
  return lastJson(r.stdout);
}

async function nodePaced(o) {
  const r =
    await $`timeout ${hardLimit(o.durationMs)} taskset -c 0 node bench/run-node-paced.mjs ${JSON.stringify({ target, ...o })}`;
  if (r.exitCode !== 0) throw new Error(`node-paced run failed: ${r.stderr.slice(-2000)}`);
  return lastJson(r.stdout);
}

async function autocannon(o) {
  const r =
    await $`timeout ${hardLimit(o.durationMs)} taskset -c 0 node bench/run-autocannon.mjs ${JSON.stringify({ target, ...o })}`;
  if (r.exitCode !== 0) throw new Error(`autocannon run failed: ${r.stderr.slice(-2000)}`);
  return lastJson(r.stdout);
}

/** Debian wrk 4.1: closed loop; with `rate` each connection waits C/rate − service ms before each request. */
async function wrk(o) {
  const connections = o.connections ?? 50;
  const delayMs = o.rate ? Math.max(1, Math.round((connections * 1000) / o.rate - (o.serviceMs ?? 0.15))) : 0;
  const seconds = Math.round(o.durationMs / 1000);
  const cmd = `wrk -t1 -c${connections} -d${seconds}s --timeout 10s -s bench/wrk-report.lua ${target}; cat /proc/$$/stat`;
  const r = await $({
    env: { ...process.env, WRK_DELAY_MS: String(delayMs) },
  })`timeout ${hardLimit(o.durationMs)} taskset -c 0 sh -c ${cmd}`;
  if (r.exitCode !== 0) throw new Error(`wrk run failed: ${r.stderr.slice(-2000)}`);
  const w = lastJson(r.stdout, 'WRKJSON ');
  // /proc/<sh>/stat after wrk was reaped: fields 16, 17 (cutime, cstime) in clock ticks.
  const statLine = r.stdout.trim().split('\n').pop();
  const fields = statLine.slice(statLine.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[13]) + Number(fields[14]);
  const hz = Number((await $`getconf CLK_TCK`).stdout.trim()) || 100;
  const cpuUs = (ticks / hz) * 1e6;
  return {
    tool: o.rate ? 'wrk' : 'wrk-max',
    cpuUs,
    cpuUsPerRequest: w.requests > 0 ? cpuUs / w.requests : null,
    achievedRate: w.requests / (w.duration_us / 1e6),
    completed: w.requests,
    errors: w.errors,
    connections,
    delayMs,
    p50Ms: w.p50_us / 1000,
    p99Ms: w.p99_us / 1000,
    maxMs: w.max_us / 1000,
  };
}

async function k6(o) {
  const script = `import http from 'k6/http';
export const options = { scenarios: { s: { executor: 'constant-arrival-rate', rate: ${o.rate}, timeUnit: '1s',
  duration: '${Math.round(o.durationMs / 1000)}s', preAllocatedVUs: 100, maxVUs: 300 } }, summaryTrendStats: ['med','p(99)','max'] };
export default function () { http.post('${target}/v2/models/m/infer', '${BODY}', { headers: { 'content-type': 'application/json' } }); }`;
  writeFileSync('/tmp/firedrill-bench-k6.js', script);
  const cmd = `k6 run --quiet --summary-export /tmp/firedrill-bench-k6.json /tmp/firedrill-bench-k6.js >/dev/null 2>&1; cat /proc/$$/stat`;
  const r = await $`timeout ${hardLimit(o.durationMs)} taskset -c 0 sh -c ${cmd}`;
  const statLine = r.stdout.trim().split('\n').pop();
  const fields = statLine.slice(statLine.lastIndexOf(')') + 2).split(' ');
  const cpuUs = ((Number(fields[13]) + Number(fields[14])) / 100) * 1e6;
  const s = JSON.parse((await $`cat /tmp/firedrill-bench-k6.json`).stdout).metrics;
  const completed = s.http_reqs?.count ?? 0;
  return {
    tool: 'k6',
    cpuUs,
    cpuUsPerRequest: completed > 0 ? cpuUs / completed : null,
    achievedRate: completed / (o.durationMs / 1000),
    completed,
    dropped: s.dropped_iterations?.count ?? 0,
    p50Ms: s.http_req_duration?.med ?? null,
    p99Ms: s.http_req_duration?.['p(99)'] ?? null,
    maxMs: s.http_req_duration?.max ?? null,
  };
}

/**
 * The machine's own wake-up floor (rt-tests' cyclictest, Debian package rt-tests): one normal-priority thread
 * on the generators' CPU sleeping to absolute times every `intervalUs`; the share of wake-ups more than 1 ms
 * late is what any paced sender on this CPU starts from.
 */
async function cyclictest(o) {
  const loops = Math.round((o.durationMs * 1000) / o.intervalUs);
  const r =
    await $`timeout ${hardLimit(o.durationMs)} taskset -c 0 cyclictest -q --policy=other -t 1 -i ${o.intervalUs} -l ${loops} -h 20000`;
  if (r.exitCode !== 0) throw new Error(`cyclictest failed: ${r.stderr.slice(-2000)}`);
  let samples = 0;
  let late = 0;
  let maxUs = 0;
  for (const line of r.stdout.split('\n')) {
    const m = /^(\d+)\s+(\d+)$/.exec(line.trim());
    if (m === null) continue;
    const [us, count] = [Number(m[1]), Number(m[2])];
    samples += count;
    if (us > 1000) late += count;
    if (count > 0) maxUs = Math.max(maxUs, us);
  }
  return {
    tool: 'cyclictest',
    sent: samples,
    late,
    lateRatio: samples > 0 ? late / samples : null,
    maxLateMs: maxUs / 1000,
  };
}

// ---- helpers -------------------------------------------------------------------------------------------------
const median = (xs) => {
  const v = xs.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const m = Math.floor(v.length / 2);
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
};
const medians = (runs, keys) => Object.fromEntries(keys.map((k) => [k, median(runs.map((r) => r[k]))]));
const rotate = (xs, k) => xs.map((_, i) => xs[(i + k) % xs.length]);
const log = (...a) => process.stderr.write(`${a.join(' ')}\n`);

/** Runs every tool `reps` times, alternating the order each round; returns tool → runs. */
async function alternate(label, tools, prepare, after) {
  const runs = Object.fromEntries(tools.map(([name]) => [name, []]));
  for (let rep = 0; rep < reps; rep += 1) {
    for (const [name, fn] of rotate(tools, rep)) {
      await prepare?.();
      const result = await fn();
      if (after) Object.assign(result, await after(result));
      runs[name].push(result);
      log(`[${label}] rep ${rep + 1} ${name}:`, JSON.stringify(result).slice(0, 300));
    }
  }
  return runs;
}

const KEYS = [
  'cpuUsPerRequest',
  'wakesPerRequest',
  'achievedRate',
  'p50Ms',
  'p99Ms',
  'maxMs',
  'late',
  'lateRatio',
  'dropped',
  'maxLateMs',
];
const report = {
  date: new Date().toISOString(),
  node: process.version,
  cpus: os.cpus().length,
  cpuModel: os.cpus()[0]?.model,
  reps,
  tools: { wrk: hasWrk, k6: hasK6 },
  notes: [
    'Generators pinned to CPU 0, target to CPU 1. Medians of reps; ratios computed from medians of the same run.',
    'wrk is Debian wrk 4.1 (closed loop): a fixed rate is approximated with a per-connection delay(); wrk-max is its max-rate CPU floor.',
    'autocannon runs with -R (per-connection budget reset every second: bursty) and its CO correction off.',
    'firedrill = the open engine as shipped (precise waker; sends due within 0.5 ms of each other share one wake-up, at the last of their times); firedrill-exact = waker aimed at each send (wakeBatchMs: 0); firedrill-coarse = 1 ms-grained timers only (preciseWake: false).',
    'node-paced = a 40-line paced sender on raw sockets (bench/run-node-paced.mjs): the cost floor of paced sending in Node on this machine.',
    "os-floor (b) = cyclictest from rt-tests when installed: one normal-priority thread on the generators' CPU waking every 200 µs (5,000/s); its share of wake-ups > 1 ms late is the floor of any paced sender there.",
    "firedrill runs as `firedrill run` runs its traffic thread: helper threads at nice 19 (lowerHelperThreads) and V8's memory reducer off (--no-memory-reducer).",
    'wakesPerRequest = voluntary context switches of the generator process per completed request (each one a sleep and a wake-up).',
    '(c) truth = the hold time the target itself measured (request end → answer), p50/p99 over the same requests.',
  ],
  results: {},
};

try {
  // (a) CPU per request at 3,000 req/s
  if (only.has('a')) {
    const o = { rate: 3000, durationMs: 8000 * scale };
    const tools = [
      ['firedrill', () => firedrill({ ...o, maxInFlight: 256 })],
      ['firedrill-exact', () => firedrill({ ...o, maxInFlight: 256, wakeBatchMs: 0 })],
      ['firedrill-coarse', () => firedrill({ ...o, maxInFlight: 256, preciseWake: false })],
      ['node-paced', () => nodePaced(o)],
      ['autocannon', () => autocannon({ ...o, connections: 50 })],
    ];
    if (hasWrk)
      tools.push(
        ['wrk', () => wrk({ ...o, connections: 30 })],
        ['wrk-max', () => wrk({ durationMs: o.durationMs, connections: 50 })],
      );
    if (hasK6) tools.push(['k6', () => k6(o)]);
    const runs = await alternate('a', tools, () => control());
    const med = Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, medians(v, KEYS)]));
    const ratios = {};
    for (const mine of ['firedrill', 'firedrill-exact', 'firedrill-coarse']) {
      for (const [peer, m] of Object.entries(med)) {
        if (peer.startsWith('firedrill')) continue;
        ratios[`${mine}/${peer}`] = m.cpuUsPerRequest ? med[mine].cpuUsPerRequest / m.cpuUsPerRequest : null;
      }
    }
    report.results.a = {
      offered: o,
      medians: med,
      ratios,
      targets: { 'firedrill/autocannon': 0.75, 'firedrill/wrk': 1.5 },
      runs,
    };
  }

  // (b) achieved rate, late and dropped sends at fixed rates
  if (only.has('b')) {
    const rates = [1000, 2000, 3000, 5000];
    const tools = rates.flatMap((rate) => [
      [`firedrill@${rate}`, () => firedrill({ rate, durationMs: 5000 * scale, maxInFlight: 256 })],
      [
        `firedrill-coarse@${rate}`,
        () => firedrill({ rate, durationMs: 5000 * scale, maxInFlight: 256, preciseWake: false }),
      ],
    ]);
    if (hasCyclictest)
      tools.push(['os-floor@5000', () => cyclictest({ intervalUs: 200, durationMs: 5000 * scale })]);
    const runs = await alternate('b', tools, () => control());
    const med = Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, medians(v, [...KEYS, 'sent'])]));
    report.results.b = {
      medians: med,
      target: '5000 req/s: dropped 0 and late (> 1 ms) ≤ 1% of sends',
      runs,
    };
  }

  // (c) latency accuracy against a fixed 20 ms delay at 1,000 req/s
  if (only.has('c')) {
    const o = { rate: 1000, durationMs: 5000 * scale };
    const tools = [
      ['firedrill', () => firedrill({ ...o, maxInFlight: 256 })],
      ['firedrill-coarse', () => firedrill({ ...o, maxInFlight: 256, preciseWake: false })],
      ['autocannon', () => autocannon({ ...o, connections: 50 })],
    ];
    if (hasWrk) tools.push(['wrk', () => wrk({ ...o, connections: 50, serviceMs: 20 })]);
    if (hasK6) tools.push(['k6', () => k6(o)]);
    const truth = async () => {
      const s = await serverStats();
      return { truthP50Ms: s.holdP50Ms, truthP99Ms: s.holdP99Ms };
    };
    const runs = await alternate('c', tools, () => control('delayMs=20'), truth);
    const med = Object.fromEntries(
      Object.entries(runs).map(([k, v]) => {
        const m = medians(v, [...KEYS, 'truthP50Ms', 'truthP99Ms']);
        return [k, { ...m, p50ErrorMs: m.p50Ms - m.truthP50Ms, p99ErrorMs: m.p99Ms - m.truthP99Ms }];
      }),
    );
    report.results.c = {
      delayMs: 20,
      medians: med,
      target: '|measured − truth| ≤ 1 ms at p50 and p99',
      runs,
    };
  }

  // (d) a 1 s stall in the middle of the run
  if (only.has('d')) {
    const o = { rate: 1000, durationMs: 8000 * scale };
    const stallAfterMs = Math.round(o.durationMs * 0.4);
    const tools = [
      ['firedrill', () => firedrill({ ...o, maxInFlight: 256 })],
      ['autocannon', () => autocannon({ ...o, connections: 50 })],
    ];
    if (hasWrk) tools.push(['wrk', () => wrk({ ...o, connections: 50 })]);
    if (hasK6) tools.push(['k6', () => k6(o)]);
    // Truth from the schedule: intended t_i = first + i/rate; one intended during [S, E) waits until E.
    const truth = async () => {
      const s = await serverStats();
      const n = Math.round((o.rate * o.durationMs) / 1000);
      const lat = [];
      for (let i = 0; i < n; i += 1) {
        const t = s.firstAt + (i * 1000) / o.rate;
        lat.push(t >= s.stallFrom && t < s.stallUntil ? s.stallUntil - t : 0);
      }
      lat.sort((a, b) => a - b);
      return { truthP99Ms: lat[Math.ceil(0.99 * n) - 1] };
    };
    const runs = await alternate(
      'd',
      tools,
      () => control(`stallAfterMs=${stallAfterMs}&stallMs=1000`),
      truth,
    );
    const med = Object.fromEntries(
      Object.entries(runs).map(([k, v]) => {
        const m = medians(v, [...KEYS, 'truthP99Ms']);
        return [k, { ...m, p99VsTruth: m.p99Ms / m.truthP99Ms }];
      }),
    );
    report.results.d = {
      offered: { ...o, stallAfterMs, stallMs: 1000 },
      medians: med,
      target: 'firedrill p99 within 10% of truth',
      runs,
    };
  }

  // (e) RSS growth
  if (only.has('e')) {
    const durationMs = argv.long ? 600_000 : 60_000;
    await control();
    const r = await firedrill({ rate: 2000, durationMs, maxInFlight: 256, rss: true });
    const rss = r.rssBytes;
    const from = argv.long ? rss[59] : rss[9]; // minute 1 (long) or second 10 (short)
    const growthMb = (rss[rss.length - 1] - from) / 2 ** 20;
    report.results.e = {
      rate: 2000,
      durationMs,
      fromSecond: argv.long ? 60 : 10,
      rssFromMb: from / 2 ** 20,
      rssEndMb: rss[rss.length - 1] / 2 ** 20,
      growthMb,
      target: '< 20 MB',
      run: { ...r, rssBytes: undefined, rssMb: rss.map((b) => Math.round(b / 2 ** 20)) },
    };
  }
} finally {
  server.kill('SIGTERM');
}

// Each section carries its own date; with --only, the other sections of an earlier report are kept.
for (const section of Object.values(report.results)) section.date = report.date;
mkdirSync('reports/bench', { recursive: true });
const reportPath = 'reports/bench/engines.json';
if (argv.only && existsSync(reportPath)) {
  try {
    const earlier = JSON.parse(readFileSync(reportPath, 'utf8'));
    for (const [key, section] of Object.entries(earlier.results ?? {})) {
      if (!only.has(key)) report.results[key] = { date: earlier.date, ...section };
    }
  } catch {
    // an unreadable earlier report is replaced
  }
}
report.results = Object.fromEntries(Object.entries(report.results).sort(([a], [b]) => a.localeCompare(b)));
writeFileSync(reportPath, `${JSON.stringify(report, null, 2)}\n`);

// ---- table ---------------------------------------------------------------------------------------------------
const f = (x, d = 1) =>
  x === null || x === undefined ? '–' : typeof x === 'number' ? x.toFixed(d) : String(x);
const rows = [];
const R = report.results;
if (R.a) {
  for (const [tool, m] of Object.entries(R.a.medians))
    rows.push([
      'a 3k/s CPU',
      tool,
      `${f(m.cpuUsPerRequest)} µs/req, ${f(m.wakesPerRequest, 2)} wakes/req`,
      `rate ${f(m.achievedRate, 0)}${m.lateRatio === null ? '' : `, late ${f(100 * m.lateRatio, 1)}%`}`,
      `p99 ${f(m.p99Ms, 2)} ms`,
    ]);
  for (const [k, v] of Object.entries(R.a.ratios)) rows.push(['a ratio', k, f(v, 2), '', '']);
}
if (R.b)
  for (const [tool, m] of Object.entries(R.b.medians))
    rows.push([
      'b rate',
      tool,
      `achieved ${f(m.achievedRate, 0)}`,
      `late ${f(m.late, 0)} (${f(100 * m.lateRatio, 2)}%) dropped ${f(m.dropped, 0)}`,
      `maxLate ${f(m.maxLateMs, 2)} ms, ${f(m.cpuUsPerRequest)} µs/req`,
    ]);
if (R.c)
  for (const [tool, m] of Object.entries(R.c.medians))
    rows.push([
      'c 20 ms',
      tool,
      `p50 ${f(m.p50Ms, 2)} vs ${f(m.truthP50Ms, 2)} (err ${f(m.p50ErrorMs, 2)})`,
      `p99 ${f(m.p99Ms, 2)} vs ${f(m.truthP99Ms, 2)} (err ${f(m.p99ErrorMs, 2)})`,
      `rate ${f(m.achievedRate, 0)}`,
    ]);
if (R.d)
  for (const [tool, m] of Object.entries(R.d.medians))
    rows.push([
      'd 1 s stall',
      tool,
      `p99 ${f(m.p99Ms, 1)} ms`,
      `truth ${f(m.truthP99Ms, 1)} ms`,
      `ratio ${f(m.p99VsTruth, 3)}`,
    ]);
if (R.e)
  rows.push([
    'e RSS',
    'firedrill@2000',
    `${f(R.e.rssFromMb)} → ${f(R.e.rssEndMb)} MB`,
    `growth ${f(R.e.growthMb)} MB`,
    `from s${R.e.fromSecond} of ${R.e.durationMs / 1000} s`,
  ]);
const widths = [0, 1, 2, 3, 4].map((i) => Math.max(...rows.map((r) => String(r[i]).length)));
for (const r of rows) console.log(r.map((c, i) => String(c).padEnd(widths[i])).join(' | '));
console.log('\nwrote reports/bench/engines.json');
