import { readFileSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type DockerTargets, injectDocker, recoverDocker } from '../../chaos/docker/index.ts';
import type { InjectContext, RecoveryRecord } from '../../chaos/types.ts';
import { type FiredrillError, isFiredrillError } from '../../src/core/errors.ts';
import { type FaultInput, faultSchema } from '../../src/scenario/faults.ts';
import type { Fault } from '../../src/scenario/schema.ts';

/**
 * A fake `docker` on PATH: a Node script that logs its argv (one JSON array per line) and keeps the state of
 * the compose stack's containers in a JSON file, answering ps/inspect/kill/start/pause/unpause/network the
 * way the real CLI does (same output shapes, same exit codes for errors).
 */
const fakeDocker = `#!${process.execPath}
const fs = require('node:fs');
const statePath = process.env.FAKE_DOCKER_STATE;
const args = process.argv.slice(2);
fs.appendFileSync(process.env.FAKE_DOCKER_LOG, JSON.stringify(args) + '\\n');
const state = JSON.parse(fs.readFileSync(statePath, 'utf8'));
const save = () => fs.writeFileSync(statePath, JSON.stringify(state));
const find = (ref) => state.containers.find((c) => c.Id === ref || c.Name === ref || c.Id.startsWith(ref));
const fail = (msg) => { process.stderr.write(msg + '\\n'); process.exit(1); };
const [cmd, ...rest] = args;
if (cmd === 'ps') {
  const filters = [];
  for (let i = 0; i < rest.length; i++) if (rest[i] === '--filter') filters.push(rest[++i]);
  const out = state.containers.filter((c) => filters.every((f) => {
    const [, kv] = f.split('label=');
    const [k, v] = kv.split('=');
    return c.Labels[k] === v;
  }));
  process.stdout.write(out.map((c) => c.Id).join('\\n') + (out.length ? '\\n' : ''));
} else if (cmd === 'inspect') {
  const c = find(rest[rest.length - 1]);
  if (!c) { process.stdout.write('[]\\n'); fail('Error: No such container: ' + rest[rest.length - 1]); }
  process.stdout.write(JSON.stringify([{ Id: c.Id, Name: '/' + c.Name, RestartCount: 0, State: c.State,
    NetworkSettings: { Networks: c.Networks } }]));
} else if (cmd === 'kill') {
  const c = find(rest[0]); if (!c) fail('Error: No such container');
  if (!c.State.Running) fail('Error response from daemon: cannot kill container: ' + rest[0] + ': container is not running');
  c.State.Running = false; save(); process.stdout.write(rest[0] + '\\n');
} else if (cmd === 'start') {
  const c = find(rest[0]); c.State.Running = true; c.State.StartedAt = new Date().toISOString(); save();
  process.stdout.write(rest[0] + '\\n');
} else if (cmd === 'pause') {
  const c = find(rest[0]); c.State.Paused = true; save(); process.stdout.write(rest[0] + '\\n');
} else if (cmd === 'unpause') {
  const c = find(rest[0]);
  if (!c.State.Paused) fail('Error response from daemon: Container ' + rest[0] + ' is not paused');
  c.State.Paused = false; save(); process.stdout.write(rest[0] + '\\n');
} else if (cmd === 'network' && rest[0] === 'disconnect') {
  const c = find(rest[2]); if (!c.Networks[rest[1]]) fail('Error response from daemon: container is not connected to network ' + rest[1]);
  delete c.Networks[rest[1]]; save();
} else if (cmd === 'network' && rest[0] === 'connect') {
  const aliases = []; let i = 1;
  while (rest[i] === '--alias') { aliases.push(rest[i + 1]); i += 2; }
  const c = find(rest[i + 1]); c.Networks[rest[i]] = { Aliases: aliases }; save();
} else {
  fail('fake docker: unsupported ' + args.join(' '));
}
`;

const redisId = 'a'.repeat(64);
const modelId = 'b'.repeat(64);
function initialState() {
  const labels = (service: string) => ({
    'com.docker.compose.project': 'firedrill',
    'com.docker.compose.service': service,
  });
  return {
    containers: [
      {
        Id: redisId,
        Name: 'firedrill-redis-1',
        Labels: labels('redis'),
        State: { Running: true, Paused: false, StartedAt: '2025-06-01T10:00:00Z' },
        Networks: { firedrill_default: { Aliases: ['firedrill-redis-1', 'redis', redisId.slice(0, 12)] } },
      },
      {
        Id: modelId,
        Name: 'firedrill-model-server-1',
        Labels: labels('model-server'),
        State: { Running: true, Paused: false, StartedAt: '2025-06-01T10:00:01Z' },
        Networks: { firedrill_default: { Aliases: ['firedrill-model-server-1', 'model-server'] } },
      },
    ],
  };
}

let dir: string;
let statePath: string;
let logPath: string;
let targets: DockerTargets;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'firedrill-docker-'));
  statePath = join(dir, 'state.json');
  logPath = join(dir, 'argv.log');
  await writeFile(join(dir, 'docker'), fakeDocker);
  await chmod(join(dir, 'docker'), 0o755);
  await writeFile(statePath, JSON.stringify(initialState()));
  await writeFile(logPath, '');
  const { FIREDRILL_DOCKER: _ignored, ...env } = process.env;
  targets = {
    env: {
      ...env,
      PATH: `${dir}:${process.env.PATH}`,
      FAKE_DOCKER_STATE: statePath,
      FAKE_DOCKER_LOG: logPath,
    },
  };
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function calls(): Promise<string[][]> {
  return (await readFile(logPath, 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));
}
const mutating = async () => (await calls()).filter((a) => a[0] !== 'ps' && a[0] !== 'inspect');
async function container(id: string) {
  const state = JSON.parse(await readFile(statePath, 'utf8'));
  return state.containers.find((c: { Id: string }) => c.Id === id);
}

function context(): InjectContext & { records: RecoveryRecord[]; callsAtRecord: number[] } {
  const records: RecoveryRecord[] = [];
  const callsAtRecord: number[] = [];
  return {
    runId: 'run-1',
    ttlMs: 60_000,
    signal: new AbortController().signal,
    now: Date.now,
    records,
    callsAtRecord,
    recordRecovery(record) {
      records.push(record);
      // Synchronous on purpose: what was applied when the record was written.
      callsAtRecord.push(
        readFileSync(logPath, 'utf8')
          .split('\n')
          .filter((l: string) => l && !/^\["(ps|inspect)"/.test(l)).length,
      );
    },
  };
}

function fault(input: Record<string, unknown>): Fault {
  return faultSchema.parse({
    at: '0s',
    duration: '10s',
    backend: 'docker',
    ...input,
  } as unknown as FaultInput) as Fault;
}

async function rejection(promise: Promise<unknown>): Promise<FiredrillError> {
  try {
    await promise;
  } catch (error) {
    if (isFiredrillError(error)) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}

describe('docker backend through a fake docker CLI', () => {
  it('pod-failure: journal first, docker pause, landed on State.Paused, unpause on revert', async () => {
    expect((await container(modelId)).State.Paused).toBe(false);
    const ctx = context();
    const handle = await injectDocker(fault({ id: 'freeze', kind: 'pod-failure' }), targets, ctx);
    expect(ctx.callsAtRecord).toEqual([0]);
    expect(ctx.records[0]).toEqual({
      backend: 'docker',
      kind: 'pod-failure',
      cleanupHint: `docker unpause ${modelId}`,
      data: { action: 'unpause', container: modelId },
    });
    expect(await handle.landed()).toEqual({ landed: true, evidence: `${modelId} State.Paused=true` });
    await handle.revert();
    await handle.revert();
    expect((await container(modelId)).State.Paused).toBe(false);
    expect(await mutating()).toEqual([
      ['pause', modelId],
      ['unpause', modelId],
    ]);
    const ps = (await calls()).find((a) => a[0] === 'ps')!;
    expect(ps).toContain('label=com.docker.compose.service=model-server');
    expect(ps).toContain('label=com.docker.compose.project=firedrill');
  });

  it('pod-kill: docker kill, back after restartAfter like a restart policy, revert leaves it running', async () => {
    const handle = await injectDocker(
      fault({ id: 'kill', kind: 'pod-kill', target: 'feature-store', restartAfter: '300ms' }),
      targets,
      context(),
    );
    expect(await handle.landed()).toEqual({
      landed: true,
      evidence: `${redisId} not running after docker kill`,
    });
    await new Promise((r) => setTimeout(r, 1500));
    expect((await container(redisId)).State.Running).toBe(true);
    await handle.revert();
    expect(await mutating()).toEqual([
      ['kill', redisId],
      ['start', redisId],
    ]);
  });

  it('container-kill on a named container; revert starts it when still down', async () => {
    const handle = await injectDocker(
      fault({ id: 'ck', kind: 'container-kill', container: 'firedrill-model-server-1' }),
      targets,
      context(),
    );
    await handle.revert(); // before the 1 s restart
    expect((await container(modelId)).State.Running).toBe(true);
    expect(await mutating()).toEqual([
      ['kill', 'firedrill-model-server-1'],
      ['start', 'firedrill-model-server-1'],
    ]);
    expect((await calls()).some((a) => a[0] === 'ps')).toBe(false);
  });

  it('feature-store-outage blackhole: disconnect every network of redis, reconnect with the compose aliases', async () => {
    const ctx = context();
    const handle = await injectDocker(
      fault({ id: 'fs', kind: 'feature-store-outage', mode: 'blackhole' }),
      targets,
      ctx,
    );
    expect(ctx.records[0]!.data).toEqual({
      action: 'reconnect',
      container: redisId,
      networks: [
        { name: 'firedrill_default', aliases: ['firedrill-redis-1', 'redis', redisId.slice(0, 12)] },
      ],
    });
    expect((await container(redisId)).Networks).toEqual({});
    expect(await handle.landed()).toMatchObject({ landed: true });
    await handle.revert();
    expect(await mutating()).toEqual([
      ['network', 'disconnect', 'firedrill_default', redisId],
      [
        'network',
        'connect',
        '--alias',
        'firedrill-redis-1',
        '--alias',
        'redis',
        'firedrill_default',
        redisId,
      ],
    ]);
    expect((await container(redisId)).Networks.firedrill_default.Aliases).toContain('redis');
  });

  it.each([
    [{ id: 'x', kind: 'feature-store-outage', mode: 'latency', latency: '100ms' }, 'tc/netem'],
    [{ id: 'x', kind: 'cpu-stress' }, 'not supported'],
    [{ id: 'x', kind: 'gpu-throttle', mode: 'power-cap', depth: 0.5 }, 'not supported'],
    [{ id: 'x', kind: 'http-fault', action: 'abort' }, 'not supported'],
  ])('refuses %o without running docker', async (input, word) => {
    const ctx = context();
    const error = await rejection(injectDocker(fault(input), targets, ctx));
    expect(error.code).toBe('FD_INJECT_FAILED');
    expect(error.message).toContain(word);
    expect(error.hint).toContain('kubernetes');
    expect(await calls()).toEqual([]);
    expect(ctx.records).toEqual([]);
  });

  it('recoverDocker undoes a crashed run from the journal record, idempotently', async () => {
    const ctx = context();
    await injectDocker(fault({ id: 'freeze', kind: 'pod-failure' }), targets, ctx); // crash: no revert
    expect((await container(modelId)).State.Paused).toBe(true);
    expect(await recoverDocker(ctx.records[0]!, targets)).toBe(`unpaused ${modelId}`);
    expect(await recoverDocker(ctx.records[0]!, targets)).toBe(`${modelId} not paused`);
    expect((await container(modelId)).State.Paused).toBe(false);
  });

  it('FIREDRILL_DOCKER / dockerBinary picks the binary; a missing one is FD_BACKEND_UNREACHABLE', async () => {
    const viaEnv = await injectDocker(
      fault({ id: 'p', kind: 'pod-failure' }),
      { env: { ...targets.env, PATH: '/nonexistent', FIREDRILL_DOCKER: join(dir, 'docker') } },
      context(),
    );
    await viaEnv.revert();
    const error = await rejection(
      injectDocker(
        fault({ id: 'p', kind: 'pod-failure' }),
        { ...targets, dockerBinary: join(dir, 'missing') },
        context(),
      ),
    );
    expect(error.code).toBe('FD_BACKEND_UNREACHABLE');
    expect(error.hint).toContain('FIREDRILL_DOCKER');
  });

  it('no compose container: a clear error naming the service and project', async () => {
    const error = await rejection(
      injectDocker(fault({ id: 'p', kind: 'pod-failure' }), { ...targets, project: 'other' }, context()),
    );
    expect(error.message).toContain('no container for compose service "model-server" of project "other"');
  });
});
