import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recoverLocal, stopOrphanedStack } from '../../chaos/local/index.ts';
import { pidAlive, processRunning } from '../../chaos/local/supervisor.ts';
import { readStatuses } from '../../chaos/stress/local.ts';
import type { RecoveryRecord } from '../../chaos/types.ts';
import { type EmbeddedStack, stackEndpoints } from '../../src/stack/index.ts';
import { assertClean, startStack, until } from './chaos-helpers.ts';

/**
 * Crash safety: for each local fault kind, a separate process injects it with the real injectors and is
 * SIGKILLed mid-fault. Then either the fault's own TTL mechanism restores the stack by itself (`self`:
 * supervisor restart, the proxy's dropped control connection, a stress worker noticing its parent died, the
 * server-side TTL) or `recoverLocal` on the journaled records does (`recover`). The stack must end healthy.
 */
let stack: EmbeddedStack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

const dir = mkdtempSync(join(tmpdir(), 'firedrill-crash-'));

async function crashMidFault(fault: Record<string, unknown>, ttlMs: number) {
  const records = join(dir, `${String(fault.kind)}-${Date.now()}.ndjson`);
  const child = spawn(
    process.execPath,
    ['--import', import.meta.resolve('tsx'), join(import.meta.dirname, 'chaos-crash.child.ts')],
    {
      env: {
        ...process.env,
        FD_STACK: JSON.stringify(stackEndpoints(stack)),
        FD_FAULT: JSON.stringify(fault),
        FD_TTL_MS: String(ttlMs),
        FD_RECORDS: records,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  await until(
    'the child to report landed',
    async () => out.includes('landed ') || (child.exitCode !== null && Promise.reject(new Error(err))),
    20_000,
  );
  const landed = JSON.parse(out.slice(out.indexOf('landed ') + 7).split('\n')[0]!);
  child.kill('SIGKILL');
  await exited;
  const journaled = readFileSync(records, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as RecoveryRecord);
  return { landed, journaled };
}

describe('a fault never outlives a killed firedrill', () => {
  it.each([
    { fault: { kind: 'latency-spike', delay: '300ms' }, heal: 'recover' },
    { fault: { kind: 'error-burst', ratio: 1, status: 503 }, heal: 'recover' },
    { fault: { kind: 'http-fault', action: 'abort', status: 502 }, heal: 'recover' },
    { fault: { kind: 'gpu-throttle', mode: 'thermal', depth: 0.5 }, heal: 'self', ttlMs: 3000 },
    { fault: { kind: 'pod-kill', target: 'model-server', restartAfter: '1s' }, heal: 'self' },
    { fault: { kind: 'container-kill', target: 'feature-store' }, heal: 'self' },
    { fault: { kind: 'pod-failure', target: 'model-server' }, heal: 'recover' },
    { fault: { kind: 'pod-failure', target: 'feature-store' }, heal: 'self', ttlMs: 3000 },
    { fault: { kind: 'feature-store-outage', mode: 'blackhole' }, heal: 'self' },
    { fault: { kind: 'feature-store-outage', mode: 'latency', latency: '300ms' }, heal: 'self' },
    { fault: { kind: 'cpu-stress', workers: 1, load: 50 }, heal: 'self' },
    { fault: { kind: 'memory-stress', size: '32MiB' }, heal: 'recover' },
  ])('$fault.kind ($heal)', async ({ fault, heal, ttlMs }) => {
    const { landed, journaled } = await crashMidFault(fault, ttlMs ?? 60_000);
    expect(landed).toMatchObject({ landed: true });
    expect(journaled).toHaveLength(1);
    const record = journaled[0]!;
    expect(record).toMatchObject({ backend: 'local', kind: fault.kind });
    if (heal === 'recover') {
      expect(await recoverLocal(record)).toBeTruthy();
    }
    // Healthy again, within the TTL (self) or right after recovery.
    await until('a clean stack', async () => (await assertClean(stack)).length === 0, 20_000);
    if (record.kind === 'cpu-stress' || record.kind === 'memory-stress') {
      await until('stress workers gone', async () =>
        readStatuses(String(record.data.statusDir)).every((s) => !pidAlive(s.pid)),
      );
    }
    // Recovery is idempotent: running it again on a healthy stack changes nothing.
    await recoverLocal(record);
    expect(await assertClean(stack)).toEqual([]);
  });

  it('stopOrphanedStack stops every process of a stack whose owner died', async () => {
    const other = await startStack();
    const pids = other.components.map((c) => ({ name: c.name, pid: c.pid }));
    expect(await stopOrphanedStack(pids)).toMatch(/stopped redis/);
    // Not running: this test started the stack, so its processes are our children and stay zombies until
    // Node reaps them (on a later turn of the event loop); a zombie is dead, and stopOrphanedStack counts it so.
    for (const { pid } of pids) expect(processRunning(pid)).toBe(false);
    expect(await stopOrphanedStack(pids)).toMatch(/no process/);
    await other.stop(); // idempotent with the processes gone
  });
});
