import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../src/stack/ports.ts';
import { pidAlive, type Supervisor, startSupervisor, supervisorApi } from './supervisor.ts';

const dir = mkdtempSync(join(tmpdir(), 'fd-supervisor-'));
// A tiny child: serves HTTP 200 on the port given, so readiness is real.
const childScript = join(dir, 'child.cjs');
writeFileSync(
  childScript,
  `require('node:http').createServer((q, s) => s.end('ok')).listen(Number(process.argv[2]), '127.0.0.1');`,
);

async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 8000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await check();
    if (value !== undefined) return value;
    await delay(50);
  }
  throw new Error(`timed out waiting for ${what}`);
}

let supervisor: Supervisor | undefined;
afterEach(async () => {
  await supervisor?.shutdown();
  supervisor = undefined;
});

async function start(restartAfterMs = 200) {
  const port = await freePort();
  supervisor = await startSupervisor({
    name: 'child',
    command: process.execPath,
    args: [childScript, String(port)],
    logFile: join(dir, 'child.log'),
    restartAfterMs,
    ready: `http://127.0.0.1:${port}/`,
    controlHost: '127.0.0.1',
    controlPort: 0,
    token: 'secret-token',
  });
  const control = { url: supervisor.controlUrl, token: 'secret-token' };
  const first = await until('ready', async () => {
    const s = await supervisorApi.status(control);
    return s.ready ? s : undefined;
  });
  return { control, first, port };
}

describe('process supervisor', () => {
  it('rejects a wrong token', async () => {
    const { control } = await start();
    await expect(supervisorApi.status({ ...control, token: 'wrong' })).rejects.toThrow(/401/);
  });

  it('kill: the old pid is gone and a new child is ready after restartAfter', async () => {
    const { control, first } = await start();
    const killedAt = Date.now();
    const killed = await supervisorApi.kill(control, 300);
    expect(killed.killedPid).toBe(first.pid);
    await until('old pid gone', async () => (pidAlive(first.pid!) ? undefined : true));
    const back = await until('restarted', async () => {
      const s = await supervisorApi.status(control);
      return s.ready ? s : undefined;
    });
    expect(Date.now() - killedAt).toBeGreaterThanOrEqual(300);
    expect(back.pid).not.toBe(first.pid);
    expect(back.restarts).toBe(1);
  });

  it('hold keeps it down until release', async () => {
    const { control, first } = await start();
    const held = await supervisorApi.hold(control, 60_000);
    expect(held.killedPid).toBe(first.pid);
    await delay(600); // longer than the restart back-off: a hold is not a crash
    const during = await supervisorApi.status(control);
    expect(during).toMatchObject({ running: false, ready: false, pid: null });
    expect(during.heldUntil).not.toBeNull();
    const released = await supervisorApi.release(control);
    expect(released.heldUntil).toBeNull();
    await until('ready after release', async () =>
      (await supervisorApi.status(control)).ready ? true : undefined,
    );
    // release is idempotent
    expect((await supervisorApi.release(control)).running).toBe(true);
  });

  it('a hold ends by itself at its TTL (timed in the supervisor)', async () => {
    const { control } = await start();
    const heldAt = Date.now();
    await supervisorApi.hold(control, 700);
    expect((await supervisorApi.status(control)).running).toBe(false);
    await until('back after TTL', async () =>
      (await supervisorApi.status(control)).ready ? true : undefined,
    );
    expect(Date.now() - heldAt).toBeGreaterThanOrEqual(700);
    expect((await supervisorApi.status(control)).heldUntil).toBeNull();
  });

  it('restarts a child that dies by itself', async () => {
    const { control, first } = await start();
    process.kill(first.pid!, 'SIGKILL');
    const back = await until('restarted', async () => {
      const s = await supervisorApi.status(control);
      return s.ready && s.pid !== first.pid ? s : undefined;
    });
    expect(back.lastExit).toBe('SIGKILL');
  });

  it('the runnable exits on SIGTERM and takes its child with it', async () => {
    const port = await freePort();
    const controlPort = await freePort();
    const proc = spawn(
      process.execPath,
      [
        '--import',
        import.meta.resolve('tsx'),
        join(import.meta.dirname, 'supervise.ts'),
        '--name',
        'child',
        '--control-port',
        String(controlPort),
        '--log',
        join(dir, 'runnable.log'),
        '--ready',
        `http://127.0.0.1:${port}/`,
        '--',
        process.execPath,
        childScript,
        String(port),
      ],
      { env: { ...process.env, FIREDRILL_CONTROL_TOKEN: 't' }, stdio: 'ignore' },
    );
    const control = { url: `http://127.0.0.1:${controlPort}`, token: 't' };
    const ready = await until('ready', async () => {
      const s = await supervisorApi.status(control).catch(() => undefined);
      return s?.ready ? s : undefined;
    });
    const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
    proc.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(pidAlive(ready.pid!)).toBe(false);
    expect(readFileSync(join(dir, 'runnable.log'), 'utf8')).toBe('');
  });

  it("a SIGKILLed supervisor leaves no child behind, nor the child's own children", async () => {
    const port = await freePort();
    const controlPort = await freePort();
    // A child that starts a grandchild (`sleep 60`) and reports its pid before it serves.
    const familyScript = join(dir, 'family.cjs');
    const grandchildFile = join(dir, 'grandchild.pid');
    writeFileSync(
      familyScript,
      `const g = require('node:child_process').spawn('sleep', ['60'], { stdio: 'ignore' });
require('node:fs').writeFileSync(${JSON.stringify(grandchildFile)}, String(g.pid));
require('node:http').createServer((q, s) => s.end('ok')).listen(Number(process.argv[2]), '127.0.0.1');`,
    );
    const proc = spawn(
      process.execPath,
      [
        '--import',
        import.meta.resolve('tsx'),
        join(import.meta.dirname, 'supervise.ts'),
        '--name',
        'family',
        '--control-port',
        String(controlPort),
        '--log',
        join(dir, 'family.log'),
        '--ready',
        `http://127.0.0.1:${port}/`,
        '--',
        process.execPath,
        familyScript,
        String(port),
      ],
      { env: { ...process.env, FIREDRILL_CONTROL_TOKEN: 't' }, stdio: 'ignore' },
    );
    const control = { url: `http://127.0.0.1:${controlPort}`, token: 't' };
    const ready = await until('ready', async () => {
      const s = await supervisorApi.status(control).catch(() => undefined);
      return s?.ready ? s : undefined;
    });
    const grandchild = Number(readFileSync(grandchildFile, 'utf8'));
    expect(pidAlive(ready.pid!) && pidAlive(grandchild)).toBe(true);
    const exited = new Promise<string | null>((r) => proc.once('exit', (_code, signal) => r(signal)));
    proc.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    await until(
      'child and grandchild gone',
      async () => (pidAlive(ready.pid!) || pidAlive(grandchild) ? undefined : true),
      3000,
    );
  });
});
