import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../core/log.ts';
import type { JournalEvent } from '../journal/index.ts';
import { writePrivateFile } from '../stack/index.ts';
import { pendingRecoveries, recoverRun, resolveRunDir } from './recover.ts';

const recovery = (kind: string) => ({
  backend: 'local' as const,
  kind,
  cleanupHint: 'curl …',
  data: { fault: kind },
});

describe('pendingRecoveries', () => {
  it('lists faults journaled for injection and never reverted or recovered', () => {
    const events: JournalEvent[] = [
      { type: 'fault-recovery', at: 1, id: 'a', recovery: recovery('latency-spike') },
      { type: 'fault-injected', at: 2, id: 'a' },
      { type: 'fault-recovery', at: 3, id: 'b', recovery: recovery('error-burst') },
      { type: 'fault-reverted', at: 4, id: 'a' },
      { type: 'fault-recovery', at: 5, id: 'c', recovery: recovery('pod-kill') },
      { type: 'fault-recovered', at: 6, id: 'c', detail: 'restarted' },
      // crash: b was journaled (maybe applied) and never reverted
    ];
    expect(pendingRecoveries(events)).toEqual([{ id: 'b', recovery: recovery('error-burst') }]);
  });

  it('counts a fault journaled but never acknowledged (crash between journal and apply) as pending', () => {
    const events: JournalEvent[] = [
      { type: 'fault-recovery', at: 1, id: 'x', recovery: recovery('pod-failure') },
    ];
    expect(pendingRecoveries(events).map((p) => p.id)).toEqual(['x']);
  });
});

describe('resolveRunDir', () => {
  it('finds a run by folder, by id under the reports folder, and latest by default', async () => {
    const root = await mkdtemp(join(tmpdir(), 'fd-recover-'));
    const run = join(root, '2026-01-01_x');
    await mkdir(run);
    await writeFile(join(run, 'events.ndjson'), '');
    await symlink('2026-01-01_x', join(root, 'latest'));
    expect(resolveRunDir(root, run)).toBe(run);
    expect(resolveRunDir(root, '2026-01-01_x')).toBe(run);
    expect(resolveRunDir(root, undefined)).toBe(run);
    expect(() => resolveRunDir(root, 'nope')).toThrow(/no run journal found for nope/);
  });
});

describe('recoverRun and the stack secrets', () => {
  it("removes a crashed run's control file and webhook secret once its stack is stopped", async () => {
    const run = await mkdtemp(join(tmpdir(), 'fd-recover-secrets-'));
    const events: JournalEvent[] = [
      { type: 'run-started', at: 1, runId: 'r', scenario: 's', scenarioFile: 's.ts', planEndMs: 1000 },
      {
        type: 'stack-ready',
        at: 2,
        prometheus: 'http://127.0.0.1:1',
        alertmanager: 'http://127.0.0.1:2',
        target: 'http://127.0.0.1:3',
        embedded: true,
        // A pid no process has: the stack is already gone, as after a crash and a reboot.
        ownedPids: [{ name: 'prometheus', pid: 2 ** 22 + 12_345 }],
      },
    ];
    await writeFile(join(run, 'events.ndjson'), `${events.map((e) => JSON.stringify(e)).join('\n')}\n`);
    const control = join(run, 'stack', 'control.json');
    const webhookSecret = join(run, 'stack', 'webhook-secret');
    writePrivateFile(control, '{"admin":{"url":"http://127.0.0.1:3/admin","token":"t"}}');
    writePrivateFile(webhookSecret, 'w');
    const report = await recoverRun(run, silentLogger);
    expect(report.stoppedComponents).toEqual(['no process of that stack is still running']);
    expect(existsSync(control)).toBe(false);
    expect(existsSync(webhookSecret)).toBe(false);
  });
});
