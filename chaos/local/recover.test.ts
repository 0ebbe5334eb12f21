import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { processStartTicks } from '../../src/stack/identity.ts';
import { stopOrphanedStack } from './recover.ts';
import { pidAlive } from './supervisor.ts';

let children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  children = [];
});

function sleeper(): number {
  const child = spawn('sleep', ['30'], { stdio: 'ignore' });
  children.push(child);
  return child.pid!;
}

describe.runIf(process.platform === 'linux')('stopOrphanedStack (pid reuse guard)', () => {
  it('reads a start time that stays put and differs between processes', () => {
    const a = sleeper();
    const ticks = processStartTicks(a);
    expect(ticks).toBeGreaterThan(0);
    expect(processStartTicks(a)).toBe(ticks);
    expect(processStartTicks(process.pid)).toBeLessThanOrEqual(ticks!);
    expect(processStartTicks(2 ** 22 + 1)).toBeNull();
  });

  it('leaves alone a live process whose start time is not the journaled one (a reused pid)', async () => {
    const pid = sleeper();
    const ticks = processStartTicks(pid)!;
    expect(await stopOrphanedStack([{ name: 'prometheus', pid, startTicks: ticks - 1 }], 500)).toBe(
      'no process of that stack is still running',
    );
    expect(pidAlive(pid)).toBe(true);
  });

  it('stops the very process the journal names', async () => {
    const pid = sleeper();
    const ticks = processStartTicks(pid)!;
    const exited = once(children.at(-1)!, 'exit');
    expect(await stopOrphanedStack([{ name: 'prometheus', pid, startTicks: ticks }], 2000)).toBe(
      `stopped prometheus (${pid})`,
    );
    // The test process is the sleeper's parent: it is gone once reaped (until then it is a zombie).
    expect(await exited).toEqual([null, 'SIGTERM']);
    expect(pidAlive(pid)).toBe(false);
  });
});
