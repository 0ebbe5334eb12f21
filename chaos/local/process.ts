import { setTimeout as delay } from 'node:timers/promises';
import { FiredrillError } from '../../src/core/errors.ts';
import type { Fault } from '../../src/scenario/schema.ts';
import type { ControlEndpoint, SupervisedComponent } from '../../src/stack/control.ts';
import type { FaultHandle, InjectContext, Injector, LandedResult, RecoveryRecord } from '../types.ts';
import { pidAlive, redisPing, type SupervisorStatus, supervisorApi } from './supervisor.ts';

type PodKill = Extract<Fault, { kind: 'pod-kill' }>;
type PodFailure = Extract<Fault, { kind: 'pod-failure' }>;
type ContainerKill = Extract<Fault, { kind: 'container-kill' }>;

/**
 * Process faults on the embedded stack, through the process supervisor the component runs under:
 * - pod-kill / container-kill: SIGKILL; the supervisor restarts it after `restartAfter` (container-kill: 1 s).
 *   landed(): the old pid is gone. revert(): wait until the component is back and ready.
 * - pod-failure: hold it down; the hold's TTL (ctx.ttlMs) is timed by the supervisor process, so the
 *   component comes back even if firedrill is killed. landed(): not running AND not serving (its port
 *   refuses). revert(): release and wait until ready.
 * Recovery data: the component, the supervisor's control URL and the stack's control file (for the token).
 */
export interface ProcessTargets {
  supervisors: Partial<Record<SupervisedComponent, ControlEndpoint>>;
  /** Sends one request to the component's service; resolves false when it is not served. */
  serving: Partial<Record<SupervisedComponent, () => Promise<boolean>>>;
  controlFile?: string;
}

export function supervisorFor(targets: ProcessTargets, component: SupervisedComponent): ControlEndpoint {
  const control = targets.supervisors[component];
  if (!control) {
    throw new FiredrillError('FD_INJECT_FAILED', `no process supervisor for ${component} on this stack`, {
      hint: 'process faults on the local backend need the embedded stack (firedrill up, or run without --prometheus)',
    });
  }
  return control;
}

export function supervisorRecovery(
  kind: string,
  component: SupervisedComponent,
  control: ControlEndpoint,
  controlFile: string | undefined,
): RecoveryRecord {
  return {
    backend: 'local',
    kind,
    cleanupHint: `curl -X POST -H 'authorization: Bearer <token of ${component} in ${controlFile ?? 'control.json'}>' ${control.url}/release`,
    data: { component, controlUrl: control.url, ...(controlFile ? { controlFile } : {}) },
  };
}

/** Polls the supervisor until its child runs and is ready, up to `timeoutMs`. */
export async function waitSupervisedReady(
  control: ControlEndpoint,
  timeoutMs: number,
): Promise<SupervisorStatus> {
  const deadline = Date.now() + timeoutMs;
  let last: SupervisorStatus | undefined;
  while (Date.now() < deadline) {
    last = await supervisorApi.status(control).catch(() => undefined);
    if (last?.ready) return last;
    await delay(200);
  }
  throw new FiredrillError(
    'FD_REVERT_FAILED',
    `${last?.name ?? 'the component'} was not ready ${timeoutMs / 1000} s after the fault (${JSON.stringify(last ?? 'supervisor unreachable')})`,
    { hint: 'see the component and supervisor logs in the run folder' },
  );
}

async function waitPidGone(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!pidAlive(pid)) return true;
    await delay(20);
  }
  return !pidAlive(pid);
}

function killInjector<F extends PodKill | ContainerKill>(
  kind: F['kind'],
  targets: ProcessTargets,
  restartAfter: (fault: F) => number,
): Injector<F> {
  return {
    kind,
    backend: 'local',
    async inject(fault: F, ctx: InjectContext): Promise<FaultHandle> {
      const control = supervisorFor(targets, fault.target);
      ctx.recordRecovery(supervisorRecovery(fault.kind, fault.target, control, targets.controlFile));
      const after = restartAfter(fault);
      const killed = await supervisorApi.kill(control, after);
      const hint = supervisorRecovery(fault.kind, fault.target, control, targets.controlFile).cleanupHint;
      let reverted = false;
      return {
        faultId: fault.id,
        cleanupHint: hint,
        async landed(): Promise<LandedResult> {
          if (!(await waitPidGone(killed.killedPid, 2000)))
            return {
              landed: false,
              reason: `pid ${killed.killedPid} of ${fault.target} is still alive 2 s after SIGKILL`,
            };
          return {
            landed: true,
            evidence: `${fault.target} pid ${killed.killedPid} is gone (SIGKILL); the supervisor restarts it after ${after} ms`,
          };
        },
        async revert() {
          if (reverted) return;
          await supervisorApi.release(control);
          await waitSupervisedReady(control, 30_000 + after);
          reverted = true;
        },
      };
    },
  };
}

export const podKillInjector = (targets: ProcessTargets) =>
  killInjector<PodKill>('pod-kill', targets, (f) => f.restartAfter);
export const containerKillInjector = (targets: ProcessTargets) =>
  killInjector<ContainerKill>('container-kill', targets, () => 1000);

export function podFailureInjector(targets: ProcessTargets): Injector<PodFailure> {
  return {
    kind: 'pod-failure',
    backend: 'local',
    async inject(fault, ctx) {
      const control = supervisorFor(targets, fault.target);
      const recovery = supervisorRecovery(fault.kind, fault.target, control, targets.controlFile);
      ctx.recordRecovery(recovery);
      const held = await supervisorApi.hold(control, ctx.ttlMs);
      let reverted = false;
      return {
        faultId: fault.id,
        cleanupHint: recovery.cleanupHint,
        async landed(): Promise<LandedResult> {
          if (held.killedPid !== null && !(await waitPidGone(held.killedPid, 2000)))
            return { landed: false, reason: `pid ${held.killedPid} of ${fault.target} is still alive` };
          const status = await supervisorApi.status(control);
          if (status.running || status.heldUntil === null)
            return {
              landed: false,
              reason: `the supervisor reports ${fault.target} running (pid ${status.pid})`,
            };
          const serving = targets.serving[fault.target];
          if (serving && (await serving()))
            return { landed: false, reason: `${fault.target} still answers although its process is down` };
          return {
            landed: true,
            evidence: `${fault.target} is down (pid ${held.killedPid ?? 'none'} killed) and not serving; held until ${status.heldUntil}`,
          };
        },
        async revert() {
          if (reverted) return;
          await supervisorApi.release(control);
          await waitSupervisedReady(control, 30_000);
          reverted = true;
        },
      };
    },
  };
}

/** A serving check for Redis at a redis:// URL. */
export function redisServing(url: string): () => Promise<boolean> {
  const parsed = new URL(url);
  return async () => (await redisPing(parsed.hostname, Number(parsed.port), 500)).ok;
}
