import { execFile } from 'node:child_process';
import { assertNever, FiredrillError } from '../../src/core/errors.ts';
import type { Fault } from '../../src/scenario/schema.ts';
import type { FaultHandle, InjectContext, LandedResult, RecoveryRecord } from '../types.ts';

/**
 * The docker backend: faults on the compose stack (docker-compose.yml) through the `docker` CLI, spawned
 * with argument arrays (never a shell). The binary is `targets.docker.dockerBinary`, else $FIREDRILL_DOCKER,
 * else `docker` on PATH.
 *
 *   pod-kill, container-kill     docker kill <c>; restarted with docker start after `restartAfter` (pod-kill)
 *                                or 1 s (container-kill), like a restart policy. docker-compose.yml sets no
 *                                `restart:`, so without firedrill (or `restart: unless-stopped` added there) a
 *                                killed container stays down: revert and `firedrill recover` start it.
 *   pod-failure                  docker pause <c> … docker unpause <c>
 *   feature-store-outage         blackhole only: docker network disconnect <net> <redis> for each network of
 *                                the redis container … docker network connect --alias <aliases> <net> <redis>
 *                                (the compose aliases, e.g. "redis", are recorded first and restored)
 *   everything else              refused: those need tc/netem or cgroup tools inside the containers; use the
 *                                kubernetes backend (Chaos Mesh) or local.
 * Containers are found by compose labels (com.docker.compose.project / .service), or named by `container`.
 */

export interface DockerTargets {
  /** The docker CLI. Default: $FIREDRILL_DOCKER, else "docker". */
  dockerBinary?: string;
  /** Compose project name (docker-compose.yml sets `name: firedrill`). Default "firedrill". */
  project?: string;
  /** Compose service per firedrill component. Default model-server → "model-server", feature-store → "redis". */
  services?: { 'model-server'?: string; 'feature-store'?: string };
  /** Limit per docker command (default 15 s). */
  commandTimeoutMs?: number;
  /** Environment for the docker CLI (default process.env): DOCKER_HOST, DOCKER_CONTEXT... */
  env?: NodeJS.ProcessEnv;
}

type Component = 'model-server' | 'feature-store';

interface Docker {
  run(args: string[]): Promise<string>;
}

function dockerBinary(targets: DockerTargets): string {
  return targets.dockerBinary ?? (targets.env ?? process.env).FIREDRILL_DOCKER ?? 'docker';
}

/** A docker CLI runner: argv only, a time limit, stderr in the error. */
export function dockerCli(targets: DockerTargets = {}): Docker {
  const bin = dockerBinary(targets);
  const timeout = targets.commandTimeoutMs ?? 15_000;
  return {
    run: (args) =>
      new Promise((resolve, reject) => {
        execFile(
          bin,
          args,
          { timeout, env: targets.env ?? process.env, maxBuffer: 4 * 1024 * 1024 },
          (error, stdout, stderr) => {
            if (!error) {
              resolve(String(stdout).trim());
              return;
            }
            const code = (error as NodeJS.ErrnoException).code;
            if (code === 'ENOENT') {
              reject(
                new FiredrillError('FD_BACKEND_UNREACHABLE', `docker CLI not found: ${bin}`, {
                  hint: 'install Docker, or point FIREDRILL_DOCKER at the docker binary',
                  cause: error,
                }),
              );
              return;
            }
            const detail = String(stderr).trim() || error.message;
            reject(
              new FiredrillError(
                'FD_INJECT_FAILED',
                `docker ${args.join(' ')} failed${error.killed ? ` (no answer in ${timeout}ms)` : ''}: ${detail}`,
                { hint: 'is the compose stack up? docker compose ps', cause: error },
              ),
            );
          },
        );
      }),
  };
}

interface ContainerState {
  running: boolean;
  paused: boolean;
  startedAt: string;
  restartCount: number;
  networks: Record<string, { aliases: string[] }>;
}

async function inspect(docker: Docker, container: string): Promise<ContainerState> {
  const out = await docker.run(['inspect', '--type', 'container', container]);
  const parsed = JSON.parse(out) as Array<{
    RestartCount?: number;
    State?: { Running?: boolean; Paused?: boolean; StartedAt?: string };
    NetworkSettings?: { Networks?: Record<string, { Aliases?: string[] | null }> };
  }>;
  const info = parsed[0];
  if (!info) throw new FiredrillError('FD_INJECT_FAILED', `docker inspect ${container}: no such container`);
  const networks: Record<string, { aliases: string[] }> = {};
  for (const [name, net] of Object.entries(info.NetworkSettings?.Networks ?? {})) {
    networks[name] = { aliases: net.Aliases ?? [] };
  }
  return {
    running: info.State?.Running === true,
    paused: info.State?.Paused === true,
    startedAt: info.State?.StartedAt ?? '',
    restartCount: info.RestartCount ?? 0,
    networks,
  };
}

function serviceOf(component: Component, targets: DockerTargets): string {
  return targets.services?.[component] ?? (component === 'model-server' ? 'model-server' : 'redis');
}

/** The container of a component: `container` if the fault names one, else the compose service's container. */
async function resolveContainer(
  docker: Docker,
  fault: Fault,
  component: Component,
  targets: DockerTargets,
): Promise<string> {
  if ('container' in fault && fault.container !== undefined) return fault.container;
  const project = targets.project ?? 'firedrill';
  const service = serviceOf(component, targets);
  const ids = (
    await docker.run([
      'ps',
      '--all',
      '--quiet',
      '--no-trunc',
      '--filter',
      `label=com.docker.compose.project=${project}`,
      '--filter',
      `label=com.docker.compose.service=${service}`,
    ])
  )
    .split('\n')
    .map((s) => s.trim())
    .filter(Boolean);
  if (ids.length === 0) {
    throw new FiredrillError(
      'FD_INJECT_FAILED',
      `no container for compose service "${service}" of project "${project}"`,
      { hint: 'start the stack: docker compose up -d (or set container: "<name>" on the fault)' },
    );
  }
  return ids[0]!;
}

type DockerRecovery =
  | { action: 'start'; container: string }
  | { action: 'unpause'; container: string }
  | { action: 'reconnect'; container: string; networks: Array<{ name: string; aliases: string[] }> };

function hintFor(recovery: DockerRecovery, bin: string): string {
  switch (recovery.action) {
    case 'start':
      return `${bin} start ${recovery.container}`;
    case 'unpause':
      return `${bin} unpause ${recovery.container}`;
    case 'reconnect':
      return recovery.networks
        .map(
          (n) =>
            `${bin} network connect ${n.aliases.map((a) => `--alias ${a} `).join('')}${n.name} ${recovery.container}`,
        )
        .join('; ');
    default:
      return assertNever(recovery, 'docker recovery');
  }
}

/** Undoes a docker fault; checks the state first, so it is idempotent. Returns what it did. */
async function undo(docker: Docker, recovery: DockerRecovery): Promise<string> {
  const state = await inspect(docker, recovery.container);
  switch (recovery.action) {
    case 'start':
      if (state.running) return `${recovery.container} already running`;
      await docker.run(['start', recovery.container]);
      return `started ${recovery.container}`;
    case 'unpause':
      if (!state.paused) return `${recovery.container} not paused`;
      await docker.run(['unpause', recovery.container]);
      return `unpaused ${recovery.container}`;
    case 'reconnect': {
      const done: string[] = [];
      for (const network of recovery.networks) {
        if (state.networks[network.name]) continue;
        // Compose adds the container id as an alias itself; restore the service aliases.
        const aliases = network.aliases.filter((a) => !recovery.container.startsWith(a));
        await docker.run([
          'network',
          'connect',
          ...aliases.flatMap((a) => ['--alias', a]),
          network.name,
          recovery.container,
        ]);
        done.push(network.name);
      }
      return done.length === 0
        ? `${recovery.container} already connected`
        : `reconnected ${recovery.container} to ${done.join(', ')}`;
    }
    default:
      return assertNever(recovery, 'docker recovery');
  }
}

function refuse(fault: Fault, why: string): never {
  throw new FiredrillError('FD_INJECT_FAILED', `fault ${fault.id} (${fault.kind}) on docker: ${why}`, {
    hint: 'use backend "kubernetes" (Chaos Mesh) or "local" for it; docker supports pod-kill, container-kill, pod-failure and feature-store-outage mode blackhole',
  });
}

/** Injects a fault on the compose stack. Resolves once docker applied it. */
export async function injectDocker(
  fault: Fault,
  targets: DockerTargets,
  ctx: InjectContext,
  docker: Docker = dockerCli(targets),
): Promise<FaultHandle> {
  const bin = dockerBinary(targets);
  let component: Component;
  switch (fault.kind) {
    case 'pod-kill':
    case 'container-kill':
    case 'pod-failure':
      component = fault.target;
      break;
    case 'feature-store-outage':
      if (fault.mode !== 'blackhole') {
        refuse(fault, `mode ${fault.mode} needs traffic control (tc/netem) inside the containers`);
      }
      component = 'feature-store';
      break;
    case 'latency-spike':
    case 'error-burst':
    case 'http-fault':
    case 'gpu-throttle':
    case 'bad-canary':
    case 'cpu-stress':
    case 'memory-stress':
      return refuse(fault, 'not supported by the docker backend');
    default:
      return assertNever(fault, 'fault kind');
  }
  const container = await resolveContainer(docker, fault, component, targets);
  const before = await inspect(docker, container);
  let recovery: DockerRecovery;
  let apply: string[][];
  if (fault.kind === 'pod-failure') {
    recovery = { action: 'unpause', container };
    apply = [['pause', container]];
  } else if (fault.kind === 'feature-store-outage') {
    const networks = Object.entries(before.networks).map(([name, n]) => ({ name, aliases: n.aliases }));
    if (networks.length === 0) refuse(fault, `${container} is on no network: nothing to disconnect`);
    recovery = { action: 'reconnect', container, networks };
    apply = networks.map((n) => ['network', 'disconnect', n.name, container]);
  } else {
    if (!before.running) refuse(fault, `${container} is not running`);
    recovery = { action: 'start', container };
    apply = [['kill', container]];
  }
  const cleanupHint = hintFor(recovery, bin);
  ctx.recordRecovery({ backend: 'docker', kind: fault.kind, cleanupHint, data: { ...recovery } });
  for (const args of apply) await docker.run(args);

  // Kills come back like a restart policy would bring them: after restartAfter (pod-kill) or 1 s.
  let restartTimer: NodeJS.Timeout | undefined;
  if (recovery.action === 'start') {
    const after = fault.kind === 'pod-kill' ? fault.restartAfter : 1000;
    restartTimer = setTimeout(() => {
      void undo(docker, recovery).catch(() => undefined); // revert() retries and reports
    }, after);
    restartTimer.unref();
  }

  let reverted = false;
  return {
    faultId: fault.id,
    cleanupHint,
    async landed(): Promise<LandedResult> {
      const now = await inspect(docker, container);
      switch (recovery.action) {
        case 'start':
          if (!now.running) return { landed: true, evidence: `${container} not running after docker kill` };
          if (now.startedAt !== before.startedAt) {
            return { landed: true, evidence: `${container} restarted (StartedAt ${now.startedAt})` };
          }
          return { landed: false, reason: `${container} still running since ${before.startedAt}` };
        case 'unpause':
          return now.paused
            ? { landed: true, evidence: `${container} State.Paused=true` }
            : { landed: false, reason: `${container} is not paused` };
        case 'reconnect': {
          const left = recovery.networks.filter((n) => now.networks[n.name]).map((n) => n.name);
          return left.length === 0
            ? {
                landed: true,
                evidence: `${container} disconnected from ${recovery.networks.map((n) => n.name).join(', ')}`,
              }
            : { landed: false, reason: `${container} still on ${left.join(', ')}` };
        }
        default:
          return assertNever(recovery, 'docker recovery');
      }
    },
    async revert(): Promise<void> {
      if (reverted) return;
      if (restartTimer) clearTimeout(restartTimer);
      try {
        await undo(docker, recovery);
      } catch (error) {
        throw new FiredrillError(
          'FD_REVERT_FAILED',
          `docker revert of ${fault.id} failed: ${error instanceof Error ? error.message : String(error)}`,
          { hint: cleanupHint, cause: error },
        );
      }
      reverted = true;
    },
  };
}

function recoveryFrom(record: RecoveryRecord): DockerRecovery | undefined {
  const d = record.data;
  if (typeof d.container !== 'string') return undefined;
  if (d.action === 'start' || d.action === 'unpause') return { action: d.action, container: d.container };
  if (d.action === 'reconnect' && Array.isArray(d.networks)) {
    const networks = d.networks.filter(
      (n): n is { name: string; aliases: string[] } =>
        typeof n === 'object' && n !== null && typeof (n as { name?: unknown }).name === 'string',
    );
    return {
      action: 'reconnect',
      container: d.container,
      networks: networks.map((n) => ({
        name: n.name,
        aliases: Array.isArray(n.aliases) ? n.aliases.filter((a) => typeof a === 'string') : [],
      })),
    };
  }
  return undefined;
}

/** Reverts a docker fault recorded in a crashed run's journal. Idempotent. Returns what it did. */
export async function recoverDocker(record: RecoveryRecord, targets: DockerTargets = {}): Promise<string> {
  const recovery = recoveryFrom(record);
  if (!recovery) {
    throw new FiredrillError('FD_REVERT_FAILED', `unreadable docker recovery record for ${record.kind}`, {
      hint: record.cleanupHint,
    });
  }
  try {
    return await undo(dockerCli(targets), recovery);
  } catch (error) {
    throw new FiredrillError(
      'FD_REVERT_FAILED',
      `docker recovery failed: ${error instanceof Error ? error.message : String(error)}`,
      { hint: record.cleanupHint, cause: error },
    );
  }
}
