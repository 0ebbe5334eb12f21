import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { getPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { currentThreadId } from './thread-priority.ts';

// Linux only (/proc/thread-self, per-thread nice values); the functions do nothing elsewhere.
const linux = existsSync('/proc/thread-self');

/**
 * A child process (lowering threads of the test runner itself would outlive the test) that starts a worker
 * thread, lowers every thread but the main one and that worker, and reports each thread's nice value.
 */
const CHILD = `
import { Worker } from 'node:worker_threads';
import { readdirSync } from 'node:fs';
import { getPriority } from 'node:os';
import { currentThreadId, lowerHelperThreads, HELPER_NICE } from '${new URL('./thread-priority.ts', import.meta.url)}';
const worker = new Worker("const { parentPort } = require('node:worker_threads'); parentPort.postMessage(Number(require('node:fs').readlinkSync('/proc/thread-self').split('/').pop())); setInterval(() => {}, 1000);", { eval: true });
const workerTid = await new Promise((resolve) => worker.once('message', resolve));
const lowered = lowerHelperThreads([workerTid]);
const nice = Object.fromEntries(readdirSync('/proc/self/task').map((t) => [t, getPriority(Number(t))]));
// A thread started afterwards (as the engine starts its waker) takes the main thread's nice value, not 19.
const later = new Worker("setInterval(() => {}, 1000)", { eval: true });
await new Promise((resolve) => later.once('online', resolve));
const laterNice = readdirSync('/proc/self/task').filter((t) => !(t in nice)).map((t) => getPriority(Number(t)));
console.log(JSON.stringify({ pid: process.pid, main: currentThreadId(), workerTid, lowered, nice, laterNice, HELPER_NICE }));
process.exit(0);
`;

describe.runIf(linux)('thread priorities (Linux)', () => {
  it('currentThreadId is the kernel id of the calling thread: the pid on the main thread', () => {
    expect(currentThreadId()).toBe(process.pid);
  });

  it("lowers every other thread to nice 19, leaves the main thread and the kept ones alone, and threads started later take their creator's", () => {
    const dir = mkdtempSync(join(tmpdir(), 'firedrill-threads-'));
    const script = join(dir, 'child.mjs');
    writeFileSync(script, CHILD);
    const child = spawnSync(process.execPath, ['--import', 'tsx', script], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    rmSync(dir, { recursive: true, force: true });
    expect(child.status, child.stderr).toBe(0);
    const report = JSON.parse(child.stdout.trim().split('\n').pop() ?? '{}') as {
      pid: number;
      main: number;
      workerTid: number;
      lowered: number;
      nice: Record<string, number>;
      laterNice: number[];
      HELPER_NICE: number;
    };
    expect(report.main).toBe(report.pid);
    expect(report.HELPER_NICE).toBe(19);
    const base = getPriority(process.pid); // the child inherits this process's nice value
    expect(report.nice[String(report.pid)]).toBe(base);
    expect(report.nice[String(report.workerTid)]).toBe(base);
    const others = Object.entries(report.nice).filter(
      ([tid]) => Number(tid) !== report.pid && Number(tid) !== report.workerTid,
    );
    expect(others.length).toBeGreaterThan(0); // V8's platform threads at least
    expect(report.lowered).toBe(others.length);
    for (const [, nice] of others) expect(nice).toBe(19);
    expect(report.laterNice.length).toBeGreaterThan(0);
    for (const nice of report.laterNice) expect(nice).toBe(base);
  });
});
