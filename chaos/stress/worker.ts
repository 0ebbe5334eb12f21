/**
 * A bounded stress worker, one process per worker (spawned by the cpu-stress and memory-stress injectors):
 *
 *   node --import tsx chaos/stress/worker.ts --status FILE --ttl-ms N [--parent-pid PID] \
 *     (--cpu-load 1..100 | --memory-bytes N)
 *
 * - cpu: burns one core at `load` percent (busy `load` ms of every 100 ms slice, idle the rest);
 * - memory: allocates `bytes` in 16 MiB buffers and writes every page, so they count in RSS, then holds them.
 * Every 250 ms it writes its usage to FILE as JSON (`{pid, cpuMs, rssBytes, allocatedBytes, at}`; written
 * to a temp file and renamed, so a reader never sees half a file). It exits by itself (code 0) when its TTL
 * passes, when --parent-pid dies, or on SIGTERM/SIGINT: a worker never outlives the game day.
 */
import { renameSync, writeFileSync } from 'node:fs';

function fail(message: string): never {
  process.stderr.write(`stress worker: ${message}\n`);
  process.exit(2);
}

const argv = process.argv.slice(2);
const flags = new Map<string, string>();
for (let i = 0; i < argv.length; i += 2) {
  const key = argv[i]!;
  const value = argv[i + 1];
  if (!key.startsWith('--') || value === undefined) fail(`bad option ${key}`);
  flags.set(key.slice(2), value);
}
const int = (key: string, min: number, max: number): number | undefined => {
  const text = flags.get(key);
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max)
    fail(`--${key} must be an integer ${min}..${max}`);
  return value;
};
const statusFile = flags.get('status') ?? fail('--status FILE is required');
const ttlMs = int('ttl-ms', 1, 3_600_000) ?? fail('--ttl-ms is required');
const parentPid = int('parent-pid', 1, 2 ** 31);
const cpuLoad = int('cpu-load', 1, 100);
const memoryBytes = int('memory-bytes', 1, Number.MAX_SAFE_INTEGER);
if ((cpuLoad === undefined) === (memoryBytes === undefined))
  fail('give exactly one of --cpu-load, --memory-bytes');

const deadline = Date.now() + ttlMs;
let stopping = false;
const held: Buffer[] = [];
let allocated = 0;

const writeStatus = () => {
  const usage = process.cpuUsage();
  const body = JSON.stringify({
    pid: process.pid,
    cpuMs: (usage.user + usage.system) / 1000,
    rssBytes: process.memoryUsage.rss(),
    allocatedBytes: allocated,
    at: Date.now(),
  });
  try {
    writeFileSync(`${statusFile}.tmp`, body);
    renameSync(`${statusFile}.tmp`, statusFile);
  } catch {
    // the folder was removed: the injector is gone; the other checks stop us soon
  }
};

const stop = (why: string) => {
  if (stopping) return;
  stopping = true;
  process.stdout.write(`stress worker ${process.pid}: stopping (${why})\n`);
  writeStatus();
  process.exit(0);
};

const parentGone = () => {
  if (parentPid === undefined) return false;
  try {
    process.kill(parentPid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'EPERM';
  }
};

setTimeout(() => stop('TTL expired'), ttlMs);
setInterval(() => {
  writeStatus();
  if (parentGone()) stop(`parent ${parentPid} is gone`);
}, 250);
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => stop(signal));
writeStatus();

if (memoryBytes !== undefined) {
  const chunk = 16 * 1024 * 1024;
  while (allocated < memoryBytes && Date.now() < deadline) {
    const size = Math.min(chunk, memoryBytes - allocated);
    const buffer = Buffer.allocUnsafe(size);
    buffer.fill(0x5a); // touch every page
    held.push(buffer);
    allocated += size;
  }
  writeStatus();
}

if (cpuLoad !== undefined) {
  const sliceMs = 100;
  const busyMs = cpuLoad;
  const burn = () => {
    if (stopping) return;
    const until = performance.now() + busyMs;
    let x = 0;
    while (performance.now() < until) x = (x * 1103515245 + 12345) % 2147483648;
    if (x < 0) process.stdout.write(''); // keep the loop from being optimised away
    // Yield so timers (TTL, parent watch, status) run; then the next slice.
    setTimeout(burn, Math.max(0, sliceMs - busyMs));
  };
  burn();
}
