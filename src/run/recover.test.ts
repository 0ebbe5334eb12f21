import { mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { JournalEvent } from '../journal/index.ts';
import { pendingRecoveries, resolveRunDir } from './recover.ts';

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
