import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { freemem, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { FiredrillError } from '../../src/core/errors.ts';
import type { Fault } from '../../src/scenario/schema.ts';
import type { FaultHandle, InjectContext, Injector, LandedResult, RecoveryRecord } from '../types.ts';

type CpuStress = Extract<Fault, { kind: 'cpu-stress' }>;
type MemoryStress = Extract<Fault, { kind: 'memory-stress' }>;

/**
 * Local cpu-stress and memory-stress: `workers` separate worker processes (worker.ts) on this machine,
 * each burning one core at `load`% or holding `size` bytes (per worker, as Chaos Mesh's stressors count).
 * TTL: each worker exits by itself at ctx.ttlMs and when the injecting process dies (it polls its parent
 * pid), so nothing outlives firedrill. Revert SIGTERMs the workers and waits for them to exit.
 * Recovery data (journaled before any worker starts): the workers' status folder; each worker writes
 * `<folder>/worker-N.json` with its pid at start, and the recoverer kills only processes whose command
 * line names that folder (a recycled pid is never killed).
 */
export const workerScript = resolve(dirname(fileURLToPath(import.meta.url)), 'worker.ts');

export interface WorkerStatus {
  pid: number;
  cpuMs: number;
  rssBytes: number;
  allocatedBytes: number;
  at: number;
}

export interface StressWorkers {
  readonly statusDir: string;
  readonly pids: number[];
  read(): WorkerStatus[];
  stop(): Promise<void>;
}

/** Starts `count` workers with the given stressor; they stop by themselves after ttlMs. */
export function startStressWorkers(
  count: number,
  stressor: { cpuLoad: number } | { memoryBytes: number },
  ttlMs: number,
  statusDir: string,
): StressWorkers {
  mkdirSync(statusDir, { recursive: true });
  const tsx = import.meta.resolve('tsx');
  const children: ChildProcess[] = [];
  for (let i = 0; i < count; i += 1) {
    const args = [
      '--import',
      tsx,
      workerScript,
      '--status',
      join(statusDir, `worker-${i}.json`),
      '--ttl-ms',
      String(ttlMs),
      '--parent-pid',
      String(process.pid),
      ...('cpuLoad' in stressor
        ? ['--cpu-load', String(stressor.cpuLoad)]
        : ['--memory-bytes', String(stressor.memoryBytes)]),
    ];
    const child = spawn(process.execPath, args, { stdio: 'ignore' });
    child.on('error', () => {});
    children.push(child);
  }
  return {
    statusDir,
    pids: children.map((c) => c.pid ?? -1),
    read: () => readStatuses(statusDir),
    async stop() {
      const exits = children
        .filter((c) => c.exitCode === null && c.signalCode === null)
        .map((c) => new Promise<void>((r) => c.once('exit', () => r())));
      for (const c of children) c.kill('SIGTERM');
      const force = setTimeout(() => {
        for (const c of children) c.kill('SIGKILL');
      }, 2000);
      await Promise.all(exits);
      clearTimeout(force);
      rmSync(statusDir, { recursive: true, force: true });
    },
  };
}

export function readStatuses(statusDir: string): WorkerStatus[] {
  let names: string[];
  try {
    names = readdirSync(statusDir).filter((n) => /^worker-\d+\.json$/.test(n));
  } catch {
    return [];
  }
  const out: WorkerStatus[] = [];
  for (const name of names) {
    try {
      out.push(JSON.parse(readFileSync(join(statusDir, name), 'utf8')) as WorkerStatus);
    } catch {
      // being written for the first time
    }
  }
  return out;
}

function stressDir(ctx: InjectContext, faultId: string): string {
  return join(tmpdir(), `firedrill-stress-${ctx.runId}-${faultId}-${process.pid}`);
}

function stressRecovery(kind: string, statusDir: string): RecoveryRecord {
  return {
    backend: 'local',
    kind,
    cleanupHint: `pkill -f '${statusDir}' (stress workers also exit by themselves at their TTL)`,
    data: { statusDir },
  };
}

function handleFor(
  faultId: string,
  workers: StressWorkers,
  expected: number,
  evidence: () => Promise<LandedResult>,
): FaultHandle {
  let reverted = false;
  return {
    faultId,
    cleanupHint: `pkill -f '${workers.statusDir}'`,
    async landed() {
      const deadline = Date.now() + 10_000;
      while (workers.read().length < expected && Date.now() < deadline) await delay(100);
      if (workers.read().length < expected)
        return {
          landed: false,
          reason: `only ${workers.read().length} of ${expected} stress workers started`,
        };
      return evidence();
    },
    async revert() {
      if (reverted) return;
      await workers.stop();
      reverted = true;
    },
  };
}

export function cpuStressInjector(): Injector<CpuStress> {
  return {
    kind: 'cpu-stress',
    backend: 'local',
    async inject(fault, ctx) {
      const dir = stressDir(ctx, fault.id);
      ctx.recordRecovery(stressRecovery(fault.kind, dir));
      const workers = startStressWorkers(fault.workers, { cpuLoad: fault.load }, ctx.ttlMs, dir);
      return handleFor(fault.id, workers, fault.workers, async () => {
        const first = new Map(workers.read().map((s) => [s.pid, s]));
        const windowMs = 600;
        await delay(windowMs);
        const second = workers.read();
        const burnt = second.map((s) => {
          const before = first.get(s.pid);
          return before ? (s.cpuMs - before.cpuMs) / Math.max(1, s.at - before.at) : 0;
        });
        // At least half the asked-for load, and never less than 0.5 % of a core (clock granularity).
        const floor = Math.max(0.005, Math.min(0.05, fault.load / 200));
        const busy = burnt.filter((share) => share > floor);
        if (busy.length < fault.workers) {
          return {
            landed: false,
            reason: `${busy.length} of ${fault.workers} workers used CPU (shares ${burnt.map((b) => b.toFixed(2)).join(', ')})`,
          };
        }
        const mean = burnt.reduce((a, b) => a + b, 0) / burnt.length;
        return {
          landed: true,
          evidence: `${fault.workers} stress workers each burnt ${(mean * 100).toFixed(0)}% of a core (load ${fault.load}%), CPU time growing`,
        };
      });
    },
  };
}

export function memoryStressInjector(): Injector<MemoryStress> {
  return {
    kind: 'memory-stress',
    backend: 'local',
    async inject(fault, ctx) {
      const total = fault.size * fault.workers;
      if (total > freemem() * 0.8) {
        throw new FiredrillError(
          'FD_INJECT_FAILED',
          `memory-stress of ${fault.workers} × ${fault.size} bytes is more than 80% of this machine's free memory (${freemem()} bytes)`,
          { hint: 'lower size or workers: the local backend stresses this machine itself' },
        );
      }
      const dir = stressDir(ctx, fault.id);
      ctx.recordRecovery(stressRecovery(fault.kind, dir));
      const workers = startStressWorkers(fault.workers, { memoryBytes: fault.size }, ctx.ttlMs, dir);
      return handleFor(fault.id, workers, fault.workers, async () => {
        const deadline = Date.now() + 15_000;
        let statuses = workers.read();
        while (Date.now() < deadline) {
          statuses = workers.read();
          if (statuses.length >= fault.workers && statuses.every((s) => s.rssBytes >= fault.size)) {
            const min = Math.min(...statuses.map((s) => s.rssBytes));
            return {
              landed: true,
              evidence: `${fault.workers} stress workers each hold ≥ ${fault.size} bytes (smallest RSS ${min} bytes)`,
            };
          }
          await delay(200);
        }
        return {
          landed: false,
          reason: `worker RSS ${statuses.map((s) => s.rssBytes).join(', ')} bytes, below ${fault.size}`,
        };
      });
    },
  };
}

/** Kills stress workers recorded in a journal (by their status folder). Idempotent. */
export async function recoverStress(data: Record<string, unknown>): Promise<string> {
  const statusDir = String(data.statusDir ?? '');
  if (!statusDir.includes('firedrill-stress-')) return `no stress folder recorded (${statusDir})`;
  const killed: number[] = [];
  for (const status of readStatuses(statusDir)) {
    let cmdline = '';
    try {
      cmdline = readFileSync(`/proc/${status.pid}/cmdline`, 'utf8');
    } catch {
      continue; // gone
    }
    if (!cmdline.includes(statusDir)) continue;
    try {
      process.kill(status.pid, 'SIGKILL');
      killed.push(status.pid);
    } catch {
      // already gone
    }
  }
  rmSync(statusDir, { recursive: true, force: true });
  return killed.length > 0
    ? `killed stress workers ${killed.join(', ')}`
    : 'no stress worker left running (they exit by themselves at their TTL or when firedrill dies)';
}
