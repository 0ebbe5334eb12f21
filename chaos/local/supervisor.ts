import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import type { Server } from 'node:http';
import { connect } from 'node:net';
import { isZombie } from '../../src/stack/identity.ts';
import { type ControlEndpoint, controlCall, startControlServer } from './control-http.ts';

/**
 * A process supervisor for one stack component, like a pod under a restart policy. It runs in its own
 * small Node process (`supervise.ts`), spawns the component, restarts it after a back-off when it dies,
 * and serves a control API on loopback (bearer token):
 *
 *   GET  /status                    → SupervisorStatus (probes readiness on each call, 500 ms)
 *   POST /kill    {restartAfterMs?} → SIGKILL the child; restart it after restartAfterMs (409 if not running)
 *   POST /hold    {ttlMs}           → SIGKILL the child and keep it down until /release or until ttlMs
 *                                      passes: the TTL timer lives in THIS process, so a hold never outlives
 *                                      the game day even if firedrill is killed
 *   POST /release                   → end a hold and start the child now (idempotent: a no-op when not held)
 *
 * An unexpected exit restarts after `restartAfterMs`, doubling per consecutive crash (capped at 10 s; the
 * streak resets once a child lived 10 s), so a crash loop is bounded. On SIGTERM/SIGINT, or when
 * `parentPid` dies, the supervisor stops restarting, stops its child (SIGTERM, SIGKILL after 2 s) and exits.
 */
export interface SupervisorOptions {
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** The child's stdout and stderr are appended here (the supervisor holds the file, not a pipe). */
  logFile: string;
  /** Back-off before restarting after an unexpected exit, and the default for /kill. */
  restartAfterMs: number;
  /** Readiness: an http(s) URL answering 2xx, or redis://host:port answering PING. */
  ready?: string;
  controlHost: string;
  controlPort: number;
  token: string;
  /** Exit (stopping the child) once this process is gone. Polled every second. */
  parentPid?: number;
  log?: (line: string) => void;
}

export interface SupervisorStatus {
  name: string;
  /** The running child's pid, or null while it is down. */
  pid: number | null;
  running: boolean;
  /** The child answered its readiness probe just now (false while down). */
  ready: boolean;
  /** Restarts since the supervisor started (kills, holds and crashes). */
  restarts: number;
  /** ISO time a hold ends by itself, or null when not held. */
  heldUntil: string | null;
  /** ISO time of the next scheduled restart, or null. */
  restartAt: string | null;
  lastExit: string | null;
}

export interface Supervisor {
  readonly controlUrl: string;
  status(): Promise<SupervisorStatus>;
  /** Stops the child and the control server. Idempotent. */
  shutdown(): Promise<void>;
  /** Resolves once shut down. */
  readonly closed: Promise<void>;
}

/**
 * How a supervised child is started: `/bin/sh -c lifelineScript NAME COMMAND ARGS...` in a new process group
 * (session), with fd 3 a pipe from the supervisor. The shell forks a lifeline that blocks reading fd 3, then
 * execs the command in place (same pid, fd 3 closed). When the supervisor's end of the pipe closes — the
 * supervisor exited, crashed or was SIGKILLed, or it closed the pipe after the child's exit — `read` returns
 * and the lifeline SIGKILLs its own process group: the child (if alive), its descendants and itself. The
 * group cannot be taken over by an unrelated process while the lifeline is in it, so the kill never reaches
 * a stranger (pid reuse). Node has no PR_SET_PDEATHSIG; a closing pipe is the portable parent-death signal.
 */
export const lifelineScript =
  '( read -r _ <&3; kill -s KILL 0 ) </dev/null >/dev/null 2>&1 &\nexec "$@" 3<&-';

const maxBackoffMs = 10_000;
const stableAfterMs = 10_000;
export const maxHoldMs = 3_600_000;

export async function startSupervisor(options: SupervisorOptions): Promise<Supervisor> {
  const log = options.log ?? (() => {});
  let child: ChildProcess | null = null;
  let childStartedAt = 0;
  let restarts = 0;
  let crashStreak = 0;
  let heldUntil: number | null = null;
  let holdTimer: NodeJS.Timeout | undefined;
  let restartTimer: NodeJS.Timeout | undefined;
  let restartAt: number | null = null;
  let lastExit: string | null = null;
  let stopping = false;
  /** The exit of the current child was asked for (kill/hold): do not treat it as a crash. */
  let expectedExit = false;
  let resolveClosed!: () => void;
  const closed = new Promise<void>((resolve) => {
    resolveClosed = resolve;
  });

  const spawnChild = () => {
    if (stopping || heldUntil !== null || child) return;
    const fd = openSync(options.logFile, 'a');
    // The child runs in a process group of its own behind a lifeline (see `lifelineScript`): it dies with
    // this supervisor however the supervisor ends, SIGKILL included.
    const proc = spawn(
      '/bin/sh',
      ['-c', lifelineScript, `${options.name}-lifeline`, options.command, ...options.args],
      {
        cwd: options.cwd,
        env: options.env ?? process.env,
        stdio: ['ignore', fd, fd, 'pipe'],
        detached: true,
      },
    );
    closeSync(fd);
    const lifeline = proc.stdio[3];
    lifeline?.on('error', () => {});
    // Closing our end after the child's exit makes the lifeline kill what is left of its group (grandchildren).
    proc.once('exit', () => lifeline?.destroy());
    child = proc;
    childStartedAt = Date.now();
    expectedExit = false;
    log(`${options.name}: started pid ${proc.pid}`);
    const onGone = (what: string) => {
      if (child !== proc) return;
      child = null;
      lastExit = what;
      log(`${options.name}: pid ${proc.pid} exited (${what})`);
      if (stopping) return;
      if (expectedExit) {
        expectedExit = false;
        // kill/hold scheduled what comes next; a restart timer that fired before the exit was seen
        // left restartAt null, so the restart happens now.
        if (heldUntil === null && restartAt === null) {
          restarts += 1;
          spawnChild();
        }
        return;
      }
      crashStreak = Date.now() - childStartedAt > stableAfterMs ? 1 : crashStreak + 1;
      scheduleRestart(Math.min(maxBackoffMs, options.restartAfterMs * 2 ** (crashStreak - 1)));
    };
    proc.once('exit', (code, signal) => onGone(signal ?? `code ${code}`));
    proc.once('error', (error) => onGone(`spawn error: ${error.message}`));
  };

  const scheduleRestart = (afterMs: number) => {
    clearTimeout(restartTimer);
    restartAt = Date.now() + afterMs;
    restartTimer = setTimeout(() => {
      restartAt = null;
      if (stopping || heldUntil !== null || child) return;
      restarts += 1;
      spawnChild();
    }, afterMs);
  };

  const killChild = (): number | null => {
    const proc = child;
    if (!proc?.pid) return null;
    expectedExit = true;
    proc.kill('SIGKILL');
    return proc.pid;
  };

  const release = (cause: string) => {
    if (heldUntil === null) return;
    clearTimeout(holdTimer);
    heldUntil = null;
    log(`${options.name}: hold ${cause}`);
    clearTimeout(restartTimer);
    restartAt = null;
    if (!child && !stopping) {
      restarts += 1;
      spawnChild();
    }
  };

  const status = async (): Promise<SupervisorStatus> => {
    const proc = child;
    // A child sent SIGKILL is down already, even before its exit event is seen.
    const running = proc !== null && !proc.killed && proc.exitCode === null && proc.signalCode === null;
    return {
      name: options.name,
      pid: running ? (proc?.pid ?? null) : null,
      running,
      ready: running && options.ready ? await probeReady(options.ready, 500) : running,
      restarts,
      heldUntil: heldUntil === null ? null : new Date(heldUntil).toISOString(),
      restartAt: restartAt === null ? null : new Date(restartAt).toISOString(),
      lastExit,
    };
  };

  const { server, url } = await startControlServer(
    options.controlHost,
    options.controlPort,
    options.token,
    async (method, path, body) => {
      const input = (body ?? {}) as Record<string, unknown>;
      if (path === '/status' && method === 'GET') return { status: 200, body: await status() };
      if (method !== 'POST') return { status: 405, body: { error: `${method} ${path} not allowed` } };
      switch (path) {
        case '/kill': {
          const after = input.restartAfterMs ?? options.restartAfterMs;
          if (!isMs(after, maxHoldMs))
            return { status: 400, body: { error: 'restartAfterMs must be an integer 0..3600000' } };
          if (heldUntil !== null) return { status: 409, body: { error: `${options.name} is held down` } };
          const killedPid = killChild();
          if (killedPid === null) return { status: 409, body: { error: `${options.name} is not running` } };
          log(`${options.name}: killed pid ${killedPid}; restart in ${after} ms`);
          scheduleRestart(after);
          return { status: 200, body: { killedPid, ...(await status()) } };
        }
        case '/hold': {
          const ttl = input.ttlMs;
          if (!isMs(ttl, maxHoldMs) || ttl < 1)
            return { status: 400, body: { error: 'ttlMs is required, an integer 1..3600000' } };
          clearTimeout(restartTimer);
          restartAt = null;
          clearTimeout(holdTimer);
          heldUntil = Date.now() + ttl;
          holdTimer = setTimeout(() => release('expired (TTL)'), ttl);
          const killedPid = killChild();
          log(`${options.name}: held down for ${ttl} ms (killed pid ${killedPid ?? 'none'})`);
          return { status: 200, body: { killedPid, ...(await status()) } };
        }
        case '/release':
          release('released');
          return { status: 200, body: await status() };
        default:
          return { status: 404, body: { error: `no control route ${path}` } };
      }
    },
  );

  let parentWatch: NodeJS.Timeout | undefined;
  const shutdown = async () => {
    if (stopping) return closed;
    stopping = true;
    clearTimeout(restartTimer);
    clearTimeout(holdTimer);
    clearInterval(parentWatch);
    const proc = child;
    if (proc && proc.exitCode === null && proc.signalCode === null) {
      const gone = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
      proc.kill('SIGTERM');
      // 2 s: less than the 3 s a stack's stop() gives the supervisor itself, so the child never outlives it.
      const force = setTimeout(() => proc.kill('SIGKILL'), 2000);
      await gone;
      clearTimeout(force);
    }
    await closeServer(server);
    log(`${options.name}: supervisor stopped`);
    resolveClosed();
  };

  if (options.parentPid !== undefined) {
    const parent = options.parentPid;
    parentWatch = setInterval(() => {
      if (!pidAlive(parent)) {
        log(`${options.name}: parent ${parent} is gone; stopping`);
        void shutdown();
      }
    }, 1000);
  }

  spawnChild();
  return { controlUrl: url, status, shutdown, closed };
}

function isMs(value: unknown, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= max;
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * True while the process runs: alive (see pidAlive) and not a zombie. A zombie has exited and only waits for
 * its parent to reap it (Node reaps its own children a turn of the event loop later).
 */
export function processRunning(pid: number): boolean {
  return pidAlive(pid) && !isZombie(pid);
}

/** Readiness of a component: http(s) URL → 2xx; redis://host:port → PING answered PONG. Never rejects. */
export async function probeReady(target: string, timeoutMs: number): Promise<boolean> {
  if (target.startsWith('redis://')) {
    const url = new URL(target);
    return redisPing(url.hostname, Number(url.port || 6379), timeoutMs).then((r) => r.ok);
  }
  try {
    const response = await fetch(target, { signal: AbortSignal.timeout(timeoutMs) });
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}

export type PingResult =
  | { ok: true; elapsedMs: number }
  | {
      ok: false;
      outcome: 'timeout' | 'reset' | 'refused' | 'closed' | 'error';
      elapsedMs: number;
      detail: string;
    };

/** One Redis PING on a fresh connection, timed from before the connect. */
export function redisPing(
  host: string,
  port: number,
  timeoutMs: number,
  payload?: string,
): Promise<PingResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    let settled = false;
    let received = '';
    const expected = payload === undefined ? '+PONG' : `$${Buffer.byteLength(payload)}\r\n${payload}`;
    const done = (result: PingResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const elapsed = () => performance.now() - started;
    const timer = setTimeout(
      () =>
        done({ ok: false, outcome: 'timeout', elapsedMs: elapsed(), detail: `no answer in ${timeoutMs} ms` }),
      timeoutMs,
    );
    socket.once('connect', () => socket.write(payload === undefined ? 'PING\r\n' : `ECHO ${payload}\r\n`));
    socket.on('data', (data) => {
      received += data.toString('latin1');
      if (
        received.startsWith(expected) ||
        (received.length >= expected.length && !expected.startsWith(received))
      )
        done(
          received.startsWith(expected)
            ? { ok: true, elapsedMs: elapsed() }
            : {
                ok: false,
                outcome: 'error',
                elapsedMs: elapsed(),
                detail: `answered ${received.slice(0, 40)}`,
              },
        );
    });
    socket.once('error', (error: NodeJS.ErrnoException) =>
      done({
        ok: false,
        outcome: error.code === 'ECONNRESET' ? 'reset' : error.code === 'ECONNREFUSED' ? 'refused' : 'error',
        elapsedMs: elapsed(),
        detail: error.code ?? error.message,
      }),
    );
    socket.once('close', () =>
      done({
        ok: false,
        outcome: 'closed',
        elapsedMs: elapsed(),
        detail: 'connection closed without an answer',
      }),
    );
  });
}

/** Client of a supervisor's control API. */
export const supervisorApi = {
  status: (c: ControlEndpoint) => controlCall<SupervisorStatus>(c, 'GET', '/status'),
  kill: (c: ControlEndpoint, restartAfterMs: number) =>
    controlCall<SupervisorStatus & { killedPid: number }>(c, 'POST', '/kill', { restartAfterMs }),
  hold: (c: ControlEndpoint, ttlMs: number) =>
    controlCall<SupervisorStatus & { killedPid: number | null }>(c, 'POST', '/hold', { ttlMs }),
  release: (c: ControlEndpoint) => controlCall<SupervisorStatus>(c, 'POST', '/release', {}),
};
