import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Logger } from '../core/log.ts';
import { connectStack, externalWebhookSecret } from './endpoints.ts';

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
  const base = { allowHosts: [], runDir: tmpdir(), log: recordingLog() };

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
