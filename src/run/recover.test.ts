import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../core/log.ts';
import type { JournalEvent } from '../journal/index.ts';
import { writePrivateFile } from '../stack/index.ts';
import {
  abortedOutcome,
  journaledComponents,
  pendingRecoveries,
  recoverRun,
  resolveRunDir,
} from './recover.ts';

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

describe('journaledComponents', () => {
  it('names every component journaled as started, before stack-ready too, and older ownedPids', () => {
    const events: JournalEvent[] = [
      { type: 'component-starting', at: 1, name: 'redis', command: ['node'], logFile: 'l', dataDir: 'd' },
      { type: 'component-started', at: 2, name: 'redis', pid: 11, startTicks: 500 },
      {
        type: 'component-starting',
        at: 3,
        name: 'model-server',
        command: ['node'],
        logFile: 'l',
        dataDir: 'd',
      },
      { type: 'component-started', at: 4, name: 'model-server', pid: 12, startTicks: null },
      {
        type: 'stack-ready',
        at: 5,
        prometheus: 'p',
        alertmanager: 'a',
        target: 't',
        embedded: true,
        ownedPids: [
          { name: 'redis', pid: 11 },
          { name: 'prometheus', pid: 13 },
        ],
      },
    ];
    expect(journaledComponents(events)).toEqual([
      { name: 'redis', pid: 11, startTicks: 500 },
      { name: 'model-server', pid: 12, startTicks: null },
      { name: 'prometheus', pid: 13, startTicks: null },
    ]);
    // Killed right after the first spawn was journaled: that one is known.
    expect(journaledComponents(events.slice(0, 2)).map((c) => c.pid)).toEqual([11]);
  });
});

describe('abortedOutcome', () => {
  const events: JournalEvent[] = [
    { type: 'run-started', at: 1000, runId: 'r1', scenario: 'kp', scenarioFile: 'kp.ts', planEndMs: 4000 },
    { type: 'traffic-started', at: 2000, engine: 'open', model: 'open' },
    { type: 'fault-injecting', at: 3000, id: 'f', kind: 'latency-spike', backend: 'local', params: {} },
    { type: 'fault-recovery', at: 3001, id: 'f', recovery: recovery('latency-spike') },
    { type: 'fault-injected', at: 3002, id: 'f' },
    { type: 'fault-landed', at: 3100, id: 'f', evidence: 'slow' },
  ];
  const report = {
    runDir: 'd',
    faults: [
      {
        id: 'f',
        kind: 'latency-spike',
        backend: 'local',
        outcome: 'recovered' as const,
        detail: 'cleared the latency fault',
        cleanupHint: 'curl …',
      },
    ],
    configurations: [],
    alreadyClean: [],
    stoppedComponents: ['stopped redis (11)'],
  };

  it('says aborted, exit 130, with what recover did, and the fault as the journal tells it', () => {
    const outcome = abortedOutcome(events, report, 9000);
    expect(outcome).toMatchObject({
      runId: 'r1',
      verdict: 'aborted',
      exitCode: 130,
      startedAt: 2000,
      endedAt: 9000,
      expectations: [],
    });
    expect(outcome.reason).toBe(
      'the run was killed before it ended; firedrill recover: recovered f (latency-spike on local): cleared the latency fault; embedded stack left by the run: stopped redis (11)',
    );
    expect(outcome.faults).toEqual([
      expect.objectContaining({ id: 'f', injectedAt: 3002, landedAt: 3100, revertedAt: null }),
    ]);
  });

  it('exits 12 when a configuration could not be restored, and names the original to put back', () => {
    const failed = {
      ...report,
      configurations: [
        {
          id: 'c1',
          target: 'triton http://127.0.0.1:8000 model m',
          outcome: 'failed' as const,
          detail: 'HTTP 400',
          original: { maxBatchSize: 4 },
        },
      ],
    };
    const outcome = abortedOutcome(events, failed, 9000);
    expect(outcome.exitCode).toBe(12);
    expect(outcome.reason).toContain(
      'FAILED to restore configuration c1 (triton http://127.0.0.1:8000 model m): HTTP 400; put back by hand: {"maxBatchSize":4}',
    );
  });

  it('exits 12 when a fault could not be recovered, and says so', () => {
    const failed = {
      ...report,
      faults: [{ ...report.faults[0]!, outcome: 'failed' as const, detail: 'admin API answered 500' }],
    };
    const outcome = abortedOutcome([...events, { type: 'run-ended', at: 5000 }], failed, 9000);
    expect(outcome.exitCode).toBe(12);
    expect(outcome.reason).toMatch(/^the run was killed while it wrote its reports; .*FAILED to recover f/);
    expect(outcome.faults[0]?.revertError).toBe('admin API answered 500');
  });
});
