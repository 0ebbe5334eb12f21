import { readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { FiredrillError } from '../../src/core/errors.ts';
import { type ControlEndpoint, readStackControl, type StackControl } from '../../src/stack/control.ts';
import { processStartTicks } from '../../src/stack/identity.ts';
import { readStackState } from '../../src/stack/state.ts';
import { proxyApi } from '../feature-store/client.ts';
import { type AdminFaultName, adminApi } from '../model-server/admin-client.ts';
import { recoverStress } from '../stress/local.ts';
import type { RecoveryRecord } from '../types.ts';
import { processRunning, supervisorApi } from './supervisor.ts';

/**
 * Recovery of local faults from journaled records (`firedrill recover`). Records hold URLs and paths, never
 * tokens; a token is found, in order, in the record's `controlFile` (the owned stack's `control.json`),
 * in `.firedrill/stack.json` (a `firedrill up` stack), or, for the admin API, in FIREDRILL_ADMIN_TOKEN.
 * Every recoverer is idempotent, and a component that is gone holds no fault (its state died with it).
 */
async function controlSources(file: unknown): Promise<StackControl[]> {
  const sources: StackControl[] = [];
  if (typeof file === 'string') {
    const control = readStackControl(file);
    if (control) sources.push(control);
  }
  const state = await readStackState();
  if (state?.supervisors && state.featureStoreProxy) {
    sources.push({
      admin: { url: state.admin, token: state.adminToken },
      supervisors: state.supervisors,
      featureStoreProxy: state.featureStoreProxy.control,
    });
  } else if (state) {
    sources.push({
      admin: { url: state.admin, token: state.adminToken },
      supervisors: {} as StackControl['supervisors'],
      featureStoreProxy: { url: '', token: '' },
    });
  }
  return sources;
}

async function tokenFor(record: RecoveryRecord, url: string, env: NodeJS.ProcessEnv): Promise<string> {
  return controlToken(record.data.controlFile, url, env, record.cleanupHint);
}

/**
 * The bearer token of a control endpoint (`url`): from the stack's control file, `.firedrill/stack.json`, or
 * (for the admin API) FIREDRILL_ADMIN_TOKEN. How `firedrill recover` acts on a stack without journaling tokens.
 */
export async function controlToken(
  controlFile: unknown,
  url: string,
  env: NodeJS.ProcessEnv = process.env,
  hint = "pass FIREDRILL_ADMIN_TOKEN, or run recover where the stack's control file is",
): Promise<string> {
  for (const source of await controlSources(controlFile)) {
    const endpoints: ControlEndpoint[] = [
      source.admin,
      source.featureStoreProxy,
      ...Object.values(source.supervisors ?? {}),
    ];
    const match = endpoints.find((e) => e.url === url);
    if (match) return match.token;
  }
  if (env.FIREDRILL_ADMIN_TOKEN) return env.FIREDRILL_ADMIN_TOKEN;
  throw new FiredrillError(
    'FD_REVERT_FAILED',
    `no token for ${url}: neither the stack's control file nor .firedrill/stack.json names it`,
    { hint },
  );
}

function unreachable(error: unknown): boolean {
  const message = error instanceof Error ? error.message : String(error);
  return /unreachable/.test(message);
}

export async function recoverLocalRecord(
  record: RecoveryRecord,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  const data = record.data;
  switch (record.kind) {
    case 'latency-spike':
    case 'error-burst':
    case 'http-fault':
    case 'gpu-throttle': {
      const url = String(data.adminUrl);
      const fault = String(data.fault) as AdminFaultName;
      const token = await tokenFor(record, url, env);
      try {
        await adminApi.clear({ url, token }, fault);
      } catch (error) {
        if (unreachable(error))
          return `model server at ${url} is not running: no ${fault} fault can be active`;
        throw error;
      }
      return `cleared the ${fault} fault on ${url}`;
    }
    case 'bad-canary': {
      const url = String(data.adminUrl);
      const token = await tokenFor(record, url, env);
      try {
        await adminApi.clearCanary({ url, token });
      } catch (error) {
        if (unreachable(error)) return `model server at ${url} is not running: no canary can be active`;
        throw error;
      }
      return `restored v1 at 100% on ${url} (canary cleared)`;
    }
    case 'pod-kill':
    case 'container-kill':
    case 'pod-failure': {
      const url = String(data.controlUrl);
      const control = { url, token: await tokenFor(record, url, env) };
      try {
        await supervisorApi.release(control);
      } catch (error) {
        if (unreachable(error))
          return `the supervisor of ${String(data.component)} at ${url} is gone (its stack was stopped)`;
        throw error;
      }
      const deadline = Date.now() + 30_000;
      for (;;) {
        const status = await supervisorApi.status(control);
        if (status.ready)
          return `${String(data.component)} runs again (pid ${status.pid}, restarts ${status.restarts})`;
        if (Date.now() > deadline)
          throw new FiredrillError(
            'FD_REVERT_FAILED',
            `${String(data.component)} is not ready 30 s after release`,
            {
              hint: record.cleanupHint,
            },
          );
        await delay(200);
      }
    }
    case 'feature-store-outage': {
      const url = String(data.controlUrl);
      const control = { url, token: await tokenFor(record, url, env) };
      try {
        await proxyApi.clear(control);
      } catch (error) {
        if (unreachable(error)) return `the feature-store proxy at ${url} is gone (its stack was stopped)`;
        throw error;
      }
      return `cleared the feature-store proxy fault at ${url}`;
    }
    case 'cpu-stress':
    case 'memory-stress':
      return recoverStress(data);
    default:
      throw new FiredrillError('FD_REVERT_FAILED', `no local recoverer for ${record.kind}`, {
        hint: record.cleanupHint,
      });
  }
}

/** What a process's command line must contain for `stopOrphanedStack` to stop it (pid reuse guard). */
const stackMarkers = [
  'prometheus',
  'alertmanager',
  'redis',
  'supervise.ts',
  'proxy-main.ts',
  'model-server',
  'rollout/main.ts',
];

/** A process a crashed run started, as journaled: its start time (clock ticks) when it could be read. */
export interface OrphanCandidate {
  name: string;
  pid: number;
  startTicks?: number | null | undefined;
}

/**
 * True when `pid` is alive and is still the process the run started: same start time where one was
 * journaled (Linux), else a command line that still looks like a stack component. Never true for a
 * process that merely reuses the pid.
 */
function stillOurs({ pid, startTicks }: OrphanCandidate): boolean {
  if (!processRunning(pid)) return false;
  if (typeof startTicks === 'number') return processStartTicks(pid) === startTicks;
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return stackMarkers.some((m) => cmdline.includes(m));
  } catch {
    return process.platform !== 'linux'; // no /proc: trust the journal
  }
}

/** How long a SIGKILLed process may take to disappear, ms. */
const KILL_WAIT_MS = 3000;

/**
 * Stops the processes of an embedded stack owned by a crashed run (journaled `component-started` events,
 * or the `stack-ready` event's `ownedPids` of older journals): SIGTERM to each one that is still the
 * process the run started (see stillOurs; a supervisor stops its child too, and its child's lifeline kills
 * the child should the supervisor die first), SIGKILL after `graceMs`. Idempotent. Returns what it did.
 */
export async function stopOrphanedStack(
  candidates: ReadonlyArray<OrphanCandidate>,
  graceMs = 5000,
): Promise<string> {
  const ours = candidates.filter(stillOurs);
  if (ours.length === 0) return 'no process of that stack is still running';
  for (const { pid } of ours) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // gone meanwhile
    }
  }
  const gone = (c: OrphanCandidate) => !stillOurs(c);
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && !ours.every(gone)) await delay(50);
  const forced = ours.filter((c) => !gone(c));
  for (const { pid } of forced) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
  // A SIGKILLed process is gone once the kernel (and, for our own children, Node) has reaped it: wait for
  // that too (bounded), so "stopped" is only said of processes that are gone.
  const killDeadline = Date.now() + KILL_WAIT_MS;
  while (Date.now() < killDeadline && !forced.every(gone)) await delay(50);
  const standing = forced.filter((c) => !gone(c));
  return `stopped ${ours
    .filter((c) => !standing.includes(c))
    .map((p) => `${p.name} (${p.pid})`)
    .join(', ')}${forced.length ? `; SIGKILL for ${forced.map((p) => p.name).join(', ')}` : ''}${
    standing.length
      ? `; still running after SIGKILL: ${standing.map((p) => `${p.name} (${p.pid})`).join(', ')}`
      : ''
  }`;
}
