// The soak bench (`npm run bench -- --soak`, about 11 minutes; not part of `npm test`): `firedrill run
// bench/soak.scenario.ts` on the embedded stack (10 min at 200 req/s, a local fault every minute), sampling
// every 5 s the resident memory (VmRSS) and open file descriptors of the firedrill process and of the fixture
// model server (Linux /proc). Writes reports/bench/soak.json and prints a verdict against the targets:
//   - RSS growth under 20 MB and fd growth 0 from minute 2 to minute 10, for both processes; growth = median
//     of the samples in [9:00, 10:00) minus median of those in [2:00, 3:00) (medians step over the fault
//     windows and GC saw-teeth), with the least-squares slope over [2:00, 10:00) reported beside it;
//   - no late-send drift: the share of sends over 1 ms late in [6:00, 10:00) is at most that of
//     [2:00, 6:00) plus 0.1 percentage point (and no dropped sends);
//   - every fault landed and reverted (run.json).
// Minutes count from the traffic start (the journal's traffic-started event). Loopback only; the run is
// bounded by its scenario and, should it hang, interrupted at 14 minutes and killed a minute later.
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import { join } from 'node:path';

const SAMPLE_MS = 5_000;
const HARD_LIMIT_MS = 14 * 60_000;
const TARGETS = { rssGrowthMb: 20, fdGrowth: 0, lateDriftRatio: 0.001 };
const scenario = 'bench/soak.scenario.ts';
const out = 'reports/soak';
const log = (...a) => process.stderr.write(`${a.join(' ')}\n`);

async function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** VmRSS (bytes), open fds and CPU seconds (user + sys) of a live process; null once it is gone. */
function procFacts(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rssKb = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1]);
    const fds = readdirSync(`/proc/${pid}/fd`).length;
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cpuS = (Number(fields[11]) + Number(fields[12])) / 100;
    return { rssBytes: rssKb * 1024, fds, cpuS };
  } catch {
    return null;
  }
}

/** The fixture model server under `root`: the descendant running model-server/main.ts (not its supervisor). */
function findModelServer(root) {
  const children = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
    } catch {
      // the process exited while we looked
    }
  }
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.shift();
    for (const child of children.get(pid) ?? []) {
      try {
        const cmd = readFileSync(`/proc/${child}/cmdline`, 'utf8');
        if (cmd.includes('model-server/main.ts') && !cmd.includes('supervise.ts')) return child;
      } catch {
        continue;
      }
      queue.push(child);
    }
  }
  return null;
}

const median = (xs) => {
  const v = [...xs].sort((a, b) => a - b);
  if (v.length === 0) return null;
  const m = Math.floor(v.length / 2);
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
};

/** Least-squares slope of ys over xs (per unit of x); null with fewer than two points. */
function slope(xs, ys) {
  if (xs.length < 2) return null;
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  let num = 0;
  let den = 0;
  for (let i = 0; i < xs.length; i += 1) {
    num += (xs[i] - mx) * (ys[i] - my);
    den += (xs[i] - mx) ** 2;
  }
  return den === 0 ? null : num / den;
}

/** Growth of one process from minute 2 to minute 10 of the traffic: the minute [2:00, 3:00) against [9:00, 10:00). */
function growth(samples, key) {
  const inMinute = (m) => samples.filter((s) => s.minute >= m && s.minute < m + 1).map((s) => s[key]);
  const first = median(inMinute(2));
  const last = median(inMinute(9));
  const span = samples.filter((s) => s.minute >= 2 && s.minute < 10);
  return {
    minute2Median: first,
    minute10Median: last,
    // the floors: a leak raises them too, a pool widened for a while (fds) or a GC cycle (RSS) does not
    minute2Min: Math.min(...inMinute(2)),
    minute10Min: Math.min(...inMinute(9)),
    growth: first === null || last === null ? null : last - first,
    slopePerMinute: slope(
      span.map((s) => s.minute),
      span.map((s) => s[key]),
    ),
    min: Math.min(...span.map((s) => s[key])),
    max: Math.max(...span.map((s) => s[key])),
  };
}

// ---- run -------------------------------------------------------------------------------------------------------
// `--soak-reanalyse`: analyse the last run again (its samples in reports/soak/samples.json) without running.
const samplesFile = join(out, 'samples.json');
let samples = [];
let exitCode = null;
let stderr = '';
const modelServerPids = new Set();
if (process.argv.includes('--soak-reanalyse')) {
  const saved = JSON.parse(readFileSync(samplesFile, 'utf8'));
  samples = saved.samples;
  exitCode = saved.exitCode;
  for (const pid of saved.modelServerPids) modelServerPids.add(pid);
} else {
  const [webhookPort, metricsPort] = [await freePort(), await freePort()];
  const args = [
    '--no-memory-reducer',
    'bin/firedrill.js',
    'run',
    scenario,
    '--out',
    out,
    '--quiet',
    '--webhook-port',
    String(webhookPort),
    '--metrics-port',
    String(metricsPort),
  ];
  log(`soak: node ${args.join(' ')} (about 11 minutes)`);
  const startedAt = Date.now();
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.on('data', (d) => process.stdout.write(d));
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  const interrupt = setTimeout(() => {
    log('soak: over the time limit, interrupting (faults are reverted)');
    child.kill('SIGINT');
    setTimeout(() => child.kill('SIGKILL'), 60_000).unref();
  }, HARD_LIMIT_MS);

  let modelServerPid = null;
  const sampler = setInterval(() => {
    if (modelServerPid === null || procFacts(modelServerPid) === null) {
      modelServerPid = findModelServer(child.pid);
      if (modelServerPid !== null) modelServerPids.add(modelServerPid);
    }
    const firedrill = procFacts(child.pid);
    const fixture = modelServerPid === null ? null : procFacts(modelServerPid);
    if (firedrill !== null)
      samples.push({
        at: Date.now(),
        firedrill,
        fixture,
        fixturePid: modelServerPid,
        load1: os.loadavg()[0],
      });
  }, SAMPLE_MS);
  exitCode = await exited;
  clearInterval(sampler);
  clearTimeout(interrupt);
  log(`soak: firedrill exited ${exitCode} after ${((Date.now() - startedAt) / 60_000).toFixed(1)} min`);
  mkdirSync(out, { recursive: true });
  writeFileSync(samplesFile, JSON.stringify({ exitCode, samples, modelServerPids: [...modelServerPids] }));
}

// ---- analyse ---------------------------------------------------------------------------------------------------
const runDir = join(out, 'latest');
let run;
let events;
try {
  run = JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8'));
  events = readFileSync(join(runDir, 'events.ndjson'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));
} catch (error) {
  log(`soak: no run report in ${runDir}: ${error.message}\n${stderr.slice(-3000)}`);
  process.exitCode = 1;
}

if (run !== undefined) {
  const trafficStart = events.find((e) => e.type === 'traffic-started')?.at;
  const timed = samples
    .map((s) => ({ ...s, minute: (s.at - trafficStart) / 60_000 }))
    .filter((s) => s.minute >= 0 && s.minute <= 10);
  const series = (who) =>
    timed
      .filter((s) => s[who] !== null)
      .map((s) => ({ minute: s.minute, rssMb: s[who].rssBytes / 2 ** 20, fds: s[who].fds }));
  const processes = {};
  for (const who of ['firedrill', 'fixture']) {
    const s = series(who);
    processes[who] = { samples: s.length, rssMb: growth(s, 'rssMb'), fds: growth(s, 'fds') };
  }
  processes.fixture.pids = [...modelServerPids];

  const windows = events.filter((e) => e.type === 'traffic-window').map((e) => e.window);
  const perMinute = [];
  for (let m = 0; m < 10; m += 1) {
    const w = windows.filter((x) => x.second >= m * 60 && x.second < (m + 1) * 60);
    const sent = w.reduce((a, x) => a + x.sent, 0);
    const late = w.reduce((a, x) => a + x.late, 0);
    const dropped = w.reduce((a, x) => a + x.dropped, 0);
    const load = timed.filter((s) => s.minute >= m && s.minute < m + 1).map((s) => s.load1);
    perMinute.push({
      minute: m,
      intended: w.reduce((a, x) => a + x.intended, 0),
      sent,
      late,
      dropped,
      // the machine's 1-minute load average (other processes compete with the generator for the CPUs)
      loadAverage: median(load),
    });
  }
  const ratio = (rows) => {
    const sent = rows.reduce((a, r) => a + r.sent, 0);
    return sent === 0 ? null : rows.reduce((a, r) => a + r.late, 0) / sent;
  };
  const earlyLate = ratio(perMinute.slice(2, 6));
  const lateLate = ratio(perMinute.slice(6, 10));
  const dropped = perMinute.reduce((a, r) => a + r.dropped, 0);

  const faults = run.faults.map((f) => ({
    id: f.id,
    kind: f.kind,
    landed: f.landedAt !== null,
    reverted: f.revertedAt !== null,
  }));
  const checks = [
    ...['firedrill', 'fixture'].flatMap((who) => [
      {
        check: `${who} RSS growth minute 2 -> 10 < ${TARGETS.rssGrowthMb} MB`,
        value: processes[who].rssMb.growth,
        passed: processes[who].rssMb.growth !== null && processes[who].rssMb.growth < TARGETS.rssGrowthMb,
      },
      {
        check: `${who} open fds growth minute 2 -> 10 <= ${TARGETS.fdGrowth}`,
        value: processes[who].fds.growth,
        passed: processes[who].fds.growth !== null && processes[who].fds.growth <= TARGETS.fdGrowth,
      },
    ]),
    {
      check: 'fixture model server not restarted (one pid)',
      value: modelServerPids.size,
      passed: modelServerPids.size === 1,
    },
    {
      check: `late-send share 6:00-10:00 <= 2:00-6:00 + ${TARGETS.lateDriftRatio * 100} pp, none dropped`,
      value: { earlyLateRatio: earlyLate, lateLateRatio: lateLate, dropped },
      passed:
        earlyLate !== null &&
        lateLate !== null &&
        lateLate <= earlyLate + TARGETS.lateDriftRatio &&
        dropped === 0,
    },
    {
      check: 'every fault landed and reverted',
      value: `${faults.filter((f) => f.landed && f.reverted).length}/${faults.length}`,
      passed: faults.length === 10 && faults.every((f) => f.landed && f.reverted),
    },
  ];
  const report = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    loadAverage: os.loadavg(),
    scenario,
    runDir: run.runId,
    exitCode,
    verdict: run.verdict,
    expectations: run.expectations.map((e) => ({ id: e.id, verdict: e.verdict, measuredMs: e.measuredMs })),
    traffic: run.traffic,
    targets: TARGETS,
    checks,
    passed: checks.every((c) => c.passed),
    processes,
    perMinute,
    faults,
    cpuSeconds: {
      firedrill: samples.at(-1)?.firedrill.cpuS ?? null,
      fixture: samples.at(-1)?.fixture?.cpuS ?? null,
    },
    samples: timed.map((s) => ({
      minute: Number(s.minute.toFixed(3)),
      firedrillRssMb: Number((s.firedrill.rssBytes / 2 ** 20).toFixed(1)),
      firedrillFds: s.firedrill.fds,
      fixtureRssMb: s.fixture === null ? null : Number((s.fixture.rssBytes / 2 ** 20).toFixed(1)),
      fixtureFds: s.fixture?.fds ?? null,
      fixturePid: s.fixturePid,
      load1: s.load1,
    })),
  };
  mkdirSync('reports/bench', { recursive: true });
  writeFileSync('reports/bench/soak.json', `${JSON.stringify(report, null, 2)}\n`);

  const f = (x, d = 1) => (typeof x === 'number' ? x.toFixed(d) : JSON.stringify(x));
  for (const who of ['firedrill', 'fixture']) {
    const p = processes[who];
    console.log(
      `${who.padEnd(9)} RSS ${f(p.rssMb.minute2Median)} -> ${f(p.rssMb.minute10Median)} MB (growth ${f(p.rssMb.growth)} MB, slope ${f(p.rssMb.slopePerMinute, 2)} MB/min, range ${f(p.rssMb.min)}-${f(p.rssMb.max)})` +
        ` · fds ${f(p.fds.minute2Median, 0)} -> ${f(p.fds.minute10Median, 0)} (floors ${p.fds.minute2Min} -> ${p.fds.minute10Min}, range ${p.fds.min}-${p.fds.max})`,
    );
  }
  console.log(
    `late sends per minute: ${perMinute.map((r) => r.late).join(' ')} (of ~${perMinute[1].sent}/min); dropped ${dropped}; load average per minute: ${perMinute.map((r) => f(r.loadAverage)).join(' ')}`,
  );
  console.log(
    `run verdict ${run.verdict} (exit ${exitCode}); faults ${checks.at(-1).value} landed and reverted`,
  );
  for (const c of checks) console.log(`${c.passed ? 'PASS' : 'FAIL'} ${c.check}: ${f(c.value, 4)}`);
  console.log('\nwrote reports/bench/soak.json');
  if (!report.passed) process.exitCode = 1;
}
