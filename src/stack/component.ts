import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, openSync, readFileSync } from 'node:fs';
import { sleep } from '../core/clock.ts';
import { FiredrillError } from '../core/errors.ts';
import { type ComponentEvent, processStartTicks } from './identity.ts';

/**
 * One stack component: a child process with its log file, a readiness probe and a clean stop.
 * A process that exits before it is ready is a FD_STACK_START error quoting the end of its log
 * (a port clash shows up there as "address already in use"); one that never becomes ready within
 * `readyTimeoutMs` is FD_STACK_START too — never a hang.
 */
export interface ComponentSpec {
  name: string;
  command: string;
  args: string[];
  logFile: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /**
   * The log of the process this component supervises (a process supervisor's child): when the component
   * never becomes ready, its end is quoted too, and a taken port found there is a lost port race.
   */
  childLogFile?: string;
  /** Resolves true once the component serves. Called repeatedly until ready or timeout. */
  ready: () => Promise<boolean>;
  readyTimeoutMs: number;
  /** Detached components outlive firedrill (used by `firedrill up`). */
  detached?: boolean;
  /** The stack's data folder, for `announce`. */
  dataDir?: string;
  /**
   * Told `starting` just before the spawn and `started` (with the pid) right after it, before readiness is
   * awaited: `firedrill run` journals both, so a run killed at any point names every process it started.
   */
  announce?: (event: ComponentEvent) => void;
}

export interface Component {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  /** Resolves with the exit code (or signal name) when the process ends. */
  readonly exited: Promise<string>;
  /** True once the process has ended. */
  hasExited(): boolean;
  /** SIGTERM, then SIGKILL after `graceMs`. Idempotent. */
  stop(graceMs?: number): Promise<void>;
}

export function logTail(file: string, lines = 8): string {
  try {
    const text = readFileSync(file, 'utf8').trimEnd();
    return text.split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

export async function startComponent(spec: ComponentSpec): Promise<Component> {
  spec.announce?.({
    phase: 'starting',
    name: spec.name,
    command: [spec.command, ...spec.args],
    logFile: spec.logFile,
    dataDir: spec.dataDir ?? '',
  });
  let child: ChildProcess;
  if (spec.detached) {
    const fd = openSync(spec.logFile, 'a');
    child = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: spec.env ?? process.env,
      stdio: ['ignore', fd, fd],
      detached: true,
    });
    child.unref();
  } else {
    const log = createWriteStream(spec.logFile, { flags: 'a' });
    child = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: spec.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
  }
  if (child.pid !== undefined) {
    spec.announce?.({
      phase: 'started',
      name: spec.name,
      pid: child.pid,
      startTicks: processStartTicks(child.pid),
    });
  }
  let exitedWith: string | undefined;
  const exited = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) => {
      exitedWith = signal ?? String(code);
      resolve(exitedWith);
    });
    child.once('error', (error) => {
      exitedWith = `spawn error: ${error.message}`;
      resolve(exitedWith);
    });
  });
  const component: Component = {
    name: spec.name,
    pid: child.pid ?? -1,
    logFile: spec.logFile,
    exited,
    hasExited: () => exitedWith !== undefined,
    async stop(graceMs = 3000) {
      if (exitedWith !== undefined) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };

  const deadline = Date.now() + spec.readyTimeoutMs;
  while (Date.now() < deadline) {
    if (exitedWith !== undefined) {
      const tail = logTail(spec.logFile);
      throw new ComponentStartError(
        `${spec.name} exited (${exitedWith}) before it was ready; its log ${spec.logFile} ends:\n${indent(tail)}`,
        PORT_TAKEN.test(tail),
        hintFor(tail),
      );
    }
    if (await spec.ready().catch(() => false)) return component;
    await sleep(100);
  }
  await component.stop(500);
  const childTail = spec.childLogFile === undefined ? undefined : logTail(spec.childLogFile);
  const childPortTaken = childTail !== undefined && PORT_TAKEN.test(childTail);
  throw new ComponentStartError(
    `${spec.name} was not ready after ${spec.readyTimeoutMs / 1000}s; its log ${spec.logFile} ends:\n${indent(logTail(spec.logFile))}${childTail === undefined ? '' : `\nthe log of what it runs, ${spec.childLogFile}, ends:\n${indent(childTail)}`}`,
    childPortTaken,
    childPortTaken ? hintFor(childTail) : 'see the component log in the run folder',
  );
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');
}

/** What Node, Go (Prometheus, Alertmanager) and Redis log when the port to listen on is taken. */
const PORT_TAKEN = /address already in use/i;

/**
 * A component that exited before it was ready, or never became ready; `portTaken` when its log (or its
 * supervised child's) says the port it was to listen on was in use.
 */
export class ComponentStartError extends FiredrillError {
  readonly portTaken: boolean;
  constructor(message: string, portTaken: boolean, hint: string) {
    super('FD_STACK_START', message, { hint });
    this.portTaken = portTaken;
  }
}

function hintFor(log: string): string {
  if (PORT_TAKEN.test(log)) return 'a port is taken by another process; retry, or stop what holds it';
  if (/permission denied/i.test(log)) return 'check the data directory and binary permissions';
  return 'see the component log in the run folder';
}
