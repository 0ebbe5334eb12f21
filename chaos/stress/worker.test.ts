import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { pidAlive } from '../local/supervisor.ts';
import { readStatuses, recoverStress, startStressWorkers, workerScript } from './local.ts';

const tsx = import.meta.resolve('tsx');

describe('stress worker', () => {
  it('burns CPU at its load and exits by itself at its TTL', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'firedrill-stress-test-'));
    const started = Date.now();
    const proc = spawn(
      process.execPath,
      [
        '--import',
        tsx,
        workerScript,
        '--status',
        join(dir, 'worker-0.json'),
        '--ttl-ms',
        '3000',
        '--cpu-load',
        '50',
      ],
      { stdio: 'ignore' },
    );
    const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
    // Its first status comes once it has loaded (seconds, on a busy host); its CPU is read from there.
    let first = readStatuses(dir)[0];
    while (first === undefined && Date.now() - started < 10_000) {
      await delay(50);
      first = readStatuses(dir)[0];
    }
    expect(first, 'the worker never wrote its status').toBeDefined();
    await delay(400);
    const [second] = readStatuses(dir);
    expect(second!.cpuMs).toBeGreaterThan(first!.cpuMs + 50); // ~50% of 400 ms
    expect(await exited).toBe(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(3000);
  });

  it('holds its size in RSS', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'firedrill-stress-test-'));
    const size = 64 * 1024 * 1024;
    const workers = startStressWorkers(1, { memoryBytes: size }, 10_000, dir);
    let rss = 0;
    const deadline = Date.now() + 8000;
    while (rss < size && Date.now() < deadline) {
      rss = readStatuses(dir)[0]?.rssBytes ?? 0;
      await delay(100);
    }
    expect(rss).toBeGreaterThanOrEqual(size);
    await workers.stop();
    expect(pidAlive(workers.pids[0]!)).toBe(false);
  });

  it('exits when its parent dies', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'firedrill-stress-test-'));
    // The parent: a node process that starts a worker with --parent-pid of itself, then is killed.
    const parent = spawn(
      process.execPath,
      [
        '-e',
        `const c = require('node:child_process').spawn(process.execPath, ['--import', ${JSON.stringify(tsx)}, ${JSON.stringify(workerScript)}, '--status', ${JSON.stringify(join(dir, 'worker-0.json'))}, '--ttl-ms', '60000', '--cpu-load', '5', '--parent-pid', String(process.pid)], { stdio: 'ignore', detached: true }); c.unref(); setInterval(() => {}, 1000);`,
      ],
      { stdio: 'ignore' },
    );
    let pid = 0;
    const deadline = Date.now() + 8000;
    while (!pid && Date.now() < deadline) {
      pid = readStatuses(dir)[0]?.pid ?? 0;
      await delay(100);
    }
    expect(pidAlive(pid)).toBe(true);
    parent.kill('SIGKILL');
    const gone = Date.now() + 3000;
    while (pidAlive(pid) && Date.now() < gone) await delay(50);
    expect(pidAlive(pid)).toBe(false);
  });

  it('recovery kills workers named by their folder only', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'fd-')), 'firedrill-stress-recover');
    const workers = startStressWorkers(2, { cpuLoad: 5 }, 60_000, dir);
    const deadline = Date.now() + 8000;
    while (readStatuses(dir).length < 2 && Date.now() < deadline) await delay(100);
    expect(await recoverStress({ statusDir: dir })).toMatch(/killed stress workers/);
    await delay(200);
    for (const pid of workers.pids) expect(pidAlive(pid)).toBe(false);
    expect(await recoverStress({ statusDir: dir })).toMatch(/no stress worker/);
  });
});
