import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { processStartTicks } from '../../src/stack/identity.ts';
import { stopOrphanedStack } from './recover.ts';
import { pidAlive } from './supervisor.ts';

let pids: number[] = [];
afterEach(() => {
  for (const pid of pids) if (pidAlive(pid)) process.kill(pid, 'SIGKILL');
  pids = [];
});

function sleeper(): number {
  const child = spawn('sleep', ['30'], { stdio: 'ignore' });
  pids.push(child.pid!);
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
    expect(await stopOrphanedStack([{ name: 'prometheus', pid, startTicks: ticks }], 2000)).toBe(
      `stopped prometheus (${pid})`,
    );
    expect(pidAlive(pid)).toBe(false);
  });
});
