import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Logger, silentLogger } from '../core/log.ts';
import { parseScenario, type Scenario } from '../scenario/index.ts';
import { connectStack, externalWebhookSecret, faultsNeedingFixture } from './endpoints.ts';

const quiet = silentLogger;

function scenarioWith(extra: Record<string, unknown>): Scenario {
  const result = parseScenario({
    name: 'byo',
    description: 'a scenario against a server the user runs',
    target: { protocol: 'kserve-v2', model: 'm' },
    traffic: { model: 'open', stages: [{ kind: 'constant', rate: 5, duration: '20s' }] },
    expect: [{ kind: 'threshold', phase: 'run', metric: 'error-ratio', op: '<', value: 0.01 }],
    ...extra,
  });
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.scenario;
}

describe('faultsNeedingFixture', () => {
  it('lists every local fault that acts through the fixture, with the backends that can do it instead', () => {
    const scenario = scenarioWith({
      faults: [
        { id: 'slow', kind: 'latency-spike', at: '1s', duration: '2s', delay: '100ms' },
        { id: 'cpu', kind: 'cpu-stress', at: '1s', duration: '2s' },
        { id: 'kill', kind: 'pod-kill', at: '4s', duration: '2s' },
        { id: 'k8s', kind: 'pod-kill', at: '4s', duration: '2s', backend: 'docker' },
        { id: 'gpu', kind: 'gpu-throttle', at: '4s', duration: '2s', mode: 'contention', depth: 0.5 },
      ],
    });
    expect(faultsNeedingFixture(scenario.faults)).toEqual([
      { index: 0, id: 'slow', kind: 'latency-spike', alternative: expect.stringContaining('http-fault') },
      {
        index: 2,
        id: 'kill',
        kind: 'pod-kill',
        alternative: expect.stringContaining('"docker" or "kubernetes"'),
      },
      { index: 4, id: 'gpu', kind: 'gpu-throttle', alternative: expect.stringContaining('"kubernetes"') },
    ]);
  });
});

describe('connectStack with a target the user named', () => {
  const base = { allowHosts: [], runDir: '/nonexistent', log: quiet, scenarioFile: 'byo.ts' };

  it('refuses a named server without rules for it, before starting anything (exit 2)', async () => {
    const scenario = scenarioWith({
      target: { url: 'http://127.0.0.1:9', protocol: 'kserve-v2', model: 'm' },
    });
    await expect(connectStack({ ...base, scenario })).rejects.toMatchObject({
      code: 'FD_USAGE',
      message: expect.stringContaining('http://127.0.0.1:9 is your own model server (byo.ts: target.url)'),
      hint: expect.stringContaining('--rules'),
    });
  });

  it('refuses faults that need the fixture, naming each with its path', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fd-byo-'));
    await writeFile(join(dir, 'r.yml'), 'groups: []\n');
    const scenario = scenarioWith({
      rules: join(dir, 'r.yml'),
      faults: [{ id: 'slow', kind: 'latency-spike', at: '1s', duration: '2s', delay: '100ms' }],
    });
    await expect(connectStack({ ...base, scenario, target: 'http://127.0.0.1:9' })).rejects.toMatchObject({
      code: 'FD_USAGE',
      message: expect.stringContaining('byo.ts: faults[0] (slow, latency-spike on local)'),
    });
  });

  it('refuses --rules with --prometheus: that Prometheus loads its own rules', async () => {
    const scenario = scenarioWith({});
    await expect(
      connectStack({
        ...base,
        scenario,
        prometheus: 'http://127.0.0.1:9090',
        target: 'http://127.0.0.1:9',
        rules: 'r/',
      }),
    ).rejects.toMatchObject({
      code: 'FD_USAGE',
      message: expect.stringContaining('--rules applies to the embedded'),
    });
  });

  it('refuses a non-loopback target unless allowed (the safety gate comes first)', async () => {
    const scenario = scenarioWith({
      target: { url: 'http://10.1.2.3:8000', protocol: 'kserve-v2', model: 'm' },
    });
    await expect(connectStack({ ...base, scenario })).rejects.toMatchObject({
      code: 'FD_TARGET_NOT_ALLOWED',
    });
  });
});

function recordingLog(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  return { info() {}, debug() {}, warn: (line: string) => warnings.push(line), warnings };
}

async function secretFile(content: string, mode: number): Promise<string> {
  const file = join(await mkdtemp(join(tmpdir(), 'fd-secret-')), 'webhook-secret');
  await writeFile(file, content);
  await chmod(file, mode);
  return file;
}

describe('externalWebhookSecret', () => {
  it('reads the secret from the file (trimmed), quietly when only its owner can read it', async () => {
    const log = recordingLog();
    const file = await secretFile('s3cret-from-file\n', 0o600);
    expect(externalWebhookSecret(file, { FIREDRILL_WEBHOOK_SECRET: 'from-env' }, log)).toBe(
      's3cret-from-file',
    );
    expect(log.warnings).toEqual([]);
  });

  it('warns when others can read the file, without putting the secret in the warning', async () => {
    const log = recordingLog();
    const file = await secretFile('s3cret-from-file', 0o644);
    expect(externalWebhookSecret(file, {}, log)).toBe('s3cret-from-file');
    expect(log.warnings).toHaveLength(1);
    expect(log.warnings[0]).toContain(`${file} is readable by others (mode 644)`);
    expect(log.warnings[0]).not.toContain('s3cret');
  });

  it.each([
    ['a missing file', async () => join(tmpdir(), 'fd-no-such-dir', 'secret'), /cannot read .*\(ENOENT\)/],
    ['an empty file', () => secretFile(' \n', 0o600), /is empty/],
    ['two words', () => secretFile('two words\n', 0o600), /whitespace inside the secret/],
  ])('refuses %s as a usage error naming the file', async (_what, make, message) => {
    const file = await make();
    try {
      externalWebhookSecret(file, {}, recordingLog());
      expect.unreachable();
    } catch (error) {
      expect(error).toMatchObject({ code: 'FD_USAGE', exitCode: 2, message: expect.stringMatching(message) });
      expect((error as Error).message).toContain(file);
      expect((error as { hint: string }).hint).toBeTruthy();
    }
  });

  it('takes $FIREDRILL_WEBHOOK_SECRET without a file', () => {
    const log = recordingLog();
    expect(externalWebhookSecret(undefined, { FIREDRILL_WEBHOOK_SECRET: ' env-secret ' }, log)).toBe(
      'env-secret',
    );
    expect(log.warnings).toEqual([]);
  });

  it('with neither, makes a random secret nobody knows and says that every notification will be refused', () => {
    const log = recordingLog();
    const a = externalWebhookSecret(undefined, {}, log);
    const b = externalWebhookSecret(undefined, {}, log);
    expect(a).toMatch(/^[0-9a-f]{48}$/);
    expect(a).not.toBe(b);
    expect(log.warnings[0]).toMatch(/every Alertmanager notification will be refused \(401\)/);
  });
});

describe('connectStack and the webhook secret', () => {
  const saved = process.env.FIREDRILL_STATE_DIR;
  afterEach(() => {
    if (saved === undefined) delete process.env.FIREDRILL_STATE_DIR;
    else process.env.FIREDRILL_STATE_DIR = saved;
  });
  const base = {
    allowHosts: [],
    runDir: tmpdir(),
    log: recordingLog(),
    scenario: scenarioWith({}),
    scenarioFile: 'fixture.ts',
  };

  it('refuses --webhook-secret-file without an external stack', async () => {
    await expect(connectStack({ ...base, webhookSecretFile: '/any/file' })).rejects.toMatchObject({
      code: 'FD_USAGE',
      message: expect.stringContaining('--webhook-secret-file applies to a stack given by --prometheus'),
    });
  });

  it('gives an external stack the secret from --webhook-secret-file', async () => {
    const file = await secretFile('external-secret', 0o600);
    const connected = await connectStack({
      ...base,
      prometheus: 'http://127.0.0.1:9090',
      target: 'http://127.0.0.1:8080',
      webhookSecretFile: file,
    });
    expect(connected.origin).toBe('external');
    expect(connected.endpoints.webhookSecret).toBe('external-secret');
  });

  it('refuses an `up` stack recorded without a webhook secret, with the restart as hint', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fd-state-'));
    process.env.FIREDRILL_STATE_DIR = dir;
    const state = {
      prometheus: 'http://127.0.0.1:1',
      alertmanager: 'http://127.0.0.1:2',
      target: 'http://127.0.0.1:3',
      startedAt: new Date().toISOString(),
      dir,
      components: [{ name: 'prometheus', pid: process.pid, logFile: join(dir, 'p.log') }],
    };
    await writeFile(join(dir, 'stack.json'), JSON.stringify(state));
    await expect(connectStack(base)).rejects.toMatchObject({
      code: 'FD_STACK_START',
      hint: 'restart it: firedrill down && firedrill up',
    });
    await writeFile(join(dir, 'stack.json'), JSON.stringify({ ...state, webhookSecret: 'up-secret' }));
    const connected = await connectStack(base);
    expect(connected.origin).toBe('up');
    expect(connected.endpoints.webhookSecret).toBe('up-secret');
  });
});
